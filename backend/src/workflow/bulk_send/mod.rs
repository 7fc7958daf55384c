//! Bulk sending from CSV (一括送信): one document template and a CSV of counterparties → one
//! contract per row.
//!
//! The whole file is checked first — encoding, header, row count, then every row exactly as a
//! contract made from the template would be — and nothing is created unless every row is valid;
//! the refusal lists every bad row as `csv[line].column`. An accepted file becomes a
//! `bulk_sends` row, one `bulk_send_rows` row per line and one `bulk_send.row` job per line
//! (dedupe key `bulk_send:{id}:{line}`), all in one transaction.
//!
//! Each job creates its row's contract (the contract and the row's `contract_id` commit
//! together, so a second run does not create another) and then acts on it as its creator
//! would: **sends** it when the template has no approval route, or **submits it for approval**
//! (承認申請) when it has one — a bulk send never skips the route; after approval staff send as
//! usual. A tenant that requires approval refuses bulk sends from a template without a route.
//! A row that cannot be created or sent is marked failed with its reason; the others go on.

pub mod csv;

use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{ContractAction, ContractState};
use shared::dto::{BulkSendFailureView, BulkSendState, BulkSendView, TemplateContractRequest};
use shared::problem::{FieldError, ProblemCode};
use shared::validate::ValidationError;
use uuid::Uuid;

use crate::audit::{self, Entry, Origin, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::ids::{TenantId, UserId};
use crate::db::models::{BulkSend, BulkSendRow};
use crate::db::queries::{bulk_sends, templates as template_rows, tenants, users};
use crate::db::{self, AnyConnection};
use crate::jobs::{self, Job, JobContext, JobError, JobHandler, NewJob};
use crate::workflow::actor::{Actor, Credential};
use crate::workflow::contracts;
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::signing::Links;
use crate::workflow::templates::{self, Usable};
use crate::workflow::views::uuid;

/// The job kind: one row of a bulk send.
pub const JOB_KIND: &str = "bulk_send.row";
/// The failed rows a view lists.
const FAILURES_SHOWN: i64 = 200;

/// Where a row is. Stored as TEXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Waiting for its job.
    Pending,
    /// Its contract exists (a draft); not yet sent or submitted.
    Created,
    /// Sent to the counterparties.
    Sent,
    /// Submitted for approval (the template has a route).
    Submitted,
    /// Could not be created or sent; the reason is kept.
    Failed,
}

impl RowState {
    const ALL: [RowState; 5] = [
        RowState::Pending,
        RowState::Created,
        RowState::Sent,
        RowState::Submitted,
        RowState::Failed,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Created => "created",
            RowState::Sent => "sent",
            RowState::Submitted => "submitted",
            RowState::Failed => "failed",
        }
    }

    /// Parses the stored text; unknown text is `None`, never a default.
    pub fn parse(s: &str) -> Option<RowState> {
        RowState::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a CSV was refused: the problem code and, for each line or column, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRefusal {
    /// `csv_encoding_invalid`, `csv_column_missing`, `csv_row_count` or `csv_rows_invalid`.
    pub code: ProblemCode,
    /// `csv[line]` (encoding), `columns.<name>` (missing column) or `csv[line].<column>`.
    pub errors: Vec<FieldError>,
}

fn refusal_of(e: csv::FileError) -> CsvRefusal {
    match e {
        csv::FileError::Encoding { line } => CsvRefusal {
            code: ProblemCode::CsvEncodingInvalid,
            errors: vec![FieldError {
                field: format!("csv[{line}]"),
                code: ValidationError::InvalidCharacters,
            }],
        },
        csv::FileError::MissingColumns(names) => CsvRefusal {
            code: ProblemCode::CsvColumnMissing,
            errors: names
                .into_iter()
                .map(|n| FieldError {
                    field: format!("columns.{n}"),
                    code: ValidationError::Required,
                })
                .collect(),
        },
        csv::FileError::RowCount(_) => CsvRefusal {
            code: ProblemCode::CsvRowCount,
            errors: vec![FieldError {
                field: "csv".into(),
                code: ValidationError::OutOfRange,
            }],
        },
    }
}

/// Checks that the template can be bulk sent: a main PDF, a first slot the CSV fills, every
/// further slot complete in the template, and a route when the tenant requires approval.
fn check_template(conn: &mut AnyConnection, actor: &Actor, t: &Usable) -> WorkflowResult<()> {
    if !t.has_main_document() {
        return Err(ProblemCode::TemplateDocumentMissing.into());
    }
    let complete = |s: &shared::dto::RecipientSlot| {
        [&s.name, &s.email]
            .iter()
            .all(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    };
    if t.slots.is_empty() || !t.slots.iter().skip(1).all(complete) {
        return Err(ProblemCode::TemplateNotReadyForBulk.into());
    }
    if t.steps.is_empty() && tenants::get(conn, &actor.tenant_id)?.approval_required {
        return Err(ProblemCode::ApprovalRequired.into());
    }
    Ok(())
}

/// Every error of every row, under `csv[line].<column>` (the column's Japanese name), each
/// (line, column, reason) once.
fn check_rows(
    conn: &mut AnyConnection,
    actor: &Actor,
    t: &Usable,
    rows: &[csv::Row],
) -> WorkflowResult<Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    for row in rows {
        let mut found: Vec<(String, ValidationError)> = row
            .errors
            .iter()
            .map(|(c, e)| (c.name().to_owned(), *e))
            .collect();
        let fields =
            templates::field_errors(templates::prepare(conn, actor, t, &row.values).map(|_| ()))?;
        for f in fields {
            let column = csv::Column::of_field(&f.field)
                .map(|c| c.name().to_owned())
                .unwrap_or(f.field);
            // A cell that could not be read is reported once, not again as "required".
            if !found.iter().any(|(c, _)| c == &column) {
                found.push((column, f.code));
            }
        }
        errors.extend(found.into_iter().map(|(column, code)| FieldError {
            field: format!("csv[{}].{column}", row.line),
            code,
        }));
    }
    Ok(errors)
}

/// Audits a refused CSV (outcome failure) and answers the refusal.
fn refuse(
    conn: &mut AnyConnection,
    actor: &Actor,
    template_id: &str,
    file_name: &str,
    refusal: CsvRefusal,
) -> WorkflowResult<Result<BulkSendView, CsvRefusal>> {
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        audit::record(
            conn,
            &actor.tenant_id,
            &actor.origin,
            Entry {
                action: AuditAction::BulkSendRefused,
                target: Some(("template", template_id)),
                outcome: Outcome::Failure,
                details: json!({
                    "file_name": file_name,
                    "code": refusal.code.as_str(),
                    "errors": refusal.errors.len(),
                    "first": refusal.errors.iter().take(20).map(|e| &e.field).collect::<Vec<_>>(),
                }),
            },
            Millis::now(),
        )
        .map(|_| ())
    })?;
    Ok(Err(refusal))
}

