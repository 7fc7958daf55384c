//! The `tachiai` command line: the server and the operator's tools. Errors end with exit
//! status 1 and one sentence on stderr.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use shared::access::{Permission, Role};
use shared::dto::CreateUserRequest;

use crate::audit::{AuditKey, SYSTEM_CHAIN_ID};
use crate::clock::Millis;
use crate::config::{Config, SETTINGS};
use crate::db;
use crate::db::queries::{audit_events, tenants};
use crate::workflow;

mod backup;
mod ltv;
// Maintenance notices (お知らせ).
mod notice;
mod pdf;
mod seal;
// Tenant export and import (全データ返却).
mod tenant_io;
// Monthly usage report (月次利用状況報告).
mod report;
// Records management: the fiscal-year export.
mod export;

/// Tachiai (立会): witness-type electronic contracts for local governments.
#[derive(Debug, Parser)]
#[command(name = "tachiai", version, about)]
pub struct Cli {
    /// A TOML configuration file (environment variables TACHIAI_* override it).
    #[arg(long, global = true, env = "TACHIAI_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrates the database and creates the first tenant if empty).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Tenant and user administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Seal, verify and renew PDF files with the sealing engine (exit 0 done, 1 verification
    /// failed, 2 usage error, 3 input rejected).
    #[command(subcommand)]
    Pdf(pdf::PdfCommand),
    /// The seal keyring: list, import, activate, retire (exit 0 done, 2 wrong request, 3 key
    /// refused). The running servers pick a change up at their next seal.
    #[command(subcommand)]
    Seal(seal::SealCommand),
    /// The time-stamp authorities: list (with health), add, remove, move.
    #[command(subcommand)]
    Tsa(seal::TsaCommand),
    /// Archive timestamp renewal (長期署名の延長) of concluded contracts: `status`, `renew-due`.
    #[command(subcommand)]
    Ltv(ltv::LtvCommand),
    // Backups (バックアップ).
    /// Make an online backup while the servers run (`backup -o DIR`), or check one
    /// (`backup verify DIR`).
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty data directory and database (checks every hash first;
    /// `--force` overwrites).
    Restore(backup::RestoreArgs),
    // Records: export and import (全データ返却, 年度別一括出力).
    /// Import data: `tenant` (a tenant exported by `tachiai export tenant`).
    #[command(subcommand)]
    Import(tenant_io::ImportCommand),
    // Maintenance notices (お知らせ).
    /// Maintenance and outage notices (お知らせ): publish, list, withdraw; shown as banners to
    /// staff and counterparties.
    #[command(subcommand)]
    Notice(notice::NoticeCommand),
    // Monthly usage report (月次利用状況報告).
    /// The monthly usage report (月次利用状況報告) of a tenant's month as a CSV, PDF or JSON file.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Export data: `tenant` writes everything of a tenant (全データ返却), `fy` a tenant's year as
    /// one ZIP with a sealed manifest (年度別一括出力), `verify` checks such a ZIP (exit 0 done,
    /// 1 refused, failed or tampered).
    #[command(subcommand)]
    Export(export::ExportCommand),
}

/// `tachiai config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print the effective values.
    Check,
    /// List every setting with its environment variable and default.
    List,
}

/// `tachiai admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a tenant (団体) with its first administrator (login ID `admin`).
    CreateTenant {
        /// 団体コード (lower-case letters, digits, hyphens), typed at login.
        #[arg(long)]
        code: String,
        /// 団体名, e.g. 〇〇市.
        #[arg(long)]
        name: String,
        /// The administrator's e-mail address.
        #[arg(long)]
        admin_email: String,
        /// Read the administrator's password from standard input (else one is generated).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a user in a tenant.
    CreateUser {
        /// 団体コード.
        #[arg(long)]
        tenant: String,
        /// ログインID.
        #[arg(long)]
        login_id: String,
        /// 氏名.
        #[arg(long)]
        name: String,
        /// メールアドレス.
        #[arg(long)]
        email: String,
        /// Role: admin, approver, staff or viewer (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Extra permission grant, e.g. download_documents (repeatable).
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// Read the password from standard input (else one is generated).
        #[arg(long)]
        password_stdin: bool,
    },
    // Demonstration data (tachiai admin seed).
    /// Seed demonstration data for development, demos and benchmarks (not for production
    /// tenants): 所属, 相手方 with contacts and N contracts over ten fiscal years, the same
    /// rows for the same --seed. Refuses a tenant that has contracts unless --yes.
    Seed {
        /// 団体コード.
        #[arg(long)]
        tenant: String,
        /// How many contracts (at most 5,000,000).
        #[arg(long)]
        contracts: u64,
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Add to a tenant that already has contracts.
        #[arg(long)]
        yes: bool,
    },
}

