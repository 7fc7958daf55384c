//! The hash chain: a canonical encoding of each event, its seal, and the chain's verification.
//!
//! Events written before the audit key existed (`key_id` NULL) are sealed with plain SHA-256
//! and still verify as before; every later event is sealed with HMAC-SHA256 under the key, over
//! an encoding that includes its predecessor's seal. Keyed events therefore pin the unkeyed
//! prefix too, and someone who can write the database but lacks the key cannot produce a chain
//! that verifies. The unkeyed events may only form a prefix: an unkeyed event after a keyed one,
//! or a chain whose newest event is unkeyed, is reported.
//!
//! A chain imported from another instance (全データ返却, `tachiai import tenant`) keeps its
//! events byte for byte, sealed with the *source's* key, which this instance does not have (an
//! HMAC key has no public part, and handing it over would let anyone holding the export forge
//! the source's log). The import therefore checks the imported events' sequence and links,
//! computes a SHA-256 digest over all of them ([`ImportDigest`]) and appends a
//! `tenant.imported` event, sealed with *this* instance's key, that records the imported head
//! and that digest. [`verify`] treats the events before the newest valid such event (the import
//! pin) like the unkeyed prefix: their links and the digest are checked instead of their HMAC,
//! and the pin's HMAC makes the digest, and so every imported byte, unforgeable without this
//! instance's key. Every event after the pin is checked as usual, and a chain imported twice
//! (A → B → C) is pinned by C's event over everything before it, B's pin included.

use sha2::{Digest, Sha256};

use super::key::AuditKey;
use crate::db::AnyConnection;
use crate::db::models::AuditEvent;
use crate::db::queries::{audit_events, tenants};

/// `prev_hash` of a tenant's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical encoding: a JSON array of a version tag, every field except `hash` in a fixed
/// order, and (v2, keyed events) the key id. JSON arrays and strings serialise one way only,
/// and `details` enters as the stored text, so the encoding is unambiguous.
fn canonical(e: &AuditEvent, tag: &str, key_id: Option<&str>) -> String {
    let mut items = vec![
        serde_json::json!(tag),
        serde_json::json!(e.tenant_id),
        serde_json::json!(e.seq),
        serde_json::json!(e.at),
        serde_json::json!(e.actor_id),
        serde_json::json!(e.actor_label),
        serde_json::json!(e.ip),
        serde_json::json!(e.user_agent),
        serde_json::json!(e.action),
        serde_json::json!(e.target_type),
        serde_json::json!(e.target_id),
        serde_json::json!(e.result),
        serde_json::json!(e.details),
        serde_json::json!(e.prev_hash),
    ];
    items.extend(key_id.map(|id| serde_json::json!(id)));
    serde_json::Value::Array(items).to_string()
}

/// The seal of an unkeyed event (before the audit key existed): SHA-256, lower-case hex, of
/// the v1 encoding. Anyone can compute it, which is why new events are keyed.
pub fn legacy_hash(e: &AuditEvent) -> String {
    let digest = Sha256::digest(canonical(e, "tachiai-audit-v1", None).as_bytes());
    data_encoding::HEXLOWER.encode(&digest)
}

/// The seal an event must carry: HMAC-SHA256 under `key` of the v2 encoding when it names a
/// key, else the legacy SHA-256.
pub fn event_hash(e: &AuditEvent, key: &AuditKey) -> String {
    match &e.key_id {
        Some(id) => key.sign(canonical(e, "tachiai-audit-v2", Some(id)).as_bytes()),
        None => legacy_hash(e),
    }
}

/// The action of the event that pins an imported chain (`shared::audit::AuditAction::TenantImported`).
pub const IMPORT_ACTION: &str = "tenant.imported";

/// The running digest over an imported chain prefix: SHA-256 of one line per event, the
/// canonical encoding (tag `tachiai-audit-import-v1`, every field, the key id) followed by the
/// event's stored seal. It binds the content *and* the seal of every event, so a rewritten
/// event changes it although this instance cannot recompute the source's HMAC.
#[derive(Debug, Clone, Default)]
pub struct ImportDigest(Sha256);

