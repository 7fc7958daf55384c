//! `document_templates` and `template_documents`: the departments' ひな形 and their files.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::{DocumentTemplate, TemplateDocument};
use crate::db::schema::document_templates::dsl as t;
use crate::db::schema::template_documents::dsl as d;

/// Templates by name; `departments` `Some` keeps those of these departments and those for
/// every department.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    departments: Option<&[String]>,
    include_archived: bool,
) -> QueryResult<Vec<DocumentTemplate>> {
    let mut q = t::document_templates
        .filter(t::tenant_id.eq(tenant_id))
        .into_boxed();
    if let Some(ds) = departments {
        q = q.filter(t::department_id.eq_any(ds).or(t::department_id.is_null()));
    }
    if !include_archived {
        q = q.filter(t::archived.eq(false));
    }
    q.order((t::name, t::id))
        .select(DocumentTemplate::as_select())
        .load(conn)
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<DocumentTemplate> {
    t::document_templates
        .filter(t::tenant_id.eq(tenant_id).and(t::id.eq(id)))
        .select(DocumentTemplate::as_select())
        .first(conn)
}

pub fn insert(conn: &mut AnyConnection, row: &DocumentTemplate) -> QueryResult<()> {
    diesel::insert_into(t::document_templates)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut AnyConnection, row: &DocumentTemplate) -> QueryResult<()> {
    diesel::update(
        t::document_templates.filter(t::tenant_id.eq(&row.tenant_id).and(t::id.eq(&row.id))),
    )
    .set(row)
    .execute(conn)
    .map(|_| ())
}

/// The current (not removed) files of a template, oldest first.
pub fn documents(
    conn: &mut AnyConnection,
    tenant_id: &str,
    template_id: &str,
) -> QueryResult<Vec<TemplateDocument>> {
    d::template_documents
        .filter(
            d::tenant_id
                .eq(tenant_id)
                .and(d::template_id.eq(template_id))
                .and(d::removed_at.is_null()),
        )
        .order((d::created_at, d::id))
        .select(TemplateDocument::as_select())
        .load(conn)
}

pub fn insert_document(conn: &mut AnyConnection, row: &TemplateDocument) -> QueryResult<()> {
    diesel::insert_into(d::template_documents)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Marks a file of the template removed; the number of rows changed (0: not its file).
pub fn remove_document(
    conn: &mut AnyConnection,
    tenant_id: &str,
    template_id: &str,
    id: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(
        d::template_documents.filter(
            d::tenant_id
                .eq(tenant_id)
                .and(d::template_id.eq(template_id))
                .and(d::id.eq(id))
                .and(d::removed_at.is_null()),
        ),
    )
    .set(d::removed_at.eq(Some(at)))
    .execute(conn)
}

/// Whether a current template file has these bytes (contracts made from a template share its
/// blobs, so disposing of such a contract must not delete them).
pub fn blob_in_use(conn: &mut AnyConnection, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        d::template_documents.filter(d::sha256.eq(sha256).and(d::removed_at.is_null())),
    ))
    .get_result(conn)
}
