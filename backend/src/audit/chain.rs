//! The hash chain: a canonical encoding of each event, and its verification.

use sha2::{Digest, Sha256};

use crate::db::AnyConnection;
use crate::db::models::AuditEvent;
use crate::db::queries::{audit_events, tenants};

/// `prev_hash` of a tenant's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 (lower-case hex) over the canonical encoding: a JSON array of a version tag and
/// every field except `hash`, in a fixed order. JSON arrays and strings serialise one way
/// only, and `details` enters as the stored text, so the encoding is unambiguous.
pub fn event_hash(e: &AuditEvent) -> String {
    let canonical = serde_json::json!([
        "tachiai-audit-v1",
        e.tenant_id,
        e.seq,
        e.at,
        e.actor_id,
        e.actor_label,
        e.ip,
        e.user_agent,
        e.action,
        e.target_type,
        e.target_id,
        e.result,
        e.details,
        e.prev_hash,
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    data_encoding::HEXLOWER.encode(&digest)
}

/// How the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreakKind {
    /// The event's content no longer matches its hash, or a later event's link to it.
    Edited,
    /// The event is missing.
    Deleted,
    /// An event was added outside the application.
    Inserted,
}

impl ChainBreakKind {
    /// `edited`, `deleted` or `inserted`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainBreakKind::Edited => "edited",
            ChainBreakKind::Deleted => "deleted",
            ChainBreakKind::Inserted => "inserted",
        }
    }
}

/// The first place where the chain breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainBreak {
    /// Sequence number of the event concerned.
    pub seq: i64,
    /// What happened to it.
    pub kind: ChainBreakKind,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events read.
    pub events_checked: u64,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

/// Walks the tenant's chain in batches and reports the first break.
pub fn verify(conn: &mut AnyConnection, tenant_id: &str) -> diesel::QueryResult<ChainReport> {
    const BATCH: i64 = 1000;
    let tenant = tenants::get(conn, tenant_id)?;
    let mut expected_seq = 1;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let broken = |seq, kind, checked| {
        Ok(ChainReport {
            events_checked: checked,
            first_break: Some(ChainBreak { seq, kind }),
        })
    };
    loop {
        let batch = audit_events::chain_batch(conn, tenant_id, expected_seq - 1, BATCH)?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            checked += 1;
            if e.seq > tenant.audit_seq {
                return broken(e.seq, ChainBreakKind::Inserted, checked);
            }
            if e.seq != expected_seq {
                return broken(expected_seq, ChainBreakKind::Deleted, checked);
            }
            if event_hash(e) != e.hash {
                return broken(e.seq, ChainBreakKind::Edited, checked);
            }
            if e.prev_hash != expected_prev {
                // This event is intact, so its predecessor was rewritten (hash recomputed).
                return broken(e.seq - 1, ChainBreakKind::Edited, checked);
            }
            expected_prev.clone_from(&e.hash);
            expected_seq += 1;
        }
    }
    let last_seq = expected_seq - 1;
    if last_seq < tenant.audit_seq {
        return broken(expected_seq, ChainBreakKind::Deleted, checked);
    }
    if expected_prev != tenant.audit_head {
        return broken(last_seq, ChainBreakKind::Edited, checked);
    }
    Ok(ChainReport {
        events_checked: checked,
        first_break: None,
    })
}
