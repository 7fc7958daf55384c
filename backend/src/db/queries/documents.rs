//! `documents`: the files of a contract (immutable rows; removal is a timestamp).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::Document;
use crate::db::schema::documents::dsl as d;

pub fn insert(conn: &mut AnyConnection, doc: &Document) -> QueryResult<()> {
    diesel::insert_into(d::documents)
        .values(doc.clone())
        .execute(conn)
        .map(|_| ())
}

/// The current (not removed) files of a contract, oldest first.
pub fn list_for_contract(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Vec<Document>> {
    d::documents
        .filter(
            d::tenant_id
                .eq(tenant_id.0)
                .and(d::contract_id.eq(contract_id.0))
                .and(d::removed_at.is_null()),
        )
        .order((d::created_at, d::id))
        .select(Document::as_select())
        .load(conn)
}

pub fn get(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    id: &str,
) -> QueryResult<Document> {
    d::documents
        .filter(
            d::tenant_id
                .eq(tenant_id.0)
                .and(d::contract_id.eq(contract_id.0))
                .and(d::id.eq(id))
                .and(d::removed_at.is_null()),
        )
        .select(Document::as_select())
        .first(conn)
}

pub fn mark_removed(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(d::documents.filter(d::tenant_id.eq(tenant_id.0).and(d::id.eq(id))))
        .set(d::removed_at.eq(at))
        .execute(conn)
}
