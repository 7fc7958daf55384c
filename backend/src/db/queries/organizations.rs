//! `organizations` (取引先 in the address book).

use diesel::prelude::*;

use crate::db::models::Organization;
use crate::db::schema::organizations::dsl as o;
use crate::db::{AnyConnection, Backend};

pub fn insert(conn: &mut AnyConnection, org: &Organization) -> QueryResult<()> {
    diesel::insert_into(o::organizations)
        .values(org)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<Organization> {
    o::organizations
        .filter(o::tenant_id.eq(tenant_id).and(o::id.eq(id)))
        .select(Organization::as_select())
        .first(conn)
}

fn filtered<'a>(
    tenant_id: &'a str,
    q: Option<&'a str>,
    include_archived: bool,
) -> crate::db::schema::organizations::BoxedQuery<'a, Backend> {
    let mut query = o::organizations
        .filter(o::tenant_id.eq(tenant_id))
        .into_boxed();
    if !include_archived {
        query = query.filter(o::archived.eq(false));
    }
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let p = super::contains_pattern(q);
        query = query.filter(
            o::name
                .like(p.clone())
                .escape('\\')
                .or(o::name_kana.like(p).escape('\\')),
        );
    }
    query
}

pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    q: Option<&str>,
    include_archived: bool,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<Organization>, i64)> {
    let total = filtered(tenant_id, q, include_archived)
        .count()
        .get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = filtered(tenant_id, q, include_archived)
        .order((o::name, o::id))
        .limit(limit)
        .offset(offset)
        .select(Organization::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = crate::db::schema::organizations)]
#[diesel(treat_none_as_null = true)]
pub struct OrganizationChanges<'a> {
    pub name: &'a str,
    pub name_kana: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub archived: bool,
    pub updated_at: i64,
}

pub fn update(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    changes: &OrganizationChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(o::organizations.filter(o::tenant_id.eq(tenant_id).and(o::id.eq(id))))
        .set(changes)
        .execute(conn)
}
