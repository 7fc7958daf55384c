//! Prometheus metrics at `/metrics` (OpenMetrics text, which Prometheus scrapes): requests by
//! route template and status with their latency, the job queue by kind, seals by PAdES level,
//! the TSAs' latency and failures, mail send failures, the database pool and the process's start
//! time. Counters live in one process-wide registry ([`global`]); the queue and pool gauges are
//! read when scraped.
//!
//! **Never public by default.** On the service's own address `/metrics` answers only with the
//! bearer token the operator configured (`metrics_token_file` or `metrics_token_sha256`; only its
//! SHA-256 is kept, compared in constant time), otherwise 404 like an unknown route. With
//! `metrics_bind` it is served on that separate address too (an internal interface, a port the
//! firewall keeps to the monitoring host), there with the token only when one is configured.

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};
use shared::problem::ProblemCode;
use subtle::ConstantTimeEq;

use crate::api::error::{ApiError, ApiResult};
use crate::clock::Millis;
use crate::db::DbPool;
use crate::startup::AppState;

/// Label pairs of one series.
type Labels = Vec<(&'static str, String)>;
/// A histogram family whose series are made with the same buckets.
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

/// The media type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of a request that matched no route.
const UNMATCHED: &str = "(unmatched)";

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<Labels, Counter>,
    http_duration: Histograms,
    seals: Family<Labels, Counter>,
    tsa_duration: Histograms,
    tsa_failures: Family<Labels, Counter>,
    mail_failures: Family<Labels, Counter>,
    jobs: Family<Labels, Gauge>,
    jobs_oldest_due: Family<Labels, Gauge<f64, AtomicU64>>,
    db_pool: Family<Labels, Gauge>,
    db_pool_max: Gauge,
    database_up: Gauge,
    /// One scrape at a time refreshes the gauges and encodes.
    scrape: Mutex<()>,
}

