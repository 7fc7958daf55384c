//! 月次利用状況報告 (monthly usage report, 仕様 4-(2)エ): per JST calendar month and department
//! (所属), the contracts created, sent, concluded, declined, expired and cancelled, the recipients
//! addressed, the staff who used the service, the storage kept, and the seals and timestamps
//! made.
//!
//! - **On request** ([`monthly_report`]): JSON for the page, CSV for Excel, a PDF for the file;
//!   needs `view_reports`, audited as `report.viewed`.
//! - **Monthly** ([`schedule_due`], run by the server's housekeeping): on the 1st (JST) one
//!   `report.monthly` job per tenant for the month before, deduplicated by tenant and month so
//!   that several server processes enqueue it once. The job ([`MonthlyReportHandler`]) stores the
//!   figures, audits `report.generated` and mails the administrators a link, all in one
//!   transaction; a second run finds the stored month and does nothing.
//!
//! A stored month is what later downloads of that month show, so the mailed link gives the
//! mailed figures. Past months computed on request are the same anyway: events are counted by
//! the time the operation log recorded them, and storage at the month's end.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{MonthlyReportRowView, MonthlyReportView};
use shared::problem::ProblemCode;
use shared::report::{MonthError, NO_DEPARTMENT_JA, ReportColumn, ReportMonth, TOTAL_JA};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::models::Tenant;
use crate::db::queries::reports::{self as query, Window};
use crate::db::queries::{departments, tenants};
use crate::db::{self, AnyConnection};
use crate::jobs::{self, Job, JobContext, JobError, JobHandler, NewJob};
use crate::mail::{self, MailTemplate};
use crate::workflow::actor::Actor;
use crate::workflow::contracts::export::write_record;
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::signing::Links;
use crate::workflow::views::uuid;

/// The job kind that stores and mails one tenant's month.
pub const JOB_KIND: &str = "report.monthly";

/// The month `now` falls in, in JST.
pub fn current_month(now: Millis) -> ReportMonth {
    let t = crate::clock::jst(now.0);
    ReportMonth::new(t.year(), u8::from(t.month()))
        .unwrap_or_else(|| ReportMonth::new(ReportMonth::FIRST_YEAR, 1).expect("a valid month"))
}

/// The month's window: from 00:00 JST on its 1st to 00:00 JST on the next month's 1st.
pub fn window(month: ReportMonth) -> Window {
    let start = |m: ReportMonth| crate::clock::jst_day_start(&format!("{m}-01")).unwrap_or(0);
    Window {
        from: start(month),
        until: start(month.next()),
    }
}

/// How the report is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The DTO, for the page.
    Json,
    /// UTF-8 with BOM, CRLF, Japanese headers, for Excel.
    Csv,
    /// The Japanese PDF with the table and the bar chart.
    Pdf,
}

impl ReportFormat {
    /// `json` (also when absent), `csv` or `pdf`.
    pub fn parse(s: Option<&str>) -> Option<ReportFormat> {
        match s {
            None | Some("json") => Some(ReportFormat::Json),
            Some("csv") => Some(ReportFormat::Csv),
            Some("pdf") => Some(ReportFormat::Pdf),
            Some(_) => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Pdf => "pdf",
        }
    }
}

/// What [`monthly_report`] answers.
#[derive(Debug)]
pub enum ReportOutput {
    /// The figures.
    Json(Box<MonthlyReportView>),
    /// A file to download.
    File {
        /// Its bytes.
        bytes: Vec<u8>,
        /// `月次利用状況報告_2026-11.csv`.
        file_name: String,
        /// `text/csv; charset=utf-8` or `application/pdf`.
        content_type: &'static str,
    },
}

/// `GET /reports/monthly/{month}?format=`: the stored figures of a month the job reported, else
/// computed now; needs `view_reports`, audited as `report.viewed`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn monthly_report(
    conn: &mut AnyConnection,
    actor: &Actor,
    month: &str,
    format: Option<&str>,
    now: Millis,
) -> WorkflowResult<ReportOutput> {
    actor.require(conn, Permission::ViewReports)?;
    let (month, format) = parse_request(month, format, now)?;
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let view = figures(conn, &tenant, month, now)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        actor.audit(conn, AuditAction::ReportViewed, None, viewed(&view, format))
    })?;
    output(view, month, format)
}

