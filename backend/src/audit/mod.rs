//! The audit log (操作ログ, 仕様 5-(16)): every operation writes an event, and the events of a
//! tenant form a SHA-256 hash chain so that an edited, inserted or deleted event is found by
//! `verify`. Appending happens only inside `db::tenant_transaction`, which serialises writers
//! of a tenant; the tenant row keeps the chain head, so deleting the newest events is caught too.
//!
//! This module must not be given an update or delete path: the database refuses both as well.

mod chain;

pub use chain::{ChainBreak, ChainBreakKind, ChainReport, GENESIS_HASH, event_hash, verify};

use serde_json::Value;
use shared::audit::AuditAction;

use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::models::AuditEvent;
use crate::db::queries::{audit_events, tenants};

/// Who acted and from where.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The user, when a logged-in user acted.
    pub actor_id: Option<String>,
    /// Readable actor: a login ID, `system`, `cli`, or what was typed at a failed login.
    pub actor_label: String,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// Whether the operation succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was carried out.
    Success,
    /// It was refused; the details say why.
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// What happened.
    pub action: AuditAction,
    /// Kind and id of the object acted on.
    pub target: Option<(&'a str, &'a str)>,
    /// Success or failure.
    pub outcome: Outcome,
    /// Action-specific facts (never passwords, tokens or codes).
    pub details: Value,
}

/// Appends an event to the tenant's chain. Call inside `db::tenant_transaction`.
pub fn record(
    conn: &mut AnyConnection,
    tenant_id: &str,
    origin: &Origin,
    entry: Entry<'_>,
    now: Millis,
) -> diesel::QueryResult<AuditEvent> {
    let tenant = tenants::get(conn, tenant_id)?;
    let mut event = AuditEvent {
        tenant_id: tenant_id.to_owned(),
        seq: tenant.audit_seq + 1,
        at: now.0,
        actor_id: origin.actor_id.clone(),
        actor_label: origin.actor_label.clone(),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
        action: entry.action.as_str().to_owned(),
        target_type: entry.target.map(|(kind, _)| kind.to_owned()),
        target_id: entry.target.map(|(_, id)| id.to_owned()),
        result: entry.outcome.as_str().to_owned(),
        details: entry.details.to_string(),
        prev_hash: tenant.audit_head,
        hash: String::new(),
    };
    event.hash = event_hash(&event);
    audit_events::insert(conn, &event)?;
    tenants::set_audit_head(conn, tenant_id, event.seq, &event.hash)?;
    Ok(event)
}
