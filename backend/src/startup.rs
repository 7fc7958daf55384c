//! Building the application: one place that wires the pool, the configuration, every route
//! and the middleware. `tachiai serve` and the integration tests both call [`build_app`].

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, error::ApiError};
use crate::audit::AuditKey;
use crate::audit::refusals::RefusalLimiter;
use crate::clock::Millis;
use crate::config::Config;
use crate::db::queries::{login_failures, sessions, tenants};
use crate::db::{self, AnyConnection, DbPool};
use crate::seal::{DEV_PKI_PATH, SealKit};
use crate::storage::BlobStore;
use crate::workflow::contracts::UploadLimits;
use crate::workflow::{self, WorkflowError};

/// How long an idle keep-alive connection stays open: longer than a reverse proxy keeps its
/// idle upstream connections (nginx `keepalive_timeout`, 60 s by default), so the proxy closes
/// them first. Were the server first, the proxy would reuse a connection the server had just
/// closed, count the error against a healthy node and, with every node so marked, answer 502.
const IDLE_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// What every handler can reach.
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// Effective configuration.
    pub config: Arc<Config>,
    /// The app's Content-Security-Policy (with the hashes of the inline loader).
    pub csp: String,
    /// The seal: key, TSA, revocation sources, trust roots.
    pub seal: Arc<SealKit>,
    /// What seals now: the keyring's active key (else `seal`), the TSA list, and the trust
    /// roots over every key ever used; resolved per seal job, so changes need no restart.
    pub seal_service: Arc<crate::seal::SealService>,
    /// Uploaded and sealed files.
    pub blobs: BlobStore,
    /// Upload size limits.
    pub upload_limits: UploadLimits,
    /// Slots and per-address counts of the public verifier.
    pub verify_gate: crate::api::budget::VerifyGate,
    /// The keys that seal stored secrets (TOTP).
    pub keys: Arc<crate::secrets::KeyRing>,
    /// Which refused requests get an audit event of their own (the rest are summarised).
    pub refusals: RefusalLimiter,
    /// Requests per minute per API token and client address (this process's share).
    pub rate_limiter: crate::api::rate_limit::RateLimiter,
    /// The last readiness result (`/api/v1/health/ready`).
    pub readiness: crate::readiness::Readiness,
    /// The SMS provider of the counterparties' SMS verification; `None`: not configured.
    pub sms: Option<Arc<dyn crate::sms::SmsProvider>>,
}

impl AppState {
    /// Builds the state; the CSP is derived from the built app in `config.dist_dir`, the seal
    /// from the configuration (the development PKI is generated on first start). TOTP secrets
    /// still in plain text or under a previous key are sealed with the current key here.
    pub fn new(pool: DbPool, config: Config) -> anyhow::Result<AppState> {
        let seal = SealKit::from_config(&config)?;
        AppState::with_seal(pool, config, seal)
    }

    /// [`AppState::new`] with a seal set up beforehand.
    pub fn with_seal(pool: DbPool, config: Config, seal: SealKit) -> anyhow::Result<AppState> {
        let keys = crate::secrets::KeyRing::from_config(&config)?;
        let sealed = workflow::accounts::seal_totp_secrets(&mut *pool.get()?, &keys)?;
        if sealed > 0 {
            tracing::info!(
                sealed,
                key_id = keys.current().id(),
                "TOTP secrets encrypted"
            );
        }
        install_audit_key(&config)?;
        let seal = Arc::new(seal);
        let keys = Arc::new(keys);
        let seal_service = Arc::new(crate::seal::SealService::new(
            seal.clone(),
            keys.clone(),
            config.tsa_urls.clone(),
        ));
        Ok(AppState {
            csp: crate::web::app_csp(&config.dist_dir),
            pool,
            blobs: BlobStore::from_config(&config)?,
            upload_limits: UploadLimits {
                file_bytes: config.max_upload_bytes,
                contract_bytes: config.max_contract_bytes,
            },
            verify_gate: crate::api::budget::VerifyGate::new(config.verify),
            refusals: RefusalLimiter::new(
                config.audit_refusals_per_address,
                config.audit_refusals_per_minute,
            ),
            rate_limiter: crate::api::rate_limit::RateLimiter::default(),
            readiness: crate::readiness::Readiness::default(),
            sms: config.sms.clone().map(|s| {
                Arc::new(crate::sms::HttpSmsProvider::new(s)) as Arc<dyn crate::sms::SmsProvider>
            }),
            config: Arc::new(config),
            seal,
            seal_service,
            keys,
        })
    }

