//! The JSON API under `/api/v1`: thin handlers (extract → one `workflow` call → view), the
//! OpenAPI document, and the problem responses. No diesel here.

pub mod account;
pub mod address_book;
pub mod audit;
pub mod auth;
pub mod contracts;
pub mod departments;
pub mod dev_pki;
pub mod error;
pub mod extract;
pub mod health;
pub mod settings;
pub mod signing;
pub mod users;

use actix_web::web;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use crate::workflow::PageRequest;

/// Plain paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
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
        description = "立会人型電子契約サービス Tachiai の API。エラーは RFC 9457 problem+json で、`code` が機械可読なコード、`detail_ja` が日本語の説明です。\n\nThe Tachiai witness-type e-contract API. Log in with `POST /api/v1/auth/login`; the session is an HttpOnly cookie, and every state-changing request must carry the `X-CSRF-Token` header from the session.",
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
        settings::get, settings::update,
        audit::list, audit::verify,
        contracts::list, contracts::create, contracts::get, contracts::update,
        contracts::set_recipients, contracts::set_route,
        contracts::upload, contracts::remove_document, contracts::download,
        contracts::submit, contracts::approve, contracts::reject, contracts::withdraw,
        contracts::send, contracts::send_back, contracts::cancel,
        signing::view, signing::send_code, signing::verify, signing::download,
        signing::agree, signing::decline, signing::forward,
    ),
    tags(
        (name = "system", description = "稼働状況 / health"),
        (name = "auth", description = "ログイン / authentication"),
        (name = "account", description = "自分のアカウント / own account"),
        (name = "users", description = "利用者 / users"),
        (name = "departments", description = "所属 / departments"),
        (name = "address-book", description = "アドレス帳 / address book"),
        (name = "settings", description = "設定 / tenant settings"),
        (name = "audit", description = "操作ログ / audit log"),
        (name = "contracts", description = "契約 / contracts"),
        (name = "signing", description = "相手方の署名ページ / counterparty signing (no account: link token + one-time code, then `Authorization: Bearer` session)"),
    )
)]
pub struct ApiDoc;

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
        .service(audit::verify)
        .service(audit::list)
        .configure(contracts::routes)
        .configure(signing::routes);
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
