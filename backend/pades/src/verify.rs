//! The engine's own verifier: for every signature and document
//! timestamp, byte-range coverage, digest, CMS signature, certificate chain to the given trust
//! roots (RFC 5280 path validation as far as it goes here: signatures, validity periods,
//! basicConstraints, pathLenConstraint, keyUsage, and the signer's and TSA's purposes),
//! revocation of every certificate of the signer's and TSA's chains from the revocation data the
//! file carries (see [`crate::revocation`]; online only with [`verify_online`]), signature
//! timestamp, what later revisions changed, an LTV verdict ([`LtvVerdict`]: is the validation
//! data in the file and covered by a later document timestamp?) and the PAdES baseline level
//! reached (ETSI EN 319 142-1 §6). All reading of the file works within one [`ReadLimits`]
//! budget per call.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, DecodePem, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use crate::asn1::oid;
use crate::document::Document;
use crate::error::PadesError;
use crate::inspect::Analysis;
use crate::limits::{Budget, ReadLimits};
use crate::ltv::RevocationFetcher;
use crate::object::Object;
use crate::revocation::{
    CertRevocation, RevItem, RevocationCheck, RevocationOrigin, check_certificate, items_in_cms,
};
use crate::sign::PadesLevel;
use crate::signer::verify_signature;
use crate::source::PdfSource;
use crate::tsp::{TimestampInfo, verify_timestamp_token};

/// Trust roots and the validation time (pyHanko's `ValidationContext`).
#[derive(Clone, Debug, Default)]
pub struct ValidationContext {
    /// Trust anchors.
    pub trust_roots: Vec<Certificate>,
}

impl ValidationContext {
    /// From PEM certificates (one or more, concatenated).
    pub fn from_pem(pem: &str) -> Result<Self, PadesError> {
        let trust_roots = Certificate::load_pem_chain(pem.as_bytes())
            .map_err(|e| PadesError::key(format!("trust roots: {e}")))?;
        Ok(ValidationContext { trust_roots })
    }

    /// Adds one PEM trust root.
    pub fn add_pem(&mut self, pem: &str) -> Result<(), PadesError> {
        self.trust_roots.push(
            Certificate::from_pem(pem.trim().as_bytes())
                .map_err(|e| PadesError::key(format!("trust root: {e}")))?,
        );
        Ok(())
    }
}

/// What the signed bytes cover (pyHanko's `SignatureCoverageLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The byte ranges cover the whole file except the `/Contents` string.
    EntireFile,
    /// They cover a complete revision (ending in `%%EOF`), followed by later incremental updates.
    EntireRevision,
    /// Anything else: the signature does not protect a whole revision.
    Partial,
}

/// Signature or document timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// `/Type /Sig` (approval or certification signature).
    Signature,
    /// `/Type /DocTimeStamp` (`ETSI.RFC3161`).
    DocumentTimestamp,
}

/// The verdict on one signature (pyHanko's `PdfSignatureStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureStatus {
    /// Field name.
    pub field_name: String,
    /// Signature or document timestamp.
    pub kind: SignatureKind,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// The digest of the byte ranges matches the CMS (`message-digest`, or the timestamp's imprint).
    pub intact: bool,
    /// The CMS signature verifies with the signer's certificate.
    pub valid: bool,
    /// The signer's certificate chains to a trust root (signatures and validity periods checked).
    pub trusted: bool,
    /// Subject of the signer (or TSA) certificate.
    pub signer_subject: Option<String>,
    /// `/Reason` (e.g. who agreed, how they were verified, when), as written by the signer.
    pub reason: Option<String>,
    /// The signature timestamp (for signatures) or the token itself (document timestamps).
    pub timestamp: Option<TimestampInfo>,
    /// What the byte ranges cover.
    pub coverage: Coverage,
    /// Bytes appended after the signed revision (0 for the newest signature of a file).
    pub later_bytes: usize,
    /// Changes made by later revisions beyond what is allowed after a signature (DSS, document
    /// timestamps, new signature fields and their widgets, filling empty signature fields).
    /// Empty when nothing else changed.
    pub modifications: Vec<String>,
    /// Why a check failed, in English.
    pub problems: Vec<String>,
    /// The revocation check of each certificate of the signer's chain and of its timestamp's
    /// TSA chain (for a document timestamp: its TSA chain), trust anchors excepted.
    pub revocation: Vec<RevocationCheck>,
    /// Whether the file holds this signature's validation data, covered by a later document
    /// timestamp.
    pub ltv: LtvVerdict,
    /// The PAdES baseline level reached (signatures with SubFilter `ETSI.CAdES.detached` that
    /// are intact and valid; `None` otherwise and for document timestamps).
    pub level: Option<PadesLevel>,
}

/// The long-term validation verdict of one signature (or document timestamp): is everything
/// needed to validate it later — the certificates and an OCSP response or CRL for every
/// certificate of its chain and of its timestamp's TSA chain, trust anchors excepted — in the
/// file, and protected by a later document timestamp (ETSI EN 319 142-1 §5.4, B-LT / B-LTA)?
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LtvVerdict {
    /// The validation data is all in the file (no certificate lacks revocation data).
    pub data_in_file: bool,
    /// ... and all of it is covered by a later document timestamp.
    pub complete: bool,
    /// What is missing, machine-readable.
    pub missing: Vec<LtvGap>,
}

