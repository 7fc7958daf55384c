//! Signing a PDF by incremental update, in pyHanko's phases:
//! [`PdfSigner`] → [`SigningPlan`] (parsed, update planned) → [`PreparedDocument`] (`/ByteRange`
//! fixed, `/Contents` reserved, digest known) → [`SignedDocument`] (CMS embedded).

use sha2::{Digest, Sha256};

use crate::document::Document;
use crate::error::PadesError;
use crate::inspect::{Analysis, PdfInfo};
use crate::limits::{Budget, ReadLimits};
use crate::ltv::{Dss, RevocationFetcher};
use crate::object::{Dict, ObjRef, Object};
use crate::signer::Signer;
use crate::source::{PdfFile, PdfSource};
use crate::stamp::VisibleStamp;
use crate::tsp::TimeStamper;
use crate::write::{IncrementalWriter, hex, pdf_date, real, text_string};

/// What goes into the signature dictionary and where (pyHanko's `PdfSignatureMetadata`).
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureMetadata {
    /// Field to sign (`/T`): an existing empty signature field of that name is filled; otherwise
    /// a new field is created. `None`: a new field `Signature1`, `Signature2`, ….
    pub field_name: Option<String>,
    /// `/Reason` (ISO 32000-1 Table 252).
    pub reason: Option<String>,
    /// `/Name`: the signer's name.
    pub name: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// 1-based page that holds the (invisible) widget of a new field.
    pub page: u32,
    /// Signing time for `/M`, UNIX seconds; `None` = now.
    pub signing_time_unix: Option<i64>,
    /// A visible stamp for a new field (its page replaces [`SignatureMetadata::page`]);
    /// `None` (the default): an invisible signature.
    pub stamp: Option<VisibleStamp>,
}

impl Default for SignatureMetadata {
    fn default() -> Self {
        SignatureMetadata {
            field_name: None,
            reason: None,
            name: None,
            location: None,
            contact_info: None,
            page: 1,
            signing_time_unix: None,
            stamp: None,
        }
    }
}

impl SignatureMetadata {
    /// Sets the field name.
    pub fn field_name(mut self, name: impl Into<String>) -> Self {
        self.field_name = Some(name.into());
        self
    }
}

/// PAdES baseline level of a signature (ETSI EN 319 142-1 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PadesLevel {
    /// B-B: the CAdES signature alone.
    BB,
    /// B-T: with an RFC 3161 signature timestamp.
    BT,
    /// B-LT: B-T plus a DSS with the certificates and CRLs of the signer's and the TSA's chains.
    BLT,
    /// B-LTA: B-LT plus a document timestamp (and a DSS for its TSA chain).
    BLTA,
}

/// Which kind of signature dictionary an update carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigKind {
    /// `/Type /Sig`, SubFilter `ETSI.CAdES.detached`.
    Signature,
    /// `/Type /DocTimeStamp`, SubFilter `ETSI.RFC3161` (ETSI EN 319 142-1 §5.4.3).
    DocTimeStamp,
}

/// What was signed, for logs and the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    /// The field signed.
    pub field_name: String,
    /// Whether an existing empty field was filled.
    pub filled_existing_field: bool,
    /// `/ByteRange` `[a b c d]`.
    pub byte_range: [usize; 4],
    /// Size of the DER CMS.
    pub cms_len: usize,
    /// Bytes reserved for it.
    pub reserved_len: usize,
    /// Level reached.
    pub level: PadesLevel,
    /// Length of the original document (an exact prefix of the output).
    pub original_len: usize,
}

/// Signs one document (pyHanko's `PdfSigner`).
pub struct PdfSigner<'a> {
    signer: &'a dyn Signer,
    meta: &'a SignatureMetadata,
    timestamper: Option<&'a dyn TimeStamper>,
    level: Option<PadesLevel>,
    fetcher: Option<&'a dyn RevocationFetcher>,
    limits: ReadLimits,
}

impl<'a> PdfSigner<'a> {
    /// A B-B signer; add [`PdfSigner::timestamper`] for B-T.
    pub fn new(signer: &'a dyn Signer, meta: &'a SignatureMetadata) -> Self {
        PdfSigner {
            signer,
            meta,
            timestamper: None,
            level: None,
            fetcher: None,
            limits: ReadLimits::default(),
        }
    }

