//! Thin calls to `/api/v1`. Every function returns the `shared` DTO or the server's
//! [`Problem`]; a network failure or an unreadable answer becomes a local problem with the
//! matching code, so pages handle exactly one error type.

pub mod account;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod contracts;
pub mod dashboard;
pub mod departments;
pub mod organizations;
pub mod public;
pub mod route_templates;
pub mod settings;
pub mod signing;
pub mod users;
// Maintenance notices (お知らせ).
pub mod notices;
// Retention and disposition:
pub mod retention;
// Monthly usage report (月次利用状況報告).
pub mod reports;
// Records management: the fiscal-year export.
pub mod exports;
// Webhooks (Webhook 通知).
pub mod webhooks;
// Document templates (ひな形) and bulk sending (一括送信).
pub mod templates;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::problem::{Problem, ProblemCode};

/// Where the API lives.
pub const BASE: &str = "/api/v1";

type SessionLostHook = Rc<dyn Fn(ProblemCode)>;

thread_local! {
    /// The session's CSRF token, sent as `X-CSRF-Token` on every state-changing request.
    static CSRF_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Called when the server says the session is gone (expired, logged out elsewhere).
    static ON_SESSION_LOST: RefCell<Option<SessionLostHook>> = const { RefCell::new(None) };
}

/// Remembers (or forgets) the CSRF token of the current session.
pub fn set_csrf_token(token: Option<String>) {
    CSRF_TOKEN.with(|t| *t.borrow_mut() = token);
}

/// Registers what to do when a request answers `unauthenticated` or `session_expired`.
pub fn on_session_lost(hook: impl Fn(ProblemCode) + 'static) {
    ON_SESSION_LOST.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// Whether a 401 answer should end the session in the app (false for login, logout and the
/// session probe, which handle their own outcomes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Watch {
    Session,
    Quiet,
}

async fn request(
    method: Method,
    path: &str,
    body: Option<String>,
    watch: Watch,
) -> Result<Response, Problem> {
    request_as(method, path, body, watch, None).await
}

/// [`request`] with an optional `Authorization: Bearer` token (the signing page's session).
async fn request_as(
    method: Method,
    path: &str,
    body: Option<String>,
    watch: Watch,
    bearer: Option<&str>,
) -> Result<Response, Problem> {
    let url = format!("{BASE}{path}");
    let mut builder = RequestBuilder::new(&url)
        .method(method.clone())
        .header("Accept", "application/json, application/problem+json");
    if let Some(token) = bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    if method != Method::GET
        && let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone())
    {
        builder = builder.header("X-CSRF-Token", &token);
    }
    let sent = match body {
        Some(json) => {
            builder
                .header("Content-Type", "application/json")
                .body(json)
                .map_err(|_| Problem::new(ProblemCode::MalformedRequest))?
                .send()
                .await
        }
        None => builder.send().await,
    };
    let response = sent.map_err(|_| Problem::new(ProblemCode::ServiceUnavailable))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let problem = match response.text().await {
        Ok(text) => problem_from(status, &text),
        Err(_) => fallback_problem(status),
    };
    if watch == Watch::Session
        && matches!(
            problem.code,
            ProblemCode::Unauthenticated | ProblemCode::SessionExpired
        )
    {
        let hook = ON_SESSION_LOST.with(|h| h.borrow().clone());
        if let Some(hook) = hook {
            hook(problem.code);
        }
    }
    Err(problem)
}

/// The problem of an error answer's body, or one made from its status.
fn problem_from(status: u16, body: &str) -> Problem {
    serde_json::from_str(body).unwrap_or_else(|_| fallback_problem(status))
}

/// The problem of an error answer that carried no problem body (e.g. from a proxy). Each arm
/// names its code, so the bundle holds these few codes' texts, not the whole table.
fn fallback_problem(status: u16) -> Problem {
    match status {
        401 => Problem::new(ProblemCode::Unauthenticated),
        403 => Problem::new(ProblemCode::Forbidden),
        404 => Problem::new(ProblemCode::NotFound),
        409 => Problem::new(ProblemCode::Conflict),
        413 => Problem::new(ProblemCode::PayloadTooLarge),
        429 => Problem::new(ProblemCode::TooManyRequests),
        502..=504 => Problem::new(ProblemCode::ServiceUnavailable),
        _ => Problem::new(ProblemCode::Internal),
    }
}

/// An answer's JSON body as `T`. Reading the body is [`body_text`], compiled once; only the
/// parsing is compiled for each answer type (the app has about a hundred), which keeps the
/// bundles smaller than a generic read-and-parse future per type.
async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, Problem> {
    parse(&body_text(response).await?)
}

/// The body of an answer as text.
async fn body_text(response: Response) -> Result<String, Problem> {
    response
        .text()
        .await
        .map_err(|_| Problem::new(ProblemCode::Internal))
}

/// Parses an answer's JSON body.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Problem> {
    serde_json::from_str(text).map_err(|_| Problem::new(ProblemCode::Internal))
}

/// The text of a request's successful answer: the one request-and-read future behind
/// [`get`], [`send`], [`post_empty`] and [`delete`].
async fn answer_text(method: Method, path: &str, body: Option<String>) -> Result<String, Problem> {
    body_text(request(method, path, body, Watch::Session).await?).await
}

fn to_json<B: Serialize>(body: &B) -> Result<String, Problem> {
    serde_json::to_string(body).map_err(|_| Problem::new(ProblemCode::MalformedRequest))
}

/// The body of a file answer.
async fn body_bytes(response: Response) -> Result<Vec<u8>, Problem> {
    response
        .binary()
        .await
        .map_err(|_| Problem::new(ProblemCode::ServiceUnavailable))
}

/// An object URL (`blob:`) for bytes, to open or save; the caller revokes it when done.
pub fn blob_url(bytes: &[u8], content_type: &str) -> Result<String, Problem> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| Problem::new(ProblemCode::Internal))?;
    web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| Problem::new(ProblemCode::Internal))
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Problem> {
    parse(&answer_text(Method::GET, path, None).await?)
}

async fn send<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> Result<T, Problem> {
    let json = to_json(body)?;
    parse(&answer_text(method, path, Some(json)).await?)
}

async fn post_empty<T: DeserializeOwned>(path: &str) -> Result<T, Problem> {
    parse(&answer_text(Method::POST, path, None).await?)
}

async fn delete<T: DeserializeOwned>(path: &str) -> Result<T, Problem> {
    parse(&answer_text(Method::DELETE, path, None).await?)
}

async fn post_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), Problem> {
    let json = to_json(body)?;
    request(Method::POST, path, Some(json), Watch::Session)
        .await
        .map(|_| ())
}

/// `POST` of a file as the raw body (`content_type`), with the session's CSRF token when there
/// is one; the answer's JSON or the server's problem.
async fn post_file<T: DeserializeOwned>(
    path: &str,
    content_type: &str,
    file: &web_sys::File,
) -> Result<T, Problem> {
    let mut builder = RequestBuilder::new(&format!("{BASE}{path}"))
        .method(Method::POST)
        .header("Accept", "application/json, application/problem+json")
        .header("Content-Type", content_type);
    if let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone()) {
        builder = builder.header("X-CSRF-Token", &token);
    }
    let response = builder
        .body(file)
        .map_err(|_| Problem::new(ProblemCode::MalformedRequest))?
        .send()
        .await
        .map_err(|_| Problem::new(ProblemCode::ServiceUnavailable))?;
    if response.ok() {
        return decode(response).await;
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Err(problem_from(status, &text))
}
