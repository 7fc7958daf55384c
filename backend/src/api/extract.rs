//! Request extractors: where a request came from, and who is behind its credential.
//!
//! Which credentials an endpoint accepts is the extractor it takes:
//! - `Authenticated` (almost every handler): a valid session cookie, CSRF-checked for
//!   state-changing methods, **or** an API token in `Authorization: Bearer tachiai_…`, which
//!   needs no CSRF token or `Origin` check (a browser never attaches it on its own); in both
//!   cases a user who has changed an admin-set password and set up TOTP when the tenant
//!   requires it.
//! - `SessionUser`: the session cookie only, without that last condition, for the account
//!   endpoints that let the user get there and for issuing API tokens.
//! - `SessionActor`: an `Authenticated` user who came with the session cookie; an API token is
//!   refused (`api_token_not_allowed`, audited), for the endpoints that manage API tokens.
//! - `OptionalSession`: a `SessionUser` or nobody, for the session probe.
//!
//! The OpenAPI document's `security` of each operation is derived from these types
//! (`api::endpoint::Credential`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use shared::problem::{Problem, ProblemCode};

use crate::api::error::ApiError;
use crate::audit::Origin;
use crate::startup::AppState;
use crate::workflow::Actor;
use crate::workflow::accounts::{self, RequestCredentials};
use crate::workflow::actor::Credential;
use crate::workflow::api_tokens;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tachiai_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The client's address: the TCP peer, or what a trusted reverse proxy forwarded for
/// (`trusted_proxies`; see [`crate::client_addr`]).
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.config.trusted_proxies.client_ip(peer, req.headers()),
        None => peer,
    }
}

/// Where the request came from: the client's address (see [`client_ip`]) and user agent.
pub fn origin(req: &HttpRequest) -> Origin {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect::<String>())
    };
    Origin {
        actor_id: None,
        actor_label: String::new(),
        ip: client_ip(req).map(|ip| ip.to_string()),
        user_agent: header("User-Agent"),
    }
}

/// The `Origin` of a state-changing request when it is neither `public_url` nor the request's
/// own host: it must then be one of the tenant's zone URLs
/// ([`crate::workflow::network_zones`]), which the credential check compares once the tenant
/// is known; anything else is refused as `csrf_token_invalid` (a second CSRF defence besides
/// the token and SameSite=Strict).
pub fn foreign_origin(req: &HttpRequest, public_url: &str) -> Option<String> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let origin = req.headers().get("Origin")?;
    let Ok(origin) = origin.to_str() else {
        // Not text: no zone URL can match it.
        return Some(String::from_utf8_lossy(origin.as_bytes()).into_owned());
    };
    let host = req.connection_info().host().to_owned();
    let same = origin == public_url.trim_end_matches('/')
        || origin == format!("http://{host}")
        || origin == format!("https://{host}");
    (!same).then(|| origin.to_owned())
}

/// A user with a valid session (CSRF-checked), who may still have to change their password
/// or set up TOTP.
pub struct SessionUser {
    /// The user.
    pub actor: Actor,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// A user with a valid session or API token who may use the whole API (permissions checked
/// per action).
pub struct Authenticated(pub Actor);

/// What checking a credential gave, kept in the request's extensions so that the rate limiter,
/// the idempotency layer and the handler check it once per request (a session is touched and
/// a failure audited once).
#[derive(Clone)]
struct Checked<T>(Result<T, Problem>);

/// A credential check under way.
pub type Checking<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// `check` once per request: the first call runs it and keeps the outcome, later calls get it.
fn checked_once<T: Clone + 'static>(
    req: &HttpRequest,
    check: impl FnOnce() -> Checking<T>,
) -> Checking<T> {
    if let Some(Checked(outcome)) = req.extensions().get::<Checked<T>>().cloned() {
        return Box::pin(async move { outcome.map_err(ApiError::new) });
    }
    let req = req.clone();
    let fut = check();
    Box::pin(async move {
        let outcome = fut.await.map_err(|e| *e.0);
        req.extensions_mut().insert(Checked(outcome.clone()));
        outcome.map_err(ApiError::new)
    })
}

