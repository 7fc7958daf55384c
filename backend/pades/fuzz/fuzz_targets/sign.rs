//! Fuzz target: signing any input either fails with an error or produces a file that keeps the
//! input as prefix, reads back with one more signature and passes the engine's own verifier.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pades::{
    DevPki, DevPkiOptions, LocalKeySigner, PdfSigner, SignatureMetadata, ValidationContext,
};

fn pki() -> &'static (LocalKeySigner, ValidationContext) {
    static S: OnceLock<(LocalKeySigner, ValidationContext)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pades-fuzz-pki-{}", std::process::id()));
        let pki = DevPki::generate(&dir, &DevPkiOptions::default()).expect("dev PKI");
        let ctx = ValidationContext::from_pem(&pki.root_pem().expect("root")).expect("ctx");
        (pki.seal_signer().expect("signer"), ctx)
    })
}

fuzz_target!(|data: &[u8]| {
    let (signer, ctx) = pki();
    let meta = SignatureMetadata::default();
    if let Ok(signed) = PdfSigner::new(signer, &meta).sign(data) {
        assert!(signed.bytes().starts_with(data));
        let before = pades::inspect(data).expect("a signable input inspects");
        let after = pades::inspect(signed.bytes()).expect("the output reads back");
        assert_eq!(after.signature_count(), before.signature_count() + 1);
        let statuses = pades::verify(signed.bytes(), ctx).expect("the output verifies");
        assert!(statuses.last().is_some_and(|s| s.is_ok()), "{statuses:?}");
    }
});
