//! Long-term validation: the Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1
//! §5.4) and document timestamps (`/Type /DocTimeStamp`, SubFilter `ETSI.RFC3161`, §5.4.3).
//!
//! Revocation data: an OCSP response (RFC 6960) from the certificate's AIA responder when it has
//! one — it is fresher than the signature timestamp — otherwise a CRL from its distribution
//! points (RFC 5280 §4.2.1.13). Each is checked (status good / issuer and signature) first.

use std::collections::HashSet;
use std::rc::Rc;

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use crate::asn1::{
    BasicOcspResponse, CertId, OcspRequest, OcspResponse, OcspResponseData, OcspSingleRequest,
    OcspTbsRequest,
};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use crate::document::Document;
use crate::error::PadesError;
use crate::inspect::Analysis;
use crate::limits::Budget;
use crate::object::{Dict, Object, Stream};
use crate::signer::verify_signature;
use crate::source::{PdfFile, PdfSource};
use crate::write::IncrementalWriter;

/// Fetches revocation data over the network (or from a cache, in tests).
pub trait RevocationFetcher {
    /// GETs the DER CRL at `url`.
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError>;
    /// POSTs the DER OCSP request to `url` (`application/ocsp-request`, RFC 6960 Appendix A.1)
    /// and returns the DER `OCSPResponse`.
    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError>;
}

/// Fetches CRLs over HTTP(S) with `ureq`.
#[cfg(feature = "http")]
#[derive(Clone, Debug)]
pub struct HttpRevocationFetcher {
    timeout: std::time::Duration,
}

#[cfg(feature = "http")]
impl Default for HttpRevocationFetcher {
    fn default() -> Self {
        HttpRevocationFetcher {
            timeout: std::time::Duration::from_secs(15),
        }
    }
}

#[cfg(feature = "http")]
impl HttpRevocationFetcher {
    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .build()
            .into()
    }
}

#[cfg(feature = "http")]
impl RevocationFetcher for HttpRevocationFetcher {
    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError> {
        let err = |e: &dyn std::fmt::Display| PadesError::Revocation {
            reason: format!("{url}: {e}"),
        };
        let mut resp = self
            .agent()
            .post(url)
            .header("Content-Type", "application/ocsp-request")
            .send(request_der)
            .map_err(|e| err(&e))?;
        resp.body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .map_err(|e| err(&e))
    }

    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError> {
        let mut resp = self
            .agent()
            .get(url)
            .call()
            .map_err(|e| PadesError::Revocation {
                reason: format!("{url}: {e}"),
            })?;
        resp.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| PadesError::Revocation {
                reason: format!("{url}: {e}"),
            })
    }
}

/// The content of a Document Security Store (`/DSS`, ISO 32000-2 §12.8.4.3; pyHanko's
/// `DocumentSecurityStore`): certificates and revocation data, gathered with [`Dss::collect`]
/// and appended to a document with [`Dss::add_to`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dss {
    /// DER certificates.
    pub certs: Vec<Vec<u8>>,
    /// DER CRLs.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses.
    pub ocsps: Vec<Vec<u8>>,
}

pub(crate) fn crl_urls(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, dps))) = cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    for dp in dps.0 {
        if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
            for n in names {
                if let GeneralName::UniformResourceIdentifier(u) = n {
                    let s = u.to_string();
                    if s.starts_with("http://") || s.starts_with("https://") {
                        urls.push(s);
                    }
                }
            }
        }
    }
    urls
}

pub(crate) fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, aia))) = cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    else {
        return Vec::new();
    };
    aia.0
        .into_iter()
        .filter(|ad| ad.access_method == ID_AD_OCSP)
        .filter_map(|ad| match ad.access_location {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .collect()
}

const ID_AD_OCSP: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const ID_PKIX_OCSP_BASIC: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const SHA1: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

pub(crate) fn cert_id(cert: &Certificate, issuer: &Certificate) -> Result<CertId, PadesError> {
    use sha1::Digest;
    let name_hash = sha1::Sha1::digest(cert.tbs_certificate().issuer().to_der()?);
    let key_hash = sha1::Sha1::digest(
        issuer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes(),
    );
    Ok(CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: Some(der::asn1::Any::null()),
        },
        issuer_name_hash: der::asn1::OctetString::new(name_hash.to_vec())?,
        issuer_key_hash: der::asn1::OctetString::new(key_hash.to_vec())?,
        serial_number: cert.tbs_certificate().serial_number().clone(),
    })
}

