//! What ties a PDF to a signed file it was made from, when its bytes have been rewritten (a
//! sanitising gateway that re-saves, linearises or re-renders it): the CMS of each signature
//! that is still in the file, which a rewrite copies unchanged even though the signature no
//! longer verifies, and the first element of the trailer's `/ID`, which PDF writers keep
//! across re-saves (ISO 32000-1 §14.4; this crate's sealing keeps it too).

use std::rc::Rc;

use crate::document::Document;
use crate::error::PadesError;
use crate::inspect::Analysis;
use crate::limits::{Budget, ReadLimits};
use crate::object::Object;

/// The marks of one PDF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfMarks {
    /// SHA-256 of each signed field's CMS (the DER in `/Contents`, without the zero padding),
    /// signatures and document timestamps alike, in field order.
    pub signatures: Vec<[u8; 32]>,
    /// The first element of the trailer's `/ID`, if any.
    pub file_id: Option<Vec<u8>>,
}

/// The marks of `pdf`, within `limits` (a file that needs more is refused with
/// [`PadesError::TooComplex`]).
pub fn marks_with_limits(pdf: &[u8], limits: &ReadLimits) -> Result<PdfMarks, PadesError> {
    let budget = Budget::new(pdf, limits);
    let result = Document::open_with(pdf, Rc::clone(&budget)).and_then(|doc| marks_in(&doc));
    budget.settle(result)
}

fn marks_in(doc: &Document<'_>) -> Result<PdfMarks, PadesError> {
    let analysis = Analysis::run_for_verification(doc)?;
    let mut signatures = Vec::new();
    for f in analysis.fields.iter().filter(|f| f.is_sig && f.signed) {
        let field = doc.resolve_dict(&Object::Ref(f.obj), "a signature field")?;
        let Some(v) = field.get(b"V") else { continue };
        let sig = doc.resolve_dict(v, "a signature dictionary")?;
        if let Some(Object::Str(contents)) = sig.get(b"Contents")
            && let Some(der) = crate::verify::der_prefix(contents)
        {
            signatures.push(crate::sha256(der));
        }
    }
    Ok(PdfMarks {
        signatures,
        file_id: doc.id_first(),
    })
}