    /// Runs a blocking use-case on the thread pool with a pooled connection.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, WorkflowError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let result = crate::telemetry::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?;
        result.map_err(ApiError::from)
    }

    /// Runs a blocking use-case that takes connections from the pool itself, so that it holds
    /// none while it waits on something else (the SMS provider).
    pub async fn run_pooled<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&DbPool) -> Result<T, WorkflowError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let result = crate::telemetry::block(move || f(&pool)).await?;
        result.map_err(ApiError::from)
    }
}

/// Loads the audit key (`TACHIAI_AUDIT_KEY`, or `<data_dir>/audit.key`, created on first
/// start) and makes it the process's signing key; before anything writes an audit event.
pub fn install_audit_key(config: &Config) -> anyhow::Result<&'static AuditKey> {
    let key = AuditKey::load(config.audit_key.as_deref(), &config.data_dir, true)?;
    Ok(crate::audit::key::install(key))
}

/// The whole application: `/api/v1`, Swagger UI at `/api/docs/`, and the browser app at `/`.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_json = state.config.max_json_bytes;
    let dist = state.config.dist_dir.clone();
    let csp = state.csp.clone();
    let hsts = state.config.public_url.starts_with("https://");
    App::new()
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(max_json)
                .error_handler(api::error::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(api::error::query_error))
        .app_data(web::PathConfig::default().error_handler(api::error::path_error))
        .wrap(actix_web::middleware::from_fn(api::nul_guard::refuse_nul))
        .wrap_fn(move |req, srv| {
            let csp = csp.clone();
            let fut = actix_web::dev::Service::call(srv, req);
            async move {
                let mut res = fut.await?;
                crate::web::security_headers(&mut res, &csp, hsts);
                Ok(res)
            }
        })
        // The access log also counts the request for the metrics (by route template).
        .wrap_fn(|req, srv| crate::access_log::log(req, srv))
        .wrap_fn(|req, srv| {
            let fut = actix_web::dev::Service::call(srv, req);
            async move {
                let res = fut.await?;
                api::refusal_audit::observe(&res).await;
                Ok(res)
            }
        })
        // Outermost: every log line of the request, the access log's included, names its ID.
        .wrap(actix_web::middleware::from_fn(crate::request_id::assign))
        // Swagger UI first: its spec lives under /api/v1, whose scope would answer 404.
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", api::openapi()))
        .service(
            web::scope("/api/v1")
                .configure(api::routes)
                .default_service(web::to(api::error::route_not_found)),
        )
        .service(web::scope("/api").default_service(web::to(api::error::route_not_found)))
        .service(web::scope(DEV_PKI_PATH).default_service(web::to(api::dev_pki::respond)))
        // Prometheus metrics: only with the configured token (else 404), see metrics.rs.
        .route(
            "/metrics",
            web::get().to(crate::metrics::on_service_address),
        )
        .configure(move |cfg| crate::web::spa(cfg, dist))
}

/// The background jobs this server runs: mail, sealing and the fiscal-year export.
pub fn job_registry(state: &AppState) -> anyhow::Result<crate::jobs::Registry> {
    Ok(crate::jobs::Registry::new()
        .with(crate::mail::SendMailHandler::new(&state.config.mail)?)
        .with(
            crate::workflow::sealing::SealHandler::new(
                state.seal_service.clone(),
                state.blobs.clone(),
                crate::workflow::signing::Links::new(&state.config.public_url),
            )
            .download_link_days(state.config.concluded_link_days),
        )
        .with(crate::backup::schedule::BackupHandler::new(
            state.config.clone(),
        ))
        // Maintenance notices (お知らせ): planned maintenance mailed to administrators.
        .with(crate::workflow::notices::NoticeMailHandler::new(
            crate::workflow::signing::Links::new(&state.config.public_url),
        ))
        // Retention and disposition:
        .with(crate::workflow::retention::DeleteBlobsHandler::new(
            state.blobs.clone(),
        ))
        // Monthly usage report (月次利用状況報告).
        .with(crate::workflow::reports::MonthlyReportHandler::new(
            crate::workflow::signing::Links::new(&state.config.public_url),
        ))
        // Records management: the fiscal-year export.
        .with(crate::workflow::fiscal_year_export::ExportHandler::new(
            state.seal_service.clone(),
            state.blobs.clone(),
            &state.config.data_dir,
        ))
        // Webhooks (Webhook 通知).
        .with(crate::workflow::webhooks::WebhookDeliveryHandler::new(
            state.keys.clone(),
            state.config.webhooks,
        ))
        // Bulk sending (一括送信): one job per CSV row.
        .with(crate::workflow::bulk_send::BulkSendHandler::new(
            crate::workflow::signing::Links::new(&state.config.public_url),
        )))
}

/// The line `tachiai serve` prints when it seals with the development PKI.
pub const DEVELOPMENT_SEAL_WARNING: &str = "注意: 開発用の電子署名鍵で署名しています。本番運用には正式な署名鍵（TACHIAI_SEAL_*）を設定してください。 / WARNING: sealing with the development key; configure a seal key (TACHIAI_SEAL_*) for production.";