    /// Limits for reading the original (default [`ReadLimits::default`]); a file that needs
    /// more is refused with [`PadesError::TooComplex`].
    pub fn read_limits(mut self, limits: ReadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The level to reach. Default: B-T with a timestamper, B-B without. B-T and above need
    /// [`PdfSigner::timestamper`]; B-LT and B-LTA fetch CRLs (see [`PdfSigner::revocation_fetcher`]).
    pub fn level(mut self, level: PadesLevel) -> Self {
        self.level = Some(level);
        self
    }

    /// Where B-LT/B-LTA get OCSP responses and CRLs from; default: `HttpRevocationFetcher`
    /// (with the `http` feature; without it B-LT/B-LTA need one).
    pub fn revocation_fetcher(mut self, fetcher: &'a dyn RevocationFetcher) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    fn effective_level(&self) -> PadesLevel {
        self.level.unwrap_or(if self.timestamper.is_some() {
            PadesLevel::BT
        } else {
            PadesLevel::BB
        })
    }

    /// Adds a signature timestamp (B-T). If no valid token can be had, signing fails.
    pub fn timestamper(mut self, tsa: &'a dyn TimeStamper) -> Self {
        self.timestamper = Some(tsa);
        self
    }

    /// Parses `original` and plans the update. Refuses the same inputs as [`crate::inspect`].
    pub fn begin<'b>(&self, original: &'b [u8]) -> Result<SigningPlan<'a, 'b>, PadesError> {
        self.plan(Budget::new(original, &self.limits))
    }

    fn plan<'b>(&self, budget: std::rc::Rc<Budget<'b>>) -> Result<SigningPlan<'a, 'b>, PadesError> {
        let original = budget.input();
        let result = Document::open_with(original, std::rc::Rc::clone(&budget))
            .and_then(|doc| Analysis::run(&doc).map(|analysis| (doc, analysis)));
        let (doc, analysis) = budget.settle(result)?;
        Ok(SigningPlan {
            signer: self.signer,
            meta: self.meta,
            timestamper: self.timestamper,
            doc,
            analysis,
        })
    }

    /// All phases: plan, prepare, build the CMS (with timestamp for B-T), embed.
    pub fn sign(&self, original: &[u8]) -> Result<SignedDocument, PadesError> {
        let mut bytes = crate::source::in_memory(original);
        let (cms, report) = self.sign_in_place(&mut bytes)?;
        Ok(SignedDocument { bytes, cms, report })
    }

    /// [`PdfSigner::sign`] on a file that the updates are appended to: the document is read
    /// from [`PdfSource::bytes`] and never copied, so a memory-mapped file
    /// (`MappedPdf`, feature `mmap`) is sealed in memory that does not grow with its size.
    /// Returns the DER CMS of the signature and what was signed. On an error the file may
    /// hold some of the updates: the caller discards it.
    pub fn sign_file(
        &self,
        file: &mut dyn PdfFile,
    ) -> Result<(Vec<u8>, SignatureReport), PadesError> {
        self.sign_in_place(file)
    }

    fn sign_in_place(
        &self,
        file: &mut dyn PdfFile,
    ) -> Result<(Vec<u8>, SignatureReport), PadesError> {
        let level = self.effective_level();
        let tsa = match (level, self.timestamper) {
            (PadesLevel::BB, _) => None,
            (_, Some(t)) => Some(t),
            (_, None) => {
                return Err(PadesError::Timestamp {
                    reason: format!("{level:?} needs a timestamper"),
                });
            }
        };
        let (cms, mut report) = self.sign_only(file, tsa)?;
        if level >= PadesLevel::BLT {
            #[cfg(feature = "http")]
            let http = crate::ltv::HttpRevocationFetcher::default();
            #[cfg(feature = "http")]
            let fetcher = self.fetcher.unwrap_or(&http);
            #[cfg(not(feature = "http"))]
            let fetcher = self.fetcher.ok_or_else(|| PadesError::Revocation {
                reason: format!("{level:?} needs a revocation fetcher (built without `http`)"),
            })?;
            let mut certs = crate::ltv::certificates_in_cms(&cms)?;
            for c in std::iter::once(self.signer.certificate()).chain(self.signer.chain()) {
                if !certs.contains(c) {
                    certs.push(c.clone());
                }
            }
            Dss::collect(&certs, fetcher)?.add_to_file(file)?;
            if level == PadesLevel::BLTA {
                let (ts_cms, _) =
                    DocumentTimeStamper::new(tsa.ok_or_else(|| PadesError::Timestamp {
                        reason: "B-LTA needs a timestamper".into(),
                    })?)
                    .timestamp_file(file)?;
                let ts_certs = crate::ltv::certificates_in_cms(&ts_cms)?;
                Dss::collect(&ts_certs, fetcher)?.add_to_file(file)?;
            }
            report.level = level;
        }
        Ok((cms, report))
    }

    fn sign_only(
        &self,
        file: &mut dyn PdfFile,
        tsa: Option<&dyn TimeStamper>,
    ) -> Result<(Vec<u8>, SignatureReport), PadesError> {
        let source: &dyn PdfSource = file;
        let mut plan = self.plan(Budget::for_source(source, &self.limits))?;
        // B-B with a timestamper set: no token, so neither its room nor the B-T report level.
        plan.timestamper = tsa;
        let (tail, cms, report) = with_room(plan.default_reservation(), |reserve| {
            let prepared = plan.prepare_update(reserve)?;
            let cms = crate::cms_build::build_cades_detached(self.signer, &prepared.digest, tsa)?;
            prepared
                .embed(&cms)
                .map(|(tail, report)| (tail, cms, report))
        })?;
        drop(plan);
        file.append(&tail)?;
        Ok((cms, report))
    }
}