/// 5 ms … about 20 s: API answers, uploads and the slow public verification.
fn request_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// 10 ms … about 40 s: a TSA answers within a second or two, or times out.
fn tsa_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 13))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::default();
        let m = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(request_buckets as fn() -> Histogram),
            seals: Family::default(),
            tsa_duration: Family::new_with_constructor(tsa_buckets as fn() -> Histogram),
            tsa_failures: Family::default(),
            mail_failures: Family::default(),
            jobs: Family::default(),
            jobs_oldest_due: Family::default(),
            db_pool: Family::default(),
            db_pool_max: Gauge::default(),
            database_up: Gauge::default(),
            scrape: Mutex::new(()),
            registry: Registry::default(),
        };
        registry.register(
            "tachiai_http_requests",
            "HTTP requests answered, by method, route template and status",
            m.http_requests.clone(),
        );
        registry.register(
            "tachiai_http_request_duration_seconds",
            "Time to answer an HTTP request (until the answer's head), by method and route template",
            m.http_duration.clone(),
        );
        registry.register(
            "tachiai_seals",
            "Seals committed, by PAdES level (B-T: the sending and each agreement; B-LTA: the conclusion)",
            m.seals.clone(),
        );
        registry.register(
            "tachiai_tsa_request_duration_seconds",
            "Time-stamp requests of the seal jobs, by TSA and outcome",
            m.tsa_duration.clone(),
        );
        registry.register(
            "tachiai_tsa_request_failures",
            "Time-stamp requests that failed, by TSA",
            m.tsa_failures.clone(),
        );
        registry.register(
            "tachiai_mail_send_failures",
            "Mails that could not be sent, by whether they are retried or given up",
            m.mail_failures.clone(),
        );
        registry.register(
            "tachiai_jobs",
            "Background jobs that are not done, by kind and state (queued, running, dead)",
            m.jobs.clone(),
        );
        registry.register(
            "tachiai_jobs_oldest_due_age_seconds",
            "How long the most overdue queued job of each kind has been due",
            m.jobs_oldest_due.clone(),
        );
        registry.register(
            "tachiai_db_pool_connections",
            "Database connections of this process, by state (in_use, idle)",
            m.db_pool.clone(),
        );
        registry.register(
            "tachiai_db_pool_max_connections",
            "The size of this process's database pool (db_pool_size)",
            m.db_pool_max.clone(),
        );
        registry.register(
            "tachiai_database_up",
            "1 when the database answered the last scrape's queries, else 0",
            m.database_up.clone(),
        );
        let started: Gauge<f64, AtomicU64> = Gauge::default();
        started.set(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        );
        registry.register(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch",
            started,
        );
        Metrics { registry, ..m }
    }

    /// Counts one answered request (the access log calls this).
    pub fn observe_request(
        &self,
        method: &Method,
        route: Option<&str>,
        status: u16,
        took: Duration,
    ) {
        let route = route.unwrap_or(UNMATCHED).to_owned();
        let method = method.as_str().to_owned();
        self.http_duration
            .get_or_create(&vec![("method", method.clone()), ("route", route.clone())])
            .observe(took.as_secs_f64());
        self.http_requests
            .get_or_create(&vec![
                ("method", method),
                ("route", route),
                ("status", status.to_string()),
            ])
            .inc();
    }

    /// Counts a committed seal of `level` (`B-T`, `B-LTA`).
    pub fn seal_made(&self, level: &str) {
        self.seals
            .get_or_create(&vec![("level", level.to_owned())])
            .inc();
    }

    /// Records one time-stamp request to `tsa` (a URL, or `builtin`).
    pub fn tsa_request(&self, tsa: &str, took: Duration, ok: bool) {
        let tsa = tsa_label(tsa);
        let outcome = if ok { "ok" } else { "error" };
        self.tsa_duration
            .get_or_create(&vec![("tsa", tsa.clone()), ("outcome", outcome.to_owned())])
            .observe(took.as_secs_f64());
        if !ok {
            self.tsa_failures.get_or_create(&vec![("tsa", tsa)]).inc();
        }
    }

    /// Counts a mail that could not be sent; `retried`: it will be tried again.
    pub fn mail_failed(&self, retried: bool) {
        let outcome = if retried { "retry" } else { "given_up" };
        self.mail_failures
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// The exposition: the gauges read now from `pool` (its state and the job table), then
    /// every metric, ending with `# EOF`.
    pub fn render(&self, pool: &DbPool) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        let state = pool.state();
        let in_use = state.connections.saturating_sub(state.idle_connections);
        self.db_pool.clear();
        for (s, n) in [("in_use", in_use), ("idle", state.idle_connections)] {
            self.db_pool
                .get_or_create(&vec![("state", s.to_owned())])
                .set(i64::from(n));
        }
        self.db_pool_max.set(i64::from(pool.max_size()));
        self.jobs.clear();
        self.jobs_oldest_due.clear();
        let now = Millis::now();
        let stats = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| Ok(crate::jobs::queue_stats(&mut conn, now)?));
        match stats {
            Ok(stats) => {
                self.database_up.set(1);
                for s in stats {
                    for (state, n) in [
                        ("queued", s.queued),
                        ("running", s.running),
                        ("dead", s.dead),
                    ] {
                        self.jobs
                            .get_or_create(&vec![("kind", s.kind.clone()), ("state", state.into())])
                            .set(n);
                    }
                    let age = s
                        .oldest_due
                        .map_or(0.0, |at| (now.0 - at.0).max(0) as f64 / 1000.0);
                    self.jobs_oldest_due
                        .get_or_create(&vec![("kind", s.kind.clone())])
                        .set(age);
                }
            }
            Err(e) => {
                self.database_up.set(0);
                tracing::warn!(error = %e, "metrics: cannot read the job queue");
            }
        }
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// A TSA's URL as a label: without credentials (`user:pass@`), query or fragment.
fn tsa_label(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}{path}")
}

/// Who may read the metrics: the SHA-256 of the bearer token, when one is configured.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken([u8; 32]);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(sha256: …)")
    }
}

/// The shortest token accepted from a file: guessing it must be hopeless.
const MIN_TOKEN_CHARS: usize = 24;

impl MetricsToken {
    /// The token in `path` (a trailing line break is ignored); only its hash is kept.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<MetricsToken> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "setting `metrics_token_file`: cannot read {}: {e}",
                path.display()
            )
        })?;
        let token = text.trim_end_matches(['\r', '\n']);
        if token.chars().count() < MIN_TOKEN_CHARS || token.chars().any(char::is_whitespace) {
            anyhow::bail!(
                "setting `metrics_token_file`: the token in {} must be at least {MIN_TOKEN_CHARS} characters without spaces",
                path.display()
            );
        }
        Ok(MetricsToken(Sha256::digest(token.as_bytes()).into()))
    }

    /// From its SHA-256 as 64 hex digits (`printf %s "$TOKEN" | sha256sum`).
    pub fn from_sha256_hex(hex: &str) -> anyhow::Result<MetricsToken> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                anyhow::anyhow!("setting `metrics_token_sha256`: not 64 hexadecimal digits")
            })?;
        Ok(MetricsToken(bytes))
    }

    /// Whether `Authorization: Bearer <token>` of `req` is this token (compared in constant
    /// time, as hashes).
    fn admits(&self, req: &HttpRequest) -> bool {
        let Some(token) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        let presented: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        presented[..].ct_eq(&self.0[..]).into()
    }
}

