//! The JSON API under `/api/v1`: thin handlers (extract → one `workflow` call → view), the
//! OpenAPI document, and the problem responses. No diesel here.

pub mod account;
pub mod address_book;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod budget;
pub mod contracts;
pub mod dashboard;
pub mod departments;
pub mod dev_pki;
pub mod download;
pub mod endpoint;
pub mod error;
pub mod extract;
pub mod health;
pub mod nul_guard;
pub mod public;
pub mod refusal_audit;
pub mod route_templates;
pub mod seal_keys;
pub mod settings;
pub mod signing;
// Maintenance notices (お知らせ).
pub mod notices;
pub mod users;
// Retention and disposition:
pub mod retention;
// Monthly usage report (月次利用状況報告).
pub mod reports;
// Records management: the fiscal-year export.
pub mod exports;
// Idempotency keys and rate limits.
pub mod idempotency;
pub mod limits_doc;
pub mod rate_limit;
pub mod rate_limits;
// Webhooks (Webhook 通知).
pub mod webhooks;
// A JSON body the client may leave out (the contract actions' comment).
pub mod optional_json;
// The schema of a raw file body.
pub mod binary;
// Raw request bodies read within a budget.
pub mod body;
// Document templates (ひな形) and bulk sending (一括送信).
pub mod bulk_sends;
pub mod templates;
// Network zones (ネットワークゾーン).
pub mod network_zones;

use actix_web::web;
use serde::Deserialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

use crate::workflow::PageRequest;

/// Plain paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1-based page (default 1).
    #[serde(default, deserialize_with = "shared::dto::paging::page")]
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    #[serde(default, deserialize_with = "shared::dto::paging::per_page")]
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
}

impl PageQuery {
    /// Clamped.
    pub fn page_request(&self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }
}