impl ImportDigest {
    /// Adds the next event.
    pub fn add(&mut self, e: &AuditEvent) {
        self.0
            .update(canonical(e, "tachiai-audit-import-v1", e.key_id.as_deref()).as_bytes());
        self.0.update(b"\t");
        self.0.update(e.hash.as_bytes());
        self.0.update(b"\n");
    }

    /// The digest, lower-case hex.
    pub fn finish(self) -> String {
        data_encoding::HEXLOWER.encode(&self.0.finalize())
    }
}

/// What an import checked of the imported chain before pinning it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedChain {
    /// Events imported (1..=`events`).
    pub events: i64,
    /// The imported head (the last event's seal), or [`GENESIS_HASH`].
    pub head: String,
    /// The [`ImportDigest`] over them.
    pub digest: String,
    /// Of them, events whose HMAC was checked with a source key given to the import.
    pub hmac_checked: u64,
}

/// Walks the chain of `tenant_id` as imported (before the pin is appended): the sequence must
/// run 1..=`audit_seq` of the tenant row without gaps, every event must link to its predecessor,
/// and the last one must be the tenant row's head. Events sealed by one of `source_keys` (the
/// source's audit key, when its operator hands it over for the move) must also carry their HMAC:
/// without it, the links and the digest prove that nothing changed *after* the import, and the
/// export's authenticity rests on its transfer. Returns the digest to pin, or the first break.
pub fn check_imported(
    conn: &mut AnyConnection,
    tenant_id: &str,
    source_keys: &[AuditKey],
) -> diesel::QueryResult<Result<ImportedChain, ChainBreak>> {
    const BATCH: i64 = 1000;
    let tenant = tenants::get(conn, tenant_id)?;
    let mut digest = ImportDigest::default();
    let mut expected_seq = 1;
    let mut prev = GENESIS_HASH.to_owned();
    let mut hmac_checked = 0u64;
    loop {
        let batch = audit_events::chain_batch(conn, tenant_id, expected_seq - 1, BATCH)?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            let kind = if e.seq != expected_seq {
                Some((expected_seq, ChainBreakKind::Deleted))
            } else if e.seq > tenant.audit_seq {
                Some((e.seq, ChainBreakKind::Inserted))
            } else if e.prev_hash != prev {
                Some((e.seq - 1, ChainBreakKind::Edited))
            } else {
                None
            };
            if let Some((seq, kind)) = kind {
                return Ok(Err(ChainBreak { seq, kind }));
            }
            let source_key = source_keys
                .iter()
                .find(|k| e.key_id.as_deref() == Some(k.id()));
            if let Some(key) = source_key {
                if event_hash(e, key) != e.hash {
                    return Ok(Err(ChainBreak {
                        seq: e.seq,
                        kind: ChainBreakKind::Edited,
                    }));
                }
                hmac_checked += 1;
            }
            digest.add(e);
            prev.clone_from(&e.hash);
            expected_seq += 1;
        }
    }
    if expected_seq - 1 != tenant.audit_seq {
        return Ok(Err(ChainBreak {
            seq: expected_seq,
            kind: ChainBreakKind::Deleted,
        }));
    }
    if prev != tenant.audit_head {
        return Ok(Err(ChainBreak {
            seq: tenant.audit_seq,
            kind: ChainBreakKind::Edited,
        }));
    }
    Ok(Ok(ImportedChain {
        events: tenant.audit_seq,
        head: prev,
        digest: digest.finish(),
        hmac_checked,
    }))
}

/// The newest import pin of the chain that this key sealed: (events it covers, their digest).
fn import_pin(
    conn: &mut AnyConnection,
    tenant_id: &str,
    key: &AuditKey,
) -> diesel::QueryResult<Option<(i64, String)>> {
    let Some(pin) = audit_events::newest_with_action(conn, tenant_id, IMPORT_ACTION)? else {
        return Ok(None);
    };
    if pin.key_id.as_deref() != Some(key.id()) || event_hash(&pin, key) != pin.hash {
        return Ok(None);
    }
    let details: serde_json::Value = serde_json::from_str(&pin.details).unwrap_or_default();
    let covered = details["imported_events"].as_i64();
    let digest = details["imported_digest"].as_str();
    Ok(match (covered, digest) {
        (Some(n), Some(d)) if n == pin.seq - 1 => Some((n, d.to_owned())),
        _ => None,
    })
}

