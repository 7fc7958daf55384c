//! `inspect`: the upload check. Reads the structure lazily and refuses files that cannot be sealed.

use std::collections::HashSet;
use std::rc::Rc;

use crate::document::{Document, XrefKind};
use crate::encrypt::needs_user_password;
use crate::error::PadesError;
use crate::limits::{Budget, ReadLimits};
use crate::object::{Dict, ObjRef, Object};

/// What a DocMDP certification signature permits (`/TransformParams /P`, ISO 32000-1 §12.8.2.2,
/// Table 254).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocMdpPermission {
    /// `/P 1`: no changes at all; the file is refused.
    NoChanges,
    /// `/P 2`: form filling and signing; an invisible signature is allowed.
    FormFillingAndSigning,
    /// `/P 3`: additionally annotations.
    FormFillingSigningAndAnnotations,
}

/// A signature field found in `/AcroForm /Fields` (§12.7.4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureFieldInfo {
    /// Fully qualified field name (`/T` of the field and its ancestors, joined by `.`).
    pub name: String,
    /// Whether `/V` holds a signature dictionary.
    pub signed: bool,
    /// `/SubFilter` of the signature dictionary, e.g. `ETSI.CAdES.detached` or `ETSI.RFC3161`.
    pub sub_filter: Option<String>,
}

/// What [`inspect`] found out about a document that can be sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfInfo {
    /// Version in the `%PDF-x.y` header.
    pub header_version: String,
    /// `/Version` of the catalog, if present (it overrides the header, §7.7.2).
    pub catalog_version: Option<String>,
    /// Number of pages (`/Count` of the page tree root).
    pub page_count: u32,
    /// Kind of the newest cross-reference section.
    pub xref_kind: XrefKind,
    /// Number of cross-reference sections in the `/Prev` chain (1 for a file never updated;
    /// a linearized file has 2).
    pub xref_sections: usize,
    /// Whether the first object is a linearization dictionary (Annex F).
    pub linearized: bool,
    /// Whether the catalog has an `/AcroForm`.
    pub has_acroform: bool,
    /// All signature fields, signed or empty.
    pub signature_fields: Vec<SignatureFieldInfo>,
    /// The DocMDP permission of a certification signature, if the document is certified.
    pub docmdp: Option<DocMdpPermission>,
}

impl PdfInfo {
    /// Number of signed signature fields (approval, certification and document timestamps).
    pub fn signature_count(&self) -> usize {
        self.signature_fields.iter().filter(|f| f.signed).count()
    }
}

/// Checks that `bytes` is a PDF this crate can seal and reports its structure.
///
/// Refuses, with a specific error: not a PDF ([`PadesError::NotPdf`]), no usable xref or trailer
/// ([`PadesError::Damaged`], never reconstructed), any `/Encrypt` ([`PadesError::Encrypted`]) and
/// a certification with DocMDP `/P 1` ([`PadesError::CertifiedNoChanges`]). Only the trailer chain,
/// the catalog, the page tree root, the AcroForm fields and `/Perms` are read.
pub fn inspect(bytes: &[u8]) -> Result<PdfInfo, PadesError> {
    inspect_with_limits(bytes, &ReadLimits::default())
}

/// [`inspect`] within `limits`; a file that needs more is refused with
/// [`PadesError::TooComplex`].
pub fn inspect_with_limits(bytes: &[u8], limits: &ReadLimits) -> Result<PdfInfo, PadesError> {
    let budget = Budget::new(bytes, limits);
    let result = Document::open_with(bytes, Rc::clone(&budget))
        .and_then(|doc| Analysis::run(&doc).map(|a| a.info));
    budget.settle(result)
}

/// A field of the AcroForm tree with what the writer needs to fill or extend it.
#[derive(Clone, Debug)]
pub(crate) struct FieldNode {
    pub name: String,
    pub obj: ObjRef,
    pub is_sig: bool,
    pub signed: bool,
}

/// The analysis shared by [`inspect`] and the signer.
pub(crate) struct Analysis {
    pub info: PdfInfo,
    pub catalog: Dict,
    pub fields: Vec<FieldNode>,
}

impl Analysis {
    pub(crate) fn run(doc: &Document<'_>) -> Result<Self, PadesError> {
        Self::run_inner(doc, true)
    }

    /// As [`Analysis::run`], but a certified-no-changes document is analysed, not refused
    /// (for verification).
    pub(crate) fn run_for_verification(doc: &Document<'_>) -> Result<Self, PadesError> {
        Self::run_inner(doc, false)
    }

