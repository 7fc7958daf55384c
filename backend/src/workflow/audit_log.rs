//! The operation log viewer's use-cases (仕様 5-(16)): read and verify, never change.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{AuditChainBreakView, AuditChainView, AuditEventView, Page};

use crate::audit;
use crate::clock::{Millis, rfc3339};
use crate::db::models::AuditEvent;
use crate::db::queries::audit_events::{self, AuditFilter};
use crate::db::{self, AnyConnection};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::contracts::export::{CsvExport, jst_date_compact, jst_datetime, write_record};
use crate::workflow::error::WorkflowResult;
use crate::workflow::views::uuid;

fn view(e: &AuditEvent) -> AuditEventView {
    AuditEventView {
        seq: e.seq,
        at: rfc3339(e.at),
        actor_id: e.actor_id.as_deref().map(uuid),
        actor_label: e.actor_label.clone(),
        ip: e.ip.clone(),
        user_agent: e.user_agent.clone(),
        action: e.action.clone(),
        target_type: e.target_type.clone(),
        target_id: e.target_id.clone(),
        result: e.result.clone(),
        details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
        hash: e.hash.clone(),
    }
}

/// `GET /audit-events`, newest first.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_events(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &AuditFilter<'_>,
    page: PageRequest,
) -> WorkflowResult<Page<AuditEventView>> {
    actor.require(conn, Permission::ViewAuditLog)?;
    let (rows, total) =
        audit_events::list(conn, &actor.tenant_id, filter, page.page, page.per_page)?;
    Ok(page.wrap(rows.iter().map(view).collect(), total))
}

/// The most events one CSV export holds; narrow the filters for more.
pub const MAX_CSV_ROWS: usize = 100_000;

/// `GET /audit-events.csv`: the filtered log, newest first, as CSV for Excel (UTF-8 with BOM,
/// CRLF, formula cells defused), audited as `audit.exported`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn export_csv(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &AuditFilter<'_>,
) -> WorkflowResult<CsvExport> {
    const BATCH: u32 = 2_000;
    actor.require(conn, Permission::ViewAuditLog)?;
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice("\u{feff}".as_bytes());
    write_record(
        &mut out,
        [
            "連番",
            "日時",
            "操作者",
            "IPアドレス",
            "ユーザーエージェント",
            "操作",
            "操作コード",
            "対象種別",
            "対象ID",
            "結果",
            "詳細",
            "ハッシュ",
        ],
    );
    let mut rows = 0;
    let mut total = 0;
    for page in 1.. {
        let (events, matched) = audit_events::list(conn, &actor.tenant_id, filter, page, BATCH)?;
        total = matched.max(0) as usize;
        for e in &events {
            if rows == MAX_CSV_ROWS {
                break;
            }
            rows += 1;
            let label = AuditAction::parse(&e.action).map_or("", AuditAction::label_ja);
            write_record(
                &mut out,
                [
                    e.seq.to_string().as_str(),
                    jst_datetime(e.at).as_str(),
                    e.actor_label.as_str(),
                    e.ip.as_deref().unwrap_or(""),
                    e.user_agent.as_deref().unwrap_or(""),
                    label,
                    e.action.as_str(),
                    e.target_type.as_deref().unwrap_or(""),
                    e.target_id.as_deref().unwrap_or(""),
                    e.result.as_str(),
                    e.details.as_str(),
                    e.hash.as_str(),
                ],
            );
        }
        if events.len() < BATCH as usize || rows == MAX_CSV_ROWS {
            break;
        }
    }
    let truncated = total > rows;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        actor.audit(
            conn,
            AuditAction::AuditExported,
            None,
            json!({
                "format": "csv",
                "rows": rows,
                "truncated": truncated,
                "filters": {
                    "action": filter.action, "actor_id": filter.actor_id,
                    "target_id": filter.target_id,
                    "from": filter.from.map(rfc3339), "until": filter.until.map(rfc3339),
                },
            }),
        )
    })?;
    Ok(CsvExport {
        bytes: out,
        rows,
        truncated,
        file_name: format!("操作ログ_{}.csv", jst_date_compact(Millis::now().0)),
    })
}

/// The chain report as the API shows it.
pub fn chain_view(report: &audit::ChainReport) -> AuditChainView {
    AuditChainView {
        intact: report.first_break.is_none(),
        events_checked: report.events_checked,
        first_break: report.first_break.map(|b| AuditChainBreakView {
            seq: b.seq,
            kind: b.kind.as_str().to_owned(),
        }),
    }
}

/// `GET /audit-events/verify`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn verify_chain(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<AuditChainView> {
    actor.require(conn, Permission::ViewAuditLog)?;
    Ok(chain_view(&audit::verify(
        conn,
        &actor.tenant_id,
        audit::key::current(),
    )?))
}
