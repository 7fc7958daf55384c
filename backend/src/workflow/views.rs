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

/// A keyring key as the administrator sees it (never its material or PIN).
pub fn seal_key_view(
    row: &crate::seal::keyring::SealKeyRow,
    seals: i64,
    now: crate::clock::Millis,
) -> shared::dto::SealKeyView {
    let certs = row.certificates();
    let info = |c| crate::seal::certificate_info(c, now);
    shared::dto::SealKeyView {
        id: row.id.clone(),
        label: row.label.clone(),
        kind: row.kind.clone(),
        state: row.state.clone(),
        certificate: certs
            .first()
            .map(info)
            .unwrap_or_else(|| shared::dto::CertificateInfoView {
                subject: row.subject.clone(),
                issuer: row.issuer.clone(),
                serial_number: row.serial_number.clone(),
                not_before: rfc3339(row.not_before),
                not_after: rfc3339(row.not_after),
                days_left: (row.not_after - now.0).div_euclid(86_400_000),
                sha256: row.cert_sha256.clone(),
            }),
        chain: certs.iter().skip(1).map(info).collect(),
        pkcs11: match (
            &row.pkcs11_module,
            &row.pkcs11_token_label,
            &row.pkcs11_key_label,
            &row.pkcs11_pin_file,
        ) {
            (Some(module), Some(token), Some(key), Some(pin)) => {
                Some(shared::dto::Pkcs11ReferenceView {
                    module: module.clone(),
                    token_label: token.clone(),
                    key_label: key.clone(),
                    pin_file: pin.clone(),
                })
            }
            _ => None,
        },
        created_at: rfc3339(row.created_at),
        created_by: row.created_by.clone(),
        activated_at: row.activated_at.map(rfc3339),
        retired_at: row.retired_at.map(rfc3339),
        seals,
    }
}

/// One TSA with its health.
pub fn tsa_view(
    id: Option<String>,
    url: String,
    position: usize,
    health: Option<crate::seal::service::TsaHealth>,
    now: crate::clock::Millis,
) -> shared::dto::TsaView {
    let (success, error_at, error, subject, not_after) = health.unwrap_or_default();
    shared::dto::TsaView {
        id,
        url,
        position: u32::try_from(position).unwrap_or(u32::MAX),
        last_success_at: success.map(rfc3339),
        last_error_at: error_at.map(rfc3339),
        last_error: error,
        certificate_subject: subject,
        certificate_not_after: not_after.map(rfc3339),
        certificate_days_left: not_after.map(|t| (t - now.0).div_euclid(86_400_000)),
    }
}

// Maintenance notices (お知らせ).
/// A notice as its publisher manages it.
pub fn notice_view(
    n: &crate::db::models::Notice,
    now: crate::clock::Millis,
) -> shared::dto::NoticeView {
    shared::dto::NoticeView {
        id: uuid(&n.id),
        scope: if n.tenant_id.is_some() {
            shared::notice::NoticeScope::Tenant
        } else {
            shared::notice::NoticeScope::Service
        },
        kind: n.kind,
        starts_at: rfc3339(n.starts_at),
        ends_at: rfc3339(n.ends_at),
        title: n.title.clone(),
        text: n.body.clone(),
        shown: n.withdrawn_at.is_none() && shared::notice::is_shown(n.starts_at, n.ends_at, now.0),
        withdrawn_at: n.withdrawn_at.map(rfc3339),
        created_by: n.created_by.clone(),
        created_at: rfc3339(n.created_at),
        updated_at: rfc3339(n.updated_at),
    }
}

/// A notice as a banner shows it: no tenant, no publisher.
pub fn notice_banner_view(
    n: &crate::db::models::Notice,
    now: crate::clock::Millis,
) -> shared::dto::NoticeBannerView {
    shared::dto::NoticeBannerView {
        id: uuid(&n.id),
        kind: n.kind,
        starts_at: rfc3339(n.starts_at),
        ends_at: rfc3339(n.ends_at),
        active: shared::notice::is_active(n.starts_at, n.ends_at, now.0),
        title: n.title.clone(),
        text: n.body.clone(),
    }
}

// Webhooks (Webhook 通知).
/// An endpoint as its administrators see it: never its secret.
pub fn webhook_endpoint_view(
    e: &crate::db::models::WebhookEndpoint,
    events: Vec<shared::webhook::WebhookEvent>,
) -> shared::dto::WebhookEndpointView {
    shared::dto::WebhookEndpointView {
        id: uuid(&e.id),
        url: e.url.clone(),
        description: e.description.clone(),
        events,
        active: e.active,
        previous_secret_until: e
            .previous_secret
            .as_ref()
            .and(e.previous_secret_until)
            .map(rfc3339),
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
    }
}

/// A delivery with its attempts (the delivery log); not its body.
pub fn webhook_delivery_view(
    d: &crate::db::models::WebhookDelivery,
    attempts: &[crate::db::models::WebhookAttempt],
) -> shared::dto::WebhookDeliveryView {
    let status = |s: Option<i32>| s.and_then(|s| u16::try_from(s).ok());
    shared::dto::WebhookDeliveryView {
        id: uuid(&d.id),
        endpoint_id: uuid(&d.endpoint_id),
        event_id: uuid(&d.event_id),
        event_type: d.event_type,
        contract_id: d.contract_id.as_deref().map(uuid),
        state: d.state,
        last_status: status(d.last_status),
        last_error: d.last_error.clone(),
        created_at: rfc3339(d.created_at),
        delivered_at: d.delivered_at.map(rfc3339),
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| shared::dto::WebhookAttemptView {
                attempt: a.attempt,
                at: rfc3339(a.at),
                status: status(a.status),
                duration_ms: u64::try_from(a.duration_ms).unwrap_or(0),
                error: a.error.clone(),
            })
            .collect(),
    }
}