/// One missing piece of validation data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LtvGap {
    /// The signature has no verified time (no signature timestamp and no later document
    /// timestamp): nothing proves when it was made.
    Timestamp,
    /// No usable embedded OCSP response or CRL for this certificate (subject).
    Revocation(String),
    /// The certificate's (subject) validation data is in the file but was added after the
    /// newest document timestamp, or there is no later document timestamp.
    NotCovered(String),
    /// No valid document timestamp after this signature.
    DocumentTimestamp,
}

impl LtvGap {
    /// `timestamp`, `revocation`, `not_covered` or `document_timestamp`.
    pub fn code(&self) -> &'static str {
        match self {
            LtvGap::Timestamp => "timestamp",
            LtvGap::Revocation(_) => "revocation",
            LtvGap::NotCovered(_) => "not_covered",
            LtvGap::DocumentTimestamp => "document_timestamp",
        }
    }

    /// The certificate concerned, if any.
    pub fn subject(&self) -> Option<&str> {
        match self {
            LtvGap::Revocation(s) | LtvGap::NotCovered(s) => Some(s),
            _ => None,
        }
    }
}

impl SignatureStatus {
    /// Intact, valid, trusted, covering a whole revision, and no other problem (e.g. a
    /// signature timestamp that does not verify).
    pub fn is_ok(&self) -> bool {
        self.intact
            && self.valid
            && self.trusted
            && self.coverage != Coverage::Partial
            && self.problems.is_empty()
            && self.modifications.is_empty()
    }
}

/// Verifies every signature and document timestamp of `pdf`, oldest first, within the
/// default [`ReadLimits`].
pub fn verify(pdf: &[u8], ctx: &ValidationContext) -> Result<Vec<SignatureStatus>, PadesError> {
    verify_with_limits(pdf, ctx, &ReadLimits::default())
}

/// [`verify`] within `limits`: the reading of the file and of every earlier revision, the
/// decoding of the DSS and the path building together stay within one budget; a file that
/// needs more is refused with [`PadesError::TooComplex`].
pub fn verify_with_limits(
    pdf: &[u8],
    ctx: &ValidationContext,
    limits: &ReadLimits,
) -> Result<Vec<SignatureStatus>, PadesError> {
    verify_source(&pdf, ctx, limits)
}

/// [`verify_with_limits`] on any [`PdfSource`]: a memory-mapped file (`MappedPdf`, feature
/// `mmap`) is verified in memory that does not grow with its size (hashed pages are let go of).
pub fn verify_source(
    source: &dyn PdfSource,
    ctx: &ValidationContext,
    limits: &ReadLimits,
) -> Result<Vec<SignatureStatus>, PadesError> {
    let budget = Budget::for_source(source, limits);
    let result = verify_in(budget.input(), ctx, &budget, None);
    budget.settle(result)
}

/// [`verify_with_limits`], and for every certificate without usable embedded revocation data,
/// asks its OCSP responder or CRL distribution point through `fetcher` (what was fetched counts
/// for the revocation verdict, not for the LTV verdict: it is not in the file).
pub fn verify_online(
    pdf: &[u8],
    ctx: &ValidationContext,
    limits: &ReadLimits,
    fetcher: &dyn RevocationFetcher,
) -> Result<Vec<SignatureStatus>, PadesError> {
    let budget = Budget::new(pdf, limits);
    let result = verify_in(pdf, ctx, &budget, Some(fetcher));
    budget.settle(result)
}

/// Verifies a detached CMS signature (as [`crate::build_cades_detached`] makes over a file's
/// SHA-256) over `content`: the message digest, the signature, its signature timestamp if any,
/// and the signer's chain to `ctx`'s roots. For files signed outside a PDF, e.g. the manifest of
/// a fiscal-year export; `kind` is [`SignatureKind::Signature`], `coverage` the entire content.
pub fn verify_detached(
    cms_der: &[u8],
    content: &[u8],
    ctx: &ValidationContext,
) -> Result<SignatureStatus, PadesError> {
    let budget = Budget::new(content, &ReadLimits::default());
    let checks = Checks {
        ctx,
        dss_certs: &[],
        budget: &budget,
    };
    let mut st = SignatureStatus {
        field_name: String::new(),
        kind: SignatureKind::Signature,
        sub_filter: "ETSI.CAdES.detached".into(),
        intact: false,
        valid: false,
        trusted: false,
        signer_subject: None,
        reason: None,
        timestamp: None,
        coverage: Coverage::EntireFile,
        later_bytes: 0,
        modifications: Vec::new(),
        problems: Vec::new(),
        revocation: Vec::new(),
        ltv: LtvVerdict::default(),
        level: None,
    };
    check_cms_signature(
        &mut st,
        cms_der,
        &[content],
        &checks,
        &mut Evidence::default(),
    );
    budget.settle(Ok(st))
}

/// The signed revisions of one input, each opened at most once (a signature's coverage and its
/// later modifications both need it; several fields may share one revision).
struct Revisions<'a> {
    pdf: &'a [u8],
    budget: Rc<Budget<'a>>,
    opened: HashMap<usize, Option<Document<'a>>>,
}