    fn run_inner(doc: &Document<'_>, refuse_certified: bool) -> Result<Self, PadesError> {
        if let Some(enc) = &doc.encrypt {
            return Err(PadesError::Encrypted {
                needs_password: needs_user_password(doc, enc),
            });
        }
        let catalog = doc.catalog()?;
        let page_count = doc.page_count(&catalog)?;
        // The first page must be reachable: a broken page tree is damage, found now, not later.
        if page_count > 0 {
            doc.page_ref(&catalog, 0)?;
        }
        let catalog_version = catalog
            .get_name(b"Version")
            .map(|v| String::from_utf8_lossy(v).into_owned());

        let mut fields = Vec::new();
        let mut has_acroform = false;
        if let Some(af) = catalog.get(b"AcroForm")
            && let Object::Dict(af) = doc.resolve(af)?
        {
            {
                has_acroform = true;
                if let Some(list) = af.get(b"Fields") {
                    let mut seen = HashSet::new();
                    if let Object::Array(items) = doc.resolve(list)? {
                        for item in items {
                            collect_fields(doc, &item, "", None, 0, &mut seen, &mut fields)?;
                        }
                    }
                }
            }
        }
        let mut signature_fields = Vec::new();
        for f in fields.iter().filter(|f| f.is_sig) {
            let sub_filter = if f.signed {
                let field = doc.resolve_dict(&Object::Ref(f.obj), "a signature field")?;
                field
                    .get(b"V")
                    .map(|v| doc.resolve(v))
                    .transpose()?
                    .and_then(|v| {
                        v.as_dict()
                            .and_then(|d| d.get_name(b"SubFilter").map(<[u8]>::to_vec))
                    })
                    .map(|s| String::from_utf8_lossy(&s).into_owned())
            } else {
                None
            };
            signature_fields.push(SignatureFieldInfo {
                name: f.name.clone(),
                signed: f.signed,
                sub_filter,
            });
        }

        let docmdp = docmdp_permission(doc, &catalog)?;
        if refuse_certified && docmdp == Some(DocMdpPermission::NoChanges) {
            return Err(PadesError::CertifiedNoChanges);
        }
        let linearized = is_linearized(doc);
        let info = PdfInfo {
            header_version: doc.header_version.clone(),
            catalog_version,
            page_count,
            xref_kind: doc.last_kind,
            xref_sections: doc.sections,
            linearized,
            has_acroform,
            signature_fields,
            docmdp,
        };
        Ok(Analysis {
            info,
            catalog,
            fields,
        })
    }
}

/// A PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding) as Rust text.
pub(crate) fn text_string(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(&bytes[3..]).into_owned()
    } else {
        // PDFDocEncoding: ASCII-compatible; other bytes mapped as Latin-1 (close enough for names).
        bytes.iter().map(|b| char::from(*b)).collect()
    }
}

const MAX_FIELDS: usize = 10_000;

fn collect_fields(
    doc: &Document<'_>,
    item: &Object,
    parent_name: &str,
    inherited_ft: Option<&[u8]>,
    depth: usize,
    seen: &mut HashSet<ObjRef>,
    out: &mut Vec<FieldNode>,
) -> Result<(), PadesError> {
    let Object::Ref(r) = item else {
        return Ok(()); // fields are indirect objects (§12.7.3.1); ignore anything else
    };
    if depth > 32 || !seen.insert(*r) || seen.len() > MAX_FIELDS {
        return Ok(());
    }
    let Object::Dict(d) = doc.resolve(item)? else {
        return Ok(());
    };
    let partial = d.get(b"T").and_then(|t| match t {
        Object::Str(s) => Some(text_string(s)),
        _ => None,
    });
    let name = match (&partial, parent_name.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{parent_name}.{p}"),
        (None, _) => parent_name.to_string(),
    };
    let ft = d.get_name(b"FT").or(inherited_ft);
    let kids = match d.get(b"Kids") {
        Some(k) => match doc.resolve(k)? {
            Object::Array(a) => a,
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    // A kid with /T is a field; kids without /T are widgets of this field.
    let mut has_field_kids = false;
    for kid in &kids {
        if let Ok(Object::Dict(kd)) = doc.resolve(kid)
            && kd.get(b"T").is_some()
        {
            has_field_kids = true;
        }
    }
    if has_field_kids {
        for kid in &kids {
            collect_fields(doc, kid, &name, ft, depth + 1, seen, out)?;
        }
    } else if partial.is_some() || !parent_name.is_empty() {
        let signed = !matches!(d.get(b"V"), None | Some(Object::Null));
        out.push(FieldNode {
            name,
            obj: *r,
            is_sig: ft == Some(b"Sig"),
            signed,
        });
    }
    Ok(())
}

fn docmdp_permission(
    doc: &Document<'_>,
    catalog: &Dict,
) -> Result<Option<DocMdpPermission>, PadesError> {
    let Some(perms) = catalog.get(b"Perms") else {
        return Ok(None);
    };
    let Object::Dict(perms) = doc.resolve(perms)? else {
        return Ok(None);
    };
    let Some(sig) = perms.get(b"DocMDP") else {
        return Ok(None);
    };
    let Object::Dict(sig) = doc.resolve(sig)? else {
        return Ok(None);
    };
    let refs = match sig.get(b"Reference").map(|r| doc.resolve(r)).transpose()? {
        Some(Object::Array(a)) => a,
        _ => Vec::new(),
    };
    for r in refs {
        let Object::Dict(sr) = doc.resolve(&r)? else {
            continue;
        };
        if sr.get_name(b"TransformMethod") != Some(b"DocMDP") {
            continue;
        }
        let p = match sr
            .get(b"TransformParams")
            .map(|t| doc.resolve(t))
            .transpose()?
        {
            Some(Object::Dict(tp)) => tp.get_int(b"P").unwrap_or(2),
            _ => 2,
        };
        return Ok(Some(match p {
            1 => DocMdpPermission::NoChanges,
            3 => DocMdpPermission::FormFillingSigningAndAnnotations,
            _ => DocMdpPermission::FormFillingAndSigning,
        }));
    }
    // A /DocMDP entry without a readable transform: treat as the default P=2.
    Ok(Some(DocMdpPermission::FormFillingAndSigning))
}

/// Annex F.2: the first indirect object in the file is a dictionary with `/Linearized`.
fn is_linearized(doc: &Document<'_>) -> bool {
    let data = doc.data;
    let head = &data[..data.len().min(2048)];
    let Some(obj) = crate::object::find(head, b" obj", 0) else {
        return false;
    };
    crate::object::find(&head[obj..], b"/Linearized", 0).is_some_and(|p| p < 200)
}
