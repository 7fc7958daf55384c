//! Configuration: built-in defaults, then an optional TOML file, then `TACHIAI_*` environment
//! variables. `tachiai serve` with nothing set runs: SQLite and everything else under `./data`.
//!
//! Every setting is listed once in [`SETTINGS`]; `tachiai config check` prints the effective
//! values and the README's table is this list.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::db::DatabaseUrl;

/// One setting: its TOML key (the env name is `TACHIAI_` + upper case), default, and meaning.
pub struct Setting {
    /// TOML key.
    pub key: &'static str,
    /// Default, as text; empty means unset.
    pub default: &'static str,
    /// What it does.
    pub doc: &'static str,
}

/// 00:00 UTC of a `YYYY-MM-DD` date, Unix milliseconds.
fn utc_date_ms(date: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| date.get(r)?.parse::<i32>().ok();
    if date.len() != 10 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(n(5..7)?).ok()?).ok()?;
    let day =
        time::Date::from_calendar_date(n(0..4)?, month, u8::try_from(n(8..10)?).ok()?).ok()?;
    Some((day.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Every setting there is.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "data_dir",
        default: "./data",
        doc: "Directory for the SQLite database, blobs, outbox and development PKI.",
    },
    Setting {
        key: "database_url",
        default: "<data_dir>/tachiai.db",
        doc: "A file path or sqlite://path for SQLite; postgres://user@host/db for PostgreSQL.",
    },
    Setting {
        key: "db_pool_size",
        default: "8",
        doc: "Database connections per process.",
    },
    Setting {
        key: "bind",
        default: "127.0.0.1:8080",
        doc: "Address and port the HTTP server listens on.",
    },
    Setting {
        key: "public_url",
        default: "http://<bind>",
        doc: "The URL users reach the service at; https:// makes cookies Secure. Also the expected Origin of browser requests. A tenant's network zones may set their own URLs (PUT /api/v1/settings/network-zones); this is their fallback.",
    },
    Setting {
        key: "dist_dir",
        default: "./dist",
        doc: "The built browser app (trunk build) served at /.",
    },
    Setting {
        key: "initial_tenant_code",
        default: "dev",
        doc: "団体コード of the tenant created on first start when the database has none.",
    },
    Setting {
        key: "initial_tenant_name",
        default: "開発用団体",
        doc: "団体名 of that tenant.",
    },
    Setting {
        key: "initial_admin_password",
        default: "",
        doc: "Password of the first admin (login ID admin); when unset, one is generated and printed once.",
    },
    Setting {
        key: "max_json_bytes",
        default: "65536",
        doc: "Largest accepted JSON request body in bytes.",
    },
    Setting {
        key: "max_upload_bytes",
        default: "52428800",
        doc: "Largest uploaded file in bytes (50 MB).",
    },
    Setting {
        key: "max_contract_bytes",
        default: "104857600",
        doc: "Largest total of a contract's files in bytes (100 MB).",
    },
    Setting {
        key: "max_verify_bytes",
        default: "20971520",
        doc: "Largest PDF the public verification page (POST /api/v1/verify, no login) accepts, in bytes (20 MB).",
    },
    Setting {
        key: "verify_concurrency",
        default: "2",
        doc: "Public verifications running at once; more get 429 verification_busy.",
    },
    Setting {
        key: "verify_timeout_seconds",
        default: "20",
        doc: "Longest one public verification may take; it is stopped and answered 503 verification_timeout.",
    },
    Setting {
        key: "verify_per_minute",
        default: "10",
        doc: "Public verifications per client address per minute; more get 429 verification_rate_limited.",
    },
    Setting {
        key: "trusted_proxies",
        default: "",
        doc: "Reverse proxies (comma-separated CIDR blocks, e.g. 10.0.0.0/8,::1) whose Forwarded / X-Forwarded-For headers give the client's address; empty: the TCP peer is the client.",
    },
    Setting {
        key: "tsa_urls",
        default: "",
        doc: "RFC 3161 time-stamp authorities, comma-separated, tried in order; empty: the built-in TSA of the development PKI.",
    },
    Setting {
        key: "seal_p12",
        default: "",
        doc: "The seal key as a PKCS#12 file (key, certificate and chain). Unset, with no other seal key: the development PKI, with a warning.",
    },
    Setting {
        key: "seal_p12_password_file",
        default: "",
        doc: "A file holding the PKCS#12 password (a trailing line break is ignored); unset: the empty password.",
    },
    Setting {
        key: "seal_key",
        default: "",
        doc: "The seal key as a PEM private key file (PKCS#8, SEC1 or PKCS#1), with seal_cert.",
    },
    Setting {
        key: "seal_cert",
        default: "",
        doc: "The seal certificate (PEM) for seal_key; with PKCS#11, a certificate file instead of the token's certificate object.",
    },
    Setting {
        key: "seal_chain",
        default: "",
        doc: "The seal certificate's CA certificates (one PEM file, any order, up to the root); the root becomes the trust anchor of the service's verifier.",
    },
    Setting {
        key: "seal_pkcs11_module",
        default: "",
        doc: "The seal key in a PKCS#11 token (HSM): path of the module, e.g. /usr/lib/softhsm/libsofthsm2.so.",
    },
    Setting {
        key: "seal_pkcs11_token_label",
        default: "",
        doc: "The label of the token holding the seal key.",
    },
    Setting {
        key: "seal_pkcs11_key_label",
        default: "",
        doc: "The label of the private key (and of its certificate in the token).",
    },
    Setting {
        key: "seal_pkcs11_pin_file",
        default: "",
        doc: "A file holding the token's user PIN (a trailing line break is ignored; a wrong PIN is never retried).",
    },
    Setting {
        key: "concluded_link_days",
        default: "30",
        doc: "How long the download link in the 'concluded' mail to each counterparty works, in days (1-365).",
    },
    Setting {
        key: "ltv_margin_days",
        default: "365",
        doc: "Renew a sealed file's archive timestamp (長期署名の延長) this many days before its TSA certificate or its hash algorithm's horizon ends (1-3650).",
    },
    Setting {
        key: "ltv_sha256_horizon",
        default: "2050-01-01",
        doc: "The date (UTC) until which SHA-256 timestamps are relied on (NIST SP 800-57 Pt 1 Rev 5 and CRYPTREC list SHA-256 without an end date; a review date): archive timestamps are renewed ltv_margin_days before it.",
    },
    Setting {
        key: "job_lease_seconds",
        default: "300",
        doc: "How long a background job (sealing, mail) is held by the worker that claimed it; a job whose server died is taken over after this.",
    },
    Setting {
        key: "login_max_failures",
        default: "5",
        doc: "Failed logins in a row before an account is locked.",
    },
    Setting {
        key: "login_lockout_minutes",
        default: "15",
        doc: "How long a locked account stays locked.",
    },
    Setting {
        key: "ip_max_failures",
        default: "30",
        doc: "Failed logins from one address within 15 minutes before that address is throttled.",
    },
    Setting {
        key: "secret_key",
        default: "<data_dir>/secret.key",
        doc: "Base64 of 32 random bytes that encrypt TOTP secrets at rest. Unset: a key file created (0600) in the data directory on first start. Several servers on one database need the same key.",
    },
    Setting {
        key: "secret_key_previous",
        default: "",
        doc: "During a key rotation, the former secret_key: values sealed with it still open and are re-encrypted with secret_key at start.",
    },
    Setting {
        key: "audit_key",
        default: "<data_dir>/audit.key",
        doc: "The audit log's HMAC key, 32 bytes as 64 hex characters or base64; when unset, the key file in data_dir (created on first start, mode 0600) is used. Keep it: without it the log cannot be verified. Never printed.",
    },
    Setting {
        key: "audit_refusals_per_address",
        default: "10",
        doc: "Refused requests (bad origin, invalid token, throttled, unknown object) audited per client address and problem code per minute; further ones are counted in one summary event.",
    },
    Setting {
        key: "audit_refusals_per_minute",
        default: "120",
        doc: "Refused requests audited per minute in all, whatever their address; bounds the system chain's growth under a flood.",
    },
    Setting {
        key: "mail_transport",
        default: "file",
        doc: "file: each mail becomes an .eml file in outbox_dir; smtp: mail goes to smtp_host.",
    },
    Setting {
        key: "mail_from",
        default: crate::mail::DEFAULT_FROM,
        doc: "Address in the From of every mail (and the domain of its Message-ID).",
    },
    Setting {
        key: "mail_from_name",
        default: crate::mail::DEFAULT_FROM_NAME,
        doc: "Display name in the From of every mail.",
    },
    Setting {
        key: "outbox_dir",
        default: "<data_dir>/outbox",
        doc: "Where the file transport writes mails (20261125T154501.123Z-<uuid>.eml, written atomically).",
    },
    Setting {
        key: "smtp_host",
        default: "",
        doc: "SMTP relay host name; required with mail_transport = smtp.",
    },
    Setting {
        key: "smtp_port",
        default: "587 / 465 / 25",
        doc: "SMTP port; the default follows smtp_security (starttls / tls / none).",
    },
    Setting {
        key: "smtp_security",
        default: "starttls",
        doc: "starttls (required, not opportunistic), tls (TLS from the start) or none (a relay on a trusted network only).",
    },
    Setting {
        key: "smtp_username",
        default: "",
        doc: "SMTP AUTH user name (with smtp_password).",
    },
    Setting {
        key: "smtp_password",
        default: "",
        doc: "SMTP AUTH password; never printed.",
    },
    Setting {
        key: "smtp_timeout_seconds",
        default: "30",
        doc: "Timeout of each SMTP network operation; a relay that does not answer is retried later.",
    },
    Setting {
        key: "log",
        default: "info",
        doc: "Log filter (tracing EnvFilter syntax), e.g. info,tachiai=debug.",
    },
    // Backups (backup/schedule.rs).
    Setting {
        key: "backup_dir",
        default: "",
        doc: "Where the daily backup goes (tachiai-backup-YYYY-MM-DD, database snapshot + blobs + manifest); empty: no scheduled backup. Best on another disk or file system than data_dir.",
    },
    Setting {
        key: "backup_keep",
        default: "7",
        doc: "Daily backups kept in backup_dir; older ones made by the schedule are removed.",
    },
    Setting {
        key: "backup_time",
        default: "02:00",
        doc: "Time of day (HH:MM, Japan time) from which the day's backup is due; one server makes it.",
    },
    // Idempotency keys and rate limits.
    Setting {
        key: "rate_limit_token_per_minute",
        default: "600",
        doc: "Requests per minute and API token, for tenants that set no limit of their own (PUT /api/v1/settings/rate-limit); more get 429 rate_limited.",
    },
    Setting {
        key: "rate_limit_anonymous_per_minute",
        default: "300",
        doc: "Requests per minute and client address to the operations that need no login (signing and verification pages); more get 429 rate_limited. Counted in each server process.",
    },
    Setting {
        key: "rate_limit_login_per_minute",
        default: "60",
        doc: "Login attempts per minute and client address (besides the lockouts after failures); more get 429 rate_limited.",
    },
    // Webhooks (workflow/webhooks).
    Setting {
        key: "webhook_allow_private_addresses",
        default: "false",
        doc: "true lets webhook endpoints point to loopback, private, link-local and other internal addresses (a receiver on the same host or network, tests); false refuses them, so a tenant administrator cannot make the server call into its own network.",
    },
    Setting {
        key: "webhook_max_attempts",
        default: "12",
        doc: "Attempts of one webhook delivery before it is given up (dead); retries back off 10 s, 20 s, 40 s … up to 1 h (about 2.4 hours for 12).",
    },
    Setting {
        key: "job_poll_seconds",
        default: "5",
        doc: "How often an idle background worker looks for jobs nothing woke it for (1-3600): a queued job wakes the workers at once (in every server process on PostgreSQL), so this is only the fallback, e.g. for jobs queued by a CLI command on SQLite.",
    },
    // Several nodes: graceful shutdown.
    Setting {
        key: "shutdown_timeout_seconds",
        default: "30",
        doc: "On SIGTERM (systemctl stop), how long requests in progress and the job each background worker is running may take to finish (1-3600); no new job is taken meanwhile. What is still running then is cut off: a cut request gets no answer, a cut job is taken over by another node when its lease runs out.",
    },
    // The blob store (storage.rs, storage/s3.rs).
    Setting {
        key: "blob_store",
        default: "local",
        doc: "Where uploaded and sealed files are kept: local (<data_dir>/blobs) or s3://bucket/prefix, an S3-compatible bucket shared by several servers (checked at start: a wrong endpoint, missing bucket or refused credentials stop the server).",
    },
    Setting {
        key: "s3_endpoint",
        default: "https://s3.<s3_region>.amazonaws.com",
        doc: "The S3 service's URL, e.g. http://127.0.0.1:9000 for MinIO.",
    },
    Setting {
        key: "s3_region",
        default: "us-east-1",
        doc: "The region that signs S3 requests (SigV4).",
    },
    Setting {
        key: "s3_path_style",
        default: "false",
        doc: "true: path-style URLs (endpoint/bucket/key, MinIO and most self-hosted services); false: virtual-host style (bucket.endpoint/key, AWS).",
    },
    Setting {
        key: "s3_access_key_id",
        default: "",
        doc: "The S3 access key ID (required with an s3:// blob_store).",
    },
    Setting {
        key: "s3_secret_access_key",
        default: "",
        doc: "The S3 secret access key; never printed. Prefer s3_secret_access_key_file or the environment (TACHIAI_S3_SECRET_ACCESS_KEY) to the config file.",
    },
    Setting {
        key: "s3_secret_access_key_file",
        default: "",
        doc: "A file holding the S3 secret access key (a trailing line break is ignored), instead of s3_secret_access_key.",
    },
    // Observability: log format and metrics.
    Setting {
        key: "log_format",
        default: "text",
        doc: "text: human-readable log lines; json: one JSON object per line with the fields of the line and its spans (request_id, tenant_id, contract_id, job_id …) as members.",
    },
    Setting {
        key: "metrics_bind",
        default: "",
        doc: "A separate address:port (e.g. 10.0.0.5:9464) that serves the Prometheus metrics at /metrics and nothing else, without a token unless one is set; empty: no such listener.",
    },
    Setting {
        key: "metrics_token_file",
        default: "",
        doc: "A file holding the bearer token (at least 24 characters) that /metrics needs, on the service's address and on metrics_bind; only its SHA-256 is kept. Without a token /metrics on the service's address answers 404.",
    },
    Setting {
        key: "metrics_token_sha256",
        default: "",
        doc: "Instead of metrics_token_file: the token's SHA-256 as 64 hex digits (printf %s \"$TOKEN\" | sha256sum), so the configuration never holds the token itself.",
    },
    // SMS verification of counterparties (sms.rs).
    Setting {
        key: "sms_provider_url",
        default: "",
        doc: "The SMS gateway for counterparties' SMS verification (SMS認証): one-time codes are POSTed here as JSON {\"to\": \"+8190…\", \"body\": \"…\"} with Authorization: Bearer <sms_provider_key>; any 2xx means accepted. Unset: no SMS verification (a sender asking for it is refused with sms_not_configured).",
    },
    Setting {
        key: "sms_provider_key",
        default: "",
        doc: "The bearer key for sms_provider_url.",
    },
    Setting {
        key: "sms_provider_key_file",
        default: "",
        doc: "A file holding the bearer key for sms_provider_url instead of sms_provider_key (a trailing line break is ignored).",
    },
];

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database.
    pub database_url: DatabaseUrl,
    /// Pool size.
    pub db_pool_size: u32,
    /// Listen address.
    pub bind: SocketAddr,
    /// Public URL, without trailing slash.
    pub public_url: String,
    /// Built frontend.
    pub dist_dir: PathBuf,
    /// First tenant's code.
    pub initial_tenant_code: String,
    /// First tenant's name.
    pub initial_tenant_name: String,
    /// First admin's password, if given.
    pub initial_admin_password: Option<String>,
    /// JSON body limit.
    pub max_json_bytes: usize,
    /// Largest uploaded file.
    pub max_upload_bytes: u64,
    /// Largest total of a contract's files.
    pub max_contract_bytes: u64,
    /// Budgets of the public verifier.
    pub verify: VerifyLimits,
    /// Requests per minute: API tokens, anonymous callers, logins.
    pub rate_limits: RateLimits,
    /// Proxies whose forwarded headers name the client.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// External TSAs (empty: the built-in one).
    pub tsa_urls: Vec<String>,
    /// The seal key; `None`: the development PKI.
    pub seal: Option<crate::seal::SealKeySource>,
    /// How long a worker holds a claimed job before another may take it over.
    pub job_lease: std::time::Duration,
    /// Days the counterparties' download link after conclusion works.
    pub concluded_link_days: u32,
    /// Days before an archive timestamp ends that it is renewed.
    pub ltv_margin_days: u32,
    /// Until when SHA-256 imprints are relied on, Unix milliseconds (00:00 UTC of the date).
    pub ltv_sha256_horizon: i64,
    /// Lockout threshold.
    pub login_max_failures: i32,
    /// Lockout duration.
    pub login_lockout_minutes: i64,
    /// Per-address throttle.
    pub ip_max_failures: i64,
    /// The key sealing stored secrets (base64); `None`: the data directory's key file.
    pub secret_key: Option<String>,
    /// The former key during a rotation (base64).
    pub secret_key_previous: Option<String>,
    /// The audit key (hex), when given in the configuration rather than the key file.
    pub audit_key: Option<String>,
    /// Refusals audited per address and code per minute.
    pub audit_refusals_per_address: u32,
    /// Refusals audited per minute in all.
    pub audit_refusals_per_minute: u32,
    /// Log filter.
    pub log: String,
    /// Mail sender and transport.
    pub mail: crate::mail::MailConfig,
    /// The daily backup.
    pub backup: crate::backup::schedule::BackupSchedule,
    /// Webhook delivery policy.
    pub webhooks: crate::workflow::webhooks::WebhookPolicy,
    /// How often an idle job worker polls when nothing wakes it.
    pub job_poll: std::time::Duration,
    /// How long a stopping server waits for requests and jobs in progress.
    pub shutdown_timeout: std::time::Duration,
    /// Where blobs are kept.
    pub blob_store: crate::storage::BlobStoreConfig,
    /// Text or JSON log lines.
    pub log_format: crate::telemetry::LogFormat,
    /// Where `/metrics` is served and the token it needs.
    pub metrics: crate::metrics::MetricsAccess,
    /// The SMS provider; `None`: no SMS verification.
    pub sms: Option<crate::sms::SmsSettings>,
}

