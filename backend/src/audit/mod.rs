//! The audit log (操作ログ, 仕様 5-(16)): every operation writes an event, and the events of a
//! tenant form a hash chain so that an edited, inserted or deleted event is found by `verify`.
//! Each event is sealed with HMAC-SHA256 under a key kept outside the database ([`key`]), so
//! write access to the database is not enough to rewrite history consistently. Appending
//! happens only inside `db::tenant_transaction`, which serialises writers of a tenant; the
//! tenant row keeps the chain head, so deleting the newest events is caught too.
//!
//! Requests refused before a tenant is known go to the system chain ([`SYSTEM_CHAIN_ID`],
//! [`refusals`]), rate-limited so that a flood cannot fill the disk.
//!
//! This module must not be given an update or delete path: the database refuses both as well.

pub mod budget;
mod chain;
pub mod key;
pub mod refusals;

pub use chain::{
    ChainBreak, ChainBreakKind, ChainReport, GENESIS_HASH, event_hash, legacy_hash, verify,
};
// Tenant import: the imported chain's pin
pub use chain::{IMPORT_ACTION, ImportDigest, ImportedChain, check_imported};
pub use key::AuditKey;

/// The reserved `tenants` row whose chain holds the refusals that belong to no tenant (created
/// by the migration `2026-12-12-000000_audit_keys`; it has no users and cannot be logged into).
pub const SYSTEM_CHAIN_ID: &str = "00000000-0000-0000-0000-000000000000";

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

/// Appends an event to the tenant's chain, sealed with the process's audit key. Call inside
/// `db::tenant_transaction`.
pub fn record(
    conn: &mut AnyConnection,
    tenant_id: &str,
    origin: &Origin,
    entry: Entry<'_>,
    now: Millis,
) -> diesel::QueryResult<AuditEvent> {
    let key = key::current();
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
        key_id: Some(key.id().to_owned()),
    };
    event.hash = event_hash(&event, key);
    audit_events::insert(conn, &event)?;
    tenants::set_audit_head(conn, tenant_id, event.seq, &event.hash)?;
    Ok(event)
}

/// Seals every chain whose newest event predates the audit key with a keyed
/// `audit.chain_keyed` event, so that the unkeyed events become a prefix pinned by an HMAC (and
/// a chain rewritten as unkeyed later stands out). Run at start-up and by `tachiai migrate`;
/// returns how many chains it sealed.
pub fn seal_unkeyed_chains(conn: &mut AnyConnection, now: Millis) -> diesel::QueryResult<usize> {
    let mut sealed = 0;
    for chain in tenants::list_chains(conn)? {
        sealed += crate::db::tenant_transaction(conn, &chain.id, |conn| {
            let tenant = tenants::get(conn, &chain.id)?;
            let newest = audit_events::chain_batch(conn, &chain.id, tenant.audit_seq - 1, 1)?;
            if newest.first().is_none_or(|e| e.key_id.is_some()) {
                return Ok(0);
            }
            record(
                conn,
                &chain.id,
                &Origin {
                    actor_label: "system".into(),
                    ..Origin::default()
                },
                Entry {
                    action: AuditAction::AuditChainKeyed,
                    target: None,
                    outcome: Outcome::Success,
                    details: serde_json::json!({
                        "key_id": key::current().id(),
                        "unkeyed_events": tenant.audit_seq,
                    }),
                },
                now,
            )?;
            Ok::<_, diesel::result::Error>(1)
        })?;
    }
    Ok(sealed)
}
