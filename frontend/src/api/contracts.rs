//! `/contracts`: drafts, their files, recipients and approval route, and the staff actions.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_net::http::Method;
use shared::contract::ContractAction;
use shared::dto::{
    ApprovalRouteRequest, ApproverOption, CommentRequest, ContractRequest, ContractSummaryView,
    ContractView, Page, RecipientsRequest,
};
use shared::problem::{Problem, ProblemCode};
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::{BASE, CSRF_TOKEN, delete, encode, get, problem_from, send};

/// The filters, sort and page of the contract list, as kept in the page's URL query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractQuery {
    /// Free text over 件名, 契約番号 and 相手方.
    pub q: String,
    /// 件名 contains.
    pub title: String,
    /// 契約番号 contains.
    pub contract_number: String,
    /// 相手方 contains.
    pub counterparty: String,
    /// 所属 (a UUID), or empty.
    pub department_id: String,
    /// States, comma-separated wire names.
    pub state: String,
    /// 締結日 from (YYYY-MM-DD).
    pub concluded_from: String,
    /// 締結日 to.
    pub concluded_to: String,
    /// 金額 at least (digits).
    pub amount_min: String,
    /// 金額 at most.
    pub amount_max: String,
    /// `updated` (default), `concluded`, `number`, `amount`.
    pub sort: String,
    /// 1-based page.
    pub page: u32,
    /// Only contracts the user created (`created_by_me=true`).
    pub created_by_me: bool,
    /// Only contracts returned to the user for correction (`returned_to_me=true`).
    pub returned_to_me: bool,
    /// Only contracts whose answer deadline is within this many days (digits), or empty.
    pub expires_within_days: String,
}

impl ContractQuery {
    /// The `key=value` pairs that are set, in a fixed order (page 1 and empty values left out).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("title", &self.title),
            ("contract_number", &self.contract_number),
            ("counterparty", &self.counterparty),
            ("department_id", &self.department_id),
            ("state", &self.state),
            ("concluded_from", &self.concluded_from),
            ("concluded_to", &self.concluded_to),
            ("amount_min", &self.amount_min),
            ("amount_max", &self.amount_max),
            ("sort", &self.sort),
            ("expires_within_days", &self.expires_within_days),
        ] {
            if !v.trim().is_empty() {
                out.push((k, v.trim().to_owned()));
            }
        }
        if self.created_by_me {
            out.push(("created_by_me", "true".to_owned()));
        }
        if self.returned_to_me {
            out.push(("returned_to_me", "true".to_owned()));
        }
        if self.page > 1 {
            out.push(("page", self.page.to_string()));
        }
        out
    }

    /// `a=1&b=2`, values percent-encoded.
    pub fn to_query_string(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `GET /contracts`.
pub async fn list(
    query: &ContractQuery,
    per_page: u32,
) -> Result<Page<ContractSummaryView>, Problem> {
    let mut path = format!("/contracts?per_page={per_page}");
    let qs = query.to_query_string();
    if !qs.is_empty() {
        path.push('&');
        path.push_str(&qs);
    }
    if query.page <= 1 {
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

/// `main` (the contract PDF) or `attachment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRole {
    /// 契約書 (replaces the previous one).
    Main,
    /// 添付ファイル.
    Attachment,
}

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
    let role = match role {
        DocumentRole::Main => "main",
        DocumentRole::Attachment => "attachment",
    };
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
pub fn csv_url(query: &ContractQuery) -> String {
    let mut q = query.clone();
    q.page = 1;
    match q.to_query_string() {
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
