//! The operation log viewer's use-cases (仕様 5-(16)): read and verify, never change.

use shared::access::Permission;
use shared::dto::{AuditChainBreakView, AuditChainView, AuditEventView, Page};

use crate::audit;
use crate::clock::rfc3339;
use crate::db::AnyConnection;
use crate::db::models::AuditEvent;
use crate::db::queries::audit_events::{self, AuditFilter};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
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
pub fn verify_chain(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<AuditChainView> {
    actor.require(conn, Permission::ViewAuditLog)?;
    Ok(chain_view(&audit::verify(conn, &actor.tenant_id)?))
}
