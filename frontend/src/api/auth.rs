//! `/auth`: log in, log out, restore the session after a reload.

use gloo_net::http::Method;
use shared::dto::{LoginRequest, SessionView};
use shared::problem::Problem;

use super::{Watch, decode, request, to_json};

/// `POST /auth/login`.
pub async fn login(req: &LoginRequest) -> Result<SessionView, Problem> {
    let json = to_json(req)?;
    decode(request(Method::POST, "/auth/login", Some(json), Watch::Quiet).await?).await
}

/// `POST /auth/logout`.
pub async fn logout() -> Result<(), Problem> {
    request(Method::POST, "/auth/logout", None, Watch::Quiet)
        .await
        .map(|_| ())
}

/// `GET /auth/session`: the current session, or a 401 problem.
pub async fn session() -> Result<SessionView, Problem> {
    decode(request(Method::GET, "/auth/session", None, Watch::Quiet).await?).await
}