/// Runs `attempt` with `reserve` bytes for the CMS, and once more with the room it asked for
/// when that was too little.
fn with_room<T>(
    mut reserve: usize,
    mut attempt: impl FnMut(usize) -> Result<T, PadesError>,
) -> Result<T, PadesError> {
    for _ in 0..2 {
        match attempt(reserve) {
            Err(PadesError::SignatureTooLarge { needed, .. }) => reserve = needed + 2048,
            other => return other,
        }
    }
    Err(PadesError::SignatureTooLarge {
        needed: reserve,
        reserved: reserve,
    })
}

/// A parsed document and the planned update (pyHanko's `PdfSigningSession`).
pub struct SigningPlan<'a, 'b> {
    signer: &'a dyn Signer,
    meta: &'a SignatureMetadata,
    timestamper: Option<&'a dyn TimeStamper>,
    doc: Document<'b>,
    analysis: Analysis,
}

impl<'a, 'b> SigningPlan<'a, 'b> {
    /// What the reader found.
    pub fn info(&self) -> &PdfInfo {
        &self.analysis.info
    }

    fn default_reservation(&self) -> usize {
        let certs: usize = std::iter::once(self.signer.certificate())
            .chain(self.signer.chain())
            .map(|c| {
                der::Encode::encoded_len(c)
                    .map(usize::try_from)
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(2048)
            })
            .sum();
        let tsa = if self.timestamper.is_some() {
            12 * 1024
        } else {
            0
        };
        certs + self.signer.max_signature_len() + 1536 + tsa
    }

    /// Writes the update with `/Contents` reserved and returns the document to be signed.
    pub fn prepare(&self) -> Result<PreparedDocument, PadesError> {
        Ok(PreparedDocument {
            update: self.prepare_update(self.default_reservation())?,
            original: self.doc.data.to_vec(),
        })
    }

    fn prepare_update(&self, reserved: usize) -> Result<PreparedUpdate, PadesError> {
        let level = if self.timestamper.is_some() {
            PadesLevel::BT
        } else {
            PadesLevel::BB
        };
        self.doc.budget().settle(prepare_update(
            &self.doc,
            &self.analysis,
            self.meta,
            SigKind::Signature,
            reserved,
            level,
        ))
    }
}