/// `POST /bulk-sends`: checks the whole CSV against the template and, when every row is valid,
/// records it and enqueues one job per row. A refused file (`Ok(Err(_))`) creates nothing.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_bulk_send(
    conn: &mut AnyConnection,
    actor: &Actor,
    template_id: &str,
    file_name: &str,
    bytes: &[u8],
) -> WorkflowResult<Result<BulkSendView, CsvRefusal>> {
    actor.require(conn, Permission::SendContracts)?;
    let file_name = shared::validate::Name::parse(file_name)
        .map(|n| n.into_inner())
        .unwrap_or_else(|_| "bulk.csv".into());
    let t = templates::usable(conn, actor, template_id)?;
    check_template(conn, actor, &t)?;
    let rows = match csv::parse(bytes) {
        Ok(rows) => rows,
        Err(e) => return refuse(conn, actor, template_id, &file_name, refusal_of(e)),
    };
    let errors = check_rows(conn, actor, &t, &rows)?;
    if !errors.is_empty() {
        let refusal = CsvRefusal {
            code: ProblemCode::CsvRowsInvalid,
            errors,
        };
        return refuse(conn, actor, template_id, &file_name, refusal);
    }
    let now = Millis::now().0;
    let bulk = BulkSend {
        id: Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        template_id: t.row.id.clone(),
        file_name,
        total: rows.len() as i64,
        created_by: actor.user_id.clone(),
        created_at: now,
    };
    let mut stored = Vec::with_capacity(rows.len());
    for r in &rows {
        stored.push(BulkSendRow {
            bulk_send_id: bulk.id.clone(),
            line: i32::try_from(r.line).unwrap_or(i32::MAX),
            tenant_id: actor.tenant_id.clone(),
            input: serde_json::to_string(&r.values).map_err(anyhow::Error::new)?,
            state: RowState::Pending.as_str().into(),
            contract_id: None,
            error_code: None,
            error_ja: None,
            error_en: None,
            updated_at: now,
        });
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        bulk_sends::insert(conn, &bulk, &stored)?;
        for r in &stored {
            let key = format!("bulk_send:{}:{}", bulk.id, r.line);
            jobs::enqueue(
                conn,
                NewJob::new(
                    JOB_KIND,
                    serde_json::to_value(RowPayload {
                        bulk_send_id: bulk.id.clone(),
                        line: r.line,
                    })
                    .map_err(anyhow::Error::new)?,
                )
                .tenant(&actor.tenant_id)
                .dedupe_key(&key),
            )?;
        }
        actor.audit(
            conn,
            AuditAction::BulkSendCreated,
            Some(("bulk_send", &bulk.id)),
            json!({ "template_id": t.row.id, "template": t.row.name, "file_name": bulk.file_name, "rows": bulk.total, "route": !t.steps.is_empty() }),
        )
    })?;
    view(conn, &bulk).map(Ok)
}

