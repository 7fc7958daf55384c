//! Revocation checking for the verifier, from the data a file carries: OCSP responses
//! (RFC 6960) and CRLs (RFC 5280 §5) in the document's `/DSS` (ISO 32000-2 §12.8.4.3), in the
//! signature's `adbe-revocationInfoArchival` signed attribute (ISO 32000-1 §12.8.3.3.2), in the
//! CMS `crls` field (RFC 5652 §10.2.1, also `id-ri-ocsp-response`, RFC 5940) and in a CAdES
//! `revocation-values` unsigned attribute (ETSI EN 319 122-1 §5.5.2). Each response or CRL
//! counts only when its signature verifies with the certificate's issuer (or, for OCSP, with a
//! responder certificate the issuer signed for `id-kp-OCSPSigning`); a refused one is recorded
//! with the reason. Fetching over the network happens only when a caller passes a
//! [`RevocationFetcher`] (the CLI's `--online`), never by default.

use der::asn1::{Any, GeneralizedTime, ObjectIdentifier};
use der::{Decode, Encode, Sequence, Tagged};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::asn1::{BasicOcspResponse, CertId, OcspResponse, OcspResponseData, OcspSingleResponse};
use crate::limits::Budget;
use crate::ltv::RevocationFetcher;
use crate::signer::verify_signature;

const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// `adbe-revocationInfoArchival` (ISO 32000-1 §12.8.3.3.2).
const ADBE_REVOCATION_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.8");
/// `id-aa-ets-revocationValues` (ETSI EN 319 122-1 §5.5.2).
const ETS_REVOCATION_VALUES: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.24");
/// `id-ri-ocsp-response` (RFC 5940 §3.1), an OCSPResponse in the CMS `crls` field.
const RI_OCSP_RESPONSE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.16.2");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// Where a piece of revocation data was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationOrigin {
    /// The document's `/DSS`.
    Dss,
    /// Inside the signature's CMS (signed or unsigned attributes, or its `crls` field).
    Signature,
    /// Fetched from the certificate's OCSP responder or CRL distribution point while verifying.
    Online,
}

/// OCSP response or CRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationKind {
    /// An OCSP response (RFC 6960).
    Ocsp,
    /// A certificate revocation list (RFC 5280 §5).
    Crl,
}

/// What the revocation data says about one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertRevocation {
    /// Not revoked.
    Good,
    /// Revoked at `at` (UNIX seconds); `before_signing` when at or before the signing time
    /// (the signature is then invalid).
    Revoked {
        /// Revocation time, UNIX seconds.
        at: i64,
        /// The revocation came at or before the signing time.
        before_signing: bool,
    },
    /// The OCSP responder does not know the certificate.
    Unknown,
    /// No usable revocation data (none embedded, or every piece refused, or issued too early).
    Missing,
}

/// The revocation check of one certificate of a signer's or TSA's chain (the trust anchor is
/// not checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationCheck {
    /// Subject of the certificate checked.
    pub subject: String,
    /// The certificate belongs to a timestamp's TSA chain (not to the signer's).
    pub timestamp_chain: bool,
    /// The verdict.
    pub status: CertRevocation,
    /// OCSP or CRL, when some data was used.
    pub kind: Option<RevocationKind>,
    /// Where the data used was found.
    pub origin: Option<RevocationOrigin>,
    /// `thisUpdate` of the data used, UNIX seconds.
    pub issued_unix: Option<i64>,
    /// Why embedded data about this certificate was refused (bad signature, unknown responder, …).
    pub refused: Vec<String>,
    /// DER and origin of every embedded piece that says the same as the one used (for the LTV
    /// coverage check: one of them may be under a document timestamp, a newer one not yet).
    pub(crate) used: Vec<(Vec<u8>, RevocationOrigin)>,
}

/// One OCSP response or CRL found somewhere.
#[derive(Clone, Debug)]
pub(crate) struct RevItem {
    /// The DER as stored (an `OCSPResponse`, a `BasicOCSPResponse` or a CRL).
    pub der: Vec<u8>,
    pub origin: RevocationOrigin,
    parsed: Parsed,
}