/// The first admin's login, to print once at first start.
pub struct InitialLogin {
    /// 団体コード.
    pub tenant_code: String,
    /// ログインID.
    pub login_id: String,
    /// The password, when it was generated (never printed when the operator chose it).
    pub generated_password: Option<String>,
}

/// The login ID of the first tenant's admin.
const INITIAL_ADMIN_LOGIN: &str = "admin";

/// On an empty database, creates the initial tenant with admin `admin`.
pub fn ensure_initial_tenant(
    pool: &DbPool,
    config: &Config,
) -> anyhow::Result<Option<InitialLogin>> {
    install_audit_key(config)?;
    let mut conn = pool.get()?;
    if tenants::count(&mut conn)? > 0 {
        return Ok(None);
    }
    // The operator chose this password: name the rule it breaks, not just the field.
    if let Some(rule) = config
        .initial_admin_password
        .as_deref()
        .and_then(|p| shared::validate::broken_password_rule(p, INITIAL_ADMIN_LOGIN))
    {
        anyhow::bail!(
            "TACHIAI_INITIAL_ADMIN_PASSWORD (initial_admin_password) is refused: {} \
             (the admin's login ID is \"{INITIAL_ADMIN_LOGIN}\")",
            rule.message_en()
        );
    }
    let origin = workflow::tenants::operator_origin("system");
    let (tenant, admin) = workflow::tenants::create_tenant(
        &mut conn,
        &config.initial_tenant_code,
        &config.initial_tenant_name,
        INITIAL_ADMIN_LOGIN,
        "admin@example.invalid",
        config.initial_admin_password.as_deref(),
        &origin,
    )
    .map_err(|e| anyhow::anyhow!("cannot create the initial tenant: {e}"))?;
    Ok(Some(InitialLogin {
        tenant_code: tenant.code,
        login_id: admin.user.login_id,
        generated_password: admin.initial_password,
    }))
}

/// At start and every ten minutes: removes expired sessions, old throttle records and the
/// temporary files of killed blob writes; warns about and expires contracts past their answer
/// deadline; enqueues the monthly usage reports of the month before (once per tenant and month).
fn spawn_housekeeping(pool: DbPool, blobs: BlobStore, links: crate::workflow::signing::Links) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let pool = pool.clone();
            let links = links.clone();
            let blobs = blobs.clone();
            let done = web::block(move || -> anyhow::Result<()> {
                let removed = blobs.remove_abandoned_temp_files()?;
                if removed > 0 {
                    tracing::info!(removed, "removed the temporary files of interrupted writes");
                }
                let mut conn = pool.get()?;
                let now = Millis::now();
                sessions::delete_expired(&mut conn, now.0)?;
                login_failures::delete_before(&mut conn, now.plus_minutes(-60).0)?;
                crate::workflow::expiry::sweep(&mut conn, &links, now)?;
                // On the 1st (JST): the monthly usage report of the month before, once.
                crate::workflow::reports::schedule_due(&mut conn, now)?;
                // Idempotency keys older than a day.
                crate::workflow::idempotency::purge_expired(&mut conn, now)?;
                Ok(())
            })
            .await;
            if let Ok(Err(e)) = done {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
}

/// At start and every hour: renews the archive timestamps that are due (長期署名の延長,
/// `workflow::ltv`); safe on every node at once (each file is claimed by one process).
fn spawn_ltv_renewal(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let state = state.clone();
            let done = web::block(move || {
                let links = crate::workflow::signing::Links::new(&state.config.public_url);
                crate::workflow::ltv::Renewer {
                    pool: &state.pool,
                    store: &state.blobs,
                    kit: &state.seal,
                    policy: crate::workflow::ltv::LtvPolicy::from_config(&state.config),
                    links: &links,
                    worker: format!("server:{}", std::process::id()),
                }
                .run(Millis::now())
            })
            .await;
            match done {
                Ok(Ok(r)) if r.attempted > 0 => {
                    tracing::info!(
                        renewed = r.renewed,
                        failed = r.failed,
                        gave_up = r.gave_up,
                        "archive timestamps renewed"
                    );
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "archive timestamp renewal failed"),
                _ => {}
            }
        }
    });
}

/// Every minute: writes the summary of refusals that the last minute left out, even when no
/// further refusal comes to do it.
fn spawn_refusal_flush(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let window = std::time::Duration::from_millis(crate::audit::refusals::WINDOW_MS as u64);
        let mut tick = actix_web::rt::time::interval(window);
        loop {
            tick.tick().await;
            let now = Millis::now();
            if let Some(summary) = state.refusals.take_ended(now) {
                let written = state
                    .run(move |conn| {
                        Ok(crate::audit::refusals::write_summary(conn, &summary, now)?)
                    })
                    .await;
                if let Err(e) = written {
                    tracing::warn!(error = %e, "could not write the refusal summary");
                }
            }
        }
    });
}