impl<'a> Revisions<'a> {
    /// The revision ending at `end`, if the bytes up to there are a complete, readable revision.
    fn get(&mut self, end: usize) -> Option<&Document<'a>> {
        let (pdf, budget) = (self.pdf, &self.budget);
        self.opened
            .entry(end)
            .or_insert_with(|| {
                let prefix = &pdf[..end];
                if !prefix.trim_ascii_end().ends_with(b"%%EOF") {
                    return None;
                }
                Document::open_with(prefix, Rc::clone(budget)).ok()
            })
            .as_ref()
    }
}

fn verify_in<'a>(
    pdf: &'a [u8],
    ctx: &ValidationContext,
    budget: &Rc<Budget<'a>>,
    online: Option<&dyn RevocationFetcher>,
) -> Result<Vec<SignatureStatus>, PadesError> {
    let doc = Document::open_with(pdf, Rc::clone(budget))?;
    let analysis = Analysis::run_for_verification(&doc)?;
    let dss = read_dss(&doc)?;
    let dss_certs = dss.certs.clone();
    let mut revisions = Revisions {
        pdf,
        budget: Rc::clone(budget),
        opened: HashMap::new(),
    };
    let mut out = Vec::new();
    for f in analysis.fields.iter().filter(|f| f.is_sig && f.signed) {
        budget.charge_signature()?;
        budget.check_time()?;
        let field = doc.resolve_dict(&Object::Ref(f.obj), "a signature field")?;
        let Some(v) = field.get(b"V") else { continue };
        let sig = doc.resolve_dict(v, "a signature dictionary")?;
        let checks = Checks {
            ctx,
            dss_certs: &dss_certs,
            budget,
        };
        let mut ev = Evidence::default();
        let mut st = verify_one(
            pdf,
            doc.startxref,
            &f.name,
            &sig,
            &checks,
            &mut revisions,
            &mut ev,
        );
        if st.coverage == Coverage::EntireRevision {
            let end = pdf.len() - st.later_bytes;
            let result = match revisions.get(end) {
                Some(old) => later_modifications(&doc, old, end),
                None => Err(PadesError::Damaged {
                    reason: "the signed revision cannot be read".into(),
                }),
            };
            match result {
                Ok(m) => st.modifications = m,
                Err(e) => st.problems.push(format!("later revisions unreadable: {e}")),
            }
        }
        out.push((st, ev));
    }
    out.sort_by_key(|(s, _)| pdf.len() - s.later_bytes);
    long_term(pdf, &doc, &dss, &mut out, &mut revisions, online)?;
    Ok(out.into_iter().map(|(s, _)| s).collect())
}

/// What the first pass learnt about a signature for the revocation and LTV checks.
#[derive(Default)]
struct Evidence {
    /// The verified time of the signature (its timestamp's genTime).
    signed_at: Option<i64>,
    /// Certificate paths, leaf first, ending at the trust anchor; `true` for a TSA's.
    paths: Vec<(Vec<Certificate>, bool)>,
    /// Revocation data inside the signature's CMS (and its timestamp token's).
    cms_items: Vec<RevItem>,
    /// DER of the certificates inside the CMS (and its timestamp token).
    cms_certs: HashSet<Vec<u8>>,
}

/// The document's `/DSS`: certificates, OCSP responses and CRLs (each stream decoded once).
#[derive(Default)]
struct DssContent {
    certs: Vec<Certificate>,
    items: Vec<RevItem>,
    /// DER of every certificate, OCSP response and CRL in it.
    ders: HashSet<Vec<u8>>,
}

fn read_dss(doc: &Document<'_>) -> Result<DssContent, PadesError> {
    let mut out = DssContent::default();
    let catalog = doc.catalog()?;
    let Some(dss) = catalog.get(b"DSS") else {
        return Ok(out);
    };
    let Object::Dict(dss) = doc.resolve(dss)? else {
        return Ok(out);
    };
    // Each stream is decoded once however often it is listed; each item kept once.
    let mut seen = HashSet::new();
    for key in [&b"Certs"[..], b"OCSPs", b"CRLs"] {
        let Some(list) = dss.get(key) else { continue };
        let Object::Array(items) = doc.resolve(list)? else {
            continue;
        };
        for item in items {
            doc.budget().check_time()?;
            let Some(data) = doc.stream_data_of(&item)? else {
                continue;
            };
            if !seen.insert(Rc::clone(&data)) {
                continue;
            }
            out.ders.insert(data.to_vec());
            if key == b"Certs" {
                if let Ok(c) = Certificate::from_der(&data) {
                    out.certs.push(c);
                }
            } else if let Some(item) = RevItem::parse(&data, RevocationOrigin::Dss) {
                out.items.push(item);
            }
        }
    }
    Ok(out)
}