/// Where and how `/metrics` is served (settings `metrics_bind`, `metrics_token_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsAccess {
    /// A separate address serving `/metrics` (and nothing else).
    pub bind: Option<std::net::SocketAddr>,
    /// The bearer token's hash.
    pub token: Option<MetricsToken>,
}

impl MetricsAccess {
    /// From the settings.
    pub fn from_settings(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<MetricsAccess> {
        let bind = get("metrics_bind")
            .map(|b| {
                b.parse().map_err(|_| {
                    anyhow::anyhow!("setting `metrics_bind`: `{b}` is not an address:port")
                })
            })
            .transpose()?;
        let token = match (get("metrics_token_file"), get("metrics_token_sha256")) {
            (Some(_), Some(_)) => anyhow::bail!(
                "settings `metrics_token_file` and `metrics_token_sha256`: set one of them, not both"
            ),
            (Some(file), None) => Some(MetricsToken::from_file(std::path::Path::new(&file))?),
            (None, Some(hex)) => Some(MetricsToken::from_sha256_hex(&hex)?),
            (None, None) => None,
        };
        Ok(MetricsAccess { bind, token })
    }

    /// The effective values for `tachiai config check` (never the token).
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "metrics_bind",
                self.bind
                    .map_or_else(|| "(none)".to_owned(), |b| b.to_string()),
            ),
            (
                "metrics_token",
                match (&self.token, self.bind) {
                    (Some(_), _) => "(set: /metrics needs it)".to_owned(),
                    (None, Some(_)) => "(none: /metrics only on metrics_bind)".to_owned(),
                    (None, None) => "(none: /metrics is off)".to_owned(),
                },
            ),
        ]
    }
}

/// `GET /metrics` on the service's address: only with the configured token, else the answer
/// of an unknown route.
pub async fn on_service_address(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    match &state.config.metrics.token {
        None => Err(ProblemCode::RouteNotFound.into()),
        Some(token) => answer(&req, &state, Some(token)).await,
    }
}

/// `GET /metrics` on `metrics_bind`: with the token when one is configured.
pub async fn on_metrics_address(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    answer(&req, &state, state.config.metrics.token.as_ref()).await
}

async fn answer(
    req: &HttpRequest,
    state: &AppState,
    token: Option<&MetricsToken>,
) -> ApiResult<HttpResponse> {
    if token.is_some_and(|t| !t.admits(req)) {
        return Err(ApiError::from(ProblemCode::MetricsTokenInvalid));
    }
    let pool = state.pool.clone();
    let text = crate::telemetry::block(move || global().render(&pool)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(text))
}

/// The app of `metrics_bind`: `/metrics` only.
pub fn metrics_app(
    state: web::Data<AppState>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(state)
        .route("/metrics", web::get().to(on_metrics_address))
        .default_service(web::to(crate::api::error::route_not_found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsa_labels_drop_credentials_and_queries() {
        assert_eq!(
            tsa_label("https://user:pw@tsa.example.jp:8443/tsp?key=1"),
            "https://tsa.example.jp:8443/tsp"
        );
        assert_eq!(tsa_label("http://127.0.0.1:3180"), "http://127.0.0.1:3180");
        assert_eq!(tsa_label("builtin"), "builtin");
    }

    #[test]
    fn tokens_come_hashed_and_are_checked_as_hashes() {
        let t = MetricsToken::from_sha256_hex(
            "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
        )
        .unwrap();
        let req = |auth: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::AUTHORIZATION, auth))
                .to_http_request()
        };
        // sha256("test")
        assert!(t.admits(&req("Bearer test")));
        assert!(!t.admits(&req("Bearer test2")));
        assert!(!t.admits(&req("Basic test")));
        assert!(MetricsToken::from_sha256_hex("abc").is_err());
        let dir = std::env::temp_dir().join(format!("tachiai-mt-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("token");
        std::fs::write(&f, "short\n").unwrap();
        assert!(MetricsToken::from_file(&f).is_err());
        std::fs::write(&f, "a-long-enough-random-token-0123456789\n").unwrap();
        let from_file = MetricsToken::from_file(&f).unwrap();
        assert!(from_file.admits(&req("Bearer a-long-enough-random-token-0123456789")));
        assert!(!format!("{from_file:?}").contains("0123"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
