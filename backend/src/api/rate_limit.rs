//! Requests per minute: per API token (its tenant's limit, `PUT /settings/rate-limit`, else
//! `rate_limit_token_per_minute`), per client address for the operations that need no login
//! (`rate_limit_anonymous_per_minute`) and, stricter, for the login
//! (`rate_limit_login_per_minute`). Logged-in sessions are not counted here: people at a
//! screen are bounded by the login and its lockouts.
//!
//! Each limit is a token bucket (kept as GCRA: one instant per key): a burst of the whole
//! minute's requests, refilled evenly (one every 60/limit seconds). Answers carry `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers) and `RateLimit-Policy`; a refusal is
//! 429 `rate_limited` with `Retry-After`.
//!
//! The buckets live in this process's memory: behind a load balancer with several server
//! processes, each one limits on its own (the effective limit is the sum). Memory is bounded:
//! at most [`MAX_TRACKED_KEYS`] buckets; when full, the full buckets (indistinguishable from
//! new ones) are dropped first, then the least recently used.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::api::endpoint::{Access, PREFIX};
use crate::api::extract;
use crate::startup::AppState;
use crate::workflow::rate_limits;

/// Most buckets kept at once.
pub const MAX_TRACKED_KEYS: usize = 100_000;

/// Whose requests a bucket counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// One API token (by the digest of its secret).
    Token(String),
    /// One client address (IPv6: its /64), at operations without login.
    Anonymous(IpAddr),
    /// One client address (IPv6: its /64), at the login.
    Login(IpAddr),
}

impl RateKey {
    /// The key of `ip` at the login (`login`) or elsewhere; IPv6 counted per /64 (one subscriber).
    pub fn address(ip: IpAddr, login: bool) -> RateKey {
        let ip = crate::api::budget::rate_key(ip);
        if login {
            RateKey::Login(ip)
        } else {
            RateKey::Anonymous(ip)
        }
    }
}

/// The verdict on one request, and what its headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Requests per minute.
    pub limit: u32,
    /// Requests left right now.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset: u64,
    /// Refused: seconds until the next request is allowed.
    pub retry_after: Option<u64>,
}

impl Decision {
    /// Adds the `RateLimit-*` headers (and `Retry-After` on a refusal).
    pub fn write_headers(&self, h: &mut HeaderMap) {
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(HeaderName::from_static(name), v);
            }
        };
        set("ratelimit-limit", self.limit.to_string());
        set("ratelimit-remaining", self.remaining.to_string());
        set("ratelimit-reset", self.reset.to_string());
        set("ratelimit-policy", format!("{};w=60", self.limit));
        if let Some(after) = self.retry_after {
            set("retry-after", after.to_string());
        }
    }

    /// The 429 `rate_limited` answer, with the headers.
    pub fn refusal(&self) -> HttpResponse {
        let mut res = actix_web::ResponseError::error_response(&crate::api::error::ApiError::from(
            shared::problem::ProblemCode::RateLimited,
        ));
        self.write_headers(res.headers_mut());
        res
    }
}

/// What the layer in front of one operation does (from its `endpoints!` entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The credentials the operation accepts.
    pub access: Access,
    /// A POST that needs a login: `Idempotency-Key` is honoured.
    pub idempotent: bool,
}

/// The layer in front of every `/api/v1` operation: the rate limit, then (for `idempotent`
/// operations) the idempotency key, then the handler; the `RateLimit-*` headers on the answer.
pub async fn enforce(
    policy: Policy,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let decision = decide(policy.access, &req).await;
    if let Some(d) = decision.filter(|d| d.retry_after.is_some()) {
        let (http, _) = req.into_parts();
        return Ok(ServiceResponse::new(http, d.refusal()));
    }
    let mut res = if policy.idempotent {
        crate::api::idempotency::handle(req, next).await?
    } else {
        next.call(req).await?
    };
    if let Some(d) = decision {
        d.write_headers(res.headers_mut());
    }
    Ok(res)
}

/// Which bucket counts the request, and its verdict; `None` for sessions and the health probe.
async fn decide(access: Access, req: &ServiceRequest) -> Option<Decision> {
    let state = req.app_data::<web::Data<AppState>>()?.clone();
    let limits = state.config.rate_limits;
    let http = req.request();
    if access != Access::Public {
        let token = extract::token_actor(http)?;
        if let Ok(actor) = token.await {
            let digest = crate::auth::tokens::digest(&extract::bearer(http)?);
            let tenant = actor.tenant_id;
            let default = limits.token_per_minute;
            let limit = state
                .run(move |conn| rate_limits::token_limit(conn, &tenant, default))
                .await
                .unwrap_or(default);
            return Some(
                state
                    .rate_limiter
                    .check(RateKey::Token(digest), limit, Instant::now()),
            );
        }
        // An unusable token is an anonymous caller.
    }
    let path = req.path().strip_prefix(PREFIX).unwrap_or(req.path());
    // The probes: cheap, or (readiness) cached and run one at a time.
    if path == "/health" || path.starts_with("/health/") {
        return None;
    }
    let login = path == "/auth/login";
    let ip = extract::client_ip(http)?;
    let limit = if login {
        limits.login_per_minute
    } else {
        limits.anonymous_per_minute
    };
    Some(
        state
            .rate_limiter
            .check(RateKey::address(ip, login), limit, Instant::now()),
    )
}

