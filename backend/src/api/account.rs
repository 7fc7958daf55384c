//! The user's own account: password and TOTP. These work before the password change or TOTP
//! setup that `Authenticated` otherwise insists on.

use actix_web::{HttpResponse, web};
use shared::dto::{ChangePasswordRequest, TotpDisableRequest, TotpEnableRequest, TotpSetupView};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::api::extract::SessionUser;
use crate::startup::AppState;
use crate::workflow::accounts::{self, LoginPolicy};

/// Changes the own password (policy: 12+ characters with letters and digits, not the login
/// ID). Other sessions of the user end and all their API tokens are revoked.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "account", request_body = ChangePasswordRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "current_password_wrong, password_policy, account_locked (after as many wrong current passwords as failed logins lock an account)")))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: SessionUser,
    body: web::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let policy = LoginPolicy::from_config(&state.config);
    state
        .run(move |conn| accounts::change_password(conn, &user.actor, &body, policy))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Starts TOTP setup: a new secret to scan, active only after `enable`.
#[utoipa::path(post, path = "/api/v1/account/totp/setup", tag = "account",
    responses((status = 200, body = TotpSetupView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn totp_setup(state: web::Data<AppState>, user: SessionUser) -> ApiResult<HttpResponse> {
    let keys = state.keys.clone();
    let view = state
        .run(move |conn| accounts::totp_setup(conn, &keys, &user.actor, "Tachiai"))
        .await?;
    Ok(crate::api::idempotency::shown_once(
        HttpResponse::Ok().json(view),
    ))
}

/// Activates TOTP with a first code.
#[utoipa::path(post, path = "/api/v1/account/totp/enable", tag = "account", request_body = TotpEnableRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "totp_invalid, conflict")))]
pub async fn totp_enable(
    state: web::Data<AppState>,
    user: SessionUser,
    body: web::Json<TotpEnableRequest>,
) -> ApiResult<HttpResponse> {
    let keys = state.keys.clone();
    state
        .run(move |conn| accounts::totp_enable(conn, &keys, &user.actor, &body))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Turns TOTP off (with the password); refused when the tenant requires TOTP.
#[utoipa::path(post, path = "/api/v1/account/totp/disable", tag = "account", request_body = TotpDisableRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn totp_disable(
    state: web::Data<AppState>,
    user: SessionUser,
    body: web::Json<TotpDisableRequest>,
) -> ApiResult<HttpResponse> {
    let policy = LoginPolicy::from_config(&state.config);
    state
        .run(move |conn| accounts::totp_disable(conn, &user.actor, &body, policy))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