/// The second pass: revocation of every chain certificate at the signing time, then for each
/// signature whether its validation data is in the file and covered by a later document
/// timestamp, and the PAdES level reached.
fn long_term<'a>(
    pdf: &'a [u8],
    doc: &Document<'a>,
    dss: &DssContent,
    out: &mut [(SignatureStatus, Evidence)],
    revisions: &mut Revisions<'a>,
    online: Option<&dyn RevocationFetcher>,
) -> Result<(), PadesError> {
    // Ends of the valid document timestamps' revisions.
    let doc_ts_ends: Vec<usize> = out
        .iter()
        .filter(|(s, _)| s.kind == SignatureKind::DocumentTimestamp && s.is_ok())
        .map(|(s, _)| pdf.len() - s.later_bytes)
        .collect();
    // The DSS of the revision each document timestamp closes (what it protects).
    let mut covered_dss: HashMap<usize, HashSet<Vec<u8>>> = HashMap::new();
    for &end in &doc_ts_ends {
        let ders = if end == pdf.len() {
            dss.ders.clone()
        } else {
            match revisions.get(end) {
                Some(old) => read_dss(old)?.ders,
                None => HashSet::new(),
            }
        };
        covered_dss.insert(end, ders);
    }
    let known: Vec<Certificate> = dss.certs.clone();
    for (st, ev) in out.iter_mut() {
        doc.budget().check_time()?;
        let end = pdf.len() - st.later_bytes;
        let when = ev.signed_at.unwrap_or_else(crate::time::now_unix);
        let pool: Vec<&RevItem> = dss.items.iter().chain(&ev.cms_items).collect();
        let mut known_here = known.clone();
        for (path, _) in &ev.paths {
            known_here.extend(path.iter().cloned());
        }
        for (path, tsa) in &ev.paths {
            // Every certificate but the trust anchor at the end.
            for pair in path.windows(2) {
                doc.budget().check_time()?;
                let check = check_certificate(
                    &pair[0],
                    &pair[1],
                    when,
                    &pool,
                    &known_here,
                    *tsa,
                    online,
                    doc.budget(),
                );
                doc.budget().check_time()?;
                if let CertRevocation::Revoked {
                    at,
                    before_signing: true,
                } = check.status
                {
                    st.problems.push(format!(
                        "{} was revoked at {}, before the signing time {}",
                        check.subject,
                        crate::revocation::rfc3339(at),
                        crate::revocation::rfc3339(when)
                    ));
                }
                st.revocation.push(check);
            }
        }
        // Covered by the newest later valid document timestamp (it covers what older ones do).
        let later_ts = doc_ts_ends.iter().copied().filter(|e| *e > end).max();
        let covered = later_ts.and_then(|e| covered_dss.get(&e));
        let mut ltv = LtvVerdict {
            data_in_file: true,
            complete: false,
            missing: Vec::new(),
        };
        if ev.signed_at.is_none() && later_ts.is_none() {
            ltv.missing.push(LtvGap::Timestamp);
        }
        for (path, _) in &ev.paths {
            for cert in &path[..path.len().saturating_sub(1)] {
                let subject = cert.tbs_certificate().subject().to_string();
                let der_bytes = cert.to_der().unwrap_or_default();
                let in_cms = ev.cms_certs.contains(&der_bytes);
                let check = st.revocation.iter().find(|c| c.subject == subject);
                let usable = check.filter(|c| {
                    c.origin.is_some_and(|o| o != RevocationOrigin::Online)
                        && matches!(c.status, CertRevocation::Good)
                });
                let Some(check) = usable else {
                    ltv.data_in_file = false;
                    if !ltv.missing.contains(&LtvGap::Revocation(subject.clone())) {
                        ltv.missing.push(LtvGap::Revocation(subject));
                    }
                    continue;
                };
                // Any embedded piece saying the same counts (an older one may be under the
                // document timestamp when a newer one, added after it, was chosen).
                let rev_covered = check.used.iter().any(|(der, origin)| {
                    *origin == RevocationOrigin::Signature
                        || covered.is_some_and(|c| c.contains(der))
                });
                let cert_covered = in_cms || covered.is_some_and(|c| c.contains(&der_bytes));
                if later_ts.is_some()
                    && !(rev_covered && cert_covered)
                    && !ltv.missing.contains(&LtvGap::NotCovered(subject.clone()))
                {
                    ltv.missing.push(LtvGap::NotCovered(subject));
                }
            }
        }
        if later_ts.is_none() {
            ltv.missing.push(LtvGap::DocumentTimestamp);
        }
        if ev.paths.is_empty() {
            // No chain to a trust root: nothing can be validated later either.
            ltv.data_in_file = false;
        }
        ltv.complete = ltv.data_in_file && ltv.missing.is_empty() && st.is_ok();
        st.level = (st.kind == SignatureKind::Signature
            && st.sub_filter == "ETSI.CAdES.detached"
            && st.intact
            && st.valid)
            .then(|| {
                if ev.signed_at.is_none() && later_ts.is_none() {
                    PadesLevel::BB
                } else if !ltv.data_in_file || ev.paths.is_empty() {
                    PadesLevel::BT
                } else if !ltv.complete {
                    PadesLevel::BLT
                } else {
                    PadesLevel::BLTA
                }
            });
        st.ltv = ltv;
    }
    Ok(())
}

/// What every signature is checked against.
struct Checks<'c, 'a> {
    ctx: &'c ValidationContext,
    dss_certs: &'c [Certificate],
    budget: &'c Budget<'a>,
}

