//! The signing path never panics and never produces a broken file: mutated corpus files either
//! sign — and then the output keeps the original as prefix and reads back with one more signature —
//! or are refused with an error.

mod common;

use std::sync::OnceLock;

use pades::{DevPki, DevPkiOptions, LocalKeySigner, PdfSigner, SignatureMetadata, inspect};
use proptest::prelude::*;

fn signer() -> &'static LocalKeySigner {
    static S: OnceLock<LocalKeySigner> = OnceLock::new();
    S.get_or_init(|| {
        let dir = common::scratch("robust-pki");
        DevPki::generate(&dir, &DevPkiOptions::default())
            .unwrap()
            .seal_signer()
            .unwrap()
    })
}

const FILES: &[&str] = &[
    "libreoffice-ja-contract.pdf",
    "qpdf-object-streams.pdf",
    "incremental-update-empty-sigfield.pdf",
    "word2010-hybrid-xref.pdf",
    "reportlab-acroform.pdf",
    "presigned-pades-bt-rsa.pdf",
];

fn files() -> &'static Vec<Vec<u8>> {
    static F: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    F.get_or_init(|| FILES.iter().map(|f| common::corpus(f)).collect())
}

fn sign_or_refuse(data: &[u8]) {
    let meta = SignatureMetadata::default();
    if let Ok(signed) = PdfSigner::new(signer(), &meta).sign(data) {
        assert!(signed.bytes().starts_with(data));
        let before = inspect(data).expect("signable input inspects");
        let after = inspect(signed.bytes()).expect("signed output reads back");
        assert_eq!(after.signature_count(), before.signature_count() + 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn mutated_files_sign_or_are_refused(
        file in 0..FILES.len(),
        edits in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..8),
        tail in any::<bool>(),
    ) {
        let mut data = files()[file].clone();
        let len = data.len();
        for (at, byte) in edits {
            let pos = if tail {
                len - 1 - ((at * 3000.0) as usize).min(len - 1)
            } else {
                (at * len as f64) as usize
            };
            data[pos.min(len - 1)] = byte;
        }
        sign_or_refuse(&data);
    }

    #[test]
    fn truncated_and_spliced_files_sign_or_are_refused(file in 0..FILES.len(), cut in 0.0f64..1.0) {
        let data = &files()[file];
        let n = (data.len() as f64 * cut) as usize;
        sign_or_refuse(&data[..n]);
        let mut spliced = data[..n / 2].to_vec();
        spliced.extend_from_slice(&data[n..]);
        sign_or_refuse(&spliced);
    }
}