/// Requests per minute that the in-process rate limiter (`api::rate_limit`) allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Per API token, unless its tenant set its own.
    pub token_per_minute: u32,
    /// Per client address, to operations that need no login.
    pub anonymous_per_minute: u32,
    /// Per client address, to the login.
    pub login_per_minute: u32,
}

/// What one anonymous caller may make the public verifier (`POST /api/v1/verify`) spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimits {
    /// Largest body.
    pub max_bytes: u64,
    /// Verifications at once (the rest: 429).
    pub concurrency: usize,
    /// Longest one may run.
    pub timeout: std::time::Duration,
    /// Per client address and minute.
    pub per_minute: u32,
}

impl Config {
    /// Whether cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Loads defaults, then `file` (if any), then the process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::from_sources(file, &env)
    }

    /// Like [`Config::load`] with an explicit environment (tests).
    pub fn from_sources(file: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Config> {
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            let table: toml::Table = text
                .parse()
                .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
            for (k, v) in table {
                if !SETTINGS.iter().any(|s| s.key == k) {
                    bail!("unknown setting `{k}` in {}", path.display());
                }
                let v = match v {
                    toml::Value::String(s) => s,
                    other => other.to_string(),
                };
                values.insert(k, v);
            }
        }
        for (name, v) in env {
            if let Some(k) = name.strip_prefix("TACHIAI_") {
                let k = k.to_ascii_lowercase();
                if SETTINGS.iter().any(|s| s.key == k) {
                    values.insert(k, v.clone());
                }
            }
        }
        let get = |k: &str| values.get(k).map(String::as_str).filter(|v| !v.is_empty());
        fn num<T: std::str::FromStr>(k: &str, v: Option<&str>, default: T) -> anyhow::Result<T> {
            match v {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| anyhow::anyhow!("setting `{k}`: `{v}` is not a valid number")),
            }
        }

        let data_dir = PathBuf::from(get("data_dir").unwrap_or("./data"));
        let database_url = DatabaseUrl::parse(&match get("database_url") {
            Some(url) => url.to_owned(),
            None => data_dir.join("tachiai.db").to_string_lossy().into_owned(),
        });
        let bind_text = get("bind").unwrap_or("127.0.0.1:8080");
        let bind: SocketAddr = bind_text
            .parse()
            .map_err(|_| anyhow::anyhow!("setting `bind`: `{bind_text}` is not an address:port"))?;
        let public_url = get("public_url")
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{bind}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("setting `public_url`: `{public_url}` must start with http:// or https://");
        }
        let mail =
            crate::mail::MailConfig::from_settings(&|k| get(k).map(str::to_owned), &data_dir)?;
        let seal = crate::seal::SealKeySource::from_settings(&|k| get(k).map(str::to_owned))?;
        Ok(Config {
            mail,
            seal,
            database_url,
            db_pool_size: num("db_pool_size", get("db_pool_size"), 8)?.max(1),
            bind,
            public_url,
            dist_dir: PathBuf::from(get("dist_dir").unwrap_or("./dist")),
            initial_tenant_code: get("initial_tenant_code").unwrap_or("dev").to_owned(),
            initial_tenant_name: get("initial_tenant_name")
                .unwrap_or("開発用団体")
                .to_owned(),
            initial_admin_password: get("initial_admin_password").map(str::to_owned),
            max_json_bytes: num("max_json_bytes", get("max_json_bytes"), 65_536)?,
            max_upload_bytes: num("max_upload_bytes", get("max_upload_bytes"), 50 << 20)?,
            max_contract_bytes: num("max_contract_bytes", get("max_contract_bytes"), 100 << 20)?,
            verify: VerifyLimits {
                max_bytes: num("max_verify_bytes", get("max_verify_bytes"), 20 << 20)?,
                concurrency: num("verify_concurrency", get("verify_concurrency"), 2)?.max(1),
                timeout: std::time::Duration::from_secs(
                    num("verify_timeout_seconds", get("verify_timeout_seconds"), 20)?.max(1),
                ),
                per_minute: num("verify_per_minute", get("verify_per_minute"), 10)?.max(1),
            },
            trusted_proxies: crate::client_addr::TrustedProxies::parse(
                get("trusted_proxies").unwrap_or(""),
            )
            .map_err(|e| anyhow::anyhow!("setting `trusted_proxies`: {e}"))?,
            tsa_urls: get("tsa_urls")
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(|u| {
                    if u.starts_with("http://") || u.starts_with("https://") {
                        Ok(u.to_owned())
                    } else {
                        Err(anyhow::anyhow!(
                            "setting `tsa_urls`: `{u}` is not an http(s) URL"
                        ))
                    }
                })
                .collect::<anyhow::Result<_>>()?,
            job_lease: std::time::Duration::from_secs(
                num(
                    "job_lease_seconds",
                    get("job_lease_seconds"),
                    crate::jobs::DEFAULT_LEASE.as_secs(),
                )?
                .max(1),
            ),
            concluded_link_days: num("concluded_link_days", get("concluded_link_days"), 30)?
                .clamp(1, 365),
            ltv_margin_days: num("ltv_margin_days", get("ltv_margin_days"), 365)?.clamp(1, 3650),
            ltv_sha256_horizon: utc_date_ms(get("ltv_sha256_horizon").unwrap_or("2050-01-01"))
                .ok_or_else(|| {
                    anyhow::anyhow!("setting `ltv_sha256_horizon`: not a date YYYY-MM-DD")
                })?,
            login_max_failures: num("login_max_failures", get("login_max_failures"), 5)?.max(1),
            login_lockout_minutes: num("login_lockout_minutes", get("login_lockout_minutes"), 15)?,
            ip_max_failures: num("ip_max_failures", get("ip_max_failures"), 30)?.max(1),
            secret_key: get("secret_key").map(str::to_owned),
            secret_key_previous: get("secret_key_previous").map(str::to_owned),
            audit_key: get("audit_key").map(str::to_owned),
            audit_refusals_per_address: num(
                "audit_refusals_per_address",
                get("audit_refusals_per_address"),
                10,
            )?,
            audit_refusals_per_minute: num(
                "audit_refusals_per_minute",
                get("audit_refusals_per_minute"),
                120,
            )?,
            rate_limits: RateLimits {
                token_per_minute: num(
                    "rate_limit_token_per_minute",
                    get("rate_limit_token_per_minute"),
                    600,
                )?
                .max(1),
                anonymous_per_minute: num(
                    "rate_limit_anonymous_per_minute",
                    get("rate_limit_anonymous_per_minute"),
                    300,
                )?
                .max(1),
                login_per_minute: num(
                    "rate_limit_login_per_minute",
                    get("rate_limit_login_per_minute"),
                    60,
                )?
                .max(1),
            },
            log: get("log").unwrap_or("info").to_owned(),
            backup: crate::backup::schedule::BackupSchedule::from_settings(&|k| {
                get(k).map(str::to_owned)
            })?,
            webhooks: crate::workflow::webhooks::WebhookPolicy::from_settings(&|k| {
                get(k).map(str::to_owned)
            })?,
            job_poll: std::time::Duration::from_secs(
                num(
                    "job_poll_seconds",
                    get("job_poll_seconds"),
                    crate::jobs::DEFAULT_POLL_INTERVAL.as_secs(),
                )?
                .clamp(1, 3600),
            ),
            shutdown_timeout: std::time::Duration::from_secs(
                num(
                    "shutdown_timeout_seconds",
                    get("shutdown_timeout_seconds"),
                    30,
                )?
                .clamp(1, 3600),
            ),
            blob_store: crate::storage::BlobStoreConfig::from_settings(&|k| {
                get(k).map(str::to_owned)
            })?,
            log_format: match get("log_format") {
                None => crate::telemetry::LogFormat::Text,
                Some(f) => crate::telemetry::LogFormat::parse(f).ok_or_else(|| {
                    anyhow::anyhow!("setting `log_format`: `{f}` is neither text nor json")
                })?,
            },
            metrics: crate::metrics::MetricsAccess::from_settings(&|k| get(k).map(str::to_owned))?,
            sms: crate::sms::SmsSettings::from_settings(&|k| get(k).map(str::to_owned))?,
            data_dir,
        })
    }

    /// The effective values, one `key = value` per line, secrets masked.
    pub fn describe(&self) -> String {
        let db = match self.database_url.kind {
            shared::dto::DatabaseKind::Sqlite => format!("sqlite://{}", self.database_url.target),
            shared::dto::DatabaseKind::Postgres => mask_password(&self.database_url.target),
        };
        let rows = [
            ("data_dir", self.data_dir.display().to_string()),
            ("database_url", db),
            ("db_pool_size", self.db_pool_size.to_string()),
            ("bind", self.bind.to_string()),
            ("public_url", self.public_url.clone()),
            ("dist_dir", self.dist_dir.display().to_string()),
            ("initial_tenant_code", self.initial_tenant_code.clone()),
            ("initial_tenant_name", self.initial_tenant_name.clone()),
            (
                "initial_admin_password",
                if self.initial_admin_password.is_some() {
                    "(set)"
                } else {
                    "(generated on first start)"
                }
                .into(),
            ),
            ("max_json_bytes", self.max_json_bytes.to_string()),
            ("max_upload_bytes", self.max_upload_bytes.to_string()),
            ("max_contract_bytes", self.max_contract_bytes.to_string()),
            ("max_verify_bytes", self.verify.max_bytes.to_string()),
            ("verify_concurrency", self.verify.concurrency.to_string()),
            (
                "verify_timeout_seconds",
                self.verify.timeout.as_secs().to_string(),
            ),
            ("verify_per_minute", self.verify.per_minute.to_string()),
            (
                "trusted_proxies",
                if self.trusted_proxies.is_empty() {
                    "(none: the TCP peer is the client)".into()
                } else {
                    self.trusted_proxies.to_string()
                },
            ),
            (
                "tsa_urls",
                if self.tsa_urls.is_empty() {
                    "(built-in TSA)".into()
                } else {
                    self.tsa_urls.join(",")
                },
            ),
            (
                "seal",
                match &self.seal {
                    Some(source) => source.describe(),
                    None => "(development PKI: not for production)".into(),
                },
            ),
            ("job_lease_seconds", self.job_lease.as_secs().to_string()),
            ("concluded_link_days", self.concluded_link_days.to_string()),
            ("ltv_margin_days", self.ltv_margin_days.to_string()),
            (
                "ltv_sha256_horizon",
                crate::clock::rfc3339(self.ltv_sha256_horizon)
                    .get(..10)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            ("login_max_failures", self.login_max_failures.to_string()),
            (
                "login_lockout_minutes",
                self.login_lockout_minutes.to_string(),
            ),
            ("ip_max_failures", self.ip_max_failures.to_string()),
            (
                "secret_key",
                match &self.secret_key {
                    Some(_) => "(set)".into(),
                    None => {
                        crate::secrets::key_path(&self.data_dir, crate::secrets::SECRET_KEY_NAME)
                            .display()
                            .to_string()
                    }
                },
            ),
            (
                "secret_key_previous",
                if self.secret_key_previous.is_some() {
                    "(set)"
                } else {
                    "(none)"
                }
                .into(),
            ),
            (
                "audit_key",
                match self.audit_key {
                    Some(_) => "(set)".into(),
                    None => crate::audit::key::key_path(&self.data_dir)
                        .display()
                        .to_string(),
                },
            ),
            (
                "audit_refusals_per_address",
                self.audit_refusals_per_address.to_string(),
            ),
            (
                "audit_refusals_per_minute",
                self.audit_refusals_per_minute.to_string(),
            ),
            (
                "rate_limit_token_per_minute",
                self.rate_limits.token_per_minute.to_string(),
            ),
            (
                "rate_limit_anonymous_per_minute",
                self.rate_limits.anonymous_per_minute.to_string(),
            ),
            (
                "rate_limit_login_per_minute",
                self.rate_limits.login_per_minute.to_string(),
            ),
            ("log", self.log.clone()),
            ("job_poll_seconds", self.job_poll.as_secs().to_string()),
            (
                "shutdown_timeout_seconds",
                self.shutdown_timeout.as_secs().to_string(),
            ),
            ("log_format", self.log_format.as_str().to_owned()),
        ];
        let mail = self.mail.describe();
        let backup = self.backup.describe();
        let webhooks = self.webhooks.describe();
        let blob_store = self.blob_store.describe();
        let metrics = self.metrics.describe();
        let sms = crate::sms::SmsSettings::describe(self.sms.as_ref());
        rows.iter()
            .map(|(k, v)| (*k, v))
            .chain(mail.iter().map(|(k, v)| (*k, v)))
            .chain(backup.iter().map(|(k, v)| (*k, v)))
            .chain(webhooks.iter().map(|(k, v)| (*k, v)))
            .chain(blob_store.iter().map(|(k, v)| (*k, v)))
            .chain(metrics.iter().map(|(k, v)| (*k, v)))
            .chain(sms.iter().map(|(k, v)| (*k, v)))
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect()
    }
}

