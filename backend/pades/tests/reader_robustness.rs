//! The reader never panics: random bytes, truncated and mutated corpus files either inspect or
//! give an error.

use std::path::PathBuf;

use proptest::prelude::*;

fn corpus(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/pdf-corpus")
        .join(name);
    std::fs::read(p).unwrap()
}

const SMALL: &[&str] = &[
    "libreoffice-ja-contract.pdf",
    "qpdf-object-streams.pdf",
    "incremental-update-xref-stream.pdf",
    "word2010-hybrid-xref.pdf",
    "presigned-certified-no-changes.pdf",
    "encrypted-aes256-user-password.pdf",
    "reportlab-acroform.pdf",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = pades::inspect(&bytes);
        let mut with_header = b"%PDF-1.7\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = pades::inspect(&with_header);
    }

    #[test]
    fn truncated_corpus_files_never_panic(file in 0..SMALL.len(), cut in 0.0f64..1.0) {
        let data = corpus(SMALL[file]);
        let n = (data.len() as f64 * cut) as usize;
        let _ = pades::inspect(&data[..n]);
        // Keep the tail (startxref / trailer) but cut the middle.
        let mut spliced = data[..n / 2].to_vec();
        spliced.extend_from_slice(&data[n..]);
        let _ = pades::inspect(&spliced);
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        file in 0..SMALL.len(),
        edits in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..16),
        tail_bias in any::<bool>(),
    ) {
        let mut data = corpus(SMALL[file]);
        let len = data.len();
        for (at, byte) in edits {
            // Half of the cases hit the last 2 KiB, where the xref and trailer live.
            let pos = if tail_bias { len - 1 - ((at * 2048.0) as usize).min(len - 1) } else { (at * len as f64) as usize };
            data[pos.min(len - 1)] = byte;
        }
        let _ = pades::inspect(&data);
    }
}
