//! `contacts` (相手方の担当者 in the address book).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::Contact;
use crate::db::schema::contacts::dsl as c;

pub fn insert(conn: &mut AnyConnection, contact: &Contact) -> QueryResult<()> {
    diesel::insert_into(c::contacts)
        .values(contact)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<Contact> {
    c::contacts
        .filter(c::tenant_id.eq(tenant_id).and(c::id.eq(id)))
        .select(Contact::as_select())
        .first(conn)
}

/// The contacts of the given organisations, in name order.
pub fn list_for_organizations(
    conn: &mut AnyConnection,
    tenant_id: &str,
    organization_ids: &[String],
) -> QueryResult<Vec<Contact>> {
    c::contacts
        .filter(
            c::tenant_id
                .eq(tenant_id)
                .and(c::organization_id.eq_any(organization_ids)),
        )
        .order((c::name, c::id))
        .select(Contact::as_select())
        .load(conn)
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = crate::db::schema::contacts)]
#[diesel(treat_none_as_null = true)]
pub struct ContactChanges<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub division: Option<&'a str>,
    pub title: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub archived: bool,
    pub updated_at: i64,
}

pub fn update(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    changes: &ContactChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(c::contacts.filter(c::tenant_id.eq(tenant_id).and(c::id.eq(id))))
        .set(changes)
        .execute(conn)
}
