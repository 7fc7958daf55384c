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

/// `GET /auth/session`: the current session, or `None` when nobody is logged in (204).
pub async fn session() -> Result<Option<SessionView>, Problem> {
    let response = request(Method::GET, "/auth/session", None, Watch::Quiet).await?;
    if response.status() == 204 {
        return Ok(None);
    }
    decode(response).await.map(Some)
}
