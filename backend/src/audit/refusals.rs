//! Refused requests in the system chain, rate-limited.
//!
//! Every refusal of a credential, an origin, an address or an object (401, 403, 404, 423, 429)
//! is a candidate. Per fixed minute, at most `per_address` events are written for one client
//! address and problem code, and at most `per_minute` in all; the rest are only counted, and
//! when the minute is over one `request.refusals_summarized` event says how many were left
//! out, by code and for the busiest addresses. So a flood of any size writes at most
//! `per_minute + 1` rows a minute, and the counters' memory is bounded as well.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::json;
use shared::audit::AuditAction;
use shared::problem::ProblemCode;

use super::{Entry, Origin, Outcome, SYSTEM_CHAIN_ID, record};
use crate::clock::{Millis, rfc3339};
use crate::db::{self, AnyConnection};

/// The length of one counting window.
pub const WINDOW_MS: i64 = 60_000;
/// Address/code pairs counted per window; refusals of further pairs are summarised only.
const MAX_TRACKED: usize = 4096;
/// Addresses named in a summary.
const TOP_ADDRESSES: usize = 10;

/// Whether a refusal with this code is audited: refused credentials, origins, addresses and
/// objects. The codes that are steps of a normal flow (not logged in yet, a TOTP or a new
/// password to enter, a counterparty's code to confirm) are not refusals of anything.
pub fn is_audited(code: ProblemCode) -> bool {
    matches!(code.status(), 401 | 403 | 404 | 423 | 429)
        && !matches!(
            code,
            ProblemCode::Unauthenticated
                | ProblemCode::TotpRequired
                | ProblemCode::TotpSetupRequired
                | ProblemCode::PasswordChangeRequired
                | ProblemCode::SigningVerificationRequired
        )
}

/// What is known of a refused request before any tenant is.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// HTTP method.
    pub method: String,
    /// The matched route pattern, e.g. `/api/v1/signing/{token}`: never the raw path, which
    /// may hold a signing token.
    pub route: String,
    /// The problem code answered.
    pub code: ProblemCode,
    /// Which credential came with it: `session`, `api_token` or `none`.
    pub credential: &'static str,
}

/// Refusals left out in one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Window start (ms).
    pub from: i64,
    /// Window end (ms).
    pub until: i64,
    /// Refusals not written one by one.
    pub dropped: u64,
    /// Of those, per problem code.
    pub by_code: BTreeMap<&'static str, u64>,
    /// The addresses with the most, most first.
    pub top_addresses: Vec<(String, u64)>,
}

#[derive(Debug, Default)]
struct Window {
    start: i64,
    written: u32,
    per_key: HashMap<(String, &'static str), u32>,
    dropped: u64,
    dropped_by_code: BTreeMap<&'static str, u64>,
    dropped_by_address: HashMap<String, u64>,
}

impl Window {
    fn starting_at(now: i64) -> Window {
        Window {
            start: now - now.rem_euclid(WINDOW_MS),
            ..Window::default()
        }
    }

    fn summary(self) -> Option<Summary> {
        if self.dropped == 0 {
            return None;
        }
        let mut top: Vec<(String, u64)> = self.dropped_by_address.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(TOP_ADDRESSES);
        Some(Summary {
            from: self.start,
            until: self.start + WINDOW_MS,
            dropped: self.dropped,
            by_code: self.dropped_by_code,
            top_addresses: top,
        })
    }
}

/// The limiter: which refusals get an event of their own.
#[derive(Debug)]
pub struct RefusalLimiter {
    per_address: u32,
    per_minute: u32,
    window: Mutex<Window>,
}

impl RefusalLimiter {
    /// At most `per_address` events a minute per address and code, `per_minute` in all.
    pub fn new(per_address: u32, per_minute: u32) -> RefusalLimiter {
        RefusalLimiter {
            per_address,
            per_minute,
            window: Mutex::new(Window::starting_at(Millis::now().0)),
        }
    }

    /// Counts one refusal at `now`: whether to write it, and the summary of a window that has
    /// just ended (to write first).
    pub fn admit(&self, address: &str, code: ProblemCode, now: Millis) -> (bool, Option<Summary>) {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let ended = Self::roll(&mut w, now);
        let key = (address.to_owned(), code.as_str());
        let tracked = w.per_key.get(&key).copied();
        let room = w.written < self.per_minute
            && match tracked {
                Some(n) => n < self.per_address,
                None => self.per_address > 0 && w.per_key.len() < MAX_TRACKED,
            };
        if room {
            w.written += 1;
            *w.per_key.entry(key).or_default() += 1;
        } else {
            w.dropped += 1;
            *w.dropped_by_code.entry(code.as_str()).or_default() += 1;
            let tracked_addresses = w.dropped_by_address.len();
            match w.dropped_by_address.get_mut(address) {
                Some(n) => *n += 1,
                None if tracked_addresses < MAX_TRACKED => {
                    w.dropped_by_address.insert(address.to_owned(), 1);
                }
                None => {}
            }
        }
        (room, ended)
    }

    /// The summary of the window, once it has ended (the periodic flush).
    pub fn take_ended(&self, now: Millis) -> Option<Summary> {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        Self::roll(&mut w, now)
    }