/// The session user behind the request's cookie (CSRF-checked), checked once per request.
pub fn session_user(req: &HttpRequest) -> Checking<(Actor, String)> {
    checked_once(req, || {
        let fut = resolve_uncached(req);
        Box::pin(async move { fut.await.map(|s| (s.actor, s.csrf_token)) })
    })
}

/// The user behind the request's API token (`Authorization: Bearer tachiai_…`), checked once
/// per request; `None` without such a header.
pub fn token_actor(req: &HttpRequest) -> Option<Checking<Actor>> {
    let secret = bearer(req)?;
    Some(checked_once(req, || {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let origin = origin(req);
        Box::pin(async move {
            let state = state.ok_or(ApiError::from(ProblemCode::Internal))?;
            state
                .run(move |conn| api_tokens::authenticate(conn, &secret, origin))
                .await
        })
    }))
}

fn resolve(req: &HttpRequest) -> Checking<SessionUser> {
    let fut = session_user(req);
    Box::pin(async move {
        let (actor, csrf_token) = fut.await?;
        Ok(SessionUser { actor, csrf_token })
    })
}

fn resolve_uncached(req: &HttpRequest) -> Checking<SessionUser> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let csrf = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let safe_method = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let foreign = state
        .as_ref()
        .and_then(|s| foreign_origin(req, &s.config.public_url));
    let origin = origin(req);
    Box::pin(async move {
        let state = state.ok_or(ApiError::from(ProblemCode::Internal))?;
        // Another site's page gets the CSRF answer whether or not a session is behind it.
        let missing = match foreign {
            Some(_) => ProblemCode::CsrfTokenInvalid,
            None => ProblemCode::Unauthenticated,
        };
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::from(missing))?;
        let (actor, csrf_token) = state
            .run(move |conn| {
                accounts::authenticate(
                    conn,
                    RequestCredentials {
                        token: &token,
                        csrf_header: csrf.as_deref(),
                        safe_method,
                        foreign_origin: foreign.as_deref(),
                    },
                    origin,
                )
            })
            .await?;
        Ok(SessionUser { actor, csrf_token })
    })
}

impl FromRequest for SessionUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        resolve(req)
    }
}

/// An [`Authenticated`] user at a logged-in session: an API token is refused
/// (`api_token_not_allowed`, audited), so that a leaked token cannot mint or list tokens.
pub struct SessionActor(pub Actor);

impl FromRequest for SessionActor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let authenticated = Authenticated::from_request(req, payload);
        Box::pin(async move {
            let Authenticated(actor) = authenticated.await?;
            if actor.credential == Credential::ApiToken {
                let state = state.ok_or(ApiError::from(ProblemCode::Internal))?;
                let token_actor = actor.clone();
                state
                    .run(move |conn| token_actor.require_session(conn))
                    .await?;
            }
            Ok(SessionActor(actor))
        })
    }
}

/// The session if the request carries a valid one, else `None` (no cookie, or an ended
/// session: the answers that are 401 elsewhere). For the start-up probe, which must not answer
/// an error status merely because nobody is logged in.
pub struct OptionalSession(pub Option<SessionUser>);

impl FromRequest for OptionalSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = resolve(req);
        Box::pin(async move {
            match session.await {
                Ok(user) => Ok(OptionalSession(Some(user))),
                Err(e) if e.0.status == 401 => Ok(OptionalSession(None)),
                Err(e) => Err(e),
            }
        })
    }
}

/// The secret of `Authorization: Bearer <secret>`, if the request carries that header.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_owned())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(token) = token_actor(req) {
            return Box::pin(async move {
                let actor = token.await?;
                actor.require_ready()?;
                Ok(Authenticated(actor))
            });
        }
        let session = resolve(req);
        Box::pin(async move {
            let s = session.await?;
            s.actor.require_ready()?;
            Ok(Authenticated(s.actor))
        })
    }
}
