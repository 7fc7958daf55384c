//! A contract's files: uploads (checked before a connection is taken), removal, download.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{ContractEvent, ContractState, DocumentRole};
use shared::dto::ContractView;
use shared::problem::ProblemCode;
use shared::validate::Name;

use super::view::get;
use super::{file_type, load, transition};
use crate::audit::{self, Entry, Outcome};
use crate::clock::Millis;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::Document;
use crate::db::queries::documents;
use crate::db::{self, AnyConnection};
use crate::storage::{BlobStore, StorageError};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult};
use crate::workflow::purpose::Purpose;

/// Upload limits (configurable; defaults 50 MB a file, 100 MB a contract).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest single file.
    pub file_bytes: u64,
    /// Largest total of a contract's current files.
    pub contract_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            file_bytes: 50 * 1024 * 1024,
            contract_bytes: 100 * 1024 * 1024,
        }
    }
}

/// An upload, already read (the handler enforces the size limit while reading).
pub struct Upload {
    /// Main PDF or attachment (the handler refuses the roles the service makes).
    pub role: DocumentRole,
    /// The name the user's file had (its extension says which type an attachment must be;
    /// the declared `Content-Type` is not trusted).
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// An upload whose content has been looked at: the main PDF read by the sealing engine, an
/// attachment's type told from its bytes. Made by [`check_upload`] before a database
/// connection is taken, since reading a PDF can take a while.
pub struct CheckedUpload {
    upload: Upload,
    /// The accepted type and (main PDF) page count, or why the content was refused.
    outcome: Result<(file_type::FileType, Option<i32>), Refusal>,
}

/// Why an upload's content was refused.
enum Refusal {
    /// The sealing engine cannot read the main PDF.
    Pdf(pades::PadesError),
    /// An attachment's type is not accepted or does not match its content.
    Type(file_type::FileTypeError),
}

impl Refusal {
    /// The problem code, the machine-readable reason and the detail for the audit event.
    fn describe(&self) -> (ProblemCode, &'static str, String) {
        match self {
            Refusal::Pdf(err) => (
                crate::seal::problem_of_refused_pdf(err),
                err.code(),
                err.to_string(),
            ),
            Refusal::Type(t) => {
                let code = ProblemCode::from(*t);
                (code, code.as_str(), code.message_en().to_owned())
            }
        }
    }
}

/// Why an upload was refused: the problem code, the machine-readable reason and the detail
/// for the audit event.
pub(crate) type UploadRefusal = (ProblemCode, &'static str, String);

impl CheckedUpload {
    /// The upload and its accepted type and page count, or why it was refused (for files that
    /// belong to something other than a contract: a template's).
    pub(crate) fn into_parts(
        self,
    ) -> (
        Upload,
        Result<(file_type::FileType, Option<i32>), UploadRefusal>,
    ) {
        (self.upload, self.outcome.map_err(|r| r.describe()))
    }
}

/// Looks at an upload's content (CPU only, no database): see [`CheckedUpload`].
pub fn check_upload(upload: Upload) -> CheckedUpload {
    let outcome = if upload.role == DocumentRole::Main {
        pades::inspect(&upload.bytes)
            .map(|info| {
                let pages = i32::try_from(info.page_count).unwrap_or(i32::MAX);
                (file_type::FileType::Pdf, Some(pages))
            })
            .map_err(Refusal::Pdf)
    } else {
        file_type::FileType::detect(&upload.file_name, &upload.bytes)
            .map(|t| (t, None))
            .map_err(Refusal::Type)
    };
    CheckedUpload { upload, outcome }
}

/// `POST /contracts/{id}/documents`: a main PDF (checked by the sealing engine's reader, so
/// that a file that cannot be sealed is refused at once, with its reason) or an attachment of
/// one of the accepted types.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn upload_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &BlobStore,
    limits: UploadLimits,
    id: &str,
    checked: CheckedUpload,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::EditContracts)?;
    let CheckedUpload { upload, outcome } = checked;
    let mut e = FieldErrors::default();
    let file_name = e
        .check("file_name", Name::parse(&upload.file_name))
        .map(Name::into_inner)
        .unwrap_or_default();
    e.finish()?;
    if upload.bytes.len() as u64 > limits.file_bytes {
        return Err(ProblemCode::PayloadTooLarge.into());
    }
    let (kind, page_count) = match outcome {
        Ok(accepted) => accepted,
        Err(refusal) => {
            let (code, reason, detail) = refusal.describe();
            db::tenant_transaction(conn, &actor.tenant_id, |conn| {
                load(conn, actor, id)?;
                audit::record(
                conn,
                &actor.tenant_id,
                &actor.origin,
                Entry {
                    action: AuditAction::DocumentRejected,
                    target: Some(("contract", id)),
                    outcome: Outcome::Failure,
                    details: json!({ "file_name": file_name, "role": upload.role.as_str(), "reason": reason, "detail": detail }),
                },
                Millis::now(),
            )
            .map(|_| ())
            .map_err(WorkflowError::from)
            })?;
            return Err(code.into());
        }
    };
    let stored = store.put(&upload.bytes).map_err(storage_error)?;
    let content_type = kind.media_type().to_owned();
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, l, _| {
            let now = Millis::now().0;
            let replaced: Vec<String> = if upload.role == DocumentRole::Main {
                l.documents
                    .iter()
                    .filter(|d| d.role == DocumentRole::Main)
                    .map(|d| d.id.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let kept: u64 = l
                .documents
                .iter()
                .filter(|d| !replaced.contains(&d.id))
                .map(|d| d.size.max(0) as u64)
                .sum();
            if kept + stored.size > limits.contract_bytes {
                return Err(ProblemCode::ContractTooLarge.into());
            }
            for r in &replaced {
                documents::mark_removed(conn, TenantId(&actor.tenant_id), r, now)?;
            }
            let doc = Document {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: actor.tenant_id.clone(),
                contract_id: id.to_owned(),
                role: upload.role,
                file_name: file_name.clone(),
                content_type: content_type.clone(),
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256.clone(),
                page_count,
                created_by: Some(actor.user_id.clone()),
                created_at: now,
                removed_at: None,
            };
            documents::insert(conn, &doc)?;
            actor.audit(
            conn,
            AuditAction::DocumentUploaded,
            Some(("contract", id)),
            json!({ "document_id": doc.id, "role": doc.role, "file_name": doc.file_name, "sha256": doc.sha256, "size": doc.size, "pages": doc.page_count, "replaced": replaced }),
        )
        },
    )?;
    get(conn, actor, id)
}

pub(crate) fn storage_error(e: StorageError) -> WorkflowError {
    match e {
        StorageError::TooLarge { .. } => ProblemCode::PayloadTooLarge.into(),
        other => WorkflowError::Internal(anyhow::Error::new(other)),
    }
}

/// `DELETE /contracts/{id}/documents/{doc}`: remove a file from a draft.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn remove_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    document_id: &str,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::EditContracts)?;
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, _, _| {
            let doc = documents::get(
                conn,
                TenantId(&actor.tenant_id),
                ContractId(id),
                document_id,
            )?;
            if !doc.role.is_uploaded() {
                return Err(ProblemCode::ContractStateConflict.into());
            }
            documents::mark_removed(
                conn,
                TenantId(&actor.tenant_id),
                document_id,
                Millis::now().0,
            )?;
            actor.audit(
                conn,
                AuditAction::DocumentRemoved,
                Some(("contract", id)),
                json!({ "document_id": doc.id, "file_name": doc.file_name, "sha256": doc.sha256 }),
            )
        },
    )?;
    get(conn, actor, id)
}