/// How the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreakKind {
    /// The event's content no longer matches its seal, or a later event's link to it.
    Edited,
    /// The event is missing.
    Deleted,
    /// An event was added outside the application.
    Inserted,
    /// The newest events carry no HMAC (a keyed chain rewritten as unkeyed, or a database that
    /// no server with this version has opened yet).
    Unkeyed,
}

impl ChainBreakKind {
    /// `edited`, `deleted`, `inserted` or `unkeyed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainBreakKind::Edited => "edited",
            ChainBreakKind::Deleted => "deleted",
            ChainBreakKind::Inserted => "inserted",
            ChainBreakKind::Unkeyed => "unkeyed",
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
    /// Of those, events sealed before the audit key existed (plain SHA-256).
    pub unkeyed_events: u64,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

/// Walks the tenant's chain in batches and reports the first break. Keyed events must be
/// sealed with `key`; an event naming another key counts as edited.
pub fn verify(
    conn: &mut AnyConnection,
    tenant_id: &str,
    key: &AuditKey,
) -> diesel::QueryResult<ChainReport> {
    const BATCH: i64 = 1000;
    let tenant = tenants::get(conn, tenant_id)?;
    let mut expected_seq = 1;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let mut unkeyed = 0u64;
    let mut keyed_seen = false;
    // An imported prefix (see the module documentation): linked and digested, not HMAC-checked.
    let pin = import_pin(conn, tenant_id, key)?;
    let imported = pin.as_ref().map_or(0, |(n, _)| *n);
    let mut digest = ImportDigest::default();
    let broken = |seq, kind, checked, unkeyed| {
        Ok(ChainReport {
            events_checked: checked,
            unkeyed_events: unkeyed,
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
                return broken(e.seq, ChainBreakKind::Inserted, checked, unkeyed);
            }
            if e.seq != expected_seq {
                return broken(expected_seq, ChainBreakKind::Deleted, checked, unkeyed);
            }
            if e.seq <= imported {
                if e.prev_hash != expected_prev {
                    return broken(e.seq - 1, ChainBreakKind::Edited, checked, unkeyed);
                }
                digest.add(e);
                expected_prev.clone_from(&e.hash);
                expected_seq += 1;
                continue;
            }
            if e.seq == imported + 1
                && let Some((_, pinned)) = &pin
            {
                let found = std::mem::take(&mut digest).finish();
                if &found != pinned {
                    // An imported event was rewritten: the pin's digest no longer matches.
                    return broken(e.seq, ChainBreakKind::Edited, checked, unkeyed);
                }
            }
            let sealed_right = match &e.key_id {
                // Unkeyed events after a keyed one are a downgrade.
                None => !keyed_seen && legacy_hash(e) == e.hash,
                Some(id) => id == key.id() && event_hash(e, key) == e.hash,
            };
            if !sealed_right {
                return broken(e.seq, ChainBreakKind::Edited, checked, unkeyed);
            }
            if e.prev_hash != expected_prev {
                // This event is intact, so its predecessor was rewritten (hash recomputed).
                return broken(e.seq - 1, ChainBreakKind::Edited, checked, unkeyed);
            }
            match e.key_id {
                Some(_) => keyed_seen = true,
                None => unkeyed += 1,
            }
            expected_prev.clone_from(&e.hash);
            expected_seq += 1;
        }
    }
    let last_seq = expected_seq - 1;
    if last_seq < tenant.audit_seq {
        return broken(expected_seq, ChainBreakKind::Deleted, checked, unkeyed);
    }
    if expected_prev != tenant.audit_head {
        return broken(last_seq, ChainBreakKind::Edited, checked, unkeyed);
    }
    if checked > 0 && !keyed_seen {
        return broken(last_seq, ChainBreakKind::Unkeyed, checked, unkeyed);
    }
    Ok(ChainReport {
        events_checked: checked,
        unkeyed_events: unkeyed,
        first_break: None,
    })
}
