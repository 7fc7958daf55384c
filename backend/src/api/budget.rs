//! What an anonymous caller may make the service spend on the public verifier: a few slots for
//! verifications at once and a number per client address and minute. The CPU and memory of each
//! one are bounded by the PDF reader's own budget (`pades::ReadLimits`); these bound how many run.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use shared::problem::ProblemCode;

use crate::config::VerifyLimits;

/// Most client addresses remembered by the rate limiter; when full (after forgetting the
/// expired), new addresses are refused until a minute has passed, so memory stays bounded
/// whatever number of addresses an attacker has.
const MAX_TRACKED_CLIENTS: usize = 65_536;

/// Slots and per-address counts of the public verifier.
pub struct VerifyGate {
    limits: VerifyLimits,
    running: Arc<AtomicUsize>,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// A verification slot, given back when dropped (also when its thread outlives a timeout: the
/// slot stays taken until the work has really stopped).
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl VerifyGate {
    /// A gate with these limits.
    pub fn new(limits: VerifyLimits) -> VerifyGate {
        VerifyGate {
            limits,
            running: Arc::new(AtomicUsize::new(0)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The limits.
    pub fn limits(&self) -> VerifyLimits {
        self.limits
    }

    /// Counts one verification for `client` and takes a slot, or says why not: over the
    /// per-minute count (`verification_rate_limited`) or every slot busy (`verification_busy`).
    pub fn enter(&self, client: Option<IpAddr>, now: Instant) -> Result<Slot, ProblemCode> {
        if let Some(ip) = client {
            self.count(rate_key(ip), now)?;
        }
        let limit = self.limits.concurrency;
        self.running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map(|_| Slot(self.running.clone()))
            .map_err(|_| ProblemCode::VerificationBusy)
    }

    fn count(&self, key: IpAddr, now: Instant) -> Result<(), ProblemCode> {
        const WINDOW: Duration = Duration::from_secs(60);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= MAX_TRACKED_CLIENTS && !windows.contains_key(&key) {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            if windows.len() >= MAX_TRACKED_CLIENTS {
                return Err(ProblemCode::VerificationRateLimited);
            }
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.limits.per_minute {
            return Err(ProblemCode::VerificationRateLimited);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// IPv6 clients are counted per /64 (one subscriber's network), IPv4 per address (also by
/// `rate_limit`).
pub(crate) fn rate_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let mut o = v6.octets();
            o[8..].fill(0);
            IpAddr::V6(o.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(concurrency: usize, per_minute: u32) -> VerifyGate {
        VerifyGate::new(VerifyLimits {
            max_bytes: 1,
            concurrency,
            timeout: Duration::from_secs(1),
            per_minute,
        })
    }

    #[test]
    fn slots_are_limited_and_given_back() {
        let g = gate(2, 100);
        let now = Instant::now();
        let a = g.enter(None, now).unwrap();
        let _b = g.enter(None, now).unwrap();
        assert_eq!(
            g.enter(None, now).err(),
            Some(ProblemCode::VerificationBusy)
        );
        drop(a);
        assert!(g.enter(None, now).is_ok());
    }

    #[test]
    fn each_address_gets_its_count_per_minute() {
        let g = gate(100, 3);
        let t0 = Instant::now();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        for _ in 0..3 {
            drop(g.enter(Some(ip), t0).unwrap());
        }
        assert_eq!(
            g.enter(Some(ip), t0).err(),
            Some(ProblemCode::VerificationRateLimited)
        );
        assert!(g.enter(Some(other), t0).is_ok());
        // The same /64 is one client.
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        for _ in 0..3 {
            drop(g.enter(Some(v6a), t0).unwrap());
        }
        assert!(g.enter(Some(v6b), t0).is_err());
        assert!(g.enter(Some(ip), t0 + Duration::from_secs(61)).is_ok());
    }
}