/// Asks `url` for the status of `cert`; returns the DER response if it says "good" for this
/// certificate and its signature verifies with the issuer or a responder certificate it carries
/// that the issuer signed (RFC 6960 §4.2.2.2). Also returns the responder certificates.
fn fetch_ocsp(
    cert: &Certificate,
    issuer: &Certificate,
    url: &str,
    fetcher: &dyn RevocationFetcher,
) -> Result<(Vec<u8>, Vec<Certificate>), PadesError> {
    let bad = |reason: String| PadesError::Revocation { reason };
    let id = cert_id(cert, issuer)?;
    let req = OcspRequest {
        tbs_request: OcspTbsRequest {
            version: None,
            requestor_name: None,
            request_list: vec![OcspSingleRequest {
                req_cert: id.clone(),
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()?;
    let resp_der = fetcher.fetch_ocsp(url, &req)?;
    let resp =
        OcspResponse::from_der(&resp_der).map_err(|e| bad(format!("not an OCSP response: {e}")))?;
    if resp.response_status.value() != [0] {
        return Err(bad(format!(
            "OCSP responder status {:?}",
            resp.response_status.value()
        )));
    }
    let rb = resp
        .response_bytes
        .ok_or_else(|| bad("OCSP response without body".into()))?;
    if rb.response_type != ID_PKIX_OCSP_BASIC {
        return Err(bad("not a basic OCSP response".into()));
    }
    let basic = BasicOcspResponse::from_der(rb.response.as_bytes())
        .map_err(|e| bad(format!("basic OCSP response: {e}")))?;
    let tbs_der = basic.tbs_response_data.to_der()?;
    let data =
        OcspResponseData::from_der(&tbs_der).map_err(|e| bad(format!("OCSP ResponseData: {e}")))?;
    let single = data
        .responses
        .iter()
        .find(|r| r.cert_id.serial_number == id.serial_number)
        .ok_or_else(|| bad("OCSP response does not cover the certificate".into()))?;
    // CertStatus: good [0] IMPLICIT NULL is encoded as 0x80 0x00.
    let status_der = single.cert_status.to_der()?;
    if status_der.first() != Some(&0x80) {
        return Err(bad(format!(
            "{} is not good according to OCSP (revoked or unknown)",
            cert.tbs_certificate().subject()
        )));
    }
    let responders = basic.certs.clone().unwrap_or_default();
    let candidates: Vec<&Certificate> = std::iter::once(issuer)
        .chain(
            responders
                .iter()
                .filter(|c| c.tbs_certificate().issuer() == issuer.tbs_certificate().subject()),
        )
        .collect();
    // The signer must have been valid when it signed (producedAt): validators refuse a response
    // of an expired responder (a development PKI's responder may end before its TSA); then the
    // caller falls back to the CRL.
    let produced = data.produced_at.to_unix_duration();
    let valid_then = |c: &Certificate| {
        let v = c.tbs_certificate().validity();
        v.not_before.to_unix_duration() <= produced && produced <= v.not_after.to_unix_duration()
    };
    let signer = candidates.iter().find(|c| {
        verify_signature(
            c.tbs_certificate().subject_public_key_info(),
            &basic.signature_algorithm,
            &crate::cms_build::sha256_alg(),
            &tbs_der,
            basic.signature.raw_bytes(),
        )
        .is_ok()
    });
    match signer {
        None => return Err(bad("OCSP response signature does not verify".into())),
        Some(c) if !valid_then(c) => {
            return Err(bad(format!(
                "the OCSP responder certificate {} was not valid when the response was produced",
                c.tbs_certificate().subject()
            )));
        }
        Some(_) => {}
    }
    Ok((resp_der, responders))
}

impl Dss {
    /// Collects the certificates in `certs` and, for every certificate that is not self-signed,
    /// an OCSP response or a CRL its issuer (found in `certs`) signed. Fails when a certificate
    /// has no usable revocation data: the caller asked for long-term validation data.
    pub fn collect(
        certs: &[Certificate],
        fetcher: &dyn RevocationFetcher,
    ) -> Result<Dss, PadesError> {
        collect(certs, fetcher)
    }

    /// Appends an incremental update that adds this data to the document's `/DSS` (created if
    /// absent, merged otherwise). The input stays an exact prefix of the output.
    pub fn add_to(&self, pdf: &[u8]) -> Result<Vec<u8>, PadesError> {
        let mut bytes = crate::source::in_memory(pdf);
        self.add_to_file(&mut bytes)?;
        Ok(bytes)
    }

    /// [`Dss::add_to`], appended to `file`.
    pub fn add_to_file(&self, file: &mut dyn PdfFile) -> Result<(), PadesError> {
        let source: &dyn PdfSource = file;
        let budget = Budget::for_source(source, &crate::limits::ReadLimits::default());
        let result = Document::open_with(budget.input(), Rc::clone(&budget))
            .and_then(|doc| add_dss_to(&doc, self));
        let tail = budget.settle(result)?;
        drop(budget);
        file.append(&tail)
    }
}

fn collect(certs: &[Certificate], fetcher: &dyn RevocationFetcher) -> Result<Dss, PadesError> {
    let mut vd = Dss::default();
    let mut seen = HashSet::new();
    for cert in certs {
        let der_bytes = cert.to_der()?;
        if !seen.insert(der_bytes.clone()) {
            continue;
        }
        vd.certs.push(der_bytes);
        let tbs = cert.tbs_certificate();
        if tbs.subject() == tbs.issuer() {
            continue; // a root: trusted as anchor, no revocation data
        }
        let issuer = issuer_of(cert, certs).ok_or_else(|| PadesError::Revocation {
            reason: format!("issuer of {} not in the chain", tbs.subject()),
        })?;
        let mut errors = Vec::new();
        let mut got = false;
        // OCSP first: a response made now is fresher than any CRL (validators want revocation
        // data issued after the signature timestamp). CRLs otherwise (e.g. for CAs).
        for url in ocsp_urls(cert) {
            match fetch_ocsp(cert, issuer, &url, fetcher) {
                Ok((resp, responders)) => {
                    vd.ocsps.push(resp);
                    for r in responders {
                        let d = r.to_der()?;
                        if seen.insert(d.clone()) {
                            vd.certs.push(d);
                        }
                    }
                    got = true;
                    break;
                }
                Err(e) => errors.push(format!("{url}: {e}")),
            }
        }
        if got {
            continue;
        }
        let urls = crl_urls(cert);
        if urls.is_empty() && errors.is_empty() {
            return Err(PadesError::Revocation {
                reason: format!(
                    "{} has no OCSP URL and no HTTP CRL distribution point",
                    tbs.subject()
                ),
            });
        }
        for url in urls {
            match fetcher
                .fetch_crl(&url)
                .and_then(|crl| check_crl(&crl, issuer).map(|()| crl))
            {
                Ok(crl) => {
                    if !vd.crls.contains(&crl) {
                        vd.crls.push(crl);
                    }
                    got = true;
                    break;
                }
                Err(e) => errors.push(format!("{url}: {e}")),
            }
        }
        if !got {
            return Err(PadesError::Revocation {
                reason: errors.join("; "),
            });
        }
    }
    Ok(vd)
}

/// The certificate in `certs` that issued `cert`: its subject is `cert`'s issuer and its key
/// verifies `cert`'s signature (two CAs may share a name, e.g. across a CA key rollover or two
/// TSAs' PKIs); by name alone if none verifies.
fn issuer_of<'c>(cert: &Certificate, certs: &'c [Certificate]) -> Option<&'c Certificate> {
    let named = |c: &&Certificate| c.tbs_certificate().subject() == cert.tbs_certificate().issuer();
    certs
        .iter()
        .filter(named)
        .find(|c| crate::verify::certificate_issued_by(cert, c))
        .or_else(|| certs.iter().find(named))
}

fn check_crl(crl_der: &[u8], issuer: &Certificate) -> Result<(), PadesError> {
    let crl = <CertificateList>::from_der(crl_der).map_err(|e| PadesError::Revocation {
        reason: format!("not a DER CRL: {e}"),
    })?;
    if crl.tbs_cert_list.issuer != *issuer.tbs_certificate().subject() {
        return Err(PadesError::Revocation {
            reason: "CRL issuer is not the certificate's issuer".into(),
        });
    }
    let tbs = crl.tbs_cert_list.to_der()?;
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        &crl.signature_algorithm,
        &crate::cms_build::sha256_alg(),
        &tbs,
        crl.signature.raw_bytes(),
    )
    .map_err(|e| PadesError::Revocation {
        reason: format!("CRL signature: {e}"),
    })
}

/// All certificates in a CMS SignedData and in the timestamp tokens among its unsigned attributes.
pub(crate) fn certificates_in_cms(cms_der: &[u8]) -> Result<Vec<Certificate>, PadesError> {
    let mut out = Vec::new();
    collect_cms_certs(cms_der, &mut out, 0)?;
    Ok(out)
}

fn collect_cms_certs(
    cms_der: &[u8],
    out: &mut Vec<Certificate>,
    depth: usize,
) -> Result<(), PadesError> {
    let ci = cms::content_info::ContentInfo::from_der(cms_der)?;
    let sd: cms::signed_data::SignedData = ci.content.decode_as()?;
    if let Some(cs) = &sd.certificates {
        for c in cs.0.iter() {
            if let cms::cert::CertificateChoices::Certificate(c) = c
                && !out.contains(c)
            {
                out.push(c.clone());
            }
        }
    }
    if depth > 0 {
        return Ok(());
    }
    for si in sd.signer_infos.0.iter() {
        for attr in si.unsigned_attrs.iter().flat_map(|a| a.iter()) {
            if attr.oid == crate::asn1::oid::TIME_STAMP_TOKEN {
                for v in attr.values.iter() {
                    collect_cms_certs(&v.to_der()?, out, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

fn add_dss_to(doc: &Document<'_>, data: &Dss) -> Result<Vec<u8>, PadesError> {
    let catalog = doc.catalog()?;
    let mut w = IncrementalWriter::new(doc);
    let mut dss = match catalog.get(b"DSS") {
        Some(o) => match doc.resolve(o)? {
            Object::Dict(d) => d,
            _ => Dict::default(),
        },
        None => Dict::default(),
    };
    for (key, items) in [
        (&b"Certs"[..], &data.certs),
        (b"CRLs", &data.crls),
        (b"OCSPs", &data.ocsps),
    ] {
        let mut refs = match dss.get(key) {
            Some(o) => match doc.resolve(o)? {
                Object::Array(a) => a,
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        // Skip data already in the DSS.
        let mut existing = HashSet::new();
        for r in &refs {
            if let Some(d) = doc.stream_data_of(r)? {
                existing.insert(d);
            }
        }
        for item in items {
            if existing.contains(item) {
                continue;
            }
            let r = w.alloc();
            w.put(
                r,
                &Object::Stream(Stream {
                    dict: Dict::default(),
                    data: item.clone(),
                }),
            );
            refs.push(Object::Ref(r));
        }
        if !refs.is_empty() {
            dss.set(key, Object::Array(refs));
        }
    }
    match catalog.get(b"DSS") {
        Some(Object::Ref(r)) => w.put(*r, &Object::Dict(dss)),
        _ => {
            let dss_ref = w.alloc();
            w.put(dss_ref, &Object::Dict(dss));
            let mut cat = catalog.clone();
            cat.set(b"DSS", Object::Ref(dss_ref));
            w.put(doc.root_ref()?, &Object::Dict(cat));
        }
    }
    Ok(w.finish().tail)
}

/// The DER CMS (signature or timestamp token) of the newest signature in `pdf`: the one whose
/// `/ByteRange` ends last. Trailing zero padding of `/Contents` is removed.
pub(crate) fn newest_signature_cms(
    doc: &Document<'_>,
    analysis: &Analysis,
) -> Result<Vec<u8>, PadesError> {
    let mut best: Option<(i64, Vec<u8>)> = None;
    for f in analysis.fields.iter().filter(|f| f.is_sig && f.signed) {
        let field = doc.resolve_dict(&Object::Ref(f.obj), "a signature field")?;
        let Some(v) = field.get(b"V") else { continue };
        let sig = doc.resolve_dict(v, "a signature dictionary")?;
        let end = match sig.get(b"ByteRange") {
            Some(Object::Array(a)) if a.len() == 4 => {
                a[2].as_int().unwrap_or(0) + a[3].as_int().unwrap_or(0)
            }
            _ => continue,
        };
        let Some(Object::Str(contents)) = sig.get(b"Contents") else {
            continue;
        };
        if best.as_ref().is_none_or(|(e, _)| end > *e) {
            best = Some((end, contents.clone()));
        }
    }
    let (_, contents) = best.ok_or_else(|| PadesError::Damaged {
        reason: "no signature or document timestamp to renew".into(),
    })?;
    let len = der_total_len(&contents)
        .filter(|l| *l <= contents.len())
        .ok_or_else(|| PadesError::Damaged {
            reason: "signature /Contents is not DER".into(),
        })?;
    Ok(contents[..len].to_vec())
}

/// The DER CMS of every signature and document timestamp in `pdf`, zero padding removed.
fn signature_cms_all(doc: &Document<'_>, analysis: &Analysis) -> Result<Vec<Vec<u8>>, PadesError> {
    let mut out = Vec::new();
    for f in analysis.fields.iter().filter(|f| f.is_sig && f.signed) {
        let field = doc.resolve_dict(&Object::Ref(f.obj), "a signature field")?;
        let Some(v) = field.get(b"V") else { continue };
        let sig = doc.resolve_dict(v, "a signature dictionary")?;
        let Some(Object::Str(contents)) = sig.get(b"Contents") else {
            continue;
        };
        if let Some(len) = der_total_len(contents).filter(|l| *l <= contents.len()) {
            out.push(contents[..len].to_vec());
        }
    }
    Ok(out)
}

/// Length of the DER element at the start of `d` (tag, length and value), if well-formed.
fn der_total_len(d: &[u8]) -> Option<usize> {
    let first = *d.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = d
        .get(2..2 + n)?
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some(2 + n + len)
}

/// Renews the archive timestamp (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3 and Annex): adds the
/// validation data (certificates, OCSP/CRL) of the newest document timestamp — or of the newest
/// signature and its timestamp when there is no document timestamp yet — then a new document
/// timestamp from `tsa`, then a DSS for the new timestamp's TSA chain. Repeated before each TSA
/// certificate expires, this keeps a file verifiable indefinitely.
pub fn renew(
    pdf: &[u8],
    tsa: &dyn crate::tsp::TimeStamper,
    fetcher: &dyn RevocationFetcher,
) -> Result<Vec<u8>, PadesError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    // Every signature's data, not only the newest's: a file sealed at sending with one key and
    // at agreement with the next (a key rotation in between) needs both chains' revocation data.
    renew_at(pdf, tsa, fetcher, now)
}

/// As [`renew`], as of `now_unix`: besides the newest timestamp's validation data, fresh
/// validation data for every other signature whose certificates are all still valid then (best
/// effort: a signer whose responder does not answer keeps the data it has), so that a
/// validator at that time finds current revocation data for unexpired signers too.
pub fn renew_at(
    pdf: &[u8],
    tsa: &dyn crate::tsp::TimeStamper,
    fetcher: &dyn RevocationFetcher,
    now_unix: i64,
) -> Result<Vec<u8>, PadesError> {
    let mut bytes = crate::source::in_memory(pdf);
    renew_file_at(&mut bytes, tsa, fetcher, now_unix)?;
    Ok(bytes)
}

/// [`renew_at`] appended to `file` (e.g. a memory-mapped copy, see [`crate::PdfFile`]). On an
/// error the file may hold some of the updates: the caller discards it.
pub fn renew_file_at(
    file: &mut dyn PdfFile,
    tsa: &dyn crate::tsp::TimeStamper,
    fetcher: &dyn RevocationFetcher,
    now_unix: i64,
) -> Result<(), PadesError> {
    let source: &dyn PdfSource = file;
    let budget = Budget::for_source(source, &crate::limits::ReadLimits::default());
    let result = Document::open_with(budget.input(), Rc::clone(&budget)).and_then(|doc| {
        let analysis = Analysis::run(&doc)?;
        Ok((
            newest_signature_cms(&doc, &analysis)?,
            signature_cms_all(&doc, &analysis)?,
        ))
    });
    let (newest, all) = budget.settle(result)?;
    drop(budget);
    let mut dss = Dss::collect(&certificates_in_cms(&newest)?, fetcher)?;
    let valid_now = |c: &Certificate| {
        let v = c.tbs_certificate().validity();
        let now = u64::try_from(now_unix).unwrap_or(0);
        v.not_before.to_unix_duration().as_secs() <= now
            && now <= v.not_after.to_unix_duration().as_secs()
    };
    for cms in all.iter().filter(|c| **c != newest) {
        let Ok(certs) = certificates_in_cms(cms) else {
            continue;
        };
        if certs.is_empty() || !certs.iter().all(valid_now) {
            continue;
        }
        if let Ok(more) = Dss::collect(&certs, fetcher) {
            for (into, from) in [
                (&mut dss.certs, more.certs),
                (&mut dss.crls, more.crls),
                (&mut dss.ocsps, more.ocsps),
            ] {
                for item in from {
                    if !into.contains(&item) {
                        into.push(item);
                    }
                }
            }
        }
    }
    dss.add_to_file(file)?;
    // The new document timestamp, then the DSS for its TSA chain.
    let (token, _) = crate::sign::DocumentTimeStamper::new(tsa).timestamp_file(file)?;
    Dss::collect(&certificates_in_cms(&token)?, fetcher)?.add_to_file(file)
}
