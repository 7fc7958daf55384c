//! `tachiai backup -o DIR`, `tachiai backup verify DIR`, `tachiai restore DIR`.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::json;
use shared::audit::AuditAction;

use crate::audit::Outcome;
use crate::backup;
use crate::config::Config;

/// `tachiai backup …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// The backup directory to create (must not exist); written beside it under a temporary
    /// name and renamed when complete.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<BackupCommand>,
}

/// `tachiai backup verify`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup's files against its manifest (SHA-256 and size) without writing
    /// anything; exit 1 names the first damaged, missing or unlisted file.
    Verify {
        /// The backup directory.
        dir: PathBuf,
    },
}

/// `tachiai restore DIR`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup directory.
    dir: PathBuf,
    /// Restore into this data directory (default: the configured one); with SQLite and no
    /// configured database_url, the database goes to <DIR>/tachiai.db.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Restore into this database (default: the configured one).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Overwrite a data directory or database that is not empty.
    #[arg(long)]
    force: bool,
}

/// Runs `tachiai backup`.
pub fn run_backup(config: &Config, args: BackupArgs) -> anyhow::Result<i32> {
    match (args.command, args.output) {
        (Some(BackupCommand::Verify { dir }), _) => {
            let key = backup::audit_key(config)?;
            let (manifest, authenticity) = backup::verify(&dir, key.as_ref())?;
            println!(
                "{}: OK, {} files, {} bytes, {} database of {}, schema {}; {}",
                dir.display(),
                manifest.files.len(),
                manifest.bytes(),
                match manifest.database {
                    shared::dto::DatabaseKind::Sqlite => "SQLite",
                    shared::dto::DatabaseKind::Postgres => "PostgreSQL",
                },
                manifest.created_at,
                manifest.schema_version,
                match authenticity {
                    backup::Authenticity::Sealed(id) =>
                        format!("manifest HMAC matches audit key {id}"),
                    backup::Authenticity::Unchecked =>
                        "manifest HMAC not checked (no audit key here)".to_owned(),
                    backup::Authenticity::Unsealed =>
                        "no manifest HMAC (made without the audit key)".to_owned(),
                }
            );
            Ok(0)
        }
        (None, Some(out)) => {
            let made = backup::create(config, &out);
            // A SQLite file that is not there is not created just to record the failure.
            let exists = config.database_url.kind == shared::dto::DatabaseKind::Postgres
                || Path::new(&config.database_url.target).is_file();
            if !exists {
                return made.map(|_| 0);
            }
            crate::startup::install_audit_key(config)?;
            let pool = crate::db::connect(&config.database_url, 1)?;
            let mut conn = pool.get()?;
            match made {
                Ok(made) => {
                    backup::schedule::audit(
                        &mut conn,
                        AuditAction::BackupCreated,
                        Outcome::Success,
                        json!({"dir": made.dir.display().to_string(), "scheduled": false,
                               "files": made.manifest.files.len(), "bytes": made.manifest.bytes()}),
                    )?;
                    println!(
                        "backup written to {}: {} files ({} blobs, {} hard-linked), {} bytes, {} rows in {} tables",
                        made.dir.display(),
                        made.manifest.files.len(),
                        made.manifest.blobs().count(),
                        made.linked,
                        made.manifest.bytes(),
                        made.manifest.tables.values().sum::<i64>(),
                        made.manifest.tables.len()
                    );
                    Ok(0)
                }
                Err(e) => {
                    backup::schedule::audit(
                        &mut conn,
                        AuditAction::BackupFailed,
                        Outcome::Failure,
                        json!({"dir": out.display().to_string(), "error": format!("{e:#}")}),
                    )?;
                    Err(e)
                }
            }
        }
        (None, None) => bail!("say where the backup goes (-o DIR) or what to check (verify DIR)"),
    }
}

/// Runs `tachiai restore`: the target is the configuration with `--data-dir` and
/// `--database-url` put in place of the configured ones.
pub fn run_restore(config_file: Option<&Path>, args: RestoreArgs) -> anyhow::Result<i32> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    let mut set = |key: &str, value: String| {
        env.retain(|(k, _)| k != key);
        env.push((key.to_owned(), value));
    };
    if let Some(dir) = &args.data_dir {
        set("TACHIAI_DATA_DIR", dir.display().to_string());
    }
    if let Some(url) = &args.database_url {
        set("TACHIAI_DATABASE_URL", url.clone());
    }
    let target = Config::from_sources(config_file, &env)?;
    let restored = backup::restore::restore(&args.dir, &target, args.force)?;
    println!(
        "restored {} (made {}) into {} and the {} database: {} files, {} bytes",
        args.dir.display(),
        restored.manifest.created_at,
        target.data_dir.display(),
        match target.database_url.kind {
            shared::dto::DatabaseKind::Sqlite => "SQLite",
            shared::dto::DatabaseKind::Postgres => "PostgreSQL",
        },
        restored.files,
        restored.bytes
    );
    for (table, rows) in &restored.tables {
        println!("  {table}: {rows} rows");
    }
    if !restored.audited {
        println!(
            "note: no audit key in {} (or TACHIAI_AUDIT_KEY): put back the audit.key you kept separately before starting the server, or the log cannot be verified",
            target.data_dir.display()
        );
    }
    Ok(0)
}
