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

/// Appends an incremental update that rewrites object `num` with `edit` applied to its latest
/// definition (a hand-made tamper, as an attacker's tool would write it).
fn append_update(pdf: &[u8], num: u32, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let text = String::from_utf8_lossy(pdf).into_owned();
    let head = format!("\n{num} 0 obj");
    let start = text.rfind(&head).expect("object present") + 1;
    let body_start = start + head.len();
    let end = body_start + text[body_start..].find("endobj").unwrap();
    let body = edit(&text[body_start..end]);
    let trailer_at = text.rfind("trailer").unwrap();
    let trailer = &text[trailer_at..];
    let grab = |key: &str| -> String {
        let i = trailer.find(key).unwrap() + key.len();
        trailer[i..]
            .split(['/', '>'])
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    let (size, root) = (grab("/Size"), grab("/Root"));
    let sx = text.rfind("startxref").unwrap();
    let prev: usize = text[sx + 9..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut out = pdf.to_vec();
    let off = out.len();
    out.extend_from_slice(format!("{num} 0 obj{body}endobj\n").as_bytes());
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{num} 1\n{off:010} 00000 n\r\ntrailer\n<</Size {size}/Root {root}/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

#[test]
fn a_later_page_change_is_reported_and_allowed_updates_are_not() {
    let (pki, pdf) = signed_bt();
    // libreoffice-ja-contract.pdf: page 1 is object 1.
    let rotated = append_update(&pdf, 1, |b| b.replacen("/Type", "/Rotate 90 /Type", 1));
    let st = verify(&rotated, &ctx(&pki)).unwrap();
    assert_eq!(st[0].coverage, Coverage::EntireRevision);
    assert!(!st[0].is_ok(), "{:?}", st[0]);
    assert!(
        st[0].modifications.iter().any(|m| m.contains("/Rotate")),
        "{:?}",
        st[0]
    );
    // Re-writing an object unchanged, and a second signature, are not modifications.
    let same = append_update(&pdf, 1, str::to_string);
    let st = verify(&same, &ctx(&pki)).unwrap();
    assert!(st[0].is_ok(), "{:?}", st[0]);
}

#[test]
fn filled_field_and_presigned_second_signature_show_no_modifications() {
    let dir = scratch("verify-mods");
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
    let signer = pki.seal_signer().unwrap();
    let presigned_root =
        std::fs::read_to_string(common::corpus_dir().join("presigned-root-ca.pem")).unwrap();
    let mut ctx2 = ctx(&pki);
    ctx2.add_pem(&presigned_root).unwrap();
    let out = PdfSigner::new(&signer, &SignatureMetadata::default())
        .sign(&corpus("presigned-pades-bt-rsa.pdf"))
        .unwrap();
    let st = verify(out.bytes(), &ctx2).unwrap();
    assert_eq!(st.len(), 2);
    assert!(st.iter().all(|s| s.is_ok()), "{st:?}");
    let out = PdfSigner::new(&signer, &SignatureMetadata::default().field_name("Seal"))
        .sign(&corpus("incremental-update-empty-sigfield.pdf"))
        .unwrap();
    let twice = PdfSigner::new(&signer, &SignatureMetadata::default())
        .sign(out.bytes())
        .unwrap();
    let st = verify(twice.bytes(), &ctx2).unwrap();
    assert!(st.iter().all(|s| s.is_ok()), "{st:?}");
}
