//! Recognising a sealed file after a sanitising gateway (無害化装置) has rewritten it.
//!
//! A gateway re-saves, linearises (`qpdf --linearize`) or re-renders (Ghostscript) a PDF: the
//! bytes, and so the SHA-256, change and the signatures break or disappear. What often
//! survives ([`pades::PdfMarks`]): the CMS of each signature, copied as is into the rewritten
//! file (unique to one seal: it holds the signed digest and the timestamp), and the first
//! element of the trailer `/ID`, which PDF writers keep across re-saves (shared by every
//! file made from the same upload, so it names a contract only when exactly one has it).
//! Both are recorded for every sealed file and completion certificate when it is stored;
//! `POST /verify` looks them up when the bytes match nothing issued. A re-rendered file
//! keeps neither and is not recognised (the answer then says only that it is not ours).

use diesel::prelude::*;
use shared::contract::DocumentRole;

use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::models::Document;
use crate::db::schema::{documents::dsl as d, seal_marks::dsl as m};
use crate::storage::BlobStore;

/// What a mark is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// SHA-256 of a signature's CMS: names one sealed file (and its later versions).
    Signature,
    /// The first element of the trailer `/ID`: shared by the files made from one upload.
    FileId,
}

impl MarkKind {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Signature => "signature",
            MarkKind::FileId => "file_id",
        }
    }
}

/// Records the marks of a sealed file or certificate just stored as `doc` (in the caller's
/// transaction). A file the reader cannot open gets no marks: it is still recognised byte for
/// byte, and sealing must not fail for this.
pub fn record(conn: &mut AnyConnection, store: &BlobStore, doc: &Document) -> QueryResult<()> {
    let marks = match store
        .read(&doc.sha256)
        .map_err(anyhow::Error::from)
        .and_then(|b| Ok(pades::marks_with_limits(&b, &pades::ReadLimits::default())?))
    {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(document = %doc.id, error = %e, "no marks recorded for a sealed file");
            return Ok(());
        }
    };
    let now = Millis::now().0;
    let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
    let mut rows: Vec<(MarkKind, String)> = marks
        .signatures
        .iter()
        .map(|s| (MarkKind::Signature, hex(s)))
        .collect();
    rows.extend(marks.file_id.map(|id| (MarkKind::FileId, hex(&id))));
    rows.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    rows.dedup();
    for (kind, value) in rows {
        diesel::insert_into(m::seal_marks)
            .values((
                m::tenant_id.eq(&doc.tenant_id),
                m::document_id.eq(&doc.id),
                m::kind.eq(kind.as_str()),
                m::value.eq(value),
                m::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The sealed file (or certificate) a rewritten PDF was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The contract.
    pub contract_id: String,
    /// `sealed` or `certificate`.
    pub role: DocumentRole,
    /// How it was recognised.
    pub matched_by: MarkKind,
}

/// Finds the origin of a PDF with `marks` among every tenant's sealed files: a surviving
/// signature names it; otherwise, when no signature is left, the `/ID` does when exactly one
/// contract has it.
pub fn find_origin(
    conn: &mut AnyConnection,
    marks: &pades::PdfMarks,
) -> anyhow::Result<Option<Origin>> {
    let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
    let signatures: Vec<String> = marks.signatures.iter().map(|s| hex(s)).collect();
    if let Some(o) = lookup(conn, MarkKind::Signature, &signatures)?
        .into_iter()
        .next()
    {
        return Ok(Some(o));
    }
    // Signatures that are not ours: another signed document (e.g. made from the same upload
    // and signed elsewhere), not a rewrite of ours; a gateway that kept signatures kept ours.
    if !marks.signatures.is_empty() {
        return Ok(None);
    }
    let Some(id) = &marks.file_id else {
        return Ok(None);
    };
    let found = lookup(conn, MarkKind::FileId, &[hex(id)])?;
    let first = found.first().cloned();
    Ok(first.filter(|o| found.iter().all(|x| x.contract_id == o.contract_id)))
}

/// Current documents with one of `values` as a mark of `kind`, newest first.
fn lookup(
    conn: &mut AnyConnection,
    kind: MarkKind,
    values: &[String],
) -> anyhow::Result<Vec<Origin>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String)> = m::seal_marks
        .inner_join(d::documents.on(d::id.eq(m::document_id)))
        .filter(
            m::kind
                .eq(kind.as_str())
                .and(m::value.eq_any(values.to_vec()))
                .and(d::removed_at.is_null()),
        )
        .order((d::created_at.desc(), d::id))
        .select((d::contract_id, d::role))
        .limit(50)
        .load(conn)?;
    rows.into_iter()
        .map(|(contract_id, role)| -> anyhow::Result<Origin> {
            Ok(Origin {
                contract_id,
                role: DocumentRole::try_from(role)?,
                matched_by: kind,
            })
        })
        .collect()
}