/// The frame of the OpenAPI document of `/api/v1` (info, tags, security schemes); [`openapi`]
/// adds the operations. `openapi/openapi.json` is the whole, committed; a test fails when they
/// differ (`UPDATE_OPENAPI=1 cargo test` rewrites it).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tachiai API",
        description = "立会人型電子契約サービス Tachiai の API。エラーは RFC 9457 problem+json で、`code` が機械可読なコード、`detail_ja` が日本語の説明です。\n\nThe Tachiai witness-type e-contract API. Log in with `POST /api/v1/auth/login`; the session is an HttpOnly cookie, and every state-changing request must carry the `X-CSRF-Token` header from the session.\n\nIntegrators use an API token instead: a logged-in user issues one under `POST /api/v1/api-tokens` (the secret `tachiai_…` is shown once) and sends it as `Authorization: Bearer tachiai_…`. A token acts as its user, with the user's permissions intersected with the token's scopes; it needs no CSRF header. Each operation below lists the credentials it accepts.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "system", description = "稼働状況 / health"),
        (name = "auth", description = "ログイン / authentication"),
        (name = "account", description = "自分のアカウント / own account"),
        (name = "api-tokens", description = "APIトークン / API tokens for integrators (issued from a logged-in session)"),
        (name = "users", description = "利用者 / users"),
        (name = "departments", description = "所属 / departments"),
        (name = "address-book", description = "アドレス帳 / address book"),
        (name = "settings", description = "設定 / tenant settings"),
        (name = "audit", description = "操作ログ / audit log"),
        (name = "contracts", description = "契約 / contracts"),
        (name = "verification", description = "検証（ログイン不要）/ public verification"),
        (name = "signing", description = "相手方の署名ページ / counterparty signing (no account: link token + one-time code, then `Authorization: Bearer` session)"),
        (name = "notices", description = "メンテナンス・障害のお知らせ / maintenance and outage notices"),
        (name = "retention", description = "保存期間・廃棄 / retention, legal hold and disposition"),
        // Monthly usage report (月次利用状況報告).
        (name = "reports", description = "月次利用状況報告 / monthly usage report"),
        (name = "exports", description = "年度別一括出力 / fiscal-year export"),
        (name = "webhooks", description = "Webhook 通知先と配信履歴 / webhook endpoints and their delivery log"),
        (name = "templates", description = "ひな形・一括送信 / document templates and bulk sending"),
    ),
    // Referenced from a query parameter only, which utoipa does not collect.
    components(schemas(shared::dto::ContractSort)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// Documents the credentials (`session`: the cookie, with `csrf`, the `X-CSRF-Token` header,
/// on state-changing requests; `api_token`: `Authorization: Bearer tachiai_…`); which operations
/// accept which comes from their handlers' extractors (`endpoint::Credential`).
struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut cookie = ApiKeyValue::new(extract::SESSION_COOKIE);
        cookie.description = Some(
            "ログインセッション / the session cookie set by `POST /api/v1/auth/login`; \
             state-changing requests also need the session's `X-CSRF-Token` header."
                .into(),
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let mut csrf = ApiKeyValue::new(extract::CSRF_HEADER);
        csrf.description = Some(
            "CSRFトークン / the `csrf_token` of the session (`POST /api/v1/auth/login`, \
             `GET /api/v1/auth/session`), required with the session cookie on every \
             state-changing request (403 `csrf_token_invalid` without it); not with an API token."
                .into(),
        );
        components.add_security_scheme("csrf", SecurityScheme::ApiKey(ApiKey::Header(csrf)));
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tachiai_<43 base64url characters>")
                    .description(Some(
                        "APIトークン / an API token from `POST /api/v1/api-tokens`. It acts as \
                         its user with the user's permissions intersected with its scopes; no \
                         CSRF header. Unknown, revoked or expired: 401 `api_token_invalid`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every `/api/v1` handler, each once: its route, its OpenAPI operation and the credentials
/// that operation documents all come from this entry (see [`endpoint`]). Routes are matched in
/// this order.
macro_rules! endpoints {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        fn endpoints() -> Vec<endpoint::Endpoint> {
            vec![$({
                #[derive(OpenApi)]
                #[openapi(paths($module::$handler))]
                struct Doc;
                endpoint::Endpoint::new(
                    Doc::openapi(),
                    concat!(stringify!($module), "_", stringify!($handler)),
                    $module::$handler,
                )
            }),*]
        }
    };
}

endpoints! {
    health::health,
    auth::login, auth::logout, auth::session,
    account::change_password, account::totp_setup, account::totp_enable, account::totp_disable,
    users::list, users::create, users::get, users::update, users::disable, users::enable,
    users::reset_password,
    departments::list, departments::create, departments::update,
    address_book::list, address_book::create, address_book::get, address_book::update,
    address_book::create_contact, address_book::update_contact,
    settings::get, settings::update, settings::seal,
    seal_keys::list, seal_keys::import, seal_keys::activate, seal_keys::retire,
    seal_keys::tsas, seal_keys::add_tsa, seal_keys::remove_tsa, seal_keys::move_tsa,
    audit::verify, audit::list, audit::export_csv,
    api_tokens::list, api_tokens::create, api_tokens::revoke,
    dashboard::get, dashboard::export_csv,
    route_templates::list, route_templates::create, route_templates::update,
    contracts::list, contracts::create, contracts::get, contracts::update,
    contracts::set_recipients, contracts::set_route,
    contracts::upload, contracts::remove_document, contracts::download,
    contracts::archive_many, contracts::archive_one, contracts::duplicate, contracts::approvers,
    contracts::submit, contracts::approve, contracts::reject, contracts::withdraw,
    contracts::send, contracts::send_back, contracts::cancel, contracts::remind,
    signing::view, signing::send_code, signing::verify, signing::download,
    signing::agree, signing::decline, signing::forward,
    public::verify, public::contract,
    // Maintenance notices (お知らせ).
    notices::current, notices::list, notices::create, notices::update, notices::withdraw,
    notices::signing,
    // Retention and disposition:
    retention::get_rule, retention::update_rule, retention::override_years,
    retention::set_hold, retention::release_hold, retention::candidates, retention::list,
    retention::create, retention::approve, retention::reject, retention::cancel,
    // Monthly usage report (月次利用状況報告).
    reports::monthly,
    // Records management: the fiscal-year export.
    exports::request, exports::list, exports::get, exports::download,
    // Idempotency keys and rate limits.
    rate_limits::get, rate_limits::update,
    // Webhooks (Webhook 通知).
    webhooks::list, webhooks::create, webhooks::update, webhooks::delete,
    webhooks::rotate_secret, webhooks::deliveries, webhooks::redeliver,
    // Document templates (ひな形) and bulk sending (一括送信).
    templates::list, templates::create, templates::get, templates::update, templates::upload,
    templates::remove_document, templates::create_contract,
    bulk_sends::create, bulk_sends::list, bulk_sends::get,
    // Network zones (ネットワークゾーン).
    network_zones::get, network_zones::update, network_zones::clear,
    // Observability: liveness and readiness probes.
    health::live, health::ready,
    // SMS verification of counterparties (SMS認証).
    signing::send_sms_code, signing::verify_sms,
}

/// Registers every `/api/v1` handler (relative to the `/api/v1` scope).
pub fn routes(cfg: &mut web::ServiceConfig) {
    for e in endpoints() {
        e.register(cfg);
    }
}

/// The OpenAPI document of `/api/v1`: [`ApiDoc`]'s frame with every handler's operation.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for e in endpoints() {
        e.document(&mut doc);
    }
    doc
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> String {
    let mut s = openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