#[derive(Clone, Debug)]
enum Parsed {
    Ocsp(Box<BasicOcspResponse>),
    Crl(Box<CertificateList>),
}

impl RevItem {
    /// An `OCSPResponse` (or a bare `BasicOCSPResponse`) or a CRL; `None` for anything else.
    pub(crate) fn parse(der: &[u8], origin: RevocationOrigin) -> Option<RevItem> {
        let parsed = if let Ok(resp) = OcspResponse::from_der(der) {
            let rb = resp.response_bytes?;
            if resp.response_status.value() != [0] || rb.response_type != ID_PKIX_OCSP_BASIC {
                return None;
            }
            Parsed::Ocsp(Box::new(
                BasicOcspResponse::from_der(rb.response.as_bytes()).ok()?,
            ))
        } else if let Ok(crl) = CertificateList::from_der(der) {
            Parsed::Crl(Box::new(crl))
        } else {
            // A bare BasicOCSPResponse (CAdES revocation-values). A CRL has the same outer
            // shape, hence the check of its ResponseData after the CRL was ruled out.
            let basic = BasicOcspResponse::from_der(der).ok()?;
            OcspResponseData::from_der(&basic.tbs_response_data.to_der().ok()?).ok()?;
            Parsed::Ocsp(Box::new(basic))
        };
        Some(RevItem {
            der: der.to_vec(),
            origin,
            parsed,
        })
    }

    pub(crate) fn kind(&self) -> RevocationKind {
        match self.parsed {
            Parsed::Ocsp(_) => RevocationKind::Ocsp,
            Parsed::Crl(_) => RevocationKind::Crl,
        }
    }
}

/// `RevocationInfoArchival` (ISO 32000-1 §12.8.3.3.2) and, with the same shape,
/// `RevocationValues` (ETSI EN 319 122-1 §5.5.2; its OCSP values are `BasicOCSPResponse`s).
#[derive(Clone, Debug, Sequence)]
struct RevocationArchive {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crls: Option<Vec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocsps: Option<Vec<Any>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other: Option<Any>,
}

/// `RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }`
#[derive(Clone, Debug, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    reason: Option<Any>,
}

/// The revocation data inside one SignedData: its `crls` field and the two attributes.
pub(crate) fn items_in_cms(sd: &cms::signed_data::SignedData) -> Vec<RevItem> {
    let mut out = Vec::new();
    let origin = RevocationOrigin::Signature;
    if let Some(crls) = &sd.crls {
        for choice in crls.0.iter() {
            match choice {
                cms::revocation::RevocationInfoChoice::Crl(crl) => {
                    if let Ok(d) = crl.to_der() {
                        out.extend(RevItem::parse(&d, origin));
                    }
                }
                cms::revocation::RevocationInfoChoice::Other(other)
                    if other.other_format.oid == RI_OCSP_RESPONSE =>
                {
                    if let Ok(d) = other.other.to_der() {
                        out.extend(RevItem::parse(&d, origin));
                    }
                }
                _ => {}
            }
        }
    }
    for si in sd.signer_infos.0.iter() {
        let attrs = si
            .signed_attrs
            .iter()
            .flat_map(|a| a.iter())
            .chain(si.unsigned_attrs.iter().flat_map(|a| a.iter()));
        for attr in attrs {
            if attr.oid != ADBE_REVOCATION_INFO && attr.oid != ETS_REVOCATION_VALUES {
                continue;
            }
            for v in attr.values.iter() {
                let Ok(archive) = v.decode_as::<RevocationArchive>() else {
                    continue;
                };
                for any in archive
                    .crls
                    .iter()
                    .flatten()
                    .chain(archive.ocsps.iter().flatten())
                {
                    if let Ok(d) = any.to_der() {
                        out.extend(RevItem::parse(&d, origin));
                    }
                }
            }
        }
    }
    out
}