/// `tachiai audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the chain of every tenant and of the system (`_system`), or one, with the audit
    /// key (TACHIAI_AUDIT_KEY or <data_dir>/audit.key), and report the first broken event.
    Verify {
        /// Only this 団体コード (`_system`: the refused requests).
        #[arg(long)]
        tenant: Option<String>,
        /// A head recorded earlier with `tachiai audit head` (CODE:SEQ:HASH); the event must
        /// still be there with that hash. Repeatable.
        #[arg(long = "expect-head", value_name = "CODE:SEQ:HASH")]
        expect_heads: Vec<String>,
    },
    /// Print a chain's newest events, one JSON object a line, newest first (`--tenant
    /// _system`: the refused requests, which no tenant's log viewer shows).
    Events {
        /// 団体コード, or `_system`.
        #[arg(long)]
        tenant: String,
        /// How many (at most 500).
        #[arg(long, default_value_t = 50)]
        last: u32,
        /// Only this action, e.g. request.refused.
        #[arg(long)]
        action: Option<String>,
    },
    /// Print the head of every chain (or one) as CODE:SEQ:HASH, to record outside the
    /// database and check later with `audit verify --expect-head`.
    Head {
        /// Only this 団体コード.
        #[arg(long)]
        tenant: Option<String>,
    },
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from standard input")?;
    let pw = s.trim_end_matches(['\r', '\n']).to_owned();
    if pw.is_empty() {
        bail!("the password on standard input is empty");
    }
    Ok(pw)
}

/// Runs the command. `Ok(code)` is the exit status.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let config = Config::load(cli.config.as_deref())?;
    crate::telemetry::init(&config.log, config.log_format);
    match cli.command {
        Command::Serve => {
            actix_web::rt::System::new().block_on(crate::startup::serve(config))?;
            Ok(0)
        }
        Command::Migrate => {
            let pool = db::connect(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            crate::startup::install_audit_key(&config)?;
            let sealed = crate::audit::seal_unkeyed_chains(&mut conn, Millis::now())?;
            println!("schema version {}", db::schema_version(&mut conn)?);
            if sealed > 0 {
                println!("{sealed} audit chains from before the audit key are now keyed");
            }
            Ok(0)
        }
        Command::Openapi => {
            print!("{}", crate::api::openapi_json());
            Ok(0)
        }
        Command::Config(ConfigCommand::Check) => {
            print!("{}", config.describe());
            if config.seal.is_none()
                && !crate::seal::dev_pki_dir(&config)
                    .join("root-ca.pem")
                    .is_file()
            {
                println!(
                    "# seal: development (開発用), generated at first start: not for production"
                );
            } else {
                let kit = crate::seal::SealKit::from_config(&config)?;
                print!("{}", seal_summary(&kit, &config));
            }
            let store = crate::storage::BlobStore::from_config(&config)
                .context("configuration is valid, but the blob store is not usable")?;
            println!("# blob store: {} (reachable)", store.describe());
            let pool = db::connect(&config.database_url, 1)
                .context("configuration is valid, but the database is not reachable")?;
            let mut conn = pool.get()?;
            println!(
                "# database reachable, schema version {}",
                db::schema_version(&mut conn)?
            );
            if !config.dist_dir.join("index.html").is_file() {
                println!(
                    "# note: {} has no index.html; the browser app is not built",
                    config.dist_dir.display()
                );
            }
            Ok(0)
        }
        Command::Config(ConfigCommand::List) => {
            for s in SETTINGS {
                println!(
                    "TACHIAI_{:<28} default: {:<24} {}",
                    s.key.to_uppercase(),
                    s.default,
                    s.doc
                );
            }
            Ok(0)
        }
        Command::Admin(cmd) => admin(&config, cmd),
        Command::Pdf(cmd) => Ok(pdf::run(&config, cmd)),
        Command::Audit(cmd) => audit(&config, cmd),
        Command::Seal(cmd) => seal::run_seal(&config, cmd),
        Command::Tsa(cmd) => seal::run_tsa(&config, cmd),
        Command::Ltv(cmd) => ltv::run(&config, cmd),
        Command::Backup(args) => backup::run_backup(&config, args),
        Command::Restore(args) => backup::run_restore(cli.config.as_deref(), args),
        Command::Import(cmd) => tenant_io::run_import(&config, cmd),
        // Maintenance notices (お知らせ).
        Command::Notice(cmd) => notice::run(&config, cmd),
        Command::Report(cmd) => report::run(&config, cmd),
        Command::Export(cmd) => export::run(&config, cmd),
    }
}