/// `tachiai report monthly`: the operator's copy of a tenant's month, audited as
/// `report.viewed` under `origin`.
pub fn operator_report(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    origin: &Origin,
    month: &str,
    format: Option<&str>,
    now: Millis,
) -> WorkflowResult<ReportOutput> {
    let (month, format) = parse_request(month, format, now)?;
    let view = figures(conn, tenant, month, now)?;
    db::tenant_transaction(conn, &tenant.id, |conn| {
        let entry = Entry {
            action: AuditAction::ReportViewed,
            target: None,
            outcome: Outcome::Success,
            details: viewed(&view, format),
        };
        audit::record(conn, &tenant.id, origin, entry, Millis::now()).map(|_| ())
    })?;
    output(view, month, format)
}

fn parse_request(
    month: &str,
    format: Option<&str>,
    now: Millis,
) -> Result<(ReportMonth, ReportFormat), ProblemCode> {
    let format = ReportFormat::parse(format).ok_or(ProblemCode::ReportFormatInvalid)?;
    Ok((parse_month(month, now)?, format))
}

/// The details of `report.viewed`.
fn viewed(view: &MonthlyReportView, format: ReportFormat) -> serde_json::Value {
    json!({ "month": view.month, "format": format.as_str(), "stored": view.stored })
}

fn output(
    view: MonthlyReportView,
    month: ReportMonth,
    format: ReportFormat,
) -> WorkflowResult<ReportOutput> {
    let file_name = |ext: &str| format!("月次利用状況報告_{month}.{ext}");
    Ok(match format {
        ReportFormat::Json => ReportOutput::Json(Box::new(view)),
        ReportFormat::Csv => ReportOutput::File {
            bytes: csv(&view),
            file_name: file_name("csv"),
            content_type: "text/csv; charset=utf-8",
        },
        ReportFormat::Pdf => ReportOutput::File {
            bytes: pdf(&view)?,
            file_name: file_name("pdf"),
            content_type: "application/pdf",
        },
    })
}

/// A `YYYY-MM` that is this month (JST) or earlier.
pub fn parse_month(month: &str, now: Millis) -> Result<ReportMonth, ProblemCode> {
    ReportMonth::parse_until(month, current_month(now)).map_err(|e| match e {
        MonthError::Malformed => ProblemCode::ReportMonthInvalid,
        MonthError::InFuture => ProblemCode::ReportMonthInFuture,
    })
}

/// The stored figures of `month`, else those computed as of `now`.
fn figures(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    month: ReportMonth,
    now: Millis,
) -> WorkflowResult<MonthlyReportView> {
    if let Some((stored, _)) = query::stored(conn, &tenant.id, &month.to_string())? {
        let mut view: MonthlyReportView = serde_json::from_str(&stored)
            .map_err(|e| WorkflowError::Internal(anyhow::Error::new(e).context("stored report")))?;
        view.stored = true;
        return Ok(view);
    }
    Ok(compute(conn, tenant, month, now)?)
}

/// The audit actions counted as contracts, by column.
const COUNTED: [(ReportColumn, AuditAction); 6] = [
    (ReportColumn::Created, AuditAction::ContractCreated),
    (ReportColumn::Sent, AuditAction::ContractSent),
    (ReportColumn::Concluded, AuditAction::ContractConcluded),
    (ReportColumn::Declined, AuditAction::RecipientDeclined),
    (ReportColumn::Expired, AuditAction::ContractExpired),
    (ReportColumn::Cancelled, AuditAction::ContractCancelled),
];

/// Document timestamps added at each conclusion: the sealed contract's and the certificate's
/// (both B-LTA).
const TIMESTAMPS_PER_CONCLUSION: i64 = 2;

fn empty_row(department_id: Option<&str>, department: String) -> MonthlyReportRowView {
    MonthlyReportRowView {
        department_id: department_id.map(uuid),
        department,
        created: 0,
        sent: 0,
        concluded: 0,
        declined: 0,
        expired: 0,
        cancelled: 0,
        recipients: 0,
        active_users: 0,
        storage_bytes: 0,
        seals: 0,
        timestamps: 0,
    }
}

/// The rows being counted, by department id (`None`: 所属なし), named as they are now.
struct Rows {
    names: BTreeMap<String, String>,
    by_dept: BTreeMap<Option<String>, MonthlyReportRowView>,
}