    fn roll(w: &mut Window, now: Millis) -> Option<Summary> {
        if now.0 < w.start + WINDOW_MS {
            return None;
        }
        std::mem::replace(w, Window::starting_at(now.0)).summary()
    }
}

fn system_origin(origin: &Origin) -> Origin {
    Origin {
        actor_id: None,
        actor_label: "unidentified".into(),
        ..origin.clone()
    }
}

/// Appends one refusal to the system chain.
pub fn write_refusal(
    conn: &mut AnyConnection,
    origin: &Origin,
    refusal: &Refusal,
    now: Millis,
) -> diesel::QueryResult<()> {
    append(
        conn,
        &system_origin(origin),
        AuditAction::RequestRefused,
        json!({
            "method": refusal.method,
            "route": refusal.route,
            "status": refusal.code.status(),
            "code": refusal.code.as_str(),
            "credential": refusal.credential,
        }),
        now,
    )
}

/// Appends a window's summary to the system chain.
pub fn write_summary(
    conn: &mut AnyConnection,
    summary: &Summary,
    now: Millis,
) -> diesel::QueryResult<()> {
    append(
        conn,
        &Origin {
            actor_label: "system".into(),
            ..Origin::default()
        },
        AuditAction::RefusalsSummarized,
        json!({
            "from": rfc3339(summary.from),
            "until": rfc3339(summary.until),
            "not_recorded": summary.dropped,
            "by_code": summary.by_code,
            "top_addresses": summary.top_addresses.iter()
                .map(|(ip, n)| json!({"ip": ip, "not_recorded": n}))
                .collect::<Vec<_>>(),
        }),
        now,
    )
}

/// One failure event in the system chain, in its own transaction.
fn append(
    conn: &mut AnyConnection,
    origin: &Origin,
    action: AuditAction,
    details: serde_json::Value,
    now: Millis,
) -> diesel::QueryResult<()> {
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        record(
            conn,
            SYSTEM_CHAIN_ID,
            origin,
            Entry {
                action,
                target: None,
                outcome: Outcome::Failure,
                details,
            },
            now,
        )
        .map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    #[test]
    fn a_flood_is_bounded_per_address_in_all_and_summarised_once() {
        let limiter = RefusalLimiter::new(3, 10);
        *limiter.window.lock().unwrap() = Window::starting_at(T0);
        let mut written = 0;
        for i in 0..100_000u32 {
            // Half from one address, half from 50,000 different ones.
            let address = if i % 2 == 0 {
                "198.51.100.1".to_owned()
            } else {
                format!("2001:db8::{i:x}")
            };
            let (write, ended) =
                limiter.admit(&address, ProblemCode::ApiTokenInvalid, Millis(T0 + 1));
            assert!(ended.is_none());
            written += u32::from(write);
        }
        assert_eq!(written, 10);
        assert_eq!(limiter.take_ended(Millis(T0 + WINDOW_MS - 1)), None);
        let summary = limiter.take_ended(Millis(T0 + WINDOW_MS)).unwrap();
        assert_eq!(summary.dropped, 99_990);
        assert_eq!(summary.by_code["api_token_invalid"], 99_990);
        assert_eq!(summary.top_addresses.len(), TOP_ADDRESSES);
        assert_eq!(
            summary.top_addresses[0],
            ("198.51.100.1".to_owned(), 49_997)
        );
        // The next minute starts afresh, and a quiet minute has nothing to summarise.
        let (write, ended) = limiter.admit(
            "198.51.100.1",
            ProblemCode::ApiTokenInvalid,
            Millis(T0 + WINDOW_MS + 5),
        );
        assert!(write && ended.is_none());
        assert_eq!(limiter.take_ended(Millis(T0 + 3 * WINDOW_MS)), None);
    }

    #[test]
    fn each_address_and_code_has_its_own_allowance() {
        let limiter = RefusalLimiter::new(2, 100);
        *limiter.window.lock().unwrap() = Window::starting_at(T0);
        let now = Millis(T0);
        let admitted = |ip: &str, code| limiter.admit(ip, code, now).0;
        assert!(admitted("192.0.2.1", ProblemCode::CsrfTokenInvalid));
        assert!(admitted("192.0.2.1", ProblemCode::CsrfTokenInvalid));
        assert!(!admitted("192.0.2.1", ProblemCode::CsrfTokenInvalid));
        assert!(admitted("192.0.2.1", ProblemCode::NotFound));
        assert!(admitted("192.0.2.2", ProblemCode::CsrfTokenInvalid));
    }

    #[test]
    fn normal_steps_are_not_refusals() {
        assert!(is_audited(ProblemCode::CsrfTokenInvalid));
        assert!(is_audited(ProblemCode::ApiTokenInvalid));
        assert!(is_audited(ProblemCode::NotFound));
        assert!(is_audited(ProblemCode::TooManyRequests));
        assert!(!is_audited(ProblemCode::Unauthenticated));
        assert!(!is_audited(ProblemCode::TotpRequired));
        assert!(!is_audited(ProblemCode::ValidationFailed));
    }
}
