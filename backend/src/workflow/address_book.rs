//! The address book (アドレス帳, 仕様 6-(4)): counterparty organisations and their contacts,
//! without count limits. Reading needs `ViewAddressBook`, changing `ManageAddressBook`.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{ContactRequest, ContactView, OrganizationRequest, OrganizationView, Page};
use shared::validate::{EmailAddress, Name, Text};

use crate::clock::Millis;
use crate::db::models::{Contact, Organization};
use crate::db::queries::contacts::{self, ContactChanges};
use crate::db::queries::organizations::{self, OrganizationChanges};
use crate::db::{self, AnyConnection};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult, optional};
use crate::workflow::views::{contact_view, organization_view};

/// `GET /organizations`: a page of organisations, each with its contacts.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_organizations(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: Option<&str>,
    include_archived: bool,
    page: PageRequest,
) -> WorkflowResult<Page<OrganizationView>> {
    actor.require(conn, Permission::ViewAddressBook)?;
    let (orgs, total) = organizations::list(
        conn,
        &actor.tenant_id,
        q,
        include_archived,
        page.page,
        page.per_page,
    )?;
    let ids: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
    let people = contacts::list_for_organizations(conn, &actor.tenant_id, &ids)?;
    Ok(page.wrap(
        orgs.iter().map(|o| organization_view(o, &people)).collect(),
        total,
    ))
}

/// `GET /organizations/{id}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn get_organization(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<OrganizationView> {
    actor.require(conn, Permission::ViewAddressBook)?;
    let org = organizations::get(conn, &actor.tenant_id, id)?;
    let people =
        contacts::list_for_organizations(conn, &actor.tenant_id, std::slice::from_ref(&org.id))?;
    Ok(organization_view(&org, &people))
}

struct CheckedOrganization {
    name: Name,
    name_kana: Option<Name>,
    address: Option<Text>,
    phone: Option<Name>,
    notes: Option<Text>,
}

fn check_organization(req: &OrganizationRequest) -> WorkflowResult<CheckedOrganization> {
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    let name_kana = e.check("name_kana", optional(req.name_kana.as_deref(), Name::parse));
    let address = e.check("address", optional(req.address.as_deref(), Text::parse));
    let phone = e.check("phone", optional(req.phone.as_deref(), Name::parse));
    let notes = e.check("notes", optional(req.notes.as_deref(), Text::parse));
    e.finish_with(|| {
        Some(CheckedOrganization {
            name: name?,
            name_kana: name_kana?,
            address: address?,
            phone: phone?,
            notes: notes?,
        })
    })
}

/// `POST /organizations`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_organization(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &OrganizationRequest,
) -> WorkflowResult<OrganizationView> {
    actor.require(conn, Permission::ManageAddressBook)?;
    let c = check_organization(req)?;
    let now = Millis::now().0;
    let org = Organization {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        name: c.name.into_inner(),
        name_kana: c.name_kana.map(Name::into_inner),
        address: c.address.map(Text::into_inner),
        phone: c.phone.map(Name::into_inner),
        notes: c.notes.map(Text::into_inner),
        archived: req.archived,
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        organizations::insert(conn, &org)?;
        actor.audit(
            conn,
            AuditAction::OrganizationCreated,
            Some(("organization", &org.id)),
            json!({ "name": org.name }),
        )
    })?;
    Ok(organization_view(&org, &[]))
}

/// `PUT /organizations/{id}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_organization(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &OrganizationRequest,
) -> WorkflowResult<OrganizationView> {
    actor.require(conn, Permission::ManageAddressBook)?;
    let before = organizations::get(conn, &actor.tenant_id, id)?;
    let c = check_organization(req)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let changes = OrganizationChanges {
            name: c.name.as_str(),
            name_kana: c.name_kana.as_ref().map(Name::as_str),
            address: c.address.as_ref().map(Text::as_str),
            phone: c.phone.as_ref().map(Name::as_str),
            notes: c.notes.as_ref().map(Text::as_str),
            archived: req.archived,
            updated_at: Millis::now().0,
        };
        organizations::update(conn, &actor.tenant_id, id, &changes)?;
        actor.audit(
            conn,
            AuditAction::OrganizationUpdated,
            Some(("organization", id)),
            json!({ "name": [before.name, changes.name], "archived": [before.archived, changes.archived] }),
        )
    })?;
    get_organization(conn, actor, id)
}

struct CheckedContact {
    name: Name,
    email: EmailAddress,
    division: Option<Name>,
    title: Option<Name>,
    phone: Option<Name>,
}

fn check_contact(req: &ContactRequest) -> WorkflowResult<CheckedContact> {
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    let email = e.check("email", EmailAddress::parse(&req.email));
    let division = e.check("division", optional(req.division.as_deref(), Name::parse));
    let title = e.check("title", optional(req.title.as_deref(), Name::parse));
    let phone = e.check("phone", optional(req.phone.as_deref(), Name::parse));
    e.finish_with(|| {
        Some(CheckedContact {
            name: name?,
            email: email?,
            division: division?,
            title: title?,
            phone: phone?,
        })
    })
}

/// `POST /organizations/{id}/contacts`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, organization_id = %organization_id))]
pub fn create_contact(
    conn: &mut AnyConnection,
    actor: &Actor,
    organization_id: &str,
    req: &ContactRequest,
) -> WorkflowResult<ContactView> {
    actor.require(conn, Permission::ManageAddressBook)?;
    organizations::get(conn, &actor.tenant_id, organization_id)?;
    let c = check_contact(req)?;
    let now = Millis::now().0;
    let contact = Contact {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        organization_id: organization_id.to_owned(),
        name: c.name.into_inner(),
        email: c.email.as_str().to_owned(),
        division: c.division.map(Name::into_inner),
        title: c.title.map(Name::into_inner),
        phone: c.phone.map(Name::into_inner),
        archived: req.archived,
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        contacts::insert(conn, &contact)?;
        actor.audit(
            conn,
            AuditAction::ContactCreated,
            Some(("contact", &contact.id)),
            json!({ "organization_id": organization_id, "name": contact.name, "email": contact.email }),
        )
    })?;
    Ok(contact_view(&contact))
}

/// `PUT /contacts/{id}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_contact(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &ContactRequest,
) -> WorkflowResult<ContactView> {
    actor.require(conn, Permission::ManageAddressBook)?;
    let before = contacts::get(conn, &actor.tenant_id, id)?;
    let c = check_contact(req)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let changes = ContactChanges {
            name: c.name.as_str(),
            email: c.email.as_str(),
            division: c.division.as_ref().map(Name::as_str),
            title: c.title.as_ref().map(Name::as_str),
            phone: c.phone.as_ref().map(Name::as_str),
            archived: req.archived,
            updated_at: Millis::now().0,
        };
        contacts::update(conn, &actor.tenant_id, id, &changes)?;
        actor.audit(
            conn,
            AuditAction::ContactUpdated,
            Some(("contact", id)),
            json!({ "name": [before.name, changes.name], "email": [before.email, changes.email], "archived": [before.archived, changes.archived] }),
        )
    })?;
    Ok(contact_view(&contacts::get(conn, &actor.tenant_id, id)?))
}
