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
pub mod error;
pub mod extract;
pub mod health;
pub mod nul_guard;
pub mod public;
pub mod refusal_audit;
pub mod route_templates;
pub mod settings;
pub mod signing;
pub mod users;

use actix_web::web;
use serde::Deserialize;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::{IntoParams, Modify, OpenApi};

use crate::workflow::PageRequest;

/// Plain paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1-based page (default 1).
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    per_page: Option<u32>,
}

impl PageQuery {
    /// Clamped.
    pub fn page_request(&self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }
}

/// The OpenAPI document of `/api/v1`. `openapi/openapi.json` is this, committed; a test fails
/// when they differ (`UPDATE_OPENAPI=1 cargo test` rewrites it).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tachiai API",
        description = "立会人型電子契約サービス Tachiai の API。エラーは RFC 9457 problem+json で、`code` が機械可読なコード、`detail_ja` が日本語の説明です。\n\nThe Tachiai witness-type e-contract API. Log in with `POST /api/v1/auth/login`; the session is an HttpOnly cookie, and every state-changing request must carry the `X-CSRF-Token` header from the session.\n\nIntegrators use an API token instead: a logged-in user issues one under `POST /api/v1/api-tokens` (the secret `tachiai_…` is shown once) and sends it as `Authorization: Bearer tachiai_…`. A token acts as its user, with the user's permissions intersected with the token's scopes; it needs no CSRF header. Each operation below lists the credentials it accepts.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        health::health,
        auth::login, auth::logout, auth::session,
        account::change_password, account::totp_setup, account::totp_enable, account::totp_disable,
        users::list, users::create, users::get, users::update, users::disable, users::enable, users::reset_password,
        departments::list, departments::create, departments::update,
        address_book::list, address_book::create, address_book::get, address_book::update,
        address_book::create_contact, address_book::update_contact,
        settings::get, settings::update, settings::seal,
        audit::list, audit::verify, audit::export_csv,
        api_tokens::list, api_tokens::create, api_tokens::revoke,
        dashboard::get, dashboard::export_csv,
        contracts::list, contracts::create, contracts::get, contracts::update,
        contracts::set_recipients, contracts::set_route,
        contracts::upload, contracts::remove_document, contracts::download,
        contracts::archive_one, contracts::archive_many, contracts::duplicate, contracts::approvers,
        route_templates::list, route_templates::create, route_templates::update,
        public::verify, public::contract,
        contracts::submit, contracts::approve, contracts::reject, contracts::withdraw,
        contracts::send, contracts::send_back, contracts::cancel, contracts::remind,
        signing::view, signing::send_code, signing::verify, signing::download,
        signing::agree, signing::decline, signing::forward,
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
    ),
    // Referenced from a query parameter only, which utoipa does not collect.
    components(schemas(shared::dto::ContractSort)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// Paths that take no credential (prefixes). A handler without an `Authenticated` or
/// `SessionUser` extractor belongs here; the signing pages have their own link + code flow.
const PUBLIC_PATHS: &[&str] = &[
    "/api/v1/health",
    "/api/v1/auth/login",
    "/api/v1/signing/",
    "/api/v1/verify",
    "/api/v1/public/",
];

/// Paths whose handlers take `SessionUser`: the session cookie only, never an API token.
const SESSION_ONLY_PATHS: &[&str] = &[
    "/api/v1/auth/logout",
    "/api/v1/auth/session",
    "/api/v1/account/",
    "/api/v1/api-tokens",
];

/// Documents the two credentials (`session`: the cookie, with `X-CSRF-Token` on
/// state-changing requests; `api_token`: `Authorization: Bearer tachiai_…`) and which
/// operations accept which.
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
        let session = SecurityRequirement::new("session", Vec::<String>::new());
        let token = SecurityRequirement::new("api_token", Vec::<String>::new());
        for (path, item) in openapi.paths.paths.iter_mut() {
            let security = if PUBLIC_PATHS.iter().any(|p| path.starts_with(p)) {
                continue;
            } else if SESSION_ONLY_PATHS.iter().any(|p| path.starts_with(p)) {
                vec![session.clone()]
            } else {
                vec![session.clone(), token.clone()]
            };
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.security = Some(security.clone());
            }
        }
    }
}

/// Registers every `/api/v1` handler.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::health)
        .service(auth::login)
        .service(auth::logout)
        .service(auth::session)
        .service(account::change_password)
        .service(account::totp_setup)
        .service(account::totp_enable)
        .service(account::totp_disable)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(users::disable)
        .service(users::enable)
        .service(users::reset_password)
        .service(departments::list)
        .service(departments::create)
        .service(departments::update)
        .service(address_book::list)
        .service(address_book::create)
        .service(address_book::get)
        .service(address_book::update)
        .service(address_book::create_contact)
        .service(address_book::update_contact)
        .service(settings::get)
        .service(settings::update)
        .service(settings::seal)
        .service(audit::verify)
        .service(audit::list)
        .service(audit::export_csv)
        .configure(api_tokens::routes)
        .configure(dashboard::routes)
        .service(route_templates::list)
        .service(route_templates::create)
        .service(route_templates::update)
        .configure(contracts::routes)
        .configure(signing::routes)
        .service(public::verify)
        .service(public::contract);
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
