//! The service's seal keys and time-stamp authorities, for administrators (電子署名鍵・
//! タイムスタンプ局の管理). Service-wide, so they need [`Permission::ManageSealKeys`], which no
//! role implies (a city's 管理者 does not have it; the operator grants it with `tachiai admin
//! create-user --grant manage_seal_keys`), and changes need a logged-in session (not an API
//! token). The keyring and TSA list themselves are [`crate::seal::keyring`] and
//! [`crate::seal::tsas`], which the command line uses too; every change is audited there.

use shared::access::Permission;
use shared::dto::{
    AddTsaRequest, ImportSealKeyRequest, MoveTsaRequest, SealKeyView, SealKeyringView, TsaListView,
};

use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::seal::SealService;
use crate::seal::keyring::{self, KeyMaterial, KeyringError};
use crate::seal::tsas;
use crate::secrets::KeyRing;
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;
use crate::workflow::views;

fn may_change(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<()> {
    actor.require(conn, Permission::ManageSealKeys)?;
    actor.require_session(conn)
}

/// The keyring with each key's seal count, newest first.
pub fn keyring_view(
    conn: &mut AnyConnection,
    service: &SealService,
) -> WorkflowResult<SealKeyringView> {
    let now = Millis::now();
    let counts = keyring::seal_counts(conn)?;
    let rows = keyring::list(conn)?;
    let seals = |id: &str| {
        counts
            .iter()
            .find(|(k, _)| k.as_deref() == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    Ok(SealKeyringView {
        active_id: rows
            .iter()
            .find(|r| r.state == keyring::ACTIVE)
            .map(|r| r.id.clone()),
        keys: rows
            .iter()
            .map(|r| views::seal_key_view(r, seals(&r.id), now))
            .collect(),
        fallback: if service.fallback().dev_pki.is_some() {
            "development".into()
        } else {
            "configured".into()
        },
    })
}

/// `GET /seal/keys`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_keys(
    conn: &mut AnyConnection,
    actor: &Actor,
    service: &SealService,
) -> WorkflowResult<SealKeyringView> {
    actor.require(conn, Permission::ManageSealKeys)?;
    keyring_view(conn, service)
}

fn one(conn: &mut AnyConnection, row: &keyring::SealKeyRow) -> WorkflowResult<SealKeyView> {
    let seals = keyring::seal_counts(conn)?
        .into_iter()
        .find(|(k, _)| k.as_deref() == Some(row.id.as_str()))
        .map_or(0, |(_, n)| n);
    Ok(views::seal_key_view(row, seals, Millis::now()))
}

/// `POST /seal/keys`: imports a key (standby).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn import_key(
    conn: &mut AnyConnection,
    actor: &Actor,
    keys: &KeyRing,
    req: &ImportSealKeyRequest,
) -> WorkflowResult<SealKeyView> {
    may_change(conn, actor)?;
    let material = KeyMaterial::from_request(&req.material).map_err(KeyringError::Refused)?;
    let row = keyring::import(
        conn,
        keys,
        &req.label,
        &material,
        &actor.origin,
        Millis::now(),
    )?;
    one(conn, &row)
}

/// `POST /seal/keys/{id}/activate`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn activate_key(
    conn: &mut AnyConnection,
    actor: &Actor,
    keys: &KeyRing,
    id: &str,
) -> WorkflowResult<SealKeyView> {
    may_change(conn, actor)?;
    let row = keyring::activate(conn, keys, id, &actor.origin, Millis::now())?;
    one(conn, &row)
}

/// `POST /seal/keys/{id}/retire`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn retire_key(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<SealKeyView> {
    may_change(conn, actor)?;
    let row = keyring::retire(conn, id, &actor.origin, Millis::now())?;
    one(conn, &row)
}

/// The TSAs in order with their health, whichever list is in use.
pub fn tsa_list_view(
    conn: &mut AnyConnection,
    service: &SealService,
) -> WorkflowResult<TsaListView> {
    let now = Millis::now();
    let (source, entries) = service.tsa_source(conn)?;
    let mut tsas = Vec::new();
    for (i, (id, url)) in entries.into_iter().enumerate() {
        let health = crate::seal::service::tsa_health_of(conn, &url)?;
        tsas.push(views::tsa_view(id, url, i + 1, health, now));
    }
    if source == "builtin" {
        let cert = service.fallback().dev_pki.as_ref().map(|p| p.tsa.clone());
        let mut builtin = views::tsa_view(None, "builtin".into(), 1, None, now);
        if let Some(c) = cert {
            let info = crate::seal::certificate_info(&c, now);
            builtin.certificate_subject = Some(info.subject);
            builtin.certificate_not_after = Some(info.not_after);
            builtin.certificate_days_left = Some(info.days_left);
        }
        tsas.push(builtin);
    }
    Ok(TsaListView {
        source: source.into(),
        tsas,
    })
}

/// `GET /seal/tsas`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_tsas(
    conn: &mut AnyConnection,
    actor: &Actor,
    service: &SealService,
) -> WorkflowResult<TsaListView> {
    actor.require(conn, Permission::ManageSealKeys)?;
    tsa_list_view(conn, service)
}

/// `POST /seal/tsas`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn add_tsa(
    conn: &mut AnyConnection,
    actor: &Actor,
    service: &SealService,
    req: &AddTsaRequest,
) -> WorkflowResult<TsaListView> {
    may_change(conn, actor)?;
    tsas::add(conn, &req.url, req.position, &actor.origin, Millis::now())?;
    tsa_list_view(conn, service)
}

/// `DELETE /seal/tsas/{id}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn remove_tsa(
    conn: &mut AnyConnection,
    actor: &Actor,
    service: &SealService,
    id: &str,
) -> WorkflowResult<TsaListView> {
    may_change(conn, actor)?;
    tsas::remove(conn, id, &actor.origin, Millis::now())?;
    tsa_list_view(conn, service)
}

/// `PUT /seal/tsas/{id}/position`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn move_tsa(
    conn: &mut AnyConnection,
    actor: &Actor,
    service: &SealService,
    id: &str,
    req: &MoveTsaRequest,
) -> WorkflowResult<TsaListView> {
    may_change(conn, actor)?;
    tsas::move_to(conn, id, req.position, &actor.origin, Millis::now())?;
    tsa_list_view(conn, service)
}
