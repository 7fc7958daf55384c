//! Path validation: chains that break RFC 5280's rules for issuers, or whose
//! end entity is unfit for its purpose, are reported untrusted with the reason; the same chain
//! built by the rules verifies (so the failures are the rules', not the helper's).

use super::*;
use crate::devpki::{Deviations, Kind, issue_for_test};
use crate::tsa::BuiltinTsa;
use crate::tsp::TimeStamper;
use crate::{LocalKeySigner, PdfSigner, SignatureMetadata};
use der::asn1::ObjectIdentifier;
use p256::ecdsa::SigningKey;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsages};

fn key() -> SigningKey {
    let mut b = [0u8; 32];
    loop {
        getrandom::fill(&mut b).unwrap();
        if let Ok(k) = SigningKey::from_slice(&b) {
            return k;
        }
    }
}

/// A certificate and its key.
struct Issued(Certificate, SigningKey);

fn issue(kind: Kind, cn: &str, by: Option<&Issued>, d: Deviations) -> Issued {
    let k = key();
    let c = issue_for_test(kind, cn, by.map(|i| (&i.0, &i.1)), &k, d).unwrap();
    Issued(c, k)
}

fn root() -> Issued {
    issue(Kind::Root, "Test Root", None, Deviations::default())
}

fn corpus_pdf() -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/pdf-corpus/libreoffice-ja-contract.pdf");
    std::fs::read(p).unwrap()
}

/// Signs the corpus file with `leaf`, its chain `chain` (upwards), and `tsa` if given; verifies
/// against `root`.
fn sign_and_verify(
    leaf: &Issued,
    chain: &[&Issued],
    root: &Issued,
    tsa: Option<&dyn TimeStamper>,
) -> SignatureStatus {
    let signer = LocalKeySigner::from_p256(
        leaf.1.clone(),
        leaf.0.clone(),
        chain.iter().map(|i| i.0.clone()).collect(),
    )
    .unwrap();
    let meta = SignatureMetadata::default();
    let mut s = PdfSigner::new(&signer, &meta);
    if let Some(t) = tsa {
        s = s.timestamper(t);
    }
    let signed = s.sign(&corpus_pdf()).unwrap();
    let ctx = ValidationContext {
        trust_roots: vec![root.0.clone()],
    };
    let mut st = verify(signed.bytes(), &ctx).unwrap();
    assert_eq!(st.len(), 1);
    st.remove(0)
}

fn assert_untrusted_because(st: &SignatureStatus, why: &str) {
    assert!(st.intact && st.valid, "{st:?}");
    assert!(!st.is_ok(), "{st:?}");
    assert!(
        st.problems.iter().any(|p| p.contains(why)),
        "expected a problem containing {why:?}: {:?}",
        st.problems
    );
}

fn ca(cn: &str, by: &Issued) -> Issued {
    issue(Kind::Intermediate, cn, Some(by), Deviations::default())
}

fn seal(cn: &str, by: &Issued) -> Issued {
    issue(Kind::Seal, cn, Some(by), Deviations::default())
}

#[test]
fn a_chain_built_by_the_rules_verifies_with_its_timestamp() {
    let root = root();
    let ica = ca("Test CA", &root);
    let leaf = seal("Test Seal", &ica);
    let tsa_cert = issue(Kind::Tsa, "Test TSA", Some(&ica), Deviations::default());
    let tsa = BuiltinTsa::new(
        LocalKeySigner::from_p256(tsa_cert.1.clone(), tsa_cert.0.clone(), vec![ica.0.clone()])
            .unwrap(),
    )
    .unwrap();
    let st = sign_and_verify(&leaf, &[&ica, &root], &root, Some(&tsa));
    assert!(st.is_ok(), "{st:?}");
    assert!(st.timestamp.is_some());
}

#[test]
fn an_intermediate_without_ca_is_not_an_issuer() {
    let root = root();
    let not_ca = issue(
        Kind::Intermediate,
        "Not A CA",
        Some(&root),
        Deviations {
            basic_constraints: Some(Some(BasicConstraints {
                ca: false,
                path_len_constraint: None,
            })),
            ..Default::default()
        },
    );
    let leaf = seal("Seal Under Non-CA", &not_ca);
    let st = sign_and_verify(&leaf, &[&not_ca, &root], &root, None);
    assert_untrusted_because(&st, "Not A CA");
    assert_untrusted_because(&st, "is not a CA (basicConstraints cA is false)");

    // Without any basicConstraints it is no CA either (RFC 5280 §6.1.4 (k)).
    let bare = issue(
        Kind::Intermediate,
        "Bare CA",
        Some(&root),
        Deviations {
            basic_constraints: Some(None),
            ..Default::default()
        },
    );
    let leaf = seal("Seal Under Bare", &bare);
    let st = sign_and_verify(&leaf, &[&bare, &root], &root, None);
    assert_untrusted_because(&st, "is not a CA (no basicConstraints)");
}

#[test]
fn a_leaf_that_signs_another_leaf_is_refused() {
    let root = root();
    let ica = ca("Test CA", &root);
    let first = seal("First Leaf", &ica);
    let second = seal("Second Leaf", &first);
    let st = sign_and_verify(&second, &[&first, &ica, &root], &root, None);
    assert_untrusted_because(&st, "First Leaf");
    assert_untrusted_because(&st, "is not a CA");
}

