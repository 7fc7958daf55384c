//! Login, logout and the current session.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use shared::dto::{LoginRequest, SessionView};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::api::extract::{OptionalSession, SESSION_COOKIE, SessionUser, foreign_origin, origin};
use crate::startup::AppState;
use crate::workflow::accounts::{self, LoginPolicy};

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// Logs in with 団体コード, ログインID and password (and the TOTP code when asked for).
/// Sets a new HttpOnly session cookie; send the returned `csrf_token` as `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "invalid_credentials (also for locked and disabled accounts, alike), totp_required, totp_invalid, too_many_requests, outside_network_zone")))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let foreign = foreign_origin(&req, &state.config.public_url);
    let origin = origin(&req);
    let previous = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let policy = LoginPolicy::from_config(&state.config);
    let keys = state.keys.clone();
    let created = state
        .run(move |conn| {
            let previous = previous.as_deref();
            accounts::login(
                conn,
                &keys,
                &body,
                &origin,
                previous,
                foreign.as_deref(),
                policy,
            )
        })
        .await?;
    let view = SessionView {
        development_seal: state.seal.is_development(),
        ..created.view
    };
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(created.token, state.config.secure_cookies()))
        .json(view))
}

/// Ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn logout(state: web::Data<AppState>, user: SessionUser) -> ApiResult<HttpResponse> {
    state
        .run(move |conn| accounts::logout(conn, &user.actor))
        .await?;
    let mut gone = session_cookie(String::new(), state.config.secure_cookies());
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// The current session: who is logged in, what they may do, and the CSRF token. The browser
/// app calls it at start to restore a session after a reload; when nobody is logged in (no
/// cookie, or the session has ended) it answers 204, not an error.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = SessionView),
              (status = 204, description = "nobody is logged in (no session cookie, or the session has ended)")))]
pub async fn session(
    state: web::Data<AppState>,
    OptionalSession(user): OptionalSession,
) -> ApiResult<HttpResponse> {
    let Some(user) = user else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let view = state
        .run(move |conn| accounts::session_view(conn, &user.actor, user.csrf_token))
        .await?;
    Ok(HttpResponse::Ok().json(SessionView {
        development_seal: state.seal.is_development(),
        ..view
    }))
}
