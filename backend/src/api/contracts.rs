//! Contracts: drafts, files, recipients, approval route and the staff actions.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use shared::contract::{ContractAction, DocumentRole};
use shared::dto::{
    ApprovalRouteRequest, ApproverOption, ArchiveRequest, CommentRequest, ContractListQuery,
    ContractRequest, ContractSummaryView, ContractView, Page, RecipientsRequest,
};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::download::{ExactFile, ascii_name, exact_file, hash_file, sha256_of_hex};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::Authenticated;
use crate::api::optional_json::OptionalJson;
use crate::startup::AppState;
use crate::workflow::contracts::file_type::FileType;
use crate::workflow::contracts::{self, Upload};
use crate::workflow::purpose::Purpose;
use crate::workflow::signing::Links;
use crate::workflow::{PageRequest, WorkflowError};

/// The contract list's query string, read with the one parser the browser app also uses (a
/// bad value is a `validation_failed` naming its key), and the page it asks for.
pub fn list_query(
    pairs: web::Query<Vec<(String, String)>>,
) -> ApiResult<(ContractListQuery, PageRequest)> {
    let (query, errors) =
        ContractListQuery::parse_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors).into());
    }
    let page = PageRequest::new(query.page, query.per_page);
    Ok((query, page))
}

/// Lists the contracts the user may see (needs `view_contracts`).
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", params(ContractListQuery),
    responses((status = 200, body = Page<ContractSummaryView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> ApiResult<web::Json<Page<ContractSummaryView>>> {
    let (query, page) = list_query(query)?;
    let view = state
        .run(move |conn| contracts::list(conn, &actor, &query, page))
        .await?;
    Ok(web::Json(view))
}

/// Creates a draft (needs `create_contracts`); the contract number is generated when empty.
#[utoipa::path(post, path = "/api/v1/contracts", tag = "contracts", request_body = ContractRequest,
    responses((status = 201, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<ContractRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| contracts::create(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One contract with its files, recipients, route, workflow facts and allowed actions.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = Uuid, Path)),
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| contracts::get(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// Edits the contract's data (a draft; in approval, editing returns it to draft).
#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = Uuid, Path)),
    request_body = ContractRequest,
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ContractRequest>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| contracts::update(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Replaces the recipients (相手方の署名者), in signing order. A `mobile_phone` adds SMS
/// verification (SMS認証) and needs a configured SMS provider (`sms_not_configured`).
#[utoipa::path(put, path = "/api/v1/contracts/{id}/recipients", tag = "contracts", params(("id" = Uuid, Path)),
    request_body = RecipientsRequest,
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn set_recipients(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<RecipientsRequest>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let sms = state.sms.is_some();
    let view = state
        .run(move |conn| contracts::set_recipients(conn, &actor, &id, &body, sms))
        .await?;
    Ok(web::Json(view))
}

/// Replaces the approval route (承認ルート).
#[utoipa::path(put, path = "/api/v1/contracts/{id}/approval-route", tag = "contracts", params(("id" = Uuid, Path)),
    request_body = ApprovalRouteRequest,
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn set_route(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ApprovalRouteRequest>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| contracts::set_route(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Query of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `main` (the contract PDF; replaces the previous one) or `attachment`.
    role: String,
    /// The file's name (UTF-8), e.g. `業務委託契約書.pdf`.
    file_name: String,
}

/// Uploads a file: the raw bytes as the body. A main PDF is checked by the sealing engine at
/// once: not a PDF, damaged, encrypted, too complex or certified-no-changes files are refused
/// with their code. An attachment must be PDF, PNG, JPEG, GIF, TIFF, Word, Excel, PowerPoint,
/// OpenDocument, text, CSV or ZIP, told by the extension of `file_name` and checked against
/// the content (`attachment_type_not_allowed`, `attachment_type_mismatch`); the request's
/// `Content-Type` is ignored.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/documents", tag = "contracts",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(description = "The file's raw bytes (any `Content-Type`: it is not looked at)",
        content = inline(crate::api::binary::Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let q = query.into_inner();
    // Only the files staff upload; the service makes the sealed PDF and the certificate.
    let role = DocumentRole::parse(&q.role)
        .filter(|r| r.is_uploaded())
        .ok_or_else(|| {
            ApiError::from(WorkflowError::field(
                "role",
                shared::validate::ValidationError::OutOfRange,
            ))
        })?;
    let limits = state.upload_limits;
    let bytes = crate::api::body::read_limited(payload, limits.file_bytes).await?;
    let upload = Upload {
        role,
        file_name: q.file_name,
        bytes,
    };
    // The PDF is read before a database connection is taken (it may take a while).
    let checked = crate::telemetry::block(move || contracts::check_upload(upload)).await?;
    let store = state.blobs.clone();
    let view = state
        .run(move |conn| contracts::upload_document(conn, &actor, &store, limits, &id, checked))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Removes a file from a draft.
#[utoipa::path(delete, path = "/api/v1/contracts/{id}/documents/{document_id}", tag = "contracts",
    params(("id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn remove_document(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<ContractView>> {
    let (id, doc) = path.into_inner();
    let view = state
        .run(move |conn| {
            contracts::remove_document(conn, &actor, &id.to_string(), &doc.to_string())
        })
        .await?;
    Ok(web::Json(view))
}

/// Query of a file download.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// `true` when the page only shows the file (a preview): the audit log records it as
    /// shown (表示) once per person and file instead of a download each time.
    #[serde(default)]
    view: bool,
}

impl DownloadQuery {
    /// What the fetch is for.
    pub fn purpose(&self) -> Purpose {
        if self.view {
            Purpose::View
        } else {
            Purpose::Download
        }
    }
}

/// Downloads a file, byte-exact (`ETag` is its SHA-256; the Japanese name in
/// `Content-Disposition` per RFC 6266 / RFC 5987).
#[utoipa::path(get, path = "/api/v1/contracts/{id}/documents/{document_id}", tag = "contracts",
    params(("id" = Uuid, Path), ("document_id" = Uuid, Path), DownloadQuery),
    responses((status = 200, content_type = "*/*", body = inline(crate::api::binary::Binary),
               description = "The file, byte-exact, as its own media type: `application/pdf` for the main, sealed and certificate PDFs, an attachment as its accepted type"),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<DownloadQuery>,
) -> ApiResult<HttpResponse> {
    let (id, doc) = path.into_inner();
    let store = state.blobs.clone();
    let purpose = query.purpose();
    let d = state
        .run(move |conn| {
            let (id, doc) = (id.to_string(), doc.to_string());
            contracts::download_document(conn, &actor, &store, &id, &doc, purpose)
        })
        .await?;
    file_response(&req, &state.blobs, d).await
}

/// A stored file as a byte-exact download ([`exact_file`]): `ETag` is its SHA-256, the
/// Japanese name is in `Content-Disposition` (RFC 6266 / RFC 5987). The file is opened (from S3:
/// fetched into a private temporary file and checked against its hash) without holding a
/// database connection; a temporary copy is unlinked at once, the open handle serving the response.
pub async fn file_response(
    req: &HttpRequest,
    store: &crate::storage::BlobStore,
    d: contracts::Download,
) -> ApiResult<HttpResponse> {
    let (store, stored) = (store.clone(), d.document.sha256.clone());
    let file = crate::telemetry::block(move || -> anyhow::Result<std::fs::File> {
        let local = store.local_file(&stored)?;
        Ok(std::fs::File::open(local.path())?)
    })
    .await?
    .map_err(|e| ApiError::from(WorkflowError::Internal(e)))?;
    // Blobs are stored under their SHA-256, computed when they were written.
    let sha256 = sha256_of_hex(&d.document.sha256).ok_or_else(|| {
        ApiError::from(WorkflowError::Internal(anyhow::anyhow!(
            "stored SHA-256 is not hex"
        )))
    })?;
    // Only the accepted types, whatever was stored; always as an attachment, never rendered
    // inline from this origin (`X-Content-Type-Options: nosniff` is on every response). Text
    // is stored as uploaded (Shift_JIS or UTF-8): no charset is claimed.
    Ok(exact_file(
        req,
        ExactFile {
            file,
            sha256,
            content_type: FileType::safe_media_type(&d.document.content_type).to_owned(),
            ascii_name: ascii_name(&d.document.file_name),
            file_name: d.document.file_name,
        },
    ))
}

/// Downloads one contract as a ZIP: originals, the sealed PDF, the completion certificate,
/// attachments, the event log (CSV, JSON), the data (JSON) and a manifest with every SHA-256.
#[utoipa::path(get, path = "/api/v1/contracts/{id}/archive", tag = "contracts", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/zip", body = inline(crate::api::binary::Binary)),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn archive_one(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let ids = vec![id.into_inner().to_string()];
    zip_response(&state, actor, &req, ids).await
}

/// Downloads several contracts as one ZIP (at most 200).
#[utoipa::path(post, path = "/api/v1/contracts/archive", tag = "contracts",
    request_body = ArchiveRequest,
    responses((status = 200, content_type = "application/zip", body = inline(crate::api::binary::Binary)),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn archive_many(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    req: HttpRequest,
    body: web::Json<ArchiveRequest>,
) -> ApiResult<HttpResponse> {
    let ids = body.ids.iter().map(Uuid::to_string).collect();
    zip_response(&state, actor, &req, ids).await
}

async fn zip_response(
    state: &web::Data<AppState>,
    actor: crate::workflow::Actor,
    req: &HttpRequest,
    ids: Vec<String>,
) -> ApiResult<HttpResponse> {
    use crate::workflow::archive;
    let reader = actor.clone();
    let contents = state
        .run(move |conn| archive::gather(conn, &reader, &ids))
        .await?;
    // Files are copied and compressed without holding a database connection.
    let store = state.blobs.clone();
    let (archive, contents) =
        crate::telemetry::block(move || archive::write(&contents, &store).map(|a| (a, contents)))
            .await?
            .map_err(ApiError::from)?;
    state
        .run(move |conn| archive::record_download(conn, &actor, &contents))
        .await?;
    let path = archive.path.clone();
    let (file, sha256) =
        crate::telemetry::block(move || -> std::io::Result<(std::fs::File, [u8; 32])> {
            let mut f = std::fs::File::open(&path)?;
            // Unlinked now; the open handle keeps the data until the response is sent.
            std::fs::remove_file(&path)?;
            // The ZIP is made per request: its digest is computed here, from the finished
            // file, before anything is sent (see docs/api-conventions.md).
            let sha256 = hash_file(&mut f)?;
            Ok((f, sha256))
        })
        .await?
        .map_err(|e| ApiError::from(WorkflowError::Internal(e.into())))?;
    Ok(exact_file(
        req,
        ExactFile {
            file,
            sha256,
            content_type: "application/zip".into(),
            ascii_name: ascii_name(&archive.file_name),
            file_name: archive.file_name,
        },
    ))
}

/// Users who may approve contracts (for choosing an approval route; needs `edit_contracts` or
/// `create_contracts`).
#[utoipa::path(get, path = "/api/v1/approvers", tag = "contracts",
    responses((status = 200, body = Vec<ApproverOption>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn approvers(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<ApproverOption>>> {
    let view = state
        .run(move |conn| contracts::approvers(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// 複製: a new draft with the same data, files, recipients and route.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/duplicate", tag = "contracts", params(("id" = Uuid, Path)),
    responses((status = 201, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn duplicate(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| contracts::duplicate(conn, &actor, &id))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

macro_rules! action_endpoint {
    ($fn:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "contracts", params(("id" = Uuid, Path)),
            request_body(content = Option<CommentRequest>, description = "An optional comment; the body may be left out", content_type = "application/json"),
            responses((status = 200, body = ContractView),
                      (status = "4XX", body = Problem, content_type = "application/problem+json")))]
        pub async fn $fn(
            state: web::Data<AppState>,
            Authenticated(actor): Authenticated,
            id: web::Path<Uuid>,
            body: OptionalJson<CommentRequest>,
        ) -> ApiResult<web::Json<ContractView>> {
            let id = id.into_inner().to_string();
            let comment = body.0.map(|b| b.comment).unwrap_or_default();
            let links = Links::new(&state.config.public_url);
            let view = state
                .run(move |conn| contracts::act(conn, &actor, &links, &id, $action, &comment))
                .await?;
            Ok(web::Json(view))
        }
    };
}

action_endpoint!(
    submit,
    "/api/v1/contracts/{id}/submit",
    ContractAction::Submit,
    "承認申請: submits the draft to its approval route."
);
action_endpoint!(
    approve,
    "/api/v1/contracts/{id}/approve",
    ContractAction::Approve,
    "承認: approves the current step (approvers of that step; not one's own contract)."
);
action_endpoint!(
    reject,
    "/api/v1/contracts/{id}/reject",
    ContractAction::Reject,
    "差し戻し: sends the contract back to draft with a comment."
);
action_endpoint!(
    withdraw,
    "/api/v1/contracts/{id}/withdraw",
    ContractAction::Withdraw,
    "Withdraws the contract from approval (back to draft)."
);
action_endpoint!(
    send,
    "/api/v1/contracts/{id}/send",
    ContractAction::Send,
    "送信: sends the contract to its recipients (after approval when the tenant requires it)."
);
action_endpoint!(
    send_back,
    "/api/v1/contracts/{id}/send-back",
    ContractAction::SendBack,
    "Recalls a sent contract for correction while nobody has agreed."
);
action_endpoint!(
    remind,
    "/api/v1/contracts/{id}/remind",
    ContractAction::Remind,
    "リマインド: mails the recipients who have not answered a fresh link."
);
action_endpoint!(
    cancel,
    "/api/v1/contracts/{id}/cancel",
    ContractAction::Cancel,
    "取消: cancels a contract that is not concluded."
);