/// `tachiai serve`: migrate, create the first tenant if needed, and serve until stopped.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    crate::private_fs::create_dir(&config.data_dir)?;
    if crate::private_fs::tighten_dir(&config.data_dir)? {
        tracing::warn!(
            dir = %config.data_dir.display(),
            "the data directory was readable by other users; it is now 0700"
        );
    }
    // Several nodes on one PostgreSQL database may start at once: they take these steps one
    // at a time (the first creates the tenant, the development PKI and the audit key in the
    // shared data directory; the others find them). Released below, before serving.
    let start_lock = db::StartLock::take(&config.database_url)?;
    // The seal first: a refused key stops the start before the database is touched.
    let seal = SealKit::from_config(&config)?;
    if seal.is_development() {
        tracing::warn!(
            "sealing with the development PKI (not trusted outside this installation); configure a seal key for production (TACHIAI_SEAL_*)"
        );
    }
    let pool = db::connect(&config.database_url, config.db_pool_size)?;
    let first = ensure_initial_tenant(&pool, &config)?;
    let sealed = crate::audit::seal_unkeyed_chains(&mut *pool.get()?, Millis::now())?;
    if sealed > 0 {
        tracing::info!(
            chains = sealed,
            "audit chains from before the audit key are now keyed"
        );
    }
    let development = seal.is_development();
    let state = web::Data::new(AppState::with_seal(pool.clone(), config.clone(), seal)?);
    drop(start_lock);
    spawn_refusal_flush(state.clone());
    spawn_ltv_renewal(state.clone());
    let registry = job_registry(&state)?;
    let blobs = state.blobs.clone();
    tracing::info!(store = %blobs.describe(), "blob store");
    // The process start time of the metrics is the registry's creation.
    crate::metrics::global();
    let metrics_server = match config.metrics.bind {
        Some(addr) => {
            let state = state.clone();
            Some(
                HttpServer::new(move || crate::metrics::metrics_app(state.clone()))
                    .workers(1)
                    .bind(addr)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (metrics_bind): {e}"))?
                    .run(),
            )
        }
        None => None,
    };
    let server = HttpServer::new(move || build_app(state.clone()))
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .keep_alive(IDLE_KEEP_ALIVE)
        .bind(config.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    if config.database_url.kind == shared::dto::DatabaseKind::Postgres {
        crate::jobs::wake::spawn_listener(config.database_url.target.clone())
            .map_err(|e| anyhow::anyhow!("cannot start the job listener: {e}"))?;
    }
    let workers = crate::jobs::spawn_workers(
        pool.clone(),
        registry,
        crate::jobs::DEFAULT_WORKERS,
        config.job_poll,
        config.job_lease,
    );
    spawn_stop_on_signal(workers.stop_claiming());
    crate::backup::schedule::spawn(pool.clone(), config.backup.clone());
    spawn_housekeeping(
        pool,
        blobs,
        crate::workflow::signing::Links::new(&config.public_url),
    );
    println!("Tachiai is running: {}/", config.public_url);
    println!("  API docs: {}/api/docs/", config.public_url);
    if development {
        println!("  {DEVELOPMENT_SEAL_WARNING}");
    }
    if let Some(first) = first {
        println!(
            "  First login — 団体コード: {}  ログインID: {}",
            first.tenant_code, first.login_id
        );
        match first.generated_password {
            Some(pw) => println!("  パスワード (shown once; change it at first login): {pw}"),
            None => println!("  パスワード: the one given in TACHIAI_INITIAL_ADMIN_PASSWORD"),
        }
    }
    // Returns after SIGTERM or SIGINT, once the requests in progress are answered (or the
    // shutdown timeout cut them off); the workers took no new job since the signal.
    match metrics_server {
        Some(metrics) => {
            futures_util::future::try_join(server.run(), metrics).await?;
        }
        None => server.run().await?,
    }
    tracing::info!("stopping: waiting for the jobs in progress");
    workers.shutdown(config.shutdown_timeout).await;
    Ok(())
}

/// On SIGTERM or SIGINT the job workers stop taking jobs at once, while actix, which hears the
/// same signal, stops accepting connections and finishes the requests in progress: a node
/// being stopped picks up no work that it might not finish.
fn spawn_stop_on_signal(stop: crate::jobs::StopClaiming) {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    actix_web::rt::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot listen for SIGTERM/SIGINT; the workers stop with the server");
            return;
        };
        let first = futures_util::future::select(Box::pin(term.recv()), Box::pin(int.recv()));
        first.await;
        tracing::info!("stopping: no new jobs are taken");
        stop.now();
    });
}