fn verify_one(
    pdf: &[u8],
    newest_startxref: usize,
    name: &str,
    sig: &crate::object::Dict,
    checks: &Checks<'_, '_>,
    revisions: &mut Revisions<'_>,
    ev: &mut Evidence,
) -> SignatureStatus {
    let kind = if sig.get_name(b"Type") == Some(b"DocTimeStamp") {
        SignatureKind::DocumentTimestamp
    } else {
        SignatureKind::Signature
    };
    let mut st = SignatureStatus {
        field_name: name.to_string(),
        kind,
        sub_filter: sig
            .get_name(b"SubFilter")
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default(),
        intact: false,
        valid: false,
        trusted: false,
        signer_subject: None,
        reason: match sig.get(b"Reason") {
            Some(Object::Str(bytes)) => Some(crate::inspect::text_string(bytes)),
            _ => None,
        },
        timestamp: None,
        coverage: Coverage::Partial,
        later_bytes: 0,
        modifications: Vec::new(),
        problems: Vec::new(),
        revocation: Vec::new(),
        ltv: LtvVerdict::default(),
        level: None,
    };
    // Byte ranges (§12.8.1): [0 a b c], the gap exactly the /Contents hex string.
    let br: Option<Vec<usize>> = match sig.get(b"ByteRange") {
        Some(Object::Array(a)) if a.len() == 4 => a
            .iter()
            .map(|o| o.as_int().and_then(|v| usize::try_from(v).ok()))
            .collect(),
        _ => None,
    };
    let Some(br) = br else {
        st.problems.push("missing or malformed /ByteRange".into());
        return st;
    };
    let (a, b, c, d) = (br[0], br[1], br[2], br[3]);
    let end = c.checked_add(d);
    if a != 0 || b < a || c < b || end.is_none_or(|e| e > pdf.len()) {
        st.problems
            .push(format!("/ByteRange {br:?} does not fit the file"));
        return st;
    }
    let end = end.unwrap_or(0);
    let gap = &pdf[b..c];
    if gap.len() < 2
        || gap[0] != b'<'
        || gap[gap.len() - 1] != b'>'
        || !gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit)
    {
        st.problems
            .push("the unsigned gap is not exactly the /Contents hex string".into());
        return st;
    }
    st.later_bytes = pdf.len() - end;
    st.coverage = if end == pdf.len() {
        Coverage::EntireFile
    } else if newest_startxref >= end
        && pdf.trim_ascii_end().ends_with(b"%%EOF")
        && revisions.get(end).is_some()
    {
        // The bytes after the signed revision end with their own xref section and %%EOF: an
        // incremental update (what it changes is not analysed yet).
        Coverage::EntireRevision
    } else {
        st.problems.push(
            "the signed bytes are not a complete revision followed only by incremental updates"
                .into(),
        );
        Coverage::Partial
    };
    let Some(Object::Str(contents)) = sig.get(b"Contents") else {
        st.problems.push("missing /Contents".into());
        return st;
    };
    let cms_der = match der_prefix(contents) {
        Some(d) => d,
        None => {
            st.problems.push("/Contents is not DER".into());
            return st;
        }
    };
    let ranges = [&pdf[a..b], &pdf[c..end]];
    match kind {
        SignatureKind::Signature => check_cms_signature(&mut st, cms_der, &ranges, checks, ev),
        SignatureKind::DocumentTimestamp => {
            check_document_timestamp(&mut st, cms_der, &ranges, checks, ev)
        }
    }
    st
}

pub(crate) fn der_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let first = *bytes.get(1)?;
    let len = if first < 0x80 {
        2 + usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        2 + n
            + bytes
                .get(2..2 + n)?
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    bytes.get(..len)
}

fn digest_of(
    alg: &der::asn1::ObjectIdentifier,
    parts: &[&[u8]],
    budget: &Budget<'_>,
) -> Option<Vec<u8>> {
    fn run<D: Digest>(mut h: D, parts: &[&[u8]], budget: &Budget<'_>) -> Vec<u8> {
        parts.iter().for_each(|p| budget.hash_into(&mut h, p));
        h.finalize().to_vec()
    }
    Some(match *alg {
        oid::SHA256 => run(Sha256::new(), parts, budget),
        oid::SHA384 => run(Sha384::new(), parts, budget),
        oid::SHA512 => run(Sha512::new(), parts, budget),
        _ => return None,
    })
}

fn parse_signed_data(cms_der: &[u8]) -> Result<SignedData, String> {
    let ci = ContentInfo::from_der(cms_der).map_err(|e| format!("CMS: {e}"))?;
    if ci.content_type != oid::SIGNED_DATA {
        return Err("CMS is not SignedData".into());
    }
    ci.content
        .decode_as()
        .map_err(|e| format!("SignedData: {e}"))
}

fn cms_certs(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .as_ref()
        .map(|cs| {
            cs.0.iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn find_signer<'c>(si: &SignerInfo, certs: &'c [Certificate]) -> Option<&'c Certificate> {
    certs.iter().find(|c| match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            &ias.issuer == c.tbs_certificate().issuer()
                && &ias.serial_number == c.tbs_certificate().serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| k == *ski),
    })
}

