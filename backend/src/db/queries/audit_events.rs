//! `audit_events`: append and read only. There is deliberately no update or delete here.

use diesel::prelude::*;

use crate::db::models::AuditEvent;
use crate::db::schema::audit_events::dsl as a;
use crate::db::{AnyConnection, Backend};

pub fn insert(conn: &mut AnyConnection, event: &AuditEvent) -> QueryResult<()> {
    diesel::insert_into(a::audit_events)
        .values(event)
        .execute(conn)
        .map(|_| ())
}

/// Filters of the audit log viewer.
#[derive(Debug, Default)]
pub struct AuditFilter<'a> {
    pub action: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

fn filtered<'a>(
    tenant_id: &'a str,
    f: &AuditFilter<'a>,
) -> crate::db::schema::audit_events::BoxedQuery<'a, Backend> {
    let mut query = a::audit_events
        .filter(a::tenant_id.eq(tenant_id))
        .into_boxed();
    if let Some(action) = f.action {
        query = query.filter(a::action.eq(action));
    }
    if let Some(actor) = f.actor_id {
        query = query.filter(a::actor_id.eq(actor));
    }
    if let Some(target) = f.target_id {
        query = query.filter(a::target_id.eq(target));
    }
    if let Some(from) = f.from {
        query = query.filter(a::at.ge(from));
    }
    if let Some(until) = f.until {
        query = query.filter(a::at.lt(until));
    }
    query
}

/// Newest first.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &AuditFilter<'_>,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = filtered(tenant_id, filter).count().get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = filtered(tenant_id, filter)
        .order(a::seq.desc())
        .limit(limit)
        .offset(offset)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The events about one object, oldest first (a contract's timeline).
pub fn for_target(
    conn: &mut AnyConnection,
    tenant_id: &str,
    target_id: &str,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    a::audit_events
        .filter(a::tenant_id.eq(tenant_id).and(a::target_id.eq(target_id)))
        .order(a::seq.asc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// Whether `actor_label` already has an event `action` on `target_id` about the document
/// `document_id` (its `details` name it), so that a repeated view is recorded once.
pub fn exists_for_document(
    conn: &mut AnyConnection,
    tenant_id: &str,
    target_id: &str,
    action: &str,
    actor_label: &str,
    document_id: &str,
) -> QueryResult<bool> {
    // `details` is serialised by serde_json without spaces; a document id is a UUID.
    let pattern = format!("%\"document_id\":\"{document_id}\"%");
    let n: i64 = a::audit_events
        .filter(
            a::tenant_id
                .eq(tenant_id)
                .and(a::target_id.eq(target_id))
                .and(a::action.eq(action))
                .and(a::actor_label.eq(actor_label))
                .and(a::details.like(pattern)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A batch of the chain in order, for verification without loading it all at once.
pub fn chain_batch(
    conn: &mut AnyConnection,
    tenant_id: &str,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    a::audit_events
        .filter(a::tenant_id.eq(tenant_id).and(a::seq.gt(after_seq)))
        .order(a::seq)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The ids of the audit keys that sealed events, in every chain.
pub fn key_ids(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    a::audit_events
        .filter(a::key_id.is_not_null())
        .select(a::key_id.assume_not_null())
        .distinct()
        .order(a::key_id.assume_not_null())
        .load(conn)
}

// Tenant import (全データ返却).
/// The tenant's newest event with `action`, if any (the import pin of an imported chain).
pub fn newest_with_action(
    conn: &mut AnyConnection,
    tenant_id: &str,
    action: &str,
) -> QueryResult<Option<AuditEvent>> {
    a::audit_events
        .filter(a::tenant_id.eq(tenant_id).and(a::action.eq(action)))
        .order(a::seq.desc())
        .select(AuditEvent::as_select())
        .first(conn)
        .optional()
}

/// The ids of the audit keys that sealed events of one tenant's chain.
pub fn key_ids_of(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<Vec<String>> {
    a::audit_events
        .filter(a::tenant_id.eq(tenant_id).and(a::key_id.is_not_null()))
        .select(a::key_id.assume_not_null())
        .distinct()
        .order(a::key_id.assume_not_null())
        .load(conn)
}
