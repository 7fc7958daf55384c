//! Rows → DTO views. The only place that decides what a client sees of a row.

use shared::access::{Permission, Role};
use shared::dto::{ContactView, DepartmentView, MeView, OrganizationView, TenantView, UserView};
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::db::models::{Contact, Department, Organization, Tenant, User};
use crate::workflow::actor::{Actor, parse_list};

/// Stored ids are UUIDs written by this server; anything else is a corrupted row.
pub fn uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap_or_default()
}

pub fn user_view(u: &User) -> UserView {
    UserView {
        id: uuid(&u.id),
        login_id: u.login_id.clone(),
        name: u.name.clone(),
        email: u.email.clone(),
        department_id: u.department_id.as_deref().map(uuid),
        roles: parse_list(&u.roles, Role::parse),
        grants: parse_list(&u.grants, Permission::parse),
        disabled: u.disabled,
        totp_enabled: u.totp_enabled,
        locked_until: u.locked_until.map(rfc3339),
        must_change_password: u.must_change_password,
        last_login_at: u.last_login_at.map(rfc3339),
        created_at: rfc3339(u.created_at),
    }
}

pub fn tenant_view(t: &Tenant) -> TenantView {
    TenantView {
        id: uuid(&t.id),
        code: t.code.clone(),
        name: t.name.clone(),
        japanese_era: t.japanese_era,
    }
}

pub fn me_view(actor: &Actor, user: &User, tenant: &Tenant) -> MeView {
    MeView {
        user: user_view(user),
        tenant: tenant_view(tenant),
        permissions: actor.permissions.iter().copied().collect(),
        totp_setup_required: actor.totp_setup_required,
    }
}

pub fn department_view(d: &Department) -> DepartmentView {
    DepartmentView {
        id: uuid(&d.id),
        parent_id: d.parent_id.as_deref().map(uuid),
        name: d.name.clone(),
        code: d.code.clone(),
        active: d.active,
    }
}

pub fn contact_view(c: &Contact) -> ContactView {
    ContactView {
        id: uuid(&c.id),
        organization_id: uuid(&c.organization_id),
        name: c.name.clone(),
        email: c.email.clone(),
        division: c.division.clone(),
        title: c.title.clone(),
        phone: c.phone.clone(),
        archived: c.archived,
    }
}

pub fn organization_view(o: &Organization, contacts: &[Contact]) -> OrganizationView {
    OrganizationView {
        id: uuid(&o.id),
        name: o.name.clone(),
        name_kana: o.name_kana.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        notes: o.notes.clone(),
        archived: o.archived,
        contacts: contacts
            .iter()
            .filter(|c| c.organization_id == o.id)
            .map(contact_view)
            .collect(),
    }
}