fn mask_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let c = Config::from_sources(None, &[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url.kind, shared::dto::DatabaseKind::Sqlite);
        assert_eq!(c.database_url.target, "./data/tachiai.db");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(!c.secure_cookies());
        assert_eq!(c.job_lease, crate::jobs::DEFAULT_LEASE);
        let short =
            Config::from_sources(None, &env(&[("TACHIAI_JOB_LEASE_SECONDS", "3")])).unwrap();
        assert_eq!(short.job_lease.as_secs(), 3);
        assert!(short.describe().contains("job_lease_seconds = 3\n"));
        assert!(
            Config::from_sources(None, &env(&[("TACHIAI_JOB_LEASE_SECONDS", "soon")])).is_err()
        );
    }

    #[test]
    fn env_overrides_file_and_unknown_file_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("tachiai-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("t.toml");
        std::fs::write(&f, "bind = \"0.0.0.0:9000\"\ndb_pool_size = 3\n").unwrap();
        let c =
            Config::from_sources(Some(&f), &env(&[("TACHIAI_BIND", "127.0.0.1:9001")])).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:9001");
        assert_eq!(c.db_pool_size, 3);
        std::fs::write(&f, "bnid = \"x\"\n").unwrap();
        let err = Config::from_sources(Some(&f), &[]).unwrap_err().to_string();
        assert!(err.contains("unknown setting `bnid`"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn postgres_urls_and_bad_values() {
        let c = Config::from_sources(
            None,
            &env(&[("TACHIAI_DATABASE_URL", "postgres://u:secret@db/tachiai")]),
        )
        .unwrap();
        assert_eq!(c.database_url.kind, shared::dto::DatabaseKind::Postgres);
        assert!(c.describe().contains("postgres://u:***@db/tachiai"));
        assert!(Config::from_sources(None, &env(&[("TACHIAI_BIND", "nowhere")])).is_err());
        assert!(Config::from_sources(None, &env(&[("TACHIAI_DB_POOL_SIZE", "many")])).is_err());
    }

    #[test]
    fn s3_settings_name_what_is_wrong_and_never_print_the_secret() {
        let s3 = |extra: &[(&str, &str)]| {
            let mut pairs = vec![
                ("TACHIAI_BLOB_STORE", "s3://tachiai-files/prod/"),
                ("TACHIAI_S3_ENDPOINT", "http://127.0.0.1:9000/"),
                ("TACHIAI_S3_PATH_STYLE", "true"),
                ("TACHIAI_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("TACHIAI_S3_SECRET_ACCESS_KEY", "wJalr-very-secret"),
            ];
            pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            pairs.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
            Config::from_sources(None, &env(&pairs))
        };
        let c = s3(&[]).unwrap();
        let text = c.describe();
        assert!(
            text.contains("blob_store = s3://tachiai-files/prod\n"),
            "{text}"
        );
        assert!(
            text.contains("s3_endpoint = http://127.0.0.1:9000\n"),
            "{text}"
        );
        assert!(text.contains("s3_secret_access_key = (set)\n"), "{text}");
        assert!(!text.contains("wJalr") && !format!("{c:?}").contains("wJalr"));
        for (extra, setting) in [
            (&[("TACHIAI_BLOB_STORE", "ftp://x")][..], "`blob_store`"),
            (&[("TACHIAI_BLOB_STORE", "s3://a/x")][..], "`blob_store`"),
            (
                &[("TACHIAI_BLOB_STORE", "s3://bucket-name/a/../b")][..],
                "`blob_store`",
            ),
            (
                &[("TACHIAI_S3_ENDPOINT", "127.0.0.1:9000")][..],
                "`s3_endpoint`",
            ),
            (&[("TACHIAI_S3_PATH_STYLE", "yes")][..], "`s3_path_style`"),
            (
                &[("TACHIAI_S3_ACCESS_KEY_ID", "")][..],
                "`s3_access_key_id`",
            ),
            (
                &[("TACHIAI_S3_SECRET_ACCESS_KEY", "")][..],
                "`s3_secret_access_key`",
            ),
            (
                &[
                    ("TACHIAI_S3_SECRET_ACCESS_KEY", ""),
                    (
                        "TACHIAI_S3_SECRET_ACCESS_KEY_FILE",
                        "/nonexistent/s3-secret",
                    ),
                ][..],
                "`s3_secret_access_key_file`",
            ),
        ] {
            let err = format!("{:#}", s3(extra).unwrap_err());
            assert!(err.contains(setting), "{extra:?}: {err}");
            assert!(!err.contains("wJalr"), "{err}");
        }
        let local = Config::from_sources(None, &[]).unwrap();
        assert!(matches!(
            local.blob_store,
            crate::storage::BlobStoreConfig::Local
        ));
    }

    #[test]
    fn mail_settings_come_from_the_environment_and_the_password_is_not_printed() {
        let c = Config::from_sources(
            None,
            &env(&[
                ("TACHIAI_MAIL_TRANSPORT", "smtp"),
                ("TACHIAI_SMTP_HOST", "smtp.example.lg.jp"),
                ("TACHIAI_SMTP_USERNAME", "tachiai"),
                ("TACHIAI_SMTP_PASSWORD", "hunter2-secret"),
            ]),
        )
        .unwrap();
        let text = c.describe();
        assert!(text.contains("mail_transport = smtp\n"), "{text}");
        assert!(text.contains("smtp_port = 587\n"), "{text}");
        assert!(text.contains("smtp_password = (set)\n"), "{text}");
        assert!(!text.contains("hunter2") && !format!("{c:?}").contains("hunter2"));
        let default = Config::from_sources(None, &[]).unwrap().describe();
        assert!(
            default.contains("outbox_dir = ./data/outbox\n"),
            "{default}"
        );
    }
}
