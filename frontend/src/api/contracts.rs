//! `/contracts`: drafts, their files, recipients and approval route, and the staff actions.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_net::http::Method;
use shared::contract::ContractAction;
use shared::dto::{
    ApprovalRouteRequest, ApproverOption, CommentRequest, ContractListQuery, ContractRequest,
    ContractSummaryView, ContractView, Page, RecipientsRequest,
};
use shared::problem::{Problem, ProblemCode};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::{BASE, CSRF_TOKEN, delete, encode, get, problem_from, send};

/// `a=1&b=2` of a list query, values percent-encoded.
pub fn query_string(query: &ContractListQuery) -> String {
    query
        .to_pairs()
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /contracts`.
pub async fn list(
    query: &ContractListQuery,
    per_page: u32,
) -> Result<Page<ContractSummaryView>, Problem> {
    let mut path = format!("/contracts?per_page={per_page}");
    let qs = query_string(query);
    if !qs.is_empty() {
        path.push('&');
        path.push_str(&qs);
    }
    if query.page.is_none_or(|p| p <= 1) {
        path.push_str("&page=1");
    }
    get(&path).await
}

/// `GET /contracts?awaiting_my_approval=true`: the approval inbox.
pub async fn awaiting_my_approval(per_page: u32) -> Result<Page<ContractSummaryView>, Problem> {
    get(&format!(
        "/contracts?awaiting_my_approval=true&per_page={per_page}&page=1"
    ))
    .await
}

/// `GET /contracts/{id}`.
pub async fn get_one(id: Uuid) -> Result<ContractView, Problem> {
    get(&format!("/contracts/{id}")).await
}

/// `POST /contracts`: a new draft.
pub async fn create(req: &ContractRequest) -> Result<ContractView, Problem> {
    send(Method::POST, "/contracts", req).await
}

/// `PUT /contracts/{id}`.
pub async fn update(id: Uuid, req: &ContractRequest) -> Result<ContractView, Problem> {
    send(Method::PUT, &format!("/contracts/{id}"), req).await
}

/// `PUT /contracts/{id}/recipients`.
pub async fn set_recipients(id: Uuid, req: &RecipientsRequest) -> Result<ContractView, Problem> {
    send(Method::PUT, &format!("/contracts/{id}/recipients"), req).await
}

/// `PUT /contracts/{id}/approval-route`.
pub async fn set_route(id: Uuid, req: &ApprovalRouteRequest) -> Result<ContractView, Problem> {
    send(Method::PUT, &format!("/contracts/{id}/approval-route"), req).await
}

/// `DELETE /contracts/{id}/documents/{doc}`.
pub async fn remove_document(id: Uuid, doc: Uuid) -> Result<ContractView, Problem> {
    delete(&format!("/contracts/{id}/documents/{doc}")).await
}

/// `GET /approvers`: the users who may approve, for the approval route.
pub async fn approvers() -> Result<Vec<ApproverOption>, Problem> {
    get("/approvers").await
}

/// The ZIP of one contract (originals, sealed PDF, certificate, event log, manifest).
pub fn archive_url(id: Uuid) -> String {
    format!("{BASE}/contracts/{id}/archive")
}

/// A file's bytes (for the document viewer).
pub async fn document_bytes(id: Uuid, doc: Uuid) -> Result<Vec<u8>, Problem> {
    // Shown in the page, not saved: the log records a view once, not a download each time.
    let path = format!("/contracts/{id}/documents/{doc}?view=true");
    super::body_bytes(super::request(Method::GET, &path, None, super::Watch::Session).await?).await
}

/// The download URL of a file (the session cookie authorises it).
pub fn document_url(id: Uuid, doc: Uuid) -> String {
    format!("{BASE}/contracts/{id}/documents/{doc}")
}

/// The endpoint of a staff action that changes the contract, or `None` for the actions that
/// are links (edit, downloads) or that the API does not offer yet.
pub fn action_path(action: ContractAction) -> Option<&'static str> {
    match action {
        ContractAction::Submit => Some("submit"),
        ContractAction::Approve => Some("approve"),
        ContractAction::Reject => Some("reject"),
        ContractAction::Withdraw => Some("withdraw"),
        ContractAction::Send => Some("send"),
        ContractAction::SendBack => Some("send-back"),
        ContractAction::Cancel => Some("cancel"),
        ContractAction::Duplicate => Some("duplicate"),
        ContractAction::Remind => Some("remind"),
        ContractAction::Edit
        | ContractAction::DownloadSigned
        | ContractAction::DownloadCertificate
        | ContractAction::DownloadZip => None,
    }
}

/// `POST /contracts/{id}/{action}` with an optional comment.
pub async fn act(
    id: Uuid,
    action: ContractAction,
    comment: String,
) -> Result<ContractView, Problem> {
    let verb = action_path(action).ok_or_else(|| Problem::new(ProblemCode::MethodNotAllowed))?;
    send(
        Method::POST,
        &format!("/contracts/{id}/{verb}"),
        &CommentRequest { comment },
    )
    .await
}

pub use shared::contract::DocumentRole;

type Outcome = Result<ContractView, Problem>;

#[derive(Default)]
struct Pending {
    outcome: Option<Outcome>,
    waker: Option<Waker>,
}

/// Resolves when the XHR below finishes.
struct UploadFuture(Rc<RefCell<Pending>>);

impl Future for UploadFuture {
    type Output = Outcome;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut p = self.0.borrow_mut();
        match p.outcome.take() {
            Some(o) => Poll::Ready(o),
            None => {
                p.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn finish(state: &Rc<RefCell<Pending>>, outcome: Outcome) {
    let mut p = state.borrow_mut();
    p.outcome = Some(outcome);
    if let Some(w) = p.waker.take() {
        w.wake();
    }
}

/// `POST /contracts/{id}/documents?role=…&file_name=…` with the file as the body. Uses
/// XMLHttpRequest (fetch cannot report upload progress); `progress` gets 0.0–1.0.
pub fn upload(
    id: Uuid,
    role: DocumentRole,
    file: web_sys::File,
    progress: impl Fn(f64) + 'static,
) -> impl Future<Output = Outcome> {
    let state = Rc::new(RefCell::new(Pending::default()));
    let role = role.as_str();
    let url = format!(
        "{BASE}/contracts/{id}/documents?role={role}&file_name={}",
        encode(&file.name())
    );
    let started = (|| -> Result<(), wasm_bindgen::JsValue> {
        let xhr = web_sys::XmlHttpRequest::new()?;
        xhr.open("POST", &url)?;
        xhr.set_request_header("Accept", "application/json, application/problem+json")?;
        let content_type = if file.type_().is_empty() {
            "application/octet-stream".to_owned()
        } else {
            file.type_()
        };
        xhr.set_request_header("Content-Type", &content_type)?;
        if let Some(token) = CSRF_TOKEN.with(|t| t.borrow().clone()) {
            xhr.set_request_header("X-CSRF-Token", &token)?;
        }
        let on_progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    progress(e.loaded() / e.total());
                }
            });
        xhr.upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
        let done_state = state.clone();
        let done_xhr = xhr.clone();
        let on_done = Closure::<dyn Fn()>::new(move || {
            let status = done_xhr.status().unwrap_or(0);
            let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
            let outcome = if status == 0 {
                Err(Problem::new(ProblemCode::ServiceUnavailable))
            } else if (200..300).contains(&status) {
                serde_json::from_str(&text).map_err(|_| Problem::new(ProblemCode::Internal))
            } else {
                Err(problem_from(status, &text))
            };
            finish(&done_state, outcome);
        });
        xhr.set_onloadend(Some(on_done.as_ref().unchecked_ref()));
        on_done.forget();
        xhr.send_with_opt_blob(Some(&file))
    })();
    if started.is_err() {
        finish(&state, Err(Problem::new(ProblemCode::ServiceUnavailable)));
    }
    UploadFuture(state)
}

/// `GET /contracts.csv` with the list's filters (the session cookie authorises it).
pub fn csv_url(query: &ContractListQuery) -> String {
    let q = ContractListQuery {
        page: None,
        ..query.clone()
    };
    match query_string(&q) {
        qs if qs.is_empty() => format!("{BASE}/contracts.csv"),
        qs => format!("{BASE}/contracts.csv?{qs}"),
    }
}

/// `POST /contracts/archive`: the ZIP of several contracts, as an object URL (`blob:`) to
/// save; the caller revokes it when done.
pub async fn archive_many(ids: Vec<Uuid>) -> Result<String, Problem> {
    let json = serde_json::to_string(&shared::dto::ArchiveRequest { ids })
        .map_err(|_| Problem::new(ProblemCode::MalformedRequest))?;
    let response = super::request(
        Method::POST,
        "/contracts/archive",
        Some(json),
        super::Watch::Session,
    )
    .await?;
    super::blob_url(&super::body_bytes(response).await?, "application/zip")
}
