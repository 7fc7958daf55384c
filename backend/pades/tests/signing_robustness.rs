//! The signing path never panics and never produces a broken file: mutated corpus files either
//! sign — and then the output keeps the original as prefix and reads back with one more signature —
//! or are refused with an error; what signs also passes the engine's own verifier.

mod common;

use std::sync::OnceLock;

use pades::{
    Coverage, DevPki, DevPkiOptions, LocalKeySigner, PdfSigner, SignatureMetadata,
    ValidationContext, inspect, verify,
};
use proptest::prelude::*;

fn pki() -> &'static (LocalKeySigner, ValidationContext) {
    static S: OnceLock<(LocalKeySigner, ValidationContext)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = common::scratch("robust-pki");
        let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
        let ctx = ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap();
        (pki.seal_signer().unwrap(), ctx)
    })
}

fn signer() -> &'static LocalKeySigner {
    &pki().0
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
        // Our signature (the newest) verifies: intact, valid, trusted, covering the whole file.
        let statuses = verify(signed.bytes(), &pki().1).expect("signed output verifies");
        let newest = statuses.last().expect("at least our signature");
        assert!(newest.is_ok(), "{newest:?}");
        assert_eq!(newest.coverage, Coverage::EntireFile);
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