/// Checks `cert` (issued by `issuer`) against `pool` at the signing time `when` (UNIX seconds);
/// with `fetcher`, fetches from the certificate's URLs when nothing embedded is usable.
///
/// Every piece of data may cost signature checks (a file can carry thousands that name the
/// same issuer), so the reader's time budget is checked before each: once it is spent the check
/// stops where it is and the budget's verdict (too complex) is the caller's outcome.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_certificate(
    cert: &Certificate,
    issuer: &Certificate,
    when: i64,
    pool: &[&RevItem],
    known_certs: &[Certificate],
    timestamp_chain: bool,
    fetcher: Option<&dyn RevocationFetcher>,
    budget: &Budget<'_>,
) -> RevocationCheck {
    let mut check = RevocationCheck {
        subject: cert.tbs_certificate().subject().to_string(),
        timestamp_chain,
        status: CertRevocation::Missing,
        kind: None,
        origin: None,
        issued_unix: None,
        refused: Vec::new(),
        used: Vec::new(),
    };
    let fetched: Vec<RevItem>;
    let mut best: Option<(Finding, &RevItem)> = None;
    let mut accepted: Vec<(Finding, &RevItem)> = Vec::new();
    for &item in pool {
        if budget.check_time().is_err() {
            return check;
        }
        match evaluate(item, cert, issuer, known_certs, budget) {
            Ok(None) => {}
            Ok(Some(f)) => {
                if !f.usable_at(when) {
                    check.refused.push(format!(
                        "{:?} issued {} and expired before the signing time",
                        item.kind(),
                        rfc3339(f.this_update)
                    ));
                    continue;
                }
                if best.as_ref().is_none_or(|(b, _)| f.better_than(b)) {
                    best = Some((f, item));
                }
                accepted.push((f, item));
            }
            Err(why) => check.refused.push(why),
        }
    }
    if best.is_none()
        && let Some(fetcher) = fetcher
    {
        fetched = fetch(cert, issuer, fetcher, &mut check.refused);
        for item in &fetched {
            match evaluate(item, cert, issuer, known_certs, budget) {
                Ok(Some(f)) if f.usable_at(when) => {
                    if best.as_ref().is_none_or(|(b, _)| f.better_than(b)) {
                        best = Some((f, item));
                    }
                }
                Ok(_) => {}
                Err(why) => check.refused.push(why),
            }
        }
    }
    if let Some((f, item)) = best {
        check.status = match f.status {
            Status::Good => CertRevocation::Good,
            Status::Unknown => CertRevocation::Unknown,
            Status::Revoked(at) => CertRevocation::Revoked {
                at,
                before_signing: at <= when,
            },
        };
        check.kind = Some(item.kind());
        check.origin = Some(item.origin);
        check.issued_unix = Some(f.this_update);
        check.used = accepted
            .iter()
            .filter(|(a, _)| a.status == f.status)
            .map(|(_, i)| (i.der.clone(), i.origin))
            .collect();
    }
    check
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Good,
    Revoked(i64),
    Unknown,
}

/// What one verified response or CRL says about the certificate.
#[derive(Clone, Copy, Debug)]
struct Finding {
    status: Status,
    this_update: i64,
    next_update: Option<i64>,
}

impl Finding {
    /// Issued at or after the signing time (so it speaks for that time), or current at it.
    fn usable_at(&self, when: i64) -> bool {
        self.this_update >= when || self.next_update.is_none_or(|n| n >= when)
    }

