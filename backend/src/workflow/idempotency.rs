//! Idempotency keys (`Idempotency-Key`, after draft-ietf-httpapi-idempotency-key-header): the
//! first answer to a POST is kept for a day, so that a client retrying after a lost answer gets
//! that answer again instead of a second contract. The HTTP side (reading the body, replaying)
//! is `api::idempotency`; this is the claim and the record.
//!
//! A key belongs to one tenant, one principal (the user of a session, or one API token), one
//! method and one path. Claiming is an insert of the row, so of two concurrent requests with
//! one key exactly one acts; the other finds the row in flight (409) or done (the replay). An
//! answer 5xx is not kept: the key is released and a retry acts anew.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::models::IdempotencyRecord;
use crate::db::queries::idempotency_keys::{self, KeyRef};
use crate::workflow::error::{WorkflowError, WorkflowResult};

/// How long a key is remembered.
pub const KEY_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
/// A claim still in flight after this long belongs to a request whose process died (or whose
/// client went away before the answer was recorded); a retry may then act.
pub const ABANDONED_AFTER_MS: i64 = 10 * 60 * 1000;
/// Largest answer body kept for a replay; a larger answer is recorded as given but not kept.
pub const MAX_STORED_BODY: usize = 1 << 20;

/// Where a key's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Claimed; the request is being processed.
    InFlight,
    /// Answered; the answer is kept.
    Done,
    /// Answered; the answer was too large to keep.
    NotStored,
}

impl KeyState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::InFlight => "in_flight",
            KeyState::Done => "done",
            KeyState::NotStored => "not_stored",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<KeyState> {
        [KeyState::InFlight, KeyState::Done, KeyState::NotStored]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One key of one principal at one operation.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The principal's tenant.
    pub tenant_id: String,
    /// `user:<id>` for a session, `token:<digest>` for an API token.
    pub principal: String,
    /// The HTTP method.
    pub method: String,
    /// The request path (without the query, which is part of the fingerprint).
    pub path: String,
    /// The client's key.
    pub key: String,
}

impl Scope {
    fn key_ref(&self) -> KeyRef<'_> {
        KeyRef {
            tenant_id: &self.tenant_id,
            principal: &self.principal,
            method: &self.method,
            path: &self.path,
            key: &self.key,
        }
    }
}

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The status code.
    pub status: u16,
    /// The kept headers (content type, location, content disposition).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The outcome of claiming a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request holds the key: act, then [`finish`] or [`release`].
    Acquired,
    /// Answered before with the same request: give this answer again.
    Replay(StoredResponse),
    /// The key was used for a different request.
    Reused,
    /// The first request with the key is still being processed.
    InProgress,
    /// Answered before, but the answer was too large to keep.
    NotStored,
}

#[derive(Serialize, Deserialize)]
struct Headers(Vec<(String, String)>);

/// Claims `scope`'s key for a request with `fingerprint`, or says why not. An expired or
/// abandoned claim is taken over (by one of several racing requests only).
pub fn claim(
    conn: &mut AnyConnection,
    scope: &Scope,
    fingerprint: &str,
    now: Millis,
) -> WorkflowResult<Claim> {
    for _ in 0..3 {
        let record = IdempotencyRecord {
            tenant_id: scope.tenant_id.clone(),
            principal: scope.principal.clone(),
            method: scope.method.clone(),
            path: scope.path.clone(),
            idempotency_key: scope.key.clone(),
            fingerprint: fingerprint.to_owned(),
            state: KeyState::InFlight.as_str().to_owned(),
            response_status: None,
            response_headers: None,
            response_body: None,
            created_at: now.0,
            expires_at: now.0 + KEY_LIFETIME_MS,
        };
        if idempotency_keys::claim(conn, &record)? {
            return Ok(Claim::Acquired);
        }
        let Some(row) = idempotency_keys::get(conn, scope.key_ref())? else {
            continue;
        };
        let state = KeyState::parse(&row.state);
        let abandoned =
            state == Some(KeyState::InFlight) && row.created_at <= now.0 - ABANDONED_AFTER_MS;
        if row.expires_at <= now.0 || abandoned || state.is_none() {
            idempotency_keys::remove_if_unchanged(conn, scope.key_ref(), row.created_at)?;
            continue;
        }
        if row.fingerprint != fingerprint {
            return Ok(Claim::Reused);
        }
        return Ok(match state {
            Some(KeyState::Done) => Claim::Replay(stored(&row)?),
            Some(KeyState::NotStored) => Claim::NotStored,
            _ => Claim::InProgress,
        });
    }
    Ok(Claim::InProgress)
}

fn stored(row: &IdempotencyRecord) -> WorkflowResult<StoredResponse> {
    let broken =
        || WorkflowError::Internal(anyhow::anyhow!("a kept idempotent answer is unreadable"));
    let status = row
        .response_status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(broken)?;
    let Headers(headers) = serde_json::from_str(row.response_headers.as_deref().unwrap_or("[]"))
        .map_err(|_| broken())?;
    let body = data_encoding::BASE64
        .decode(row.response_body.as_deref().unwrap_or("").as_bytes())
        .map_err(|_| broken())?;
    Ok(StoredResponse {
        status,
        headers,
        body,
    })
}

/// Records the answer to the request holding `scope`'s key: kept for replays when given, else
/// only that there was one (`status`).
pub fn finish(
    conn: &mut AnyConnection,
    scope: &Scope,
    status: u16,
    kept: Option<&StoredResponse>,
) -> WorkflowResult<()> {
    let (state, headers, body) = match kept {
        Some(r) => (
            KeyState::Done,
            serde_json::to_string(&Headers(r.headers.clone()))
                .map_err(|e| WorkflowError::Internal(e.into()))?,
            Some(data_encoding::BASE64.encode(&r.body)),
        ),
        None => (KeyState::NotStored, "[]".to_owned(), None),
    };
    idempotency_keys::finish(
        conn,
        scope.key_ref(),
        state.as_str(),
        i32::from(status),
        &headers,
        body.as_deref(),
    )?;
    Ok(())
}

/// Gives the key up: the request failed on the server's side, so a retry may act.
pub fn release(conn: &mut AnyConnection, scope: &Scope) -> WorkflowResult<()> {
    idempotency_keys::release(conn, scope.key_ref())?;
    Ok(())
}

/// Forgets the keys older than a day (housekeeping).
pub fn purge_expired(conn: &mut AnyConnection, now: Millis) -> WorkflowResult<usize> {
    Ok(idempotency_keys::delete_expired(conn, now.0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in [KeyState::InFlight, KeyState::Done, KeyState::NotStored] {
            assert_eq!(KeyState::parse(s.as_str()), Some(s));
        }
        assert_eq!(KeyState::parse("done "), None);
    }
}