/// What `config check` says of the seal: where the key is, its certificate's subject, issuer,
/// validity and days left, and the TSAs.
fn seal_summary(kit: &crate::seal::SealKit, config: &Config) -> String {
    let info = kit.info(&config.tsa_urls, Millis::now());
    let source = match &config.seal {
        Some(source) => source.kind(),
        None => "development (開発用: not for production)",
    };
    let mut out = format!(
        "# seal: {source}\n# seal subject: {}\n# seal issuer: {}\n# seal valid: {} to {} ({} days left)\n",
        info.signer.subject,
        info.signer.issuer,
        info.signer.not_before,
        info.signer.not_after,
        info.signer.days_left
    );
    if let Some(root) = info.chain.last() {
        out.push_str(&format!("# seal root: {}\n", root.subject));
    }
    out.push_str(&format!(
        "# time-stamp authority: {}\n",
        if info.tsa_urls.is_empty() {
            "built-in (development)".to_owned()
        } else {
            info.tsa_urls.join(", ")
        }
    ));
    out
}

/// The chains a command is about: all, or the one with `code`.
fn chosen_chains(
    conn: &mut db::AnyConnection,
    code: Option<&str>,
) -> anyhow::Result<Vec<crate::db::models::Tenant>> {
    let mut chosen: Vec<_> = tenants::list_chains(conn)?
        .into_iter()
        .filter(|t| code.is_none_or(|code| t.code == code))
        .collect();
    // The system chain first, then by code (the same order on every database's collation).
    chosen.sort_by(|a, b| {
        (a.id != SYSTEM_CHAIN_ID, &a.code).cmp(&(b.id != SYSTEM_CHAIN_ID, &b.code))
    });
    if chosen.is_empty() {
        bail!("no tenant with code {}", code.unwrap_or_default());
    }
    Ok(chosen)
}

fn audit(config: &Config, cmd: AuditCommand) -> anyhow::Result<i32> {
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    match cmd {
        AuditCommand::Events {
            tenant,
            last,
            action,
        } => {
            let chain = &chosen_chains(&mut conn, Some(&tenant))?[0];
            let filter = audit_events::AuditFilter {
                action: action.as_deref(),
                ..Default::default()
            };
            let (events, _) = audit_events::list(&mut conn, &chain.id, &filter, 1, last.min(500))?;
            for e in events {
                let details: serde_json::Value =
                    serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null);
                println!(
                    "{}",
                    serde_json::json!({
                        "seq": e.seq, "at": crate::clock::rfc3339(e.at), "actor": e.actor_label,
                        "ip": e.ip, "user_agent": e.user_agent, "action": e.action,
                        "target_type": e.target_type, "target_id": e.target_id,
                        "result": e.result, "details": details,
                    })
                );
            }
            Ok(0)
        }
        AuditCommand::Head { tenant } => {
            for t in chosen_chains(&mut conn, tenant.as_deref())? {
                println!("{}:{}:{}", t.code, t.audit_seq, t.audit_head);
            }
            Ok(0)
        }
        AuditCommand::Verify {
            tenant,
            expect_heads,
        } => {
            let expected = expect_heads
                .iter()
                .map(|h| RecordedHead::parse(h))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let key = AuditKey::load(config.audit_key.as_deref(), &config.data_dir, false)?;
            let used = audit_events::key_ids(&mut conn)?;
            if !used.is_empty() && !used.iter().any(|id| id == key.id()) {
                bail!(
                    "the audit key does not match the log: its events are sealed with key {}, the given key is {}",
                    used.join(", "),
                    key.id()
                );
            }
            let chains = chosen_chains(&mut conn, tenant.as_deref())?;
            let mut broken = false;
            for t in &chains {
                let report = crate::audit::verify(&mut conn, &t.id, &key)?;
                let unkeyed = match report.unkeyed_events {
                    0 => String::new(),
                    n => format!(" ({n} from before the audit key)"),
                };
                match report.first_break {
                    None => println!(
                        "{}: OK, {} events{unkeyed}, chain intact",
                        t.code, report.events_checked
                    ),
                    Some(b) => {
                        broken = true;
                        println!(
                            "{}: BROKEN at event {}: {} ({} events read)",
                            t.code,
                            b.seq,
                            b.kind.as_str(),
                            report.events_checked
                        );
                    }
                }
            }
            for head in &expected {
                let Some(t) = chains.iter().find(|t| t.code == head.code) else {
                    bail!(
                        "the recorded head names {}, which is not a chain here",
                        head.code
                    );
                };
                let found = audit_events::chain_batch(&mut conn, &t.id, head.seq - 1, 1)?
                    .into_iter()
                    .find(|e| e.seq == head.seq);
                let matches = match &found {
                    Some(e) => e.hash == head.hash,
                    None => head.seq == 0 && head.hash == crate::audit::GENESIS_HASH,
                };
                if matches {
                    println!("{}: recorded head at event {} matches", t.code, head.seq);
                } else {
                    broken = true;
                    println!(
                        "{}: BROKEN: the recorded head at event {} is {}",
                        t.code,
                        head.seq,
                        if found.is_some() {
                            "rewritten"
                        } else {
                            "missing"
                        }
                    );
                }
            }
            Ok(if broken { 1 } else { 0 })
        }
    }
}