fn check_cms_signature(
    st: &mut SignatureStatus,
    cms_der: &[u8],
    ranges: &[&[u8]],
    checks: &Checks<'_, '_>,
    ev: &mut Evidence,
) {
    let sd = match parse_signed_data(cms_der) {
        Ok(sd) => sd,
        Err(e) => {
            st.problems.push(e);
            return;
        }
    };
    let Some(si) = sd.signer_infos.0.iter().next() else {
        st.problems.push("no SignerInfo".into());
        return;
    };
    let certs = cms_certs(&sd);
    ev.cms_items.extend(items_in_cms(&sd));
    ev.cms_certs
        .extend(certs.iter().filter_map(|c| c.to_der().ok()));
    let Some(signer) = find_signer(si, &certs) else {
        st.problems.push("signer certificate not in the CMS".into());
        return;
    };
    st.signer_subject = Some(signer.tbs_certificate().subject().to_string());
    let Some(digest) = digest_of(&si.digest_alg.oid, ranges, checks.budget) else {
        st.problems.push(format!(
            "digest algorithm {} not supported",
            si.digest_alg.oid
        ));
        return;
    };
    let Some(attrs) = &si.signed_attrs else {
        st.problems.push("no signed attributes".into());
        return;
    };
    let md = attrs
        .iter()
        .find(|a| a.oid == oid::MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok());
    st.intact = md.is_some_and(|m| m.as_bytes() == digest.as_slice());
    if !st.intact {
        st.problems
            .push("digest mismatch: the signed bytes were changed".into());
    }
    let tbs = match attrs.to_der() {
        Ok(t) => t,
        Err(e) => {
            st.problems.push(format!("signed attributes: {e}"));
            return;
        }
    };
    match verify_signature(
        signer.tbs_certificate().subject_public_key_info(),
        &si.signature_algorithm,
        &si.digest_alg,
        &tbs,
        si.signature.as_bytes(),
    ) {
        Ok(()) => st.valid = true,
        Err(e) => st.problems.push(format!("CMS signature: {e}")),
    }
    // Signature timestamp over the signature value.
    let token = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == oid::TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.to_der().ok());
    let mut when = crate::time::now_unix();
    if let Some(token) = token {
        match check_token(&token, &[si.signature.as_bytes()], checks, ev) {
            Ok(info) => {
                when = info.gen_time_unix;
                ev.signed_at = Some(when);
                st.timestamp = Some(info);
            }
            Err(e) => st.problems.push(format!("signature timestamp: {e}")),
        }
    }
    match chain_to_root(signer, &certs, Purpose::Signing, when, checks) {
        Ok(path) => {
            st.trusted = true;
            ev.paths.insert(0, (path, false));
        }
        Err(e) => st.problems.push(e),
    }
}

/// Verifies a timestamp token, that its imprint is the hash of `parts` (with the token's own hash
/// algorithm) and that the TSA chains to a trust root.
fn check_token(
    token: &[u8],
    parts: &[&[u8]],
    checks: &Checks<'_, '_>,
    ev: &mut Evidence,
) -> Result<TimestampInfo, String> {
    let info = verify_timestamp_token(token).map_err(|e| e.to_string())?;
    let sd = parse_signed_data(token)?;
    let tst_der = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|e| e.decode_as::<OctetString>().ok())
        .ok_or("token without TSTInfo")?;
    let tst = crate::asn1::TstInfo::from_der(tst_der.as_bytes()).map_err(|e| e.to_string())?;
    let imprint_ok = digest_of(
        &tst.message_imprint.hash_algorithm.oid,
        parts,
        checks.budget,
    )
    .is_some_and(|d| tst.message_imprint.hashed_message.as_bytes() == d.as_slice());
    if !imprint_ok {
        return Err("the token's imprint does not match".into());
    }
    let certs = cms_certs(&sd);
    ev.cms_items.extend(items_in_cms(&sd));
    ev.cms_certs
        .extend(certs.iter().filter_map(|c| c.to_der().ok()));
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or("no SignerInfo in token")?;
    let tsa = find_signer(si, &certs).ok_or("TSA certificate not in the token")?;
    let path = chain_to_root(
        tsa,
        &certs,
        Purpose::TimeStamping,
        info.gen_time_unix,
        checks,
    )?;
    ev.paths.push((path, true));
    Ok(info)
}

fn check_document_timestamp(
    st: &mut SignatureStatus,
    cms_der: &[u8],
    ranges: &[&[u8]],
    checks: &Checks<'_, '_>,
    ev: &mut Evidence,
) {
    match check_token(cms_der, ranges, checks, ev) {
        Ok(info) => {
            ev.signed_at = Some(info.gen_time_unix);
            st.intact = true;
            st.valid = true;
            st.trusted = true;
            st.signer_subject = Some(info.tsa_subject.clone());
            st.timestamp = Some(info);
        }
        Err(e) => {
            if verify_timestamp_token(cms_der).is_ok() {
                st.valid = true;
            }
            st.problems.push(format!("document timestamp: {e}"));
        }
    }
}

/// What the end-entity certificate of a path is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// A document signature.
    Signing,
    /// A timestamp token (signature or document timestamp).
    TimeStamping,
}

