//! `approval_route_templates`: the departments' usual approval routes.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::RouteTemplate;
use crate::db::schema::approval_route_templates::dsl as t;

/// Templates by name; `department_id` keeps those of that department and those for every
/// department.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    department_id: Option<&str>,
    include_archived: bool,
) -> QueryResult<Vec<RouteTemplate>> {
    let mut q = t::approval_route_templates
        .filter(t::tenant_id.eq(tenant_id))
        .into_boxed();
    if let Some(d) = department_id {
        q = q.filter(t::department_id.eq(d).or(t::department_id.is_null()));
    }
    if !include_archived {
        q = q.filter(t::archived.eq(false));
    }
    q.order((t::name, t::id))
        .select(RouteTemplate::as_select())
        .load(conn)
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<RouteTemplate> {
    t::approval_route_templates
        .filter(t::tenant_id.eq(tenant_id).and(t::id.eq(id)))
        .select(RouteTemplate::as_select())
        .first(conn)
}

pub fn insert(conn: &mut AnyConnection, row: &RouteTemplate) -> QueryResult<()> {
    diesel::insert_into(t::approval_route_templates)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut AnyConnection, row: &RouteTemplate) -> QueryResult<()> {
    diesel::update(
        t::approval_route_templates.filter(t::tenant_id.eq(&row.tenant_id).and(t::id.eq(&row.id))),
    )
    .set(row)
    .execute(conn)
    .map(|_| ())
}
