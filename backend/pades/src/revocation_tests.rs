//! Revocation from embedded data, the LTV verdict and the PAdES level, on files made by the
//! engine with the development PKI: B-T → level B-T, LTV incomplete; B-LTA → B-LTA, complete; a
//! DSS OCSP response saying "revoked before the signing time" → invalid with the reason; one
//! saying "revoked after" → still valid; a tampered OCSP signature or CRL signature → refused.

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use p256::ecdsa::SigningKey;
use p256::pkcs8::DecodePrivateKey;

use super::*;
use crate::asn1::{
    BasicOcspResponse, OcspRequest, OcspResponse, OcspResponseBytes, OcspResponseData,
    OcspSingleRequest, OcspTbsRequest,
};
use crate::verify::LtvGap;
use crate::{
    DevPki, DevPkiOptions, Dss, PadesError, PadesLevel, PdfSigner, SignatureKind,
    SignatureMetadata, SignatureStatus, ValidationContext, verify,
};

const BASE: &str = "http://dev.invalid/pki";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pades-revocation-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn corpus_pdf() -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/pdf-corpus/libreoffice-ja-contract.pdf");
    std::fs::read(p).unwrap()
}

/// The development PKI's OCSP responder and CRLs, answered in process (as the server does).
struct Local<'p>(&'p DevPki);

impl RevocationFetcher for Local<'_> {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError> {
        let path = url.strip_prefix(BASE).unwrap_or(url);
        self.0
            .http_response("GET", path, &[])
            .map(|(_, b)| b)
            .ok_or_else(|| PadesError::Revocation {
                reason: format!("{url}: not found"),
            })
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError> {
        let path = url.strip_prefix(BASE).unwrap_or(url);
        self.0
            .http_response("POST", path, request_der)
            .map(|(_, b)| b)
            .ok_or_else(|| PadesError::Revocation {
                reason: format!("{url}: not found"),
            })
    }
}

fn pki(name: &str) -> (DevPki, PathBuf) {
    let dir = scratch(name);
    let pki = DevPki::generate(
        &dir,
        &DevPkiOptions {
            base_url: Some(BASE.into()),
        },
    )
    .unwrap();
    (pki, dir)
}

fn ctx(pki: &DevPki) -> ValidationContext {
    ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap()
}

fn sign(pki: &DevPki, level: PadesLevel) -> Vec<u8> {
    let signer = pki.seal_signer().unwrap();
    let tsa = pki.builtin_tsa().unwrap();
    let fetcher = Local(pki);
    let meta = SignatureMetadata::default();
    let mut s = PdfSigner::new(&signer, &meta).level(level);
    if level >= PadesLevel::BT {
        s = s.timestamper(&tsa);
    }
    s.revocation_fetcher(&fetcher)
        .sign(&corpus_pdf())
        .unwrap()
        .into_bytes()
}

fn signature(st: &[SignatureStatus]) -> &SignatureStatus {
    st.iter()
        .find(|s| s.kind == SignatureKind::Signature)
        .expect("a signature")
}

