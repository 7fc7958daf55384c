//! `/settings`: the tenant's settings (設定).

use gloo_net::http::Method;
use shared::dto::{TenantSettingsView, UpdateTenantSettingsRequest};
use shared::problem::Problem;

use super::{get, send};

/// `GET /settings`.
pub async fn get_settings() -> Result<TenantSettingsView, Problem> {
    get("/settings").await
}

/// `PUT /settings`.
pub async fn update(req: &UpdateTenantSettingsRequest) -> Result<TenantSettingsView, Problem> {
    send(Method::PUT, "/settings", req).await
}

/// `GET /seal`: the seal and time-stamp authority in use.
pub async fn seal() -> Result<shared::dto::SealInfoView, Problem> {
    get("/seal").await
}

/// `GET /seal/keys`: the seal keyring.
pub async fn seal_keys() -> Result<shared::dto::SealKeyringView, Problem> {
    get("/seal/keys").await
}

/// `POST /seal/keys`: imports a key (it stands by).
pub async fn import_seal_key(
    req: &shared::dto::ImportSealKeyRequest,
) -> Result<shared::dto::SealKeyView, Problem> {
    send(Method::POST, "/seal/keys", req).await
}

/// `POST /seal/keys/{id}/activate` or `…/retire`.
pub async fn change_seal_key(
    id: &str,
    activate: bool,
) -> Result<shared::dto::SealKeyView, Problem> {
    let verb = if activate { "activate" } else { "retire" };
    super::post_empty(&format!("/seal/keys/{}/{verb}", super::encode(id))).await
}

/// `GET /seal/tsas`: the time-stamp authorities with their health.
pub async fn tsas() -> Result<shared::dto::TsaListView, Problem> {
    get("/seal/tsas").await
}

/// `POST /seal/tsas`.
pub async fn add_tsa(
    req: &shared::dto::AddTsaRequest,
) -> Result<shared::dto::TsaListView, Problem> {
    send(Method::POST, "/seal/tsas", req).await
}

/// `DELETE /seal/tsas/{id}`.
pub async fn remove_tsa(id: &str) -> Result<shared::dto::TsaListView, Problem> {
    super::delete(&format!("/seal/tsas/{}", super::encode(id))).await
}

/// `PUT /seal/tsas/{id}/position`.
pub async fn move_tsa(id: &str, position: u32) -> Result<shared::dto::TsaListView, Problem> {
    send(
        Method::PUT,
        &format!("/seal/tsas/{}/position", super::encode(id)),
        &shared::dto::MoveTsaRequest { position },
    )
    .await
}

// Network zones (ネットワークゾーン).
/// `GET /settings/network-zones`.
pub async fn network_zones() -> Result<shared::dto::NetworkZonesView, Problem> {
    get("/settings/network-zones").await
}

/// `PUT /settings/network-zones`: sets both zones, or switches one.
pub async fn set_network_zones(
    req: &shared::dto::UpdateNetworkZonesRequest,
) -> Result<shared::dto::NetworkZonesView, Problem> {
    send(Method::PUT, "/settings/network-zones", req).await
}