/// Builds a path from `leaf` to a trust root through the CMS's certificates and the DSS, with
/// the checks of RFC 5280 §6.1 this verifier makes: each signature; each certificate valid at
/// `when` (UNIX seconds); every issuer a CA (basicConstraints cA, §4.2.1.9) whose
/// pathLenConstraint allows the CAs below it and whose keyUsage, when present, has keyCertSign
/// (§4.2.1.3); and a leaf fit for `purpose`.
fn chain_to_root(
    leaf: &Certificate,
    cms_certs: &[Certificate],
    purpose: Purpose,
    when: i64,
    checks: &Checks<'_, '_>,
) -> Result<Vec<Certificate>, String> {
    let ctx = checks.ctx;
    if ctx.trust_roots.is_empty() {
        return Err("no trust roots given".into());
    }
    check_purpose(leaf, purpose)?;
    let mut cur = leaf.clone();
    let mut path = Vec::new();
    // Non-self-issued intermediate CAs between the leaf and the issuer looked for (pathLen).
    let mut intermediates = 0usize;
    for _ in 0..10 {
        checks
            .budget
            .check_time()
            .map_err(|k| format!("the {k} limit was exceeded"))?;
        check_validity(&cur, when)?;
        path.push(cur.clone());
        if ctx.trust_roots.contains(&cur) {
            return Ok(path);
        }
        let issuer_name = cur.tbs_certificate().issuer().clone();
        let tbs = cur.tbs_certificate().to_der().map_err(|e| e.to_string())?;
        let verifies = |issuer: &Certificate| {
            issuer.tbs_certificate().subject() == &issuer_name
                && verify_signature(
                    issuer.tbs_certificate().subject_public_key_info(),
                    cur.signature_algorithm(),
                    &crate::cms_build::sha256_alg(),
                    &tbs,
                    cur.signature().raw_bytes(),
                )
                .is_ok()
        };
        if let Some(root) = ctx.trust_roots.iter().find(|r| verifies(r)) {
            check_issuer(root, intermediates, true)?;
            check_validity(root, when)?;
            path.push(root.clone());
            return Ok(path);
        }
        // Prefer an issuer that may issue; if only unfit ones verify, say why the first fails.
        let mut unfit = None;
        let mut next = None;
        for c in cms_certs.iter().chain(checks.dss_certs) {
            // Many candidates with the right name cost a signature check each.
            checks
                .budget
                .check_time()
                .map_err(|k| format!("the {k} limit was exceeded"))?;
            if c == &cur || !verifies(c) {
                continue;
            }
            match check_issuer(c, intermediates, false) {
                Ok(()) => {
                    next = Some(c);
                    break;
                }
                Err(e) => {
                    unfit.get_or_insert(e);
                }
            }
        }
        let Some(next) = next else {
            return Err(unfit.unwrap_or_else(|| {
                format!(
                    "no path from {} to a trust root",
                    leaf.tbs_certificate().subject()
                )
            }));
        };
        if next.tbs_certificate().subject() != next.tbs_certificate().issuer() {
            intermediates += 1;
        }
        cur = next.clone();
    }
    Err("certificate path too long".into())
}

/// Whether `issuer` issued `cert`: its subject is `cert`'s issuer and its key verifies
/// `cert`'s signature. For checking a chain handed in with a key or a time-stamp token.
pub fn certificate_issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    issuer.tbs_certificate().subject() == cert.tbs_certificate().issuer()
        && cert.tbs_certificate().to_der().is_ok_and(|tbs| {
            verify_signature(
                issuer.tbs_certificate().subject_public_key_info(),
                cert.signature_algorithm(),
                &crate::cms_build::sha256_alg(),
                &tbs,
                cert.signature().raw_bytes(),
            )
            .is_ok()
        })
}

/// RFC 5280 §6.1.4 (k), (l), (m), (n): `cert` issued the certificate below it, so it must be a
/// CA with room for `intermediates` CAs below it and, if its keyUsage is present, keyCertSign.
/// A version 1 trust anchor (no extensions) is a CA by configuration.
fn check_issuer(cert: &Certificate, intermediates: usize, anchor: bool) -> Result<(), String> {
    let tbs = cert.tbs_certificate();
    let subject = tbs.subject();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, bc))) if !bc.ca => {
            return Err(format!(
                "{subject} issued a certificate in the path but is not a CA (basicConstraints cA is false)"
            ));
        }
        Ok(Some((_, bc))) => {
            if let Some(n) = bc.path_len_constraint
                && intermediates > usize::from(n)
            {
                return Err(format!(
                    "{subject} has pathLenConstraint {n} but {intermediates} intermediate CAs follow it"
                ));
            }
        }
        Ok(None) if anchor && tbs.version() == x509_cert::certificate::Version::V1 => {}
        Ok(None) => {
            return Err(format!(
                "{subject} issued a certificate in the path but is not a CA (no basicConstraints)"
            ));
        }
        Err(e) => return Err(format!("{subject}: malformed basicConstraints: {e}")),
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) if !ku.key_cert_sign() => Err(format!(
            "{subject} issued a certificate in the path but its keyUsage lacks keyCertSign"
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("{subject}: malformed keyUsage: {e}")),
    }
}

