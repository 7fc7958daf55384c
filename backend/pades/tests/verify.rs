//! The engine's own verifier agrees with the validators on our outputs and on tampered copies:
//! intact + valid + trusted + whole-file coverage for a fresh B-T file; a flipped byte → not
//! intact; appended garbage → partial coverage; a wrong trust root → not trusted; the pre-signed
//! corpus file's RSA/SHA-384 signature verifies with its own root; B-LTA shows the document
//! timestamp.

mod common;

use common::{corpus, scratch};
use pades::{
    Coverage, DevPki, DevPkiOptions, PdfSigner, SignatureKind, SignatureMetadata,
    ValidationContext, verify,
};

fn signed_bt() -> (DevPki, Vec<u8>) {
    let dir = scratch(&format!(
        "verify-{}",
        std::thread::current().name().unwrap_or("t").len()
    ));
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
    let signer = pki.seal_signer().unwrap();
    let tsa = pki.builtin_tsa().unwrap();
    let signed = PdfSigner::new(&signer, &SignatureMetadata::default())
        .timestamper(&tsa)
        .sign(&corpus("libreoffice-ja-contract.pdf"))
        .unwrap();
    (pki, signed.into_bytes())
}

fn ctx(pki: &DevPki) -> ValidationContext {
    ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap()
}

#[test]
fn fresh_b_t_signature_verifies() {
    let (pki, pdf) = signed_bt();
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    assert_eq!(st.len(), 1);
    let s = &st[0];
    assert!(s.is_ok(), "{s:?}");
    assert_eq!(s.coverage, Coverage::EntireFile);
    assert_eq!(s.kind, SignatureKind::Signature);
    assert_eq!(s.sub_filter, "ETSI.CAdES.detached");
    assert!(s.timestamp.is_some());
    assert!(
        s.signer_subject
            .as_deref()
            .unwrap()
            .contains("UNTRUSTED DEVELOPMENT SEAL")
    );
}

#[test]
fn flipped_byte_is_not_intact() {
    let (pki, mut pdf) = signed_bt();
    pdf[1000] ^= 1; // inside the first signed range
    let s = &verify(&pdf, &ctx(&pki)).unwrap()[0];
    assert!(!s.intact && !s.is_ok(), "{s:?}");
}

#[test]
fn appended_garbage_is_partial_coverage() {
    let (pki, mut pdf) = signed_bt();
    pdf.extend_from_slice(b"GARBAGE AFTER EOF\n");
    let s = &verify(&pdf, &ctx(&pki)).unwrap()[0];
    assert!(s.intact && s.valid);
    assert_eq!(s.coverage, Coverage::Partial, "{s:?}");
    assert!(!s.is_ok());
}

#[test]
fn wrong_root_is_not_trusted() {
    let (_, pdf) = signed_bt();
    let other = DevPki::generate(&scratch("verify-other"), &DevPkiOptions::default()).unwrap();
    let s = &verify(&pdf, &ctx(&other)).unwrap()[0];
    assert!(s.intact && s.valid && !s.trusted, "{s:?}");
}

#[test]
fn presigned_corpus_signature_verifies_with_its_root() {
    let root = std::fs::read_to_string(common::corpus_dir().join("presigned-root-ca.pem")).unwrap();
    let ctx = ValidationContext::from_pem(&root).unwrap();
    let st = verify(&corpus("presigned-pades-bt-rsa.pdf"), &ctx).unwrap();
    assert_eq!(st.len(), 1);
    assert!(st[0].is_ok(), "{:?}", st[0]);
    assert!(st[0].timestamp.is_some());
    // The certified file: verifiable even though it cannot be signed.
    let st = verify(&corpus("presigned-certified-no-changes.pdf"), &ctx).unwrap();
    assert!(st[0].is_ok(), "{:?}", st[0]);
}

#[test]
fn a_second_signature_leaves_the_first_one_as_entire_revision() {
    let (pki, pdf) = signed_bt();
    let signer = pki.seal_signer().unwrap();
    let twice = PdfSigner::new(&signer, &SignatureMetadata::default())
        .sign(&pdf)
        .unwrap();
    let st = verify(twice.bytes(), &ctx(&pki)).unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0].coverage, Coverage::EntireRevision);
    assert_eq!(st[1].coverage, Coverage::EntireFile);
    assert!(st.iter().all(|s| s.is_ok()), "{st:?}");
}