/// A file to send: its row and where its bytes are.
pub struct Download {
    /// The row (name, type, hash).
    pub document: Document,
}

/// `GET /contracts/{id}/documents/{doc}`: byte-exact, audited. `purpose` says whether the file
/// is saved or only shown in the page (see [`Purpose`]).
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn download_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &BlobStore,
    id: &str,
    document_id: &str,
    purpose: Purpose,
) -> WorkflowResult<Download> {
    actor.require(conn, Permission::DownloadDocuments)?;
    // 廃棄済み: the file is gone (410), not merely missing.
    if load(conn, actor, id)?.contract.state == ContractState::Disposed {
        return Err(ProblemCode::ContractDisposed.into());
    }
    let document = documents::get(
        conn,
        TenantId(&actor.tenant_id),
        ContractId(id),
        document_id,
    )?;
    if !store.exists(&document.sha256).map_err(storage_error)? {
        return Err(storage_error(StorageError::NotFound(document.sha256)));
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let Some(action) = purpose.action(
            conn,
            (
                &actor.tenant_id,
                id,
                &actor.origin.actor_label,
                &document.id,
            ),
            AuditAction::DocumentDownloaded,
            AuditAction::DocumentViewed,
        )?
        else {
            return Ok(());
        };
        actor.audit(
            conn,
            action,
            Some(("contract", id)),
            json!({ "document_id": document.id, "file_name": document.file_name, "sha256": document.sha256 }),
        )
    })?;
    Ok(Download { document })
}