impl Rows {
    fn of(&mut self, dept: Option<String>) -> &mut MonthlyReportRowView {
        let names = &self.names;
        self.by_dept.entry(dept.clone()).or_insert_with(|| {
            let name = dept
                .as_ref()
                .and_then(|d| names.get(d).cloned())
                .unwrap_or_else(|| NO_DEPARTMENT_JA.to_owned());
            empty_row(dept.as_deref(), name)
        })
    }
}

/// The figures of `tenant`'s `month` as of `now` (storage at the month's end, or at `now` while
/// the month is not over). Every query is of this tenant only.
pub fn compute(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    month: ReportMonth,
    now: Millis,
) -> diesel::QueryResult<MonthlyReportView> {
    let w = window(month);
    let partial = now.0 < w.until;
    let t = tenant.id.as_str();
    let mut rows = Rows {
        names: departments::names(conn, t)?.into_iter().collect(),
        by_dept: BTreeMap::new(),
    };
    for (column, action) in COUNTED {
        for (dept, events, contracts) in query::contract_events(conn, t, w, action.as_str())? {
            let r = rows.of(dept);
            match column {
                ReportColumn::Created => r.created += contracts,
                ReportColumn::Sent => r.sent += contracts,
                ReportColumn::Concluded => {
                    r.concluded += contracts;
                    r.timestamps += events * TIMESTAMPS_PER_CONCLUSION;
                }
                ReportColumn::Declined => r.declined += contracts,
                ReportColumn::Expired => r.expired += contracts,
                ReportColumn::Cancelled => r.cancelled += contracts,
                _ => {}
            }
        }
    }
    let renewed = AuditAction::ContractLtvRenewed.as_str();
    for (dept, events, _) in query::contract_events(conn, t, w, renewed)? {
        rows.of(dept).timestamps += events;
    }
    for (dept, n) in query::recipients_of_sent(conn, t, w, AuditAction::ContractSent.as_str())? {
        rows.of(dept).recipients += n;
    }
    for (dept, n) in query::active_users(conn, t, w)? {
        rows.of(dept).active_users += n;
    }
    let storage_at = if partial { now.0 } else { w.until };
    for (dept, n) in query::storage_at(conn, t, storage_at)? {
        rows.of(dept).storage_bytes += n;
    }
    for (dept, n) in query::seals(conn, t, w)? {
        let r = rows.of(dept);
        r.seals += n;
        r.timestamps += n;
    }

    let mut rows: Vec<MonthlyReportRowView> = rows.by_dept.into_values().collect();
    // By name, 所属なし last.
    rows.sort_by(|a, b| {
        (a.department_id.is_none(), &a.department).cmp(&(b.department_id.is_none(), &b.department))
    });
    let mut total = empty_row(None, TOTAL_JA.to_owned());
    for r in &rows {
        total.created += r.created;
        total.sent += r.sent;
        total.concluded += r.concluded;
        total.declined += r.declined;
        total.expired += r.expired;
        total.cancelled += r.cancelled;
        total.recipients += r.recipients;
        total.active_users += r.active_users;
        total.storage_bytes = total.storage_bytes.saturating_add(r.storage_bytes);
        total.seals += r.seals;
        total.timestamps += r.timestamps;
    }
    Ok(MonthlyReportView {
        month: month.to_string(),
        tenant_name: tenant.name.clone(),
        from: rfc3339(w.from),
        until: rfc3339(w.until),
        generated_at: rfc3339(now.0),
        partial,
        stored: false,
        rows,
        total,
    })
}

/// The CSV: BOM, a header line (対象月, 所属, then every column's Japanese name), one line per
/// department and the total, CRLF, storage in exact bytes.
pub fn csv(view: &MonthlyReportView) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut header = vec!["対象月", "所属"];
    header.extend(ReportColumn::ALL.iter().map(|c| c.label_ja()));
    write_record(&mut out, header);
    for r in view.rows.iter().chain(std::iter::once(&view.total)) {
        let figures: Vec<String> = ReportColumn::ALL
            .iter()
            .map(|c| c.of(r).to_string())
            .collect();
        let mut cells = vec![view.month.as_str(), r.department.as_str()];
        cells.extend(figures.iter().map(String::as_str));
        write_record(&mut out, cells);
    }
    out
}