    /// A revocation beats everything; otherwise the newer wins.
    fn better_than(&self, other: &Finding) -> bool {
        match (self.status, other.status) {
            (Status::Revoked(_), Status::Revoked(_)) | (Status::Good, Status::Good) => {
                self.this_update > other.this_update
            }
            (Status::Revoked(_), _) => true,
            (_, Status::Revoked(_)) => false,
            (Status::Good, Status::Unknown) => true,
            (Status::Unknown, _) => false,
        }
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn rfc3339(t: i64) -> String {
    let (y, mo, d, h, mi, s) = crate::time::civil_from_unix(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn unix(t: &GeneralizedTime) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

fn x509_unix(t: &x509_cert::time::Time) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

/// `Ok(None)`: the item says nothing about `cert`; `Err`: it does but is refused.
fn evaluate(
    item: &RevItem,
    cert: &Certificate,
    issuer: &Certificate,
    known_certs: &[Certificate],
    budget: &Budget<'_>,
) -> Result<Option<Finding>, String> {
    match &item.parsed {
        Parsed::Ocsp(basic) => evaluate_ocsp(basic, cert, issuer, known_certs, budget),
        Parsed::Crl(crl) => evaluate_crl(crl, cert, issuer),
    }
}

fn cert_signed_by(cert_tbs: &[u8], cert: &Certificate, issuer: &Certificate) -> bool {
    cert.tbs_certificate().issuer() == issuer.tbs_certificate().subject()
        && verify_signature(
            issuer.tbs_certificate().subject_public_key_info(),
            cert.signature_algorithm(),
            &crate::cms_build::sha256_alg(),
            cert_tbs,
            cert.signature().raw_bytes(),
        )
        .is_ok()
}

fn matches_cert_id(id: &CertId, cert: &Certificate, issuer: &Certificate) -> bool {
    if &id.serial_number != cert.tbs_certificate().serial_number() {
        return false;
    }
    let (Ok(name), key) = (
        cert.tbs_certificate().issuer().to_der(),
        issuer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes(),
    ) else {
        return false;
    };
    let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = match id.hash_algorithm.oid {
        SHA1 => {
            use sha1::Digest;
            (
                sha1::Sha1::digest(&name).to_vec(),
                sha1::Sha1::digest(key).to_vec(),
            )
        }
        crate::asn1::oid::SHA256 => {
            use sha2::Digest;
            (
                sha2::Sha256::digest(&name).to_vec(),
                sha2::Sha256::digest(key).to_vec(),
            )
        }
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash
}

fn evaluate_ocsp(
    basic: &BasicOcspResponse,
    cert: &Certificate,
    issuer: &Certificate,
    known_certs: &[Certificate],
    budget: &Budget<'_>,
) -> Result<Option<Finding>, String> {
    let Ok(tbs_der) = basic.tbs_response_data.to_der() else {
        return Ok(None);
    };
    let Ok(data) = OcspResponseData::from_der(&tbs_der) else {
        return Ok(None);
    };
    let Some(single) = data
        .responses
        .iter()
        .find(|r| matches_cert_id(&r.cert_id, cert, issuer))
    else {
        return Ok(None);
    };
    let subject = cert.tbs_certificate().subject();
    // RFC 6960 §4.2.2.2: signed by the issuer itself or by a responder the issuer authorised.
    let produced = unix(&data.produced_at);
    let verifies_with = |signer: &Certificate| {
        verify_signature(
            signer.tbs_certificate().subject_public_key_info(),
            &basic.signature_algorithm,
            &crate::cms_build::sha256_alg(),
            &tbs_der,
            basic.signature.raw_bytes(),
        )
        .is_ok()
    };
    let mut responder_problem = None;
    let signed = verifies_with(issuer)
        || basic
            .certs
            .iter()
            .flatten()
            .chain(known_certs)
            .filter(|r| r.tbs_certificate().issuer() == issuer.tbs_certificate().subject())
            .any(|r| {
                if budget.check_time().is_err() || !verifies_with(r) {
                    return false;
                }
                match authorised_responder(r, issuer, produced) {
                    Ok(()) => true,
                    Err(e) => {
                        responder_problem.get_or_insert(e);
                        false
                    }
                }
            });
    if !signed {
        return Err(match responder_problem {
            Some(e) => format!("OCSP response for {subject} refused: {e}"),
            None => format!(
                "OCSP response for {subject} refused: its signature does not verify with the issuer or an authorised responder"
            ),
        });
    }
    Ok(Some(finding_of(single)?))
}

fn finding_of(single: &OcspSingleResponse) -> Result<Finding, String> {
    let status = match single.cert_status.tag() {
        der::Tag::ContextSpecific { number, .. } if number.value() == 0 => Status::Good,
        der::Tag::ContextSpecific { number, .. } if number.value() == 1 => {
            let seq = Any::new(der::Tag::Sequence, single.cert_status.value().to_vec())
                .and_then(|a| a.to_der())
                .map_err(|e| format!("OCSP revokedInfo: {e}"))?;
            let info = RevokedInfo::from_der(&seq).map_err(|e| format!("OCSP revokedInfo: {e}"))?;
            let _ = info.reason;
            Status::Revoked(unix(&info.revocation_time))
        }
        _ => Status::Unknown,
    };
    Ok(Finding {
        status,
        this_update: unix(&single.this_update),
        next_update: single.next_update.as_ref().map(unix),
    })
}

/// A delegated responder: issued by the CA (checked by the caller), EKU id-kp-OCSPSigning,
/// valid when the response was produced.
fn authorised_responder(
    responder: &Certificate,
    issuer: &Certificate,
    produced: i64,
) -> Result<(), String> {
    let tbs = responder.tbs_certificate();
    let Ok(tbs_der) = tbs.to_der() else {
        return Err("unreadable responder certificate".into());
    };
    if !cert_signed_by(&tbs_der, responder, issuer) {
        return Err(format!(
            "responder {} is not certified by {}",
            tbs.subject(),
            issuer.tbs_certificate().subject()
        ));
    }
    match tbs.get_extension::<ExtendedKeyUsage>() {
        Ok(Some((_, eku))) if eku.0.contains(&KP_OCSP_SIGNING) => {}
        _ => {
            return Err(format!(
                "responder {} lacks the OCSPSigning extended key usage",
                tbs.subject()
            ));
        }
    }
    let v = tbs.validity();
    if produced < x509_unix(&v.not_before) || produced > x509_unix(&v.not_after) {
        return Err(format!(
            "responder {} was not valid when the response was produced",
            tbs.subject()
        ));
    }
    Ok(())
}

fn evaluate_crl(
    crl: &CertificateList,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<Option<Finding>, String> {
    let tbs = &crl.tbs_cert_list;
    if tbs.issuer != *cert.tbs_certificate().issuer()
        || tbs.issuer != *issuer.tbs_certificate().subject()
    {
        return Ok(None);
    }
    let tbs_der = tbs.to_der().map_err(|e| format!("CRL: {e}"))?;
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &crl.signature_algorithm,
        &crate::cms_build::sha256_alg(),
        &tbs_der,
        crl.signature.raw_bytes(),
    )
    .map_err(|e| {
        format!(
            "CRL of {} refused: its signature does not verify ({e})",
            tbs.issuer
        )
    })?;
    let serial = cert.tbs_certificate().serial_number();
    let status = match tbs
        .revoked_certificates
        .iter()
        .flatten()
        .find(|r| &r.serial_number == serial)
    {
        Some(r) => Status::Revoked(x509_unix(&r.revocation_date)),
        None => Status::Good,
    };
    Ok(Some(Finding {
        status,
        this_update: x509_unix(&tbs.this_update),
        next_update: tbs.next_update.as_ref().map(x509_unix),
    }))
}

/// Asks the certificate's OCSP responders, then its CRL distribution points.
fn fetch(
    cert: &Certificate,
    issuer: &Certificate,
    fetcher: &dyn RevocationFetcher,
    errors: &mut Vec<String>,
) -> Vec<RevItem> {
    let mut out = Vec::new();
    let req = crate::ltv::cert_id(cert, issuer).and_then(|id| {
        Ok(crate::asn1::OcspRequest {
            tbs_request: crate::asn1::OcspTbsRequest {
                version: None,
                requestor_name: None,
                request_list: vec![crate::asn1::OcspSingleRequest {
                    req_cert: id,
                    single_request_extensions: None,
                }],
                request_extensions: None,
            },
            optional_signature: None,
        }
        .to_der()?)
    });
    if let Ok(req) = req {
        for url in crate::ltv::ocsp_urls(cert) {
            match fetcher.fetch_ocsp(&url, &req) {
                Ok(d) => match RevItem::parse(&d, RevocationOrigin::Online) {
                    Some(item) => {
                        out.push(item);
                        return out;
                    }
                    None => errors.push(format!("{url}: not a usable OCSP response")),
                },
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    for url in crate::ltv::crl_urls(cert) {
        match fetcher.fetch_crl(&url) {
            Ok(d) => match RevItem::parse(&d, RevocationOrigin::Online) {
                Some(item) => {
                    out.push(item);
                    return out;
                }
                None => errors.push(format!("{url}: not a CRL")),
            },
            Err(e) => errors.push(e.to_string()),
        }
    }
    out
}

#[cfg(all(test, feature = "dev-pki"))]
#[path = "revocation_tests.rs"]
mod tests;
