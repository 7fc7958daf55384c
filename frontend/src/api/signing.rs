//! `/signing/{token}`: the counterparty's signing page. No account and no cookie: the link
//! token is in the path and, after the one-time code, the session token goes in
//! `Authorization: Bearer …`. A 401 here is about the code, never about a staff session.

use gloo_net::http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::dto::{
    SigningAgreeRequest, SigningDeclineRequest, SigningForwardRequest, SigningSessionView,
    SigningSmsVerifyRequest, SigningVerifyRequest, SigningView,
};
use shared::problem::Problem;
use uuid::Uuid;

use super::{Watch, decode, encode, request_as, to_json};

fn path(token: &str, rest: &str) -> String {
    format!("/signing/{}{rest}", encode(token))
}

async fn call<B: Serialize>(
    method: Method,
    path: &str,
    body: Option<&B>,
    session: Option<&str>,
) -> Result<gloo_net::http::Response, Problem> {
    let json = body.map(to_json).transpose()?;
    request_as(method, path, json, Watch::Quiet, session).await
}

async fn json<T: DeserializeOwned, B: Serialize>(
    method: Method,
    path: &str,
    body: Option<&B>,
    session: Option<&str>,
) -> Result<T, Problem> {
    decode(call(method, path, body, session).await?).await
}

/// `GET /signing/{token}`: more once `session` is a confirmed session.
pub async fn view(token: &str, session: Option<&str>) -> Result<SigningView, Problem> {
    json::<_, ()>(Method::GET, &path(token, ""), None, session).await
}

/// `POST /signing/{token}/code`: mails a one-time code.
pub async fn send_code(token: &str) -> Result<(), Problem> {
    call::<()>(Method::POST, &path(token, "/code"), None, None)
        .await
        .map(|_| ())
}

/// `POST /signing/{token}/verify`: the session token.
pub async fn verify(
    token: &str,
    req: &SigningVerifyRequest,
) -> Result<SigningSessionView, Problem> {
    json(Method::POST, &path(token, "/verify"), Some(req), None).await
}

/// `POST /signing/{token}/agree`.
pub async fn agree(token: &str, session: &str) -> Result<(), Problem> {
    let req = SigningAgreeRequest { consent: true };
    call(
        Method::POST,
        &path(token, "/agree"),
        Some(&req),
        Some(session),
    )
    .await
    .map(|_| ())
}

/// `POST /signing/{token}/decline`.
pub async fn decline(token: &str, session: &str, reason: String) -> Result<(), Problem> {
    let req = SigningDeclineRequest { reason };
    call(
        Method::POST,
        &path(token, "/decline"),
        Some(&req),
        Some(session),
    )
    .await
    .map(|_| ())
}

/// `POST /signing/{token}/forward`.
pub async fn forward(
    token: &str,
    session: &str,
    req: &SigningForwardRequest,
) -> Result<(), Problem> {
    call(
        Method::POST,
        &path(token, "/forward"),
        Some(req),
        Some(session),
    )
    .await
    .map(|_| ())
}

/// `GET /signing/{token}/documents/{id}`: a document's bytes.
pub async fn document_bytes(token: &str, session: &str, doc: Uuid) -> Result<Vec<u8>, Problem> {
    // Shown in the page (and saved from there): the log records a view once per file.
    let path = path(token, &format!("/documents/{doc}?view=true"));
    super::body_bytes(call::<()>(Method::GET, &path, None, Some(session)).await?).await
}

// Maintenance notices (お知らせ).
/// `GET /signing/{token}/notices`: the notices for this page (never fails the page: an error
/// is simply no banner).
pub async fn notices(token: &str) -> Result<shared::dto::NoticeBannersView, Problem> {
    json::<_, ()>(Method::GET, &path(token, "/notices"), None, None).await
}

/// `POST /signing/{token}/sms/code`: sends a one-time code by SMS (SMS認証).
pub async fn send_sms_code(token: &str, session: &str) -> Result<(), Problem> {
    call::<()>(Method::POST, &path(token, "/sms/code"), None, Some(session))
        .await
        .map(|_| ())
}

/// `POST /signing/{token}/sms/verify`.
pub async fn verify_sms(token: &str, session: &str, code: String) -> Result<(), Problem> {
    let req = SigningSmsVerifyRequest { code };
    call(
        Method::POST,
        &path(token, "/sms/verify"),
        Some(&req),
        Some(session),
    )
    .await
    .map(|_| ())
}