/// The end-entity checks: a signer's keyUsage, when present, allows digitalSignature or
/// nonRepudiation (RFC 5280 §4.2.1.3); a TSA has the critical id-kp-timeStamping EKU
/// (RFC 3161 §2.3) and the same keyUsage rule.
fn check_purpose(leaf: &Certificate, purpose: Purpose) -> Result<(), String> {
    let subject = leaf.tbs_certificate().subject();
    match leaf.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) if !(ku.digital_signature() || ku.non_repudiation()) => {
            return Err(format!(
                "{subject} may not sign documents: its keyUsage allows neither digitalSignature nor nonRepudiation"
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("{subject}: malformed keyUsage: {e}")),
    }
    if purpose == Purpose::TimeStamping {
        crate::tsp::check_tsa_eku(leaf).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn check_validity(cert: &Certificate, when: i64) -> Result<(), String> {
    let v = cert.tbs_certificate().validity();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    if when < nb || when > na {
        return Err(format!(
            "{} is not valid at the validation time",
            cert.tbs_certificate().subject()
        ));
    }
    Ok(())
}

/// What the revisions after `old` (a complete earlier revision of `doc`) changed that is not
/// allowed after a signature (cf. pyHanko's diff policy for approval signatures / DocMDP P=2):
/// new objects are free; an existing object may change only as
/// * the catalog: `/DSS`, `/AcroForm`, `/Extensions`, `/Version` keys;
/// * a page: `/Annots` grown;
/// * the AcroForm: `/Fields` grown, `/SigFlags`, `/DR`, `/DA`;
/// * an unsigned signature field: `/V` (and its appearance) set;
/// * the DSS dictionary, an array object that only grew.
///
/// `old` is the first `signed_len` bytes of `doc`'s file. Linear in the size of what changed (dictionaries and arrays are compared through hash sets).
fn later_modifications(
    doc: &Document<'_>,
    old: &Document<'_>,
    signed_len: usize,
) -> Result<Vec<String>, PadesError> {
    let old_catalog = old.catalog()?;
    let old_root = old.root_ref()?;
    let old_dss = old_catalog.get_ref(b"DSS");
    let old_form = old_catalog.get_ref(b"AcroForm");
    let mut changed: Vec<u32> = Vec::new();
    for (offset, nums) in &doc.section_objects {
        if *offset >= signed_len {
            changed.extend(nums);
        }
    }
    changed.sort_unstable();
    changed.dedup();
    let mut out = Vec::new();
    for num in changed {
        doc.budget().check_time()?;
        let Some(entry) = old.entries.get(&num).copied() else {
            continue; // a new object
        };
        if matches!(entry, crate::document::XrefEntry::Free) || num == 0 {
            continue;
        }
        let generation = match doc.entries.get(&num) {
            Some(crate::document::XrefEntry::InFile { generation, .. }) => *generation,
            Some(crate::document::XrefEntry::Free) | None => {
                out.push(format!("object {num} was deleted"));
                continue;
            }
            Some(crate::document::XrefEntry::InStream { .. }) => 0,
        };
        let r = crate::object::ObjRef::new(num, generation);
        let before = old.get(r)?;
        let after = doc.get(r)?;
        if before == after || Some(r.num) == old_dss.map(|d| d.num) {
            continue;
        }
        let allowed: &[&[u8]] = if r.num == old_root.num {
            &[b"DSS", b"AcroForm", b"Extensions", b"Version"]
        } else if Some(r.num) == old_form.map(|f| f.num) {
            &[b"Fields", b"SigFlags", b"DR", b"DA"]
        } else {
            match before.as_dict() {
                Some(d) if d.get_name(b"Type") == Some(b"Page") => &[b"Annots"],
                Some(d) if d.get_name(b"FT") == Some(b"Sig") && d.get(b"V").is_none() => {
                    &[b"V", b"AP"]
                }
                Some(_) => &[],
                None => match (&before, &after) {
                    (Object::Array(a), Object::Array(b)) if is_subset(a, b) => {
                        continue;
                    }
                    _ => &[],
                },
            }
        };
        let (Some(bd), Some(ad)) = (before.as_dict(), after.as_dict()) else {
            out.push(format!("object {num} was changed"));
            continue;
        };
        let before_map: HashMap<&[u8], &Object> =
            bd.0.iter().map(|(k, v)| (k.as_slice(), v)).collect();
        let after_map: HashMap<&[u8], &Object> =
            ad.0.iter().map(|(k, v)| (k.as_slice(), v)).collect();
        let mut keys: Vec<&Vec<u8>> = bd.0.iter().map(|(k, _)| k).collect();
        keys.extend(ad.0.iter().map(|(k, _)| k));
        keys.sort();
        keys.dedup();
        for k in keys {
            if before_map.get(k.as_slice()) == after_map.get(k.as_slice()) {
                continue;
            }
            if !allowed.contains(&k.as_slice()) {
                out.push(format!(
                    "object {num}: /{} changed after signing",
                    String::from_utf8_lossy(k)
                ));
                continue;
            }
            // Lists that may only grow.
            if matches!(k.as_slice(), b"Annots" | b"Fields") {
                let list = |d: &crate::object::Dict, dd: &Document<'_>| -> Vec<Object> {
                    match d.get(k).map(|o| dd.resolve(o)) {
                        Some(Ok(Object::Array(a))) => a,
                        _ => Vec::new(),
                    }
                };
                let (la, lb) = (list(bd, old), list(ad, doc));
                if !is_subset(&la, &lb) {
                    out.push(format!(
                        "object {num}: entries removed from /{}",
                        String::from_utf8_lossy(k)
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Whether every element of `a` is in `b`, in linear time.
fn is_subset(a: &[Object], b: &[Object]) -> bool {
    let b: HashSet<&Object> = b.iter().collect();
    a.iter().all(|x| b.contains(x))
}

#[cfg(all(test, feature = "dev-pki"))]
#[path = "verify_path_tests.rs"]
mod path_tests;
