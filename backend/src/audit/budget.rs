//! A write budget for audit events that anyone outside can cause over and over in a tenant's
//! own chain (a staff login or session from outside the tenant's network zones: a laptop
//! that left the office makes every one of its page's requests a refusal). Per fixed minute,
//! one event is written per tenant, address and kind (a login, a session, a token),
//! and at most [`PER_TENANT`] per tenant; the
//! rest are counted, and the next event written for that tenant says how many were left out
//! since the one before (`not_recorded_before`). Kept per server process: with several nodes
//! each writes its own share. Memory is bounded by [`MAX_TRACKED`] pairs; beyond that a
//! refusal is counted only.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use crate::clock::Millis;

/// The length of one counting window.
const WINDOW_MS: i64 = 60_000;
/// Events written per tenant in one window.
const PER_TENANT: u32 = 30;
/// Tenant/address/kind triples tracked per window.
const MAX_TRACKED: usize = 4096;

/// One budget (a process-wide one per kind of event: [`Budget::shared`]).
#[derive(Debug, Default)]
pub struct Budget {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    start: i64,
    pairs: HashSet<(String, String, &'static str)>,
    written: HashMap<String, u32>,
    /// Left out per tenant since its last written event (across windows).
    left_out: HashMap<String, u64>,
}

/// What the budget allows for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Write it, saying that this many of the tenant's events were left out before it.
    Write { not_recorded_before: u64 },
    /// Count it only.
    Skip,
}

impl Budget {
    /// The budget of network-zone refusals, shared by every request of this process.
    pub fn network_zone_refusals() -> &'static Budget {
        static BUDGET: LazyLock<Budget> = LazyLock::new(Budget::default);
        &BUDGET
    }

    /// Whether an event of `kind` for `tenant` caused from `address` at `now` is written.
    pub fn admit(&self, tenant: &str, address: &str, kind: &'static str, now: Millis) -> Admission {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let window = now.0 - now.0.rem_euclid(WINDOW_MS);
        if window != s.start {
            s.start = window;
            s.pairs.clear();
            s.written.clear();
        }
        let key = (tenant.to_owned(), address.to_owned(), kind);
        let fresh = !s.pairs.contains(&key) && s.pairs.len() < MAX_TRACKED;
        let room = s.written.get(tenant).copied().unwrap_or(0) < PER_TENANT;
        if fresh && room {
            s.pairs.insert(key);
            *s.written.entry(tenant.to_owned()).or_default() += 1;
            let not_recorded_before = s.left_out.remove(tenant).unwrap_or(0);
            Admission::Write {
                not_recorded_before,
            }
        } else {
            // Bounded too: at most one counter per tenant, and tenants are few.
            *s.left_out.entry(tenant.to_owned()).or_default() += 1;
            Admission::Skip
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = Millis(1_800_000_000_000);

    #[test]
    fn one_event_per_address_and_minute_and_the_rest_counted_into_the_next() {
        let b = Budget::default();
        assert_eq!(
            b.admit("t", "192.0.2.1", "login", T0),
            Admission::Write {
                not_recorded_before: 0
            }
        );
        for i in 1..=5 {
            assert_eq!(
                b.admit("t", "192.0.2.1", "login", Millis(T0.0 + i)),
                Admission::Skip
            );
        }
        // Another kind, another tenant, or another address, has its own share.
        assert_eq!(
            b.admit("t", "192.0.2.1", "session", T0),
            Admission::Write {
                not_recorded_before: 5
            }
        );
        assert!(matches!(
            b.admit("u", "192.0.2.1", "login", T0),
            Admission::Write { .. }
        ));
        assert_eq!(
            b.admit("t", "192.0.2.2", "login", T0),
            Admission::Write {
                not_recorded_before: 0
            }
        );
        // The next minute, the first address is written again.
        assert_eq!(
            b.admit("t", "192.0.2.1", "login", Millis(T0.0 + WINDOW_MS)),
            Admission::Write {
                not_recorded_before: 0
            }
        );
    }

    #[test]
    fn a_tenant_gets_at_most_its_share_a_minute_from_any_number_of_addresses() {
        let b = Budget::default();
        let written = (0..1000)
            .filter(|i| {
                matches!(
                    b.admit("t", &format!("10.0.{}.{}", i / 256, i % 256), "login", T0),
                    Admission::Write { .. }
                )
            })
            .count();
        assert_eq!(written, PER_TENANT as usize);
        assert_eq!(
            b.admit("t", "10.9.9.9", "login", Millis(T0.0 + WINDOW_MS)),
            Admission::Write {
                not_recorded_before: 1000 - PER_TENANT as u64
            }
        );
    }
}