#[test]
fn path_length_and_key_cert_sign_are_honoured() {
    let root = root();
    // The dev intermediate has pathLenConstraint 0: no CA may follow it.
    let ica = ca("Path Zero CA", &root);
    let sub = ca("Sub CA", &ica);
    let leaf = seal("Deep Seal", &sub);
    let st = sign_and_verify(&leaf, &[&sub, &ica, &root], &root, None);
    assert_untrusted_because(
        &st,
        "has pathLenConstraint 0 but 1 intermediate CAs follow it",
    );

    let crl_only = issue(
        Kind::Intermediate,
        "CRL Only CA",
        Some(&root),
        Deviations {
            key_usage: Some(Some(KeyUsage(KeyUsages::CRLSign.into()))),
            ..Default::default()
        },
    );
    let leaf = seal("Seal Under CRL Only", &crl_only);
    let st = sign_and_verify(&leaf, &[&crl_only, &root], &root, None);
    assert_untrusted_because(&st, "its keyUsage lacks keyCertSign");
}

#[test]
fn a_signer_whose_key_usage_is_only_key_cert_sign_may_not_sign() {
    let root = root();
    let ica = ca("Test CA", &root);
    let leaf = issue(
        Kind::Seal,
        "Cert Signing Only",
        Some(&ica),
        Deviations {
            key_usage: Some(Some(KeyUsage(KeyUsages::KeyCertSign.into()))),
            ..Default::default()
        },
    );
    let st = sign_and_verify(&leaf, &[&ica, &root], &root, None);
    assert_untrusted_because(
        &st,
        "may not sign documents: its keyUsage allows neither digitalSignature nor nonRepudiation",
    );
}

/// A TSA client that takes whatever token the TSA returns, as a careless signer would.
struct Unchecked<'a>(&'a BuiltinTsa);

impl TimeStamper for Unchecked<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        let (req, _) = crate::tsp::build_request(digest)?;
        let resp = crate::asn1::TimeStampResp::from_der(&self.0.respond(&req))?;
        Ok(resp.time_stamp_token.expect("granted").to_der()?)
    }
}

#[test]
fn a_tsa_without_the_time_stamping_eku_is_refused() {
    let root = root();
    let ica = ca("Test CA", &root);
    let leaf = seal("Test Seal", &ica);
    for (cn, eku) in [
        ("No EKU TSA", None),
        (
            "Wrong EKU TSA",
            // id-kp-emailProtection instead of id-kp-timeStamping.
            Some(ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap(
                "1.3.6.1.5.5.7.3.4",
            )])),
        ),
    ] {
        let tsa_cert = issue(
            Kind::Tsa,
            cn,
            Some(&ica),
            Deviations {
                extended_key_usage: Some(eku),
                ..Default::default()
            },
        );
        let tsa = BuiltinTsa::new(
            LocalKeySigner::from_p256(tsa_cert.1.clone(), tsa_cert.0.clone(), vec![ica.0.clone()])
                .unwrap(),
        )
        .unwrap();
        let st = sign_and_verify(&leaf, &[&ica, &root], &root, Some(&Unchecked(&tsa)));
        assert_untrusted_because(&st, "signature timestamp:");
        assert!(st.timestamp.is_none(), "{st:?}");
        assert!(
            st.problems.iter().any(|p| p.contains("extended key usage")),
            "{:?}",
            st.problems
        );
    }
}

#[test]
fn the_development_pki_follows_the_rules() {
    let dir = std::env::temp_dir().join(format!("pades-devpki-rules-{}", std::process::id()));
    let pki = crate::DevPki::generate(&dir, &Default::default()).unwrap();
    let signer = pki.seal_signer().unwrap();
    let tsa = pki.builtin_tsa().unwrap();
    let signed = PdfSigner::new(&signer, &SignatureMetadata::default())
        .timestamper(&tsa)
        .sign(&corpus_pdf())
        .unwrap();
    let ctx = ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap();
    let st = verify(signed.bytes(), &ctx).unwrap();
    assert!(st[0].is_ok(), "{:?}", st[0]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_tsa_token_whose_chain_is_forged_is_refused_before_use() {
    let root = root();
    let ica = ca("Test CA", &root);
    let tsa_cert = issue(Kind::Tsa, "Test TSA", Some(&ica), Deviations::default());
    // The same names, other keys: a chain that did not issue the TSA's certificate.
    let forged_ica = ca("Test CA", &root);
    let honest = BuiltinTsa::new(
        LocalKeySigner::from_p256(tsa_cert.1.clone(), tsa_cert.0.clone(), vec![ica.0.clone()])
            .unwrap(),
    )
    .unwrap();
    let token = honest.timestamp(&[7u8; 32]).unwrap();
    let info = crate::tsp::verify_timestamp_token(&token).unwrap();
    assert_eq!(
        crate::tsp::timestamp_certificate(&token).unwrap(),
        tsa_cert.0
    );
    assert!(info.tsa_subject.contains("Test TSA"));
    let forged = BuiltinTsa::new(
        LocalKeySigner::from_p256(tsa_cert.1.clone(), tsa_cert.0.clone(), vec![forged_ica.0])
            .unwrap(),
    )
    .unwrap();
    let refused = forged.timestamp(&[7u8; 32]).unwrap_err().to_string();
    assert!(refused.contains("did not issue"), "{refused}");
    assert!(certificate_issued_by(&tsa_cert.0, &ica.0));
    assert!(!certificate_issued_by(&tsa_cert.0, &root.0));
}