fn view(conn: &mut AnyConnection, b: &BulkSend) -> WorkflowResult<BulkSendView> {
    let counts = bulk_sends::counts(conn, &b.tenant_id, &b.id)?;
    let of = |s: RowState| {
        counts
            .iter()
            .filter(|(k, _)| k == s.as_str())
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let (sent, submitted, failed) = (
        of(RowState::Sent),
        of(RowState::Submitted),
        of(RowState::Failed),
    );
    let failures = bulk_sends::rows_in_state(
        conn,
        &b.tenant_id,
        &b.id,
        RowState::Failed.as_str(),
        FAILURES_SHOWN,
    )?
    .into_iter()
    .map(|r| BulkSendFailureView {
        line: r.line,
        code: r
            .error_code
            .as_deref()
            .and_then(|c| ProblemCode::ALL.iter().copied().find(|p| p.as_str() == c))
            .unwrap_or(ProblemCode::Internal),
        message_ja: r.error_ja.unwrap_or_default(),
        message_en: r.error_en.unwrap_or_default(),
    })
    .collect();
    let template_name = template_rows::get(conn, &b.tenant_id, &b.template_id)
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(BulkSendView {
        id: uuid(&b.id),
        template_id: uuid(&b.template_id),
        template_name,
        file_name: b.file_name.clone(),
        state: if sent + submitted + failed >= b.total {
            BulkSendState::Done
        } else {
            BulkSendState::Running
        },
        total: b.total,
        created: of(RowState::Created) + sent + submitted,
        sent,
        submitted,
        failed,
        failures,
        created_at: rfc3339(b.created_at),
    })
}

/// Whether `actor` sees the bulk send: its creator, or anyone who sees every department.
fn visible(actor: &Actor, b: &BulkSend) -> bool {
    b.created_by == actor.user_id || actor.permissions.contains(&Permission::ViewAllDepartments)
}

/// `GET /bulk-sends/{id}`: the progress.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn get_bulk_send(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<BulkSendView> {
    actor.require(conn, Permission::ViewContracts)?;
    let b = bulk_sends::get(conn, &actor.tenant_id, id)?;
    if !visible(actor, &b) {
        return Err(WorkflowError::not_found());
    }
    view(conn, &b)
}

/// `GET /bulk-sends`: the newest 50 (one's own; every one with `ViewAllDepartments`).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_bulk_sends(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<Vec<BulkSendView>> {
    actor.require(conn, Permission::ViewContracts)?;
    let mine = (!actor.permissions.contains(&Permission::ViewAllDepartments))
        .then_some(actor.user_id.as_str());
    bulk_sends::list(conn, &actor.tenant_id, mine, 50)?
        .iter()
        .map(|b| view(conn, b))
        .collect()
}

/// The payload of a [`JOB_KIND`] job.
#[derive(Debug, Serialize, Deserialize)]
struct RowPayload {
    bulk_send_id: String,
    line: i32,
}

/// Runs the [`JOB_KIND`] jobs: creates a row's contract and sends or submits it.
pub struct BulkSendHandler {
    links: Links,
}

impl BulkSendHandler {
    /// A handler whose mails link to `links`.
    pub fn new(links: Links) -> Self {
        BulkSendHandler { links }
    }
}

/// What ended a row's run.
enum RowEnd {
    /// The row is finished (sent, submitted, or failed for good).
    Done,
    /// Might work later.
    Retry(String),
}

impl BulkSendHandler {
    /// The bulk send's creator, acting as at a session (their permissions as of now).
    fn creator(conn: &mut AnyConnection, b: &BulkSend) -> WorkflowResult<Actor> {
        let user = users::get(conn, TenantId(&b.tenant_id), UserId(&b.created_by))?;
        if user.disabled {
            return Err(ProblemCode::Forbidden.into());
        }
        let origin = Origin {
            actor_id: None,
            actor_label: String::new(),
            ip: None,
            user_agent: Some(format!("bulk send {}", b.id)),
        };
        Ok(Actor::new(
            &user,
            false,
            String::new(),
            Credential::Session,
            origin,
        ))
    }