/// Writes the update that adds one signature dictionary (and its field), with `/Contents`
/// reserved, and digests the byte ranges.
fn prepare_update(
    doc: &Document<'_>,
    analysis: &Analysis,
    meta: &SignatureMetadata,
    kind: SigKind,
    reserved: usize,
    level: PadesLevel,
) -> Result<PreparedUpdate, PadesError> {
    {
        let catalog = &analysis.catalog;
        let mut w = IncrementalWriter::new(doc);
        let sig_ref = w.alloc();
        let now = meta.signing_time_unix.unwrap_or_else(crate::time::now_unix);

        // The field: fill an existing empty signature field, or create a new one.
        let existing = meta
            .field_name
            .as_ref()
            .and_then(|n| analysis.fields.iter().find(|f| &f.name == n));
        let (field_name, filled) = match existing {
            Some(f) if !f.is_sig => {
                return Err(PadesError::FieldNotSignature {
                    name: f.name.clone(),
                });
            }
            Some(f) if f.signed => {
                return Err(PadesError::FieldAlreadySigned {
                    name: f.name.clone(),
                });
            }
            Some(f) => {
                let mut fd = doc.resolve_dict(&Object::Ref(f.obj), "the signature field")?;
                fd.set(b"V", Object::Ref(sig_ref));
                w.put(f.obj, &Object::Dict(fd));
                update_acroform(doc, &mut w, catalog, None)?;
                (f.name.clone(), true)
            }
            None => {
                let name = match &meta.field_name {
                    Some(n) => n.clone(),
                    None => unused_field_name(
                        analysis,
                        match kind {
                            SigKind::Signature => "Signature",
                            SigKind::DocTimeStamp => "DocTimeStamp",
                        },
                    ),
                };
                let stamp = match kind {
                    SigKind::Signature => meta.stamp.as_ref(),
                    SigKind::DocTimeStamp => None,
                };
                if stamp.is_some() && analysis.info.docmdp.is_some() {
                    return Err(PadesError::CertifiedNoVisibleStamp);
                }
                let page_no = stamp.map_or(meta.page, |s| s.page);
                let count = analysis.info.page_count;
                if page_no == 0 || page_no > count {
                    return Err(PadesError::PageOutOfRange {
                        page: page_no,
                        count,
                    });
                }
                let page_ref = doc.page_ref(catalog, page_no - 1)?;
                let widget_ref = w.alloc();
                // §12.7.4.5 + §12.5.6.19: a merged field/widget; invisible (zero rectangle),
                // flags Print (4) + Locked (128).
                let mut widget = Dict::default();
                widget.set(b"Type", Object::Name(b"Annot".to_vec()));
                widget.set(b"Subtype", Object::Name(b"Widget".to_vec()));
                widget.set(b"FT", Object::Name(b"Sig".to_vec()));
                widget.set(b"T", text_string(&name));
                widget.set(b"V", Object::Ref(sig_ref));
                match stamp {
                    None => {
                        widget.set(b"F", Object::Int(132));
                        widget.set(b"Rect", Object::Array(vec![Object::Int(0); 4]));
                    }
                    Some(s) => {
                        // Print (4): the stamp shows on paper too.
                        let form = s.write_appearance(&mut w)?;
                        let [x, y, sw, sh] = s.rect;
                        widget.set(b"F", Object::Int(4));
                        widget.set(
                            b"Rect",
                            Object::Array(vec![real(x), real(y), real(x + sw), real(y + sh)]),
                        );
                        let mut ap = Dict::default();
                        ap.set(b"N", Object::Ref(form));
                        widget.set(b"AP", Object::Dict(ap));
                    }
                }
                widget.set(b"P", Object::Ref(page_ref));
                w.put(widget_ref, &Object::Dict(widget));

                let mut page = doc.resolve_dict(&Object::Ref(page_ref), "the page")?;
                let mut annots = match page.get(b"Annots") {
                    Some(a) => match doc.resolve(a)? {
                        Object::Array(items) => items,
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                annots.push(Object::Ref(widget_ref));
                page.set(b"Annots", Object::Array(annots));
                w.put(page_ref, &Object::Dict(page));
                update_acroform(doc, &mut w, catalog, Some(widget_ref))?;
                (name, false)
            }
        };

        // The signature dictionary (§12.8.1, Table 252), with /ByteRange and /Contents at known
        // offsets: /ByteRange is filled in once the whole update is written.
        let mut head = Dict::default();
        let (ty, sub_filter) = match kind {
            SigKind::Signature => (&b"Sig"[..], &b"ETSI.CAdES.detached"[..]),
            SigKind::DocTimeStamp => (&b"DocTimeStamp"[..], &b"ETSI.RFC3161"[..]),
        };
        head.set(b"Type", Object::Name(ty.to_vec()));
        head.set(b"Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
        head.set(b"SubFilter", Object::Name(sub_filter.to_vec()));
        let mut rest = Dict::default();
        if kind == SigKind::Signature {
            rest.set(b"M", Object::Str(pdf_date(now).into_bytes()));
            for (key, value) in [
                (&b"Name"[..], &meta.name),
                (b"Reason", &meta.reason),
                (b"Location", &meta.location),
                (b"ContactInfo", &meta.contact_info),
            ] {
                if let Some(v) = value {
                    rest.set(key, text_string(v));
                }
            }
        }
        let sig = crate::write::signature_dict(&head, reserved, &rest);
        w.put_raw(sig_ref, sig.body);

        let written = w.finish();
        let base = written.base;
        // Positions in the tail (the signature dictionary is in it, after the original).
        let body = written.body_offset(sig_ref) - base;
        let mut tail = written.tail;
        let a = body + sig.contents_at;
        let b = a + reserved * 2 + 2;
        let range = [0, base + a, base + b, tail.len() - b];
        crate::write::patch_byte_range(&mut tail, body + sig.byte_range_at, range);

        let mut h = Sha256::new();
        doc.budget().hash_into(&mut h, doc.data);
        h.update(&tail[..a]);
        h.update(&tail[b..]);
        let digest: [u8; 32] = h.finalize().into();
        Ok(PreparedUpdate {
            tail,
            byte_range: range,
            digest,
            reserved,
            field_name,
            filled,
            level,
            original_len: doc.data.len(),
        })
    }
}

fn unused_field_name(analysis: &Analysis, prefix: &str) -> String {
    (1..)
        .map(|i| format!("{prefix}{i}"))
        .find(|n| {
            !analysis
                .fields
                .iter()
                .any(|f| &f.name == n || f.name.starts_with(&format!("{n}.")))
        })
        .unwrap_or_else(|| prefix.into())
}

/// Adds `new_field` to `/AcroForm /Fields` and sets `/SigFlags 3` (SignaturesExist |
/// AppendOnly, §12.7.2 Table 219), wherever the AcroForm lives.
fn update_acroform(
    doc: &Document<'_>,
    w: &mut IncrementalWriter<'_>,
    catalog: &Dict,
    new_field: Option<ObjRef>,
) -> Result<(), PadesError> {
    {
        let existing = catalog.get(b"AcroForm");
        let mut form = match existing {
            Some(o) => match doc.resolve(o)? {
                Object::Dict(d) => d,
                _ => Dict::default(),
            },
            None => Dict::default(),
        };
        let sig_flags_ok = form.get_int(b"SigFlags") == Some(3);
        if new_field.is_none() && sig_flags_ok {
            return Ok(());
        }
        if let Some(f) = new_field {
            let mut fields = match form.get(b"Fields") {
                Some(o) => match doc.resolve(o)? {
                    Object::Array(a) => a,
                    _ => Vec::new(),
                },
                None => Vec::new(),
            };
            fields.push(Object::Ref(f));
            form.set(b"Fields", Object::Array(fields));
        }
        let flags = form.get_int(b"SigFlags").unwrap_or(0) | 3;
        form.set(b"SigFlags", Object::Int(flags));
        match existing {
            Some(Object::Ref(r)) => w.put(*r, &Object::Dict(form)),
            _ => {
                let form_ref = w.alloc();
                w.put(form_ref, &Object::Dict(form));
                let mut cat = catalog.clone();
                cat.set(b"AcroForm", Object::Ref(form_ref));
                w.put(doc.root_ref()?, &Object::Dict(cat));
            }
        }
        Ok(())
    }
}

/// The document with its update written and `/Contents` reserved (pyHanko's `PdfTBSDocument`).
pub struct PreparedDocument {
    update: PreparedUpdate,
    original: Vec<u8>,
}

/// The update that adds a signature dictionary, `/Contents` reserved: the bytes after the
/// original, the byte range and its digest.
struct PreparedUpdate {
    tail: Vec<u8>,
    byte_range: [usize; 4],
    digest: [u8; 32],
    reserved: usize,
    field_name: String,
    filled: bool,
    level: PadesLevel,
    original_len: usize,
}

impl PreparedDocument {
    /// SHA-256 over the two byte ranges: the CMS message-digest.
    pub fn digest(&self) -> &[u8; 32] {
        &self.update.digest
    }

    /// `/ByteRange` `[a b c d]`.
    pub fn byte_range(&self) -> [usize; 4] {
        self.update.byte_range
    }

    /// Bytes reserved for the DER CMS.
    pub fn reserved_len(&self) -> usize {
        self.update.reserved
    }

    /// Writes the CMS into `/Contents` (the only place output bytes are patched).
    pub fn embed(self, cms_der: &[u8]) -> Result<SignedDocument, PadesError> {
        let (tail, report) = self.update.embed(cms_der)?;
        let mut bytes = self.original;
        bytes.extend_from_slice(&tail);
        Ok(SignedDocument {
            bytes,
            cms: cms_der.to_vec(),
            report,
        })
    }
}

impl PreparedUpdate {
    /// Writes the CMS into `/Contents`: the tail to append and what was signed.
    fn embed(self, cms_der: &[u8]) -> Result<(Vec<u8>, SignatureReport), PadesError> {
        if cms_der.len() > self.reserved {
            return Err(PadesError::SignatureTooLarge {
                needed: cms_der.len(),
                reserved: self.reserved,
            });
        }
        let mut tail = self.tail;
        let start = self.byte_range[1] + 1 - self.original_len;
        let h = hex(cms_der);
        tail[start..start + h.len()].copy_from_slice(h.as_bytes());
        Ok((
            tail,
            SignatureReport {
                field_name: self.field_name,
                filled_existing_field: self.filled,
                byte_range: self.byte_range,
                cms_len: cms_der.len(),
                reserved_len: self.reserved,
                level: self.level,
                original_len: self.original_len,
            },
        ))
    }
}

/// The signed output (pyHanko's `PdfPostSignatureDocument`).
#[derive(Clone, Debug)]
pub struct SignedDocument {
    bytes: Vec<u8>,
    /// The DER CMS embedded by the newest signature or document timestamp.
    cms: Vec<u8>,
    report: SignatureReport,
}

impl SignedDocument {
    /// The signed PDF.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signed PDF, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The DER CMS (or timestamp token) embedded by the newest signature.
    pub fn cms(&self) -> &[u8] {
        &self.cms
    }

    /// What was signed.
    pub fn report(&self) -> &SignatureReport {
        &self.report
    }
}

/// Adds a document timestamp (`/Type /DocTimeStamp`, SubFilter `ETSI.RFC3161`, ETSI EN 319 142-1
/// §5.4.3) by incremental update: the archive timestamp of PAdES B-LTA (pyHanko's
/// `PdfTimeStamper`). `/Contents` holds the RFC 3161 token over the byte ranges.
pub struct DocumentTimeStamper<'a> {
    tsa: &'a dyn TimeStamper,
}

impl<'a> DocumentTimeStamper<'a> {
    /// A document timestamper using `tsa`.
    pub fn new(tsa: &'a dyn TimeStamper) -> Self {
        DocumentTimeStamper { tsa }
    }

    /// Timestamps `pdf` (refusing the same inputs as [`crate::inspect`]).
    pub fn timestamp(&self, pdf: &[u8]) -> Result<SignedDocument, PadesError> {
        let mut bytes = crate::source::in_memory(pdf);
        let (cms, report) = self.timestamp_file(&mut bytes)?;
        Ok(SignedDocument { bytes, cms, report })
    }

    /// [`DocumentTimeStamper::timestamp`] appended to `file`: the token and what was signed.
    pub fn timestamp_file(
        &self,
        file: &mut dyn PdfFile,
    ) -> Result<(Vec<u8>, SignatureReport), PadesError> {
        let source: &dyn PdfSource = file;
        let budget = Budget::for_source(source, &ReadLimits::default());
        let pdf = budget.input();
        let result = Document::open_with(pdf, std::rc::Rc::clone(&budget))
            .and_then(|doc| Analysis::run(&doc).map(|analysis| (doc, analysis)));
        let (doc, analysis) = budget.settle(result)?;
        let meta = SignatureMetadata::default();
        let (tail, token, report) = with_room(12 * 1024, |reserve| {
            let prepared = budget.settle(prepare_update(
                &doc,
                &analysis,
                &meta,
                SigKind::DocTimeStamp,
                reserve,
                PadesLevel::BLTA,
            ))?;
            let token = self.tsa.timestamp(&prepared.digest)?;
            prepared
                .embed(&token)
                .map(|(tail, report)| (tail, token, report))
        })?;
        drop((doc, budget));
        file.append(&tail)?;
        Ok((token, report))
    }
}