/// One key's state as GCRA keeps it: the theoretical arrival time of the next request.
struct Bucket {
    tat: Instant,
    limit: u32,
    used: Instant,
}

impl Bucket {
    /// The interval one request uses up.
    fn interval(limit: u32) -> Duration {
        Duration::from_secs(60) / limit
    }
}

/// The buckets of this process.
pub struct RateLimiter {
    buckets: Mutex<HashMap<RateKey, Bucket>>,
    max_keys: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(MAX_TRACKED_KEYS)
    }
}

impl RateLimiter {
    /// A limiter keeping at most `max_keys` buckets.
    pub fn new(max_keys: usize) -> RateLimiter {
        RateLimiter {
            buckets: Mutex::new(HashMap::new()),
            max_keys: max_keys.max(1),
        }
    }

    /// Counts one request of `key` against `limit` per minute. A bucket whose limit changed
    /// (the tenant's setting) starts afresh under the new one.
    pub fn check(&self, key: RateKey, limit: u32, now: Instant) -> Decision {
        let limit = limit.max(1);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= self.max_keys && !buckets.contains_key(&key) {
            make_room(&mut buckets, self.max_keys, now);
        }
        let fresh = || Bucket {
            tat: now,
            limit,
            used: now,
        };
        let bucket = buckets.entry(key).or_insert_with(fresh);
        if bucket.limit != limit {
            *bucket = fresh();
        }
        bucket.used = now;
        let interval = Bucket::interval(limit);
        let tolerance = interval * (limit - 1);
        let tat = bucket.tat.max(now);
        let ahead = tat - now;
        let retry_after = (ahead > tolerance).then(|| ceil_secs(ahead - tolerance).max(1));
        if retry_after.is_none() {
            bucket.tat = tat + interval;
        }
        let ahead = bucket.tat - now;
        let remaining = (interval * limit).saturating_sub(ahead).as_nanos() / interval.as_nanos();
        Decision {
            limit,
            remaining: u32::try_from(remaining).unwrap_or(limit),
            reset: ceil_secs(ahead),
            retry_after,
        }
    }

    /// How many buckets are kept.
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Drops the full buckets, then (if still at the cap) the least recently used eighth.
fn make_room(buckets: &mut HashMap<RateKey, Bucket>, max_keys: usize, now: Instant) {
    buckets.retain(|_, b| b.tat > now);
    if buckets.len() < max_keys {
        return;
    }
    let mut times: Vec<Instant> = buckets.values().map(|b| b.used).collect();
    let cut = (times.len() / 8).max(1);
    let (_, &mut oldest_kept, _) = times.select_nth_unstable(cut - 1);
    buckets.retain(|_, b| b.used > oldest_kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(n: u8) -> RateKey {
        RateKey::Token(format!("t{n}"))
    }

    #[test]
    fn a_burst_of_the_limit_then_one_every_interval() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        for left in (0..3).rev() {
            let d = l.check(token(1), 3, t0);
            assert_eq!((d.remaining, d.retry_after), (left, None));
        }
        let refused = l.check(token(1), 3, t0);
        assert_eq!(refused.retry_after, Some(20));
        assert_eq!(refused.reset, 60);
        // 20 s later one request is allowed again (3 per minute: one per 20 s).
        assert_eq!(
            l.check(token(1), 3, t0 + Duration::from_secs(20))
                .retry_after,
            None
        );
        assert!(
            l.check(token(1), 3, t0 + Duration::from_secs(21))
                .retry_after
                .is_some()
        );
        // Another key is counted apart.
        assert_eq!(l.check(token(2), 3, t0).retry_after, None);
    }

    #[test]
    fn a_changed_limit_starts_afresh() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        l.check(token(1), 1, t0);
        assert!(l.check(token(1), 1, t0).retry_after.is_some());
        let d = l.check(token(1), 10, t0);
        assert_eq!((d.retry_after, d.remaining), (None, 9));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_go_first() {
        let l = RateLimiter::new(16);
        let t0 = Instant::now();
        for i in 0..16u8 {
            l.check(token(i), 5, t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(l.tracked(), 16);
        l.check(token(200), 5, t0 + Duration::from_millis(100));
        assert!(l.tracked() <= 16);
        // The newest used key kept its count; the oldest was forgotten.
        let buckets = l.buckets.lock().unwrap();
        assert!(buckets.contains_key(&token(15)));
        assert!(!buckets.contains_key(&token(0)));
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        let a = RateKey::address("2001:db8:1:2::1".parse().unwrap(), false);
        let b = RateKey::address("2001:db8:1:2:ffff::9".parse().unwrap(), false);
        assert_eq!(a, b);
        assert_ne!(
            a,
            RateKey::address("2001:db8:1:2::1".parse().unwrap(), true)
        );
    }
}