/// The PDF (see [`crate::certificate::monthly_report`]).
pub fn pdf(view: &MonthlyReportView) -> WorkflowResult<Vec<u8>> {
    crate::certificate::monthly_report::render(view)
        .map_err(|e| WorkflowError::Internal(anyhow::Error::new(e).context("monthly report PDF")))
}

/// What a `report.monthly` job is for.
#[derive(Debug, Serialize, Deserialize)]
pub struct MonthlyJob {
    /// The tenant.
    pub tenant_id: String,
    /// `YYYY-MM`.
    pub month: String,
}

/// Enqueues, for every tenant that existed before this month (JST) began, the job that reports
/// the month before; once per tenant and month, whoever calls it and however often. Returns
/// how many tenants were looked at.
pub fn schedule_due(conn: &mut AnyConnection, now: Millis) -> anyhow::Result<usize> {
    let month = current_month(now).previous();
    let begun = window(month).until;
    let mut n = 0;
    for tenant in tenants::list_chains(conn)? {
        if tenant.id == crate::audit::SYSTEM_CHAIN_ID || tenant.created_at >= begun {
            continue;
        }
        let key = format!("{JOB_KIND}:{}:{month}", tenant.id);
        let payload = serde_json::to_value(MonthlyJob {
            tenant_id: tenant.id.clone(),
            month: month.to_string(),
        })?;
        jobs::enqueue(
            conn,
            NewJob::new(JOB_KIND, payload)
                .tenant(&tenant.id)
                .dedupe_key(&key),
        )?;
        n += 1;
    }
    Ok(n)
}

/// Stores `month` of `tenant_id` as of `now` and, in the same transaction, audits it and mails
/// every enabled administrator a link to it. `false` when the month was stored already.
pub fn generate(
    conn: &mut AnyConnection,
    links: &Links,
    tenant_id: &str,
    month: ReportMonth,
    now: Millis,
) -> anyhow::Result<bool> {
    db::tenant_transaction(conn, tenant_id, |conn| {
        let key = month.to_string();
        if query::stored(conn, tenant_id, &key)?.is_some() {
            return Ok(false);
        }
        let tenant = tenants::get(conn, tenant_id)?;
        let view = compute(conn, &tenant, month, now)?;
        query::store(conn, tenant_id, &key, &serde_json::to_string(&view)?, now.0)?;
        let system = Origin {
            actor_id: None,
            actor_label: "system".into(),
            ip: None,
            user_agent: None,
        };
        let link = format!("{}/reports?month={key}", links.staff(conn, tenant_id)?);
        let mut mailed = 0;
        for (u, to) in crate::workflow::users::admin_mailboxes(conn, tenant_id)? {
            mail::enqueue(
                conn,
                tenant_id,
                &to,
                &MailTemplate::MonthlyReport(mail::MonthlyReport {
                    admin_name: u.name.clone(),
                    tenant: tenant.name.clone(),
                    month: month.label_ja(),
                    sent: view.total.sent,
                    concluded: view.total.concluded,
                    active_users: view.total.active_users,
                    link: link.clone(),
                }),
            )?;
            mailed += 1;
        }
        audit::record(
            conn,
            tenant_id,
            &system,
            Entry {
                action: AuditAction::ReportGenerated,
                target: None,
                outcome: Outcome::Success,
                details: json!({ "month": key, "mailed": mailed, "sent": view.total.sent, "concluded": view.total.concluded }),
            },
            now,
        )?;
        Ok(true)
    })
}

/// Runs `report.monthly` jobs: [`generate`] as of the time the job was claimed.
pub struct MonthlyReportHandler {
    links: Links,
}

impl MonthlyReportHandler {
    /// Mails link to `links.base`.
    pub fn new(links: Links) -> MonthlyReportHandler {
        MonthlyReportHandler { links }
    }
}

impl JobHandler for MonthlyReportHandler {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let p: MonthlyJob = job.payload()?;
        let month = ReportMonth::parse(&p.month)
            .map_err(|_| JobError::Permanent(format!("not a month: {}", p.month)))?;
        let mut conn = ctx
            .pool
            .get()
            .map_err(|e| JobError::Retry(format!("no database connection: {e}")))?;
        generate(&mut conn, &self.links, &p.tenant_id, month, ctx.now)
            .map(|_| ())
            .map_err(|e| JobError::Retry(format!("monthly report {}: {e:#}", p.month)))
    }
}
