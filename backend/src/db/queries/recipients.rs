//! `recipients`: counterparty signers of a contract.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::Recipient;
use crate::db::schema::recipients::dsl as r;

pub fn list_for_contract(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Vec<Recipient>> {
    r::recipients
        .filter(
            r::tenant_id
                .eq(tenant_id.0)
                .and(r::contract_id.eq(contract_id.0)),
        )
        .order((r::position, r::created_at))
        .select(Recipient::as_select())
        .load(conn)
}

/// Replaces the recipients of a draft (none of them has been sent anything).
pub fn replace(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    rows: &[Recipient],
) -> QueryResult<()> {
    diesel::delete(
        r::recipients.filter(
            r::tenant_id
                .eq(tenant_id.0)
                .and(r::contract_id.eq(contract_id.0)),
        ),
    )
    .execute(conn)?;
    for row in rows {
        insert(conn, row)?;
    }
    Ok(())
}

pub fn save(conn: &mut AnyConnection, row: &Recipient) -> QueryResult<()> {
    diesel::update(r::recipients.filter(r::tenant_id.eq(&row.tenant_id).and(r::id.eq(&row.id))))
        .set(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn insert(conn: &mut AnyConnection, row: &Recipient) -> QueryResult<()> {
    diesel::insert_into(r::recipients)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// The recipient holding this link token (any tenant: the token is the credential).
pub fn find_by_link_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> QueryResult<Option<Recipient>> {
    r::recipients
        .filter(r::link_token_hash.eq(token_hash))
        .select(Recipient::as_select())
        .first(conn)
        .optional()
}
