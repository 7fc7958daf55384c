//! `departments`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::Department;
use crate::db::schema::departments::dsl as d;

pub fn insert(conn: &mut AnyConnection, dept: &Department) -> QueryResult<()> {
    diesel::insert_into(d::departments)
        .values(dept)
        .execute(conn)
        .map(|_| ())
}

/// Every department's (id, name) of the tenant, for labelling lists.
pub fn names(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<Vec<(String, String)>> {
    d::departments
        .filter(d::tenant_id.eq(tenant_id))
        .select((d::id, d::name))
        .load(conn)
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<Department> {
    d::departments
        .filter(d::tenant_id.eq(tenant_id).and(d::id.eq(id)))
        .select(Department::as_select())
        .first(conn)
}

pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<Department>, i64)> {
    let total = d::departments
        .filter(d::tenant_id.eq(tenant_id))
        .count()
        .get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = d::departments
        .filter(d::tenant_id.eq(tenant_id))
        .order((d::name, d::id))
        .limit(limit)
        .offset(offset)
        .select(Department::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// `(id, parent_id)` of every department of the tenant, to check a move for cycles.
pub fn parent_links(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> QueryResult<Vec<(String, Option<String>)>> {
    d::departments
        .filter(d::tenant_id.eq(tenant_id))
        .select((d::id, d::parent_id))
        .load(conn)
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = crate::db::schema::departments)]
#[diesel(treat_none_as_null = true)]
pub struct DepartmentChanges<'a> {
    pub parent_id: Option<&'a str>,
    pub name: &'a str,
    pub code: Option<&'a str>,
    pub active: bool,
    pub updated_at: i64,
}

pub fn update(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    changes: &DepartmentChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(d::departments.filter(d::tenant_id.eq(tenant_id).and(d::id.eq(id))))
        .set(changes)
        .execute(conn)
}