    /// Creates (once) and sends or submits (once) the row's contract.
    fn work(
        &self,
        conn: &mut AnyConnection,
        b: &BulkSend,
        row: &mut BulkSendRow,
    ) -> WorkflowResult<()> {
        let actor = Self::creator(conn, b)?;
        let t = templates::usable(conn, &actor, &b.template_id)?;
        let contract_id = match &row.contract_id {
            Some(id) => id.clone(),
            None => {
                let values: TemplateContractRequest =
                    serde_json::from_str(&row.input).map_err(anyhow::Error::new)?;
                let prepared = templates::prepare(conn, &actor, &t, &values)?;
                db::tenant_transaction(conn, &actor.tenant_id, |conn| {
                    let c = templates::insert_prepared(
                        conn,
                        &actor,
                        &t,
                        &prepared,
                        json!({ "bulk_send_id": b.id, "line": row.line }),
                    )?;
                    row.contract_id = Some(c.id.clone());
                    row.state = RowState::Created.as_str().into();
                    row.updated_at = Millis::now().0;
                    bulk_sends::update_row(conn, row)?;
                    Ok::<_, WorkflowError>(c.id)
                })?
            }
        };
        let current = contracts::get(conn, &actor, &contract_id)?;
        let (action, done) = if t.steps.is_empty() {
            (ContractAction::Send, RowState::Sent)
        } else {
            (ContractAction::Submit, RowState::Submitted)
        };
        // A run after a crash finds the contract already past its draft.
        if current.state == ContractState::Draft {
            contracts::act(conn, &actor, &self.links, &contract_id, action, "")?;
        }
        row.state = done.as_str().into();
        row.updated_at = Millis::now().0;
        bulk_sends::update_row(conn, row)?;
        Ok(())
    }

    /// Marks the row failed with `error`'s reason and audits it.
    fn fail(
        conn: &mut AnyConnection,
        row: &mut BulkSendRow,
        error: &WorkflowError,
    ) -> WorkflowResult<()> {
        let code = error.code();
        let (ja, en) = match error {
            WorkflowError::Invalid(fields) => (
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.code.message_ja()))
                    .collect::<Vec<_>>()
                    .join(" "),
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.code.message_en()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => (code.message_ja().to_owned(), code.message_en().to_owned()),
        };
        row.state = RowState::Failed.as_str().into();
        row.error_code = Some(code.as_str().into());
        row.error_ja = Some(ja);
        row.error_en = Some(en.clone());
        row.updated_at = Millis::now().0;
        let tenant_id = row.tenant_id.clone();
        db::tenant_transaction(conn, &tenant_id, |conn| {
            bulk_sends::update_row(conn, row)?;
            audit::record(
                conn,
                &tenant_id,
                &crate::workflow::sealing::system(),
                Entry {
                    action: AuditAction::BulkSendRowFailed,
                    target: Some(("bulk_send", &row.bulk_send_id)),
                    outcome: Outcome::Failure,
                    details: json!({ "line": row.line, "code": code.as_str(), "reason": en, "contract_id": row.contract_id }),
                },
                Millis::now(),
            )
            .map(|_| ())
            .map_err(WorkflowError::from)
        })
    }

    fn run_row(
        &self,
        conn: &mut AnyConnection,
        job: &Job,
        tenant_id: &str,
    ) -> Result<RowEnd, JobError> {
        let p: RowPayload = job.payload()?;
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let b = bulk_sends::get(conn, tenant_id, &p.bulk_send_id).map_err(|e| retry(&e))?;
        let mut row =
            bulk_sends::get_row(conn, tenant_id, &p.bulk_send_id, p.line).map_err(|e| retry(&e))?;
        match RowState::parse(&row.state) {
            Some(RowState::Pending | RowState::Created) => {}
            Some(RowState::Sent | RowState::Submitted | RowState::Failed) => {
                return Ok(RowEnd::Done);
            }
            None => {
                return Err(JobError::Permanent(format!(
                    "unknown row state {}",
                    row.state
                )));
            }
        }
        match self.work(conn, &b, &mut row) {
            Ok(()) => Ok(RowEnd::Done),
            Err(e @ (WorkflowError::Internal(_) | WorkflowError::Unavailable(_)))
                if job.attempts < job.max_attempts =>
            {
                Ok(RowEnd::Retry(e.to_string()))
            }
            Err(e) => {
                Self::fail(conn, &mut row, &e).map_err(|e| retry(&e))?;
                Ok(RowEnd::Done)
            }
        }
    }
}

impl JobHandler for BulkSendHandler {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let tenant_id = job
            .tenant_id
            .clone()
            .ok_or_else(|| JobError::Permanent("a bulk send job needs its tenant".into()))?;
        let mut conn = ctx.pool.get().map_err(|e| JobError::Retry(e.to_string()))?;
        match self.run_row(&mut conn, job, &tenant_id)? {
            RowEnd::Done => Ok(()),
            RowEnd::Retry(m) => Err(JobError::Retry(m)),
        }
    }
}