/// A good OCSP response of the development PKI for the seal certificate, with its single
/// response's status replaced by `status` (DER of a CertStatus) and re-signed by the responder;
/// `tamper` flips a bit of the signature afterwards.
fn seal_ocsp(pki: &DevPki, dir: &Path, status: Option<der::asn1::Any>, tamper: bool) -> Vec<u8> {
    let id = crate::ltv::cert_id(&pki.seal, &pki.intermediate).unwrap();
    let req = OcspRequest {
        tbs_request: OcspTbsRequest {
            version: None,
            requestor_name: None,
            request_list: vec![OcspSingleRequest {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap();
    let good = pki.ocsp_respond(&req);
    let resp = OcspResponse::from_der(&good).unwrap();
    let rb = resp.response_bytes.unwrap();
    let mut basic = BasicOcspResponse::from_der(rb.response.as_bytes()).unwrap();
    let mut data = OcspResponseData::from_der(&basic.tbs_response_data.to_der().unwrap()).unwrap();
    if let Some(status) = status {
        data.responses[0].cert_status = status;
    }
    let tbs = data.to_der().unwrap();
    let pem = std::fs::read_to_string(dir.join("ocsp.key")).unwrap();
    let key = SigningKey::from_pkcs8_pem(&pem).unwrap();
    let sig: p256::ecdsa::Signature = signature::Signer::try_sign(&key, &tbs).unwrap();
    let mut sig = sig.to_der().as_bytes().to_vec();
    if tamper {
        let n = sig.len() - 3;
        sig[n] ^= 0x01;
    }
    basic.tbs_response_data = der::asn1::Any::from_der(&tbs).unwrap();
    basic.signature = der::asn1::BitString::from_bytes(&sig).unwrap();
    OcspResponse {
        response_status: resp.response_status,
        response_bytes: Some(OcspResponseBytes {
            response_type: rb.response_type,
            response: der::asn1::OctetString::new(basic.to_der().unwrap()).unwrap(),
        }),
    }
    .to_der()
    .unwrap()
}

/// `revoked [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] keyCompromise }`.
fn revoked_at(t: i64) -> der::asn1::Any {
    let time =
        der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(t as u64))
            .unwrap()
            .to_der()
            .unwrap();
    let mut value = time;
    value.extend_from_slice(&[0xa0, 0x03, 0x0a, 0x01, 0x01]);
    der::asn1::Any::new(
        der::Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber(1),
        },
        value,
    )
    .unwrap()
}

fn with_dss_ocsp(pdf: &[u8], ocsp: Vec<u8>) -> Vec<u8> {
    Dss {
        certs: Vec::new(),
        crls: Vec::new(),
        ocsps: vec![ocsp],
    }
    .add_to(pdf)
    .unwrap()
}

#[test]
fn b_t_is_level_b_t_and_not_long_term() {
    let (pki, _dir) = pki("bt");
    let pdf = sign(&pki, PadesLevel::BT);
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert!(s.is_ok(), "{s:?}");
    assert_eq!(s.level, Some(PadesLevel::BT));
    assert!(!s.ltv.complete && !s.ltv.data_in_file, "{:?}", s.ltv);
    // Seal → intermediate, TSA → intermediate: four checks, none with data.
    assert_eq!(s.revocation.len(), 4, "{:?}", s.revocation);
    assert!(
        s.revocation
            .iter()
            .all(|c| c.status == CertRevocation::Missing && c.origin.is_none())
    );
    let gaps: Vec<&str> = s.ltv.missing.iter().map(LtvGap::code).collect();
    assert_eq!(gaps.iter().filter(|g| **g == "revocation").count(), 3);
    assert!(s.ltv.missing.contains(&LtvGap::DocumentTimestamp));
    assert!(s.revocation.iter().filter(|c| c.timestamp_chain).count() == 2);
}

#[test]
fn b_b_is_level_b_b() {
    let (pki, _dir) = pki("bb");
    let pdf = sign(&pki, PadesLevel::BB);
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert_eq!(s.level, Some(PadesLevel::BB), "{s:?}");
    assert!(s.ltv.missing.contains(&LtvGap::Timestamp));
}

#[test]
fn b_lt_has_the_data_but_no_archive_timestamp() {
    let (pki, _dir) = pki("blt");
    let pdf = sign(&pki, PadesLevel::BLT);
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert!(s.is_ok(), "{s:?}");
    assert_eq!(s.level, Some(PadesLevel::BLT));
    assert!(s.ltv.data_in_file && !s.ltv.complete);
    assert_eq!(s.ltv.missing, vec![LtvGap::DocumentTimestamp]);
    assert!(
        s.revocation
            .iter()
            .all(|c| c.status == CertRevocation::Good && c.origin == Some(RevocationOrigin::Dss))
    );
}

#[test]
fn b_lta_is_level_b_lta_and_complete() {
    let (pki, _dir) = pki("blta");
    let pdf = sign(&pki, PadesLevel::BLTA);
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    assert_eq!(st.len(), 2);
    let s = signature(&st);
    assert!(s.is_ok(), "{s:?}");
    assert_eq!(s.level, Some(PadesLevel::BLTA));
    assert!(s.ltv.complete && s.ltv.missing.is_empty(), "{:?}", s.ltv);
    // The seal and the TSA by OCSP (delegated responder), the intermediate (in both chains) by
    // the root's CRL: all good, all from the DSS.
    assert_eq!(s.revocation.len(), 4);
    for c in &s.revocation {
        assert_eq!(c.status, CertRevocation::Good, "{c:?}");
        assert_eq!(c.origin, Some(RevocationOrigin::Dss), "{c:?}");
        assert!(c.refused.is_empty(), "{c:?}");
        let expected = if c.subject == pki.intermediate.tbs_certificate().subject().to_string() {
            RevocationKind::Crl
        } else {
            RevocationKind::Ocsp
        };
        assert_eq!(c.kind, Some(expected), "{c:?}");
    }
    // The document timestamp: its TSA chain's data is in the final DSS, but nothing covers it.
    let ts = &st[1];
    assert_eq!(ts.kind, SignatureKind::DocumentTimestamp);
    assert!(ts.is_ok(), "{ts:?}");
    assert_eq!(ts.level, None);
    assert!(ts.ltv.data_in_file && !ts.ltv.complete);
    assert_eq!(ts.ltv.missing, vec![LtvGap::DocumentTimestamp]);
    // A renewal covers it.
    let tsa = pki.builtin_tsa().unwrap();
    let renewed = crate::renew(&pdf, &tsa, &Local(&pki)).unwrap();
    let st = verify(&renewed, &ctx(&pki)).unwrap();
    assert_eq!(st.len(), 3);
    assert!(st[1].ltv.complete, "{:?}", st[1].ltv);
    assert_eq!(signature(&st).level, Some(PadesLevel::BLTA));
}

/// A fresher OCSP response added after the archive timestamp is the one shown, but the older
/// one under the timestamp still makes the data covered (found by comparing with pyHanko on the
/// corpus: the TSA's response of the final DSS was newer than the covered one).
#[test]
fn a_fresher_response_after_the_archive_timestamp_keeps_ltv_complete() {
    let (pki, dir) = pki("fresher");
    let pdf = sign(&pki, PadesLevel::BLTA);
    let before = signature(&verify(&pdf, &ctx(&pki)).unwrap()).revocation[0].clone();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let pdf = with_dss_ocsp(&pdf, seal_ocsp(&pki, &dir, None, false));
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert!(
        s.revocation[0].issued_unix > before.issued_unix,
        "{:?}",
        s.revocation[0]
    );
    assert!(s.ltv.complete, "{:?}", s.ltv);
    assert_eq!(s.level, Some(PadesLevel::BLTA));
}

#[test]
fn dss_added_after_the_last_timestamp_is_not_covered() {
    let (pki, _dir) = pki("uncovered");
    let bt = sign(&pki, PadesLevel::BT);
    let tsa = pki.builtin_tsa().unwrap();
    // Document timestamp first, validation data after it: B-LT, the data is not protected.
    let ts = crate::DocumentTimeStamper::new(&tsa)
        .timestamp(&bt)
        .unwrap();
    let certs = [
        pki.seal.clone(),
        pki.intermediate.clone(),
        pki.root.clone(),
        pki.tsa.clone(),
    ];
    let pdf = Dss::collect(&certs, &Local(&pki))
        .unwrap()
        .add_to(ts.bytes())
        .unwrap();
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert!(s.is_ok(), "{s:?}");
    assert!(s.ltv.data_in_file && !s.ltv.complete);
    assert_eq!(s.level, Some(PadesLevel::BLT));
    assert_eq!(
        s.ltv
            .missing
            .iter()
            .filter(|g| g.code() == "not_covered")
            .count(),
        3,
        "{:?}",
        s.ltv
    );
}

/// A B-T file and its signature timestamp's time.
fn signed_b_t(name: &str) -> (DevPki, PathBuf, Vec<u8>, i64) {
    let (pki, dir) = pki(name);
    let bt = sign(&pki, PadesLevel::BT);
    let signed_at = signature(&verify(&bt, &ctx(&pki)).unwrap())
        .timestamp
        .as_ref()
        .unwrap()
        .gen_time_unix;
    (pki, dir, bt, signed_at)
}

#[test]
fn ocsp_revoked_before_signing_makes_the_signature_invalid() {
    let (pki, dir, bt, signed_at) = signed_b_t("revoked");
    let pdf = with_dss_ocsp(
        &bt,
        seal_ocsp(&pki, &dir, Some(revoked_at(signed_at - 3600)), false),
    );
    let st = verify(&pdf, &ctx(&pki)).unwrap();
    let s = signature(&st);
    assert!(!s.is_ok(), "{s:?}");
    assert!(
        s.problems
            .iter()
            .any(|p| p.contains("was revoked at") && p.contains("before the signing time")),
        "{:?}",
        s.problems
    );
    let seal = &s.revocation[0];
    assert_eq!(
        seal.status,
        CertRevocation::Revoked {
            at: signed_at - 3600,
            before_signing: true
        }
    );
    assert_eq!(seal.origin, Some(RevocationOrigin::Dss));
    assert!(!s.ltv.complete);
    assert!(
        s.ltv
            .missing
            .contains(&LtvGap::Revocation(seal.subject.clone()))
    );
}

#[test]
fn ocsp_revoked_after_signing_keeps_the_signature_valid() {
    let (pki, dir, bt, signed_at) = signed_b_t("revoked-later");
    let pdf = with_dss_ocsp(
        &bt,
        seal_ocsp(&pki, &dir, Some(revoked_at(signed_at + 60)), false),
    );
    let s = signature(&verify(&pdf, &ctx(&pki)).unwrap()).clone();
    assert!(s.is_ok(), "{s:?}");
    assert!(matches!(
        s.revocation[0].status,
        CertRevocation::Revoked {
            before_signing: false,
            ..
        }
    ));
}

#[test]
fn tampered_ocsp_signature_is_refused() {
    let (pki, dir) = pki("tampered");
    let bt = sign(&pki, PadesLevel::BT);
    // A "revoked" answer with a broken signature must not count, nor may a "good" one.
    for status in [Some(revoked_at(0)), None] {
        let pdf = with_dss_ocsp(&bt, seal_ocsp(&pki, &dir, status, true));
        let st = verify(&pdf, &ctx(&pki)).unwrap();
        let s = signature(&st);
        assert!(s.is_ok(), "{s:?}");
        let seal = &s.revocation[0];
        assert_eq!(seal.status, CertRevocation::Missing, "{seal:?}");
        assert!(
            seal.refused
                .iter()
                .any(|r| r.contains("refused") && r.contains("does not verify")),
            "{seal:?}"
        );
        assert!(
            s.ltv
                .missing
                .contains(&LtvGap::Revocation(seal.subject.clone()))
        );
        assert_eq!(s.level, Some(PadesLevel::BT));
    }
    // The same response, untampered, counts.
    let pdf = with_dss_ocsp(&bt, seal_ocsp(&pki, &dir, None, false));
    let s = signature(&verify(&pdf, &ctx(&pki)).unwrap()).clone();
    assert_eq!(s.revocation[0].status, CertRevocation::Good);
}

#[test]
fn crl_with_a_bad_signature_is_refused_and_a_good_one_counts() {
    let (pki, _dir) = pki("crl");
    let bt = sign(&pki, PadesLevel::BT);
    // The root's CRL speaks for the intermediate.
    let good = pki.crl(crate::devpki::DevCa::Root).unwrap();
    let mut bad = good.clone();
    let n = bad.len() - 2;
    bad[n] ^= 0x01;
    for (crl, ok) in [(bad, false), (good, true)] {
        let pdf = Dss {
            certs: Vec::new(),
            crls: vec![crl],
            ocsps: Vec::new(),
        }
        .add_to(&bt)
        .unwrap();
        let s = signature(&verify(&pdf, &ctx(&pki)).unwrap()).clone();
        let inter = s
            .revocation
            .iter()
            .find(|c| !c.timestamp_chain && c.subject.contains("Intermediate"))
            .or_else(|| s.revocation.get(1))
            .unwrap();
        if ok {
            assert_eq!(inter.status, CertRevocation::Good, "{inter:?}");
            assert_eq!(inter.kind, Some(RevocationKind::Crl));
        } else {
            assert_eq!(inter.status, CertRevocation::Missing, "{inter:?}");
            assert!(inter.refused.iter().any(|r| r.contains("CRL")), "{inter:?}");
        }
    }
}

#[test]
fn online_fetching_fills_the_gaps_but_not_the_ltv_verdict() {
    let (pki, _dir) = pki("online");
    let bt = sign(&pki, PadesLevel::BT);
    let st =
        crate::verify_online(&bt, &ctx(&pki), &crate::ReadLimits::default(), &Local(&pki)).unwrap();
    let s = signature(&st);
    assert!(s.is_ok(), "{s:?}");
    assert!(s.revocation.iter().all(|c| c.status == CertRevocation::Good
        && c.origin == Some(RevocationOrigin::Online)));
    assert!(!s.ltv.data_in_file);
    assert_eq!(s.level, Some(PadesLevel::BT));
}