/// A chain head as `tachiai audit head` prints it: CODE:SEQ:HASH.
struct RecordedHead {
    code: String,
    seq: i64,
    hash: String,
}

impl RecordedHead {
    fn parse(text: &str) -> anyhow::Result<RecordedHead> {
        let mut parts = text.trim().rsplitn(3, ':');
        let (Some(hash), Some(seq), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("--expect-head {text}: expected CODE:SEQ:HASH as `tachiai audit head` prints it");
        };
        let seq = seq
            .parse()
            .ok()
            .filter(|s: &i64| *s >= 0)
            .with_context(|| format!("--expect-head {text}: {seq} is not an event number"))?;
        Ok(RecordedHead {
            code: code.to_owned(),
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

fn admin(config: &Config, cmd: AdminCommand) -> anyhow::Result<i32> {
    crate::startup::install_audit_key(config)?;
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    let origin = workflow::tenants::operator_origin("cli");
    match cmd {
        AdminCommand::CreateTenant {
            code,
            name,
            admin_email,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password_stdin).transpose()?;
            let (tenant, admin) = workflow::tenants::create_tenant(
                &mut conn,
                &code,
                &name,
                "admin",
                &admin_email,
                password.as_deref(),
                &origin,
            )
            .map_err(describe)?;
            println!(
                "created tenant {} ({}); admin login ID: {}",
                tenant.code, tenant.name, admin.user.login_id
            );
            if let Some(pw) = admin.initial_password {
                println!("initial password (shown once, must be changed at first login): {pw}");
            }
            Ok(0)
        }
        AdminCommand::CreateUser {
            tenant,
            login_id,
            name,
            email,
            roles,
            grants,
            password_stdin,
        } => {
            let t = tenants::find_by_code(&mut conn, &tenant)?
                .with_context(|| format!("no tenant with code {tenant}"))?;
            let roles = roles
                .iter()
                .map(|r| {
                    Role::parse(r).with_context(|| {
                        format!("unknown role {r} (admin, approver, staff, viewer)")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let grants = grants
                .iter()
                .map(|g| Permission::parse(g).with_context(|| format!("unknown permission {g}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let password = password_stdin.then(read_password_stdin).transpose()?;
            let req = CreateUserRequest {
                login_id,
                name,
                email,
                department_id: None,
                roles,
                grants,
                password,
            };
            let created = workflow::users::create_user_by_operator(&mut conn, &t.id, &req, &origin)
                .map_err(describe)?;
            println!("created user {} in {}", created.user.login_id, t.code);
            if let Some(pw) = created.initial_password {
                println!("initial password (shown once, must be changed at first login): {pw}");
            }
            Ok(0)
        }
        AdminCommand::Seed {
            tenant,
            contracts,
            seed,
            yes,
        } => {
            let started = std::time::Instant::now();
            let store = crate::storage::BlobStore::from_config(config)?;
            let options = workflow::seed::SeedOptions {
                contracts,
                seed,
                allow_non_empty: yes,
            };
            let report = workflow::seed::seed_tenant(
                &mut conn,
                &tenant,
                &options,
                &store,
                &origin,
                Millis::now(),
            )
            .map_err(describe)?;
            println!(
                "seeded {tenant}: {} contracts ({} with a PDF), {} departments, {} counterparties in {:.1} s",
                report.contracts,
                report.documents,
                report.departments,
                report.organizations,
                started.elapsed().as_secs_f64()
            );
            Ok(0)
        }
    }
}

/// A workflow error as one sentence, naming invalid fields.
fn describe(e: workflow::WorkflowError) -> anyhow::Error {
    match e {
        workflow::WorkflowError::Invalid(fields) => anyhow::anyhow!(
            "invalid input: {}",
            fields
                .iter()
                .map(|f| format!("{} ({})", f.field, f.code.message_en()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
