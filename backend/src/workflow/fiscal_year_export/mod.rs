//! The fiscal-year export (年度別一括出力, 仕様 4-(2)イ): every contract concluded in a 年度
//! (April–March, by 契約締結日 in JST), optionally of some departments, handed over as one ZIP
//! with its files, an index and a manifest sealed with the service's key, so that the handover
//! can be proven later.
//!
//! A request is a row in `record_exports` and a durable job (`records.fiscal_year_export`) in
//! one transaction; the job writes the ZIP ([`writer::write_export`], streamed, temporary file +
//! rename) under `<data_dir>/exports/<tenant>/<id>.zip` and updates the row's progress as it
//! goes. The CLI (`tachiai export fy`) runs the same writer in-process.

pub mod verify;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{ExportEncoding, ExportState, ExportView, FiscalYearExportRequest};
use shared::problem::ProblemCode;

use crate::audit::{self, Entry, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::schema::record_exports;
use crate::db::{self, AnyConnection, DbPool};
use crate::jobs::{self, Job, JobContext, JobError, JobHandler, NewJob};
use crate::seal::SealService;
use crate::storage::BlobStore;
use crate::workflow::actor::Actor;
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::views::uuid;

pub use writer::{ExportSpec, Sealer, Written, write_export};

/// The job kind.
pub const JOB_KIND: &str = "records.fiscal_year_export";
/// The earliest fiscal year accepted.
pub const FIRST_FISCAL_YEAR: i32 = 2000;
/// Claims of an export job before it is given up.
const MAX_ATTEMPTS: i32 = 3;
/// How often (at least) the job writes its progress to the row.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// The latest fiscal year accepted: next year's (a city prepares the coming 年度 in March).
pub fn last_fiscal_year(now: Millis) -> i32 {
    crate::clock::jst_day(now.0).fiscal_year() + 1
}

/// A `record_exports` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = record_exports)]
struct ExportRow {
    id: String,
    tenant_id: String,
    requested_by: String,
    fiscal_year: i32,
    department_ids: String,
    encoding: String,
    state: String,
    entries_done: i64,
    entries_total: i64,
    contracts: i64,
    size: Option<i64>,
    sha256: Option<String>,
    manifest_sha256: Option<String>,
    timestamped: bool,
    cp932_replacements: i64,
    error: Option<String>,
    file_path: Option<String>,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
}

impl ExportRow {
    fn departments(&self) -> Vec<String> {
        serde_json::from_str(&self.department_ids).unwrap_or_default()
    }

    fn encoding(&self) -> ExportEncoding {
        ExportEncoding::parse(&self.encoding).unwrap_or_default()
    }

    fn state(&self) -> ExportState {
        ExportState::parse(&self.state).unwrap_or(ExportState::Failed)
    }
}

/// The download's name, e.g. `年度別一括出力_2026年度.zip`.
pub fn file_name(fiscal_year: i32) -> String {
    format!("年度別一括出力_{fiscal_year}年度.zip")
}

fn view(r: &ExportRow) -> ExportView {
    ExportView {
        id: uuid(&r.id),
        fiscal_year: r.fiscal_year,
        department_ids: r.departments().iter().map(|d| uuid(d)).collect(),
        encoding: r.encoding(),
        state: r.state(),
        entries_done: r.entries_done,
        entries_total: r.entries_total,
        contracts: r.contracts,
        size: r.size,
        sha256: r.sha256.clone(),
        manifest_sha256: r.manifest_sha256.clone(),
        timestamped: r.timestamped,
        cp932_replacements: r.cp932_replacements,
        error: r.error.clone(),
        file_name: file_name(r.fiscal_year),
        created_at: rfc3339(r.created_at),
        finished_at: r.finished_at.map(rfc3339),
    }
}

/// Checks the year and the departments: `export_fiscal_year_out_of_range`,
/// `export_department_unknown`. Shared by the API and the CLI.
pub fn check_request(
    conn: &mut AnyConnection,
    tenant_id: &str,
    fiscal_year: i32,
    department_ids: &[String],
) -> WorkflowResult<()> {
    if !(FIRST_FISCAL_YEAR..=last_fiscal_year(Millis::now())).contains(&fiscal_year) {
        return Err(ProblemCode::ExportFiscalYearOutOfRange.into());
    }
    for id in department_ids {
        match crate::db::queries::departments::get(conn, tenant_id, id) {
            Ok(_) => {}
            Err(diesel::result::Error::NotFound) => {
                return Err(ProblemCode::ExportDepartmentUnknown.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    export_id: String,
}

/// `POST /exports/fiscal-year`: records the request and enqueues the job, audited.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn request_export(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &FiscalYearExportRequest,
) -> WorkflowResult<ExportView> {
    actor.require(conn, Permission::ExportRecords)?;
    let mut departments: Vec<String> = req.department_ids.iter().map(|d| d.to_string()).collect();
    departments.sort();
    departments.dedup();
    check_request(conn, &actor.tenant_id, req.fiscal_year, &departments)?;
    let now = Millis::now().0;
    let row = ExportRow {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        requested_by: actor.user_id.clone(),
        fiscal_year: req.fiscal_year,
        department_ids: serde_json::to_string(&departments).map_err(anyhow::Error::from)?,
        encoding: req.encoding.as_str().to_owned(),
        state: ExportState::Queued.as_str().to_owned(),
        entries_done: 0,
        entries_total: 0,
        contracts: 0,
        size: None,
        sha256: None,
        manifest_sha256: None,
        timestamped: false,
        cp932_replacements: 0,
        error: None,
        file_path: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        diesel::insert_into(record_exports::table)
            .values(&row)
            .execute(conn)?;
        jobs::enqueue(
            conn,
            NewJob::new(
                JOB_KIND,
                json!(Payload {
                    export_id: row.id.clone()
                }),
            )
            .tenant(&actor.tenant_id)
            .max_attempts(MAX_ATTEMPTS)
            .dedupe_key(&format!("{JOB_KIND}:{}", row.id)),
        )?;
        actor.audit(
            conn,
            AuditAction::RecordsExportRequested,
            Some(("record_export", &row.id)),
            json!({
                "fiscal_year": req.fiscal_year, "department_ids": departments,
                "encoding": req.encoding.as_str(),
            }),
        )
    })?;
    Ok(view(&row))
}

fn get_row(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> WorkflowResult<ExportRow> {
    record_exports::table
        .filter(
            record_exports::tenant_id
                .eq(tenant_id)
                .and(record_exports::id.eq(id)),
        )
        .select(ExportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(WorkflowError::not_found)
}

/// `GET /exports/{id}`: state and progress (another tenant's export is not found).
pub fn get_export(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<ExportView> {
    actor.require(conn, Permission::ExportRecords)?;
    Ok(view(&get_row(conn, &actor.tenant_id, id)?))
}

/// `GET /exports`: the tenant's exports, newest first (at most 50).
pub fn list_exports(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<Vec<ExportView>> {
    actor.require(conn, Permission::ExportRecords)?;
    let rows: Vec<ExportRow> = record_exports::table
        .filter(record_exports::tenant_id.eq(&actor.tenant_id))
        .order((record_exports::created_at.desc(), record_exports::id.desc()))
        .limit(50)
        .select(ExportRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(view).collect())
}

/// A finished export to send.
#[derive(Debug)]
pub struct Download {
    /// The ZIP.
    pub path: PathBuf,
    /// The name to offer.
    pub file_name: String,
    /// SHA-256 of the ZIP (hex), computed when it was written.
    pub sha256: Option<String>,
}

/// `GET /exports/{id}/download`: the finished ZIP (`export_not_ready` before), audited.
pub fn open_download(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<Download> {
    actor.require(conn, Permission::ExportRecords)?;
    let row = get_row(conn, &actor.tenant_id, id)?;
    let path = match (row.state(), &row.file_path) {
        (ExportState::Done, Some(p)) if Path::new(p).is_file() => PathBuf::from(p),
        _ => return Err(ProblemCode::ExportNotReady.into()),
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        actor.audit(
            conn,
            AuditAction::RecordsExportDownloaded,
            Some(("record_export", &row.id)),
            json!({ "fiscal_year": row.fiscal_year, "sha256": row.sha256, "size": row.size }),
        )
    })?;
    Ok(Download {
        path,
        file_name: file_name(row.fiscal_year),
        sha256: row.sha256.clone(),
    })
}

/// Runs the export jobs.
pub struct ExportHandler {
    seal: Arc<SealService>,
    blobs: BlobStore,
    dir: PathBuf,
}

impl ExportHandler {
    /// A handler writing under `data_dir/exports`.
    pub fn new(seal: Arc<SealService>, blobs: BlobStore, data_dir: &Path) -> ExportHandler {
        ExportHandler {
            seal,
            blobs,
            dir: data_dir.join("exports"),
        }
    }
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

fn update_row(
    pool: &DbPool,
    tenant_id: &str,
    id: &str,
    f: impl FnOnce(&mut AnyConnection, &ExportRow) -> QueryResult<()>,
) -> Result<(), JobError> {
    let mut conn = pool.get().map_err(retry)?;
    let row = get_row(&mut conn, tenant_id, id).map_err(retry)?;
    f(&mut conn, &row).map_err(retry)
}

impl JobHandler for ExportHandler {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: Payload = job.payload()?;
        let tenant_id = job
            .tenant_id
            .clone()
            .ok_or_else(|| JobError::Permanent("an export job needs its tenant".into()))?;
        let row = {
            let mut conn = ctx.pool.get().map_err(retry)?;
            get_row(&mut conn, &tenant_id, &payload.export_id).map_err(retry)?
        };
        // Idempotent: a second run of a finished export leaves it as it is.
        if row.state() == ExportState::Done
            && row
                .file_path
                .as_deref()
                .is_some_and(|p| Path::new(p).is_file())
        {
            return Ok(());
        }
        let result = self.write(ctx, &tenant_id, &row);
        match result {
            Ok(()) => Ok(()),
            Err(error) => {
                let gave_up = job.attempts >= job.max_attempts;
                let message = error.to_string();
                let id = row.id.clone();
                let _ = update_row(&ctx.pool, &tenant_id, &id, |conn, _| {
                    db::tenant_transaction(conn, &tenant_id, |conn| {
                        diesel::update(record_exports::table.find(&id))
                            .set((
                                record_exports::state.eq(if gave_up {
                                    ExportState::Failed.as_str()
                                } else {
                                    ExportState::Queued.as_str()
                                }),
                                record_exports::error.eq(Some(&message)),
                                record_exports::updated_at.eq(Millis::now().0),
                                record_exports::finished_at.eq(gave_up.then(|| Millis::now().0)),
                            ))
                            .execute(conn)?;
                        if gave_up {
                            audit::record(
                                conn,
                                &tenant_id,
                                &crate::workflow::sealing::system(),
                                Entry {
                                    action: AuditAction::RecordsExportFailed,
                                    target: Some(("record_export", &id)),
                                    outcome: Outcome::Failure,
                                    details: json!({ "error": message, "attempts": job.attempts }),
                                },
                                Millis::now(),
                            )?;
                        }
                        Ok(())
                    })
                });
                Err(error)
            }
        }
    }
}

impl ExportHandler {
    fn write(&self, ctx: &JobContext, tenant_id: &str, row: &ExportRow) -> Result<(), JobError> {
        let id = row.id.clone();
        update_row(&ctx.pool, tenant_id, &id, |conn, _| {
            diesel::update(record_exports::table.find(&id))
                .set((
                    record_exports::state.eq(ExportState::Running.as_str()),
                    record_exports::entries_done.eq(0),
                    record_exports::error.eq(None::<String>),
                    record_exports::updated_at.eq(Millis::now().0),
                ))
                .execute(conn)
                .map(|_| ())
        })?;
        let requested_by = {
            let mut conn = ctx.pool.get().map_err(retry)?;
            crate::db::queries::users::get(
                &mut conn,
                crate::db::ids::TenantId(tenant_id),
                crate::db::ids::UserId(&row.requested_by),
            )
            .map(|u| u.login_id)
            .unwrap_or_else(|_| row.requested_by.clone())
        };
        let spec = ExportSpec {
            tenant_id: tenant_id.to_owned(),
            fiscal_year: row.fiscal_year,
            department_ids: row.departments(),
            encoding: row.encoding(),
            requested_by,
        };
        let (active, tsa) = {
            let mut conn = ctx.pool.get().map_err(retry)?;
            let active = self.seal.active(&mut conn).map_err(retry)?;
            let tsa = self.seal.timestamper(&mut conn, &ctx.pool).map_err(retry)?;
            (active, tsa)
        };
        let sealer = Sealer {
            signer: active.signer.as_ref(),
            tsa: Some(&tsa),
        };
        let out = self.dir.join(tenant_id).join(format!("{id}.zip"));
        let pool = ctx.pool.clone();
        let mut last = std::time::Instant::now();
        let mut progress = |done: u64, total: u64| {
            if done == 0 || done == total || last.elapsed() >= PROGRESS_EVERY {
                last = std::time::Instant::now();
                // Progress is best effort: a missed update is corrected by the next one.
                if let Ok(mut conn) = pool.get() {
                    let _ = diesel::update(record_exports::table.find(&id))
                        .set((
                            record_exports::entries_done.eq(done as i64),
                            record_exports::entries_total.eq(total as i64),
                            record_exports::updated_at.eq(Millis::now().0),
                        ))
                        .execute(&mut conn);
                }
            }
        };
        let written = write_export(&ctx.pool, &self.blobs, &spec, &sealer, &out, &mut progress)
            .map_err(|e| retry(format!("{e:#}")))?;
        let mut conn = ctx.pool.get().map_err(retry)?;
        let path = out.to_string_lossy().into_owned();
        db::tenant_transaction(&mut conn, tenant_id, |conn| {
            diesel::update(record_exports::table.find(&id))
                .set((
                    record_exports::state.eq(ExportState::Done.as_str()),
                    record_exports::entries_done.eq(written.entries as i64),
                    record_exports::entries_total.eq(written.entries as i64),
                    record_exports::contracts.eq(written.contracts as i64),
                    record_exports::size.eq(Some(written.size as i64)),
                    record_exports::sha256.eq(Some(&written.sha256)),
                    record_exports::manifest_sha256.eq(Some(&written.manifest_sha256)),
                    record_exports::timestamped.eq(written.timestamped),
                    record_exports::cp932_replacements.eq(written.cp932_replacements as i64),
                    record_exports::error.eq(None::<String>),
                    record_exports::file_path.eq(Some(&path)),
                    record_exports::updated_at.eq(Millis::now().0),
                    record_exports::finished_at.eq(Some(Millis::now().0)),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                tenant_id,
                &crate::workflow::sealing::system(),
                Entry {
                    action: AuditAction::RecordsExportCompleted,
                    target: Some(("record_export", &id)),
                    outcome: Outcome::Success,
                    details: json!({
                        "fiscal_year": row.fiscal_year, "contracts": written.contracts,
                        "entries": written.entries, "size": written.size,
                        "sha256": written.sha256, "manifest_sha256": written.manifest_sha256,
                        "timestamped": written.timestamped,
                        "cp932_replacements": written.cp932_replacements,
                    }),
                },
                Millis::now(),
            )?;
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(retry)
    }
}

/// What the operator asked `tachiai export fy` for.
#[derive(Debug, Clone)]
pub struct OperatorExport<'a> {
    /// 団体コード.
    pub tenant_code: &'a str,
    /// 年度.
    pub fiscal_year: i32,
    /// Department IDs or 所属コード (empty: all).
    pub departments: &'a [String],
    /// The index encodings.
    pub encoding: ExportEncoding,
    /// Where the ZIP goes (written to a temporary name beside it, then renamed).
    pub out: &'a Path,
}

/// `tachiai export fy`: the same writer as the job, run in-process, audited in the tenant's
/// chain as the operator's (requested, then completed or failed).
pub fn run_operator_export(
    pool: &DbPool,
    store: &BlobStore,
    seal: &SealService,
    req: &OperatorExport<'_>,
    progress: &mut writer::Progress<'_>,
) -> WorkflowResult<Written> {
    let origin = crate::workflow::tenants::operator_origin("operator");
    let mut conn = pool
        .get()
        .map_err(|e| WorkflowError::Unavailable(e.to_string()))?;
    let tenant = crate::db::queries::tenants::find_by_code(&mut conn, req.tenant_code)?
        .ok_or(WorkflowError::Refused(ProblemCode::NotFound))?;
    let mut department_ids = Vec::new();
    for d in req.departments {
        use crate::db::schema::departments::dsl as dp;
        let found: Option<String> = dp::departments
            .filter(dp::tenant_id.eq(&tenant.id))
            .filter(dp::id.eq(d).or(dp::code.eq(d)))
            .select(dp::id)
            .first(&mut conn)
            .optional()?;
        department_ids.push(found.ok_or(ProblemCode::ExportDepartmentUnknown)?);
    }
    department_ids.sort();
    department_ids.dedup();
    check_request(&mut conn, &tenant.id, req.fiscal_year, &department_ids)?;
    let details = json!({
        "fiscal_year": req.fiscal_year, "department_ids": department_ids,
        "encoding": req.encoding.as_str(), "via": "cli",
    });
    let record = |conn: &mut AnyConnection, action, outcome, details| {
        db::tenant_transaction(conn, &tenant.id, |conn| {
            audit::record(
                conn,
                &tenant.id,
                &origin,
                Entry {
                    action,
                    target: None,
                    outcome,
                    details,
                },
                Millis::now(),
            )
            .map(|_| ())
        })
    };
    record(
        &mut conn,
        AuditAction::RecordsExportRequested,
        Outcome::Success,
        details,
    )?;
    let active = seal
        .active(&mut conn)
        .map_err(|e| WorkflowError::Internal(e.into()))?;
    let tsa = seal.timestamper(&mut conn, pool)?;
    drop(conn);
    let spec = ExportSpec {
        tenant_id: tenant.id.clone(),
        fiscal_year: req.fiscal_year,
        department_ids,
        encoding: req.encoding,
        requested_by: "operator".into(),
    };
    let sealer = Sealer {
        signer: active.signer.as_ref(),
        tsa: Some(&tsa),
    };
    let result = write_export(pool, store, &spec, &sealer, req.out, progress);
    let mut conn = pool
        .get()
        .map_err(|e| WorkflowError::Unavailable(e.to_string()))?;
    match result {
        Ok(w) => {
            record(
                &mut conn,
                AuditAction::RecordsExportCompleted,
                Outcome::Success,
                json!({
                    "fiscal_year": req.fiscal_year, "contracts": w.contracts,
                    "entries": w.entries, "size": w.size, "sha256": w.sha256,
                    "manifest_sha256": w.manifest_sha256, "timestamped": w.timestamped,
                    "cp932_replacements": w.cp932_replacements, "via": "cli",
                }),
            )?;
            Ok(w)
        }
        Err(e) => {
            record(
                &mut conn,
                AuditAction::RecordsExportFailed,
                Outcome::Failure,
                json!({ "fiscal_year": req.fiscal_year, "error": format!("{e:#}"), "via": "cli" }),
            )?;
            Err(WorkflowError::Internal(e))
        }
    }
}
