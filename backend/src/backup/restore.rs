//! `tachiai restore`: a backup back into a data directory and a database of the same kind.
//!
//! Order, so that nothing is written from a bad backup and an interrupted restore never leaves
//! rows without their files:
//!
//! 1. every hash is checked ([`super::verify`]), and the manifest's HMAC with the audit key
//!    when it is in place; a missing, altered or unlisted file, a manifest that does not match
//!    its HMAC, or an unknown format version, stops here with nothing written;
//! 2. the target must be empty (no database, no blobs, nothing but the separately kept key
//!    material `secret.key`, `audit.key`, `pki/`) unless `--force`;
//! 3. the blobs, each to a temporary name and renamed into place;
//! 4. the database: SQLite copied to a temporary file and renamed over the target;
//!    PostgreSQL by `pg_restore --single-transaction` (all or nothing);
//! 5. the rows per table are counted and must equal the manifest's;
//! 6. the restore is recorded in the system audit chain, if the audit key is in place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use shared::audit::AuditAction;
use shared::dto::DatabaseKind;

use super::{Manifest, open, pg_tool_major, split_password};
use crate::clock::Millis;
use crate::config::Config;
use crate::db::DatabaseUrl;
use crate::db::queries::backup as q;

/// What the operator keeps outside the backups and may already have put back into an empty
/// data directory before restoring: it does not make the directory "not empty".
const KEPT_SEPARATELY: &[&str] = &["secret.key", "audit.key", "pki"];

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Rows per table in the restored database (equal to the manifest's).
    pub tables: BTreeMap<String, i64>,
    /// Files restored (blobs).
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Whether the restore was recorded in the audit log (needs the audit key).
    pub audited: bool,
}

/// Restores `backup` into `target`'s data directory and database.
pub fn restore(backup: &Path, target: &Config, force: bool) -> anyhow::Result<Restored> {
    let key = super::audit_key(target)?;
    let (manifest, _) = super::verify(backup, key.as_ref())?;
    if manifest.database != target.database_url.kind {
        bail!(
            "the backup is of a {} database and the target is {}; a backup restores into the same kind (to move between them use the tenant export)",
            kind_name(manifest.database),
            kind_name(target.database_url.kind)
        );
    }
    if !force {
        refuse_if_not_empty(target)?;
    }
    if manifest.database == DatabaseKind::Postgres {
        pg_tool_major("pg_restore")?;
        let existing = q::pg_current_schema(&mut open(&target.database_url)?)?;
        if let Some(dumped) = manifest.schema.as_deref().filter(|s| *s != existing) {
            bail!(
                "the dump is of the PostgreSQL schema {dumped} and the target connection works in {existing}; restore into a database whose search_path is {dumped} (a dump keeps its schema's name)"
            );
        }
    }
    let blobs_dir = target.data_dir.join("blobs");
    crate::private_fs::create_dir(&target.data_dir)
        .with_context(|| format!("cannot create {}", target.data_dir.display()))?;
    // An S3 store is written through the store (checked by hash); a local one by copying.
    let remote = match target.blob_store {
        crate::storage::BlobStoreConfig::Local => None,
        crate::storage::BlobStoreConfig::S3(_) => {
            Some(crate::storage::BlobStore::from_config(target)?)
        }
    };
    let mut files = 0;
    let mut bytes = 0;
    for blob in manifest.blobs() {
        let rel = blob
            .path
            .strip_prefix(&format!("{}/", super::BLOBS_DIR))
            .unwrap_or(&blob.path);
        match &remote {
            None => copy_into_place(&backup.join(&blob.path), &blobs_dir.join(rel))?,
            Some(store) => {
                let file = std::fs::File::open(backup.join(&blob.path))
                    .with_context(|| format!("cannot read {}", blob.path))?;
                let stored = store
                    .put_reader(file, u64::MAX)
                    .with_context(|| format!("cannot store {}", blob.path))?;
                if !rel.ends_with(&stored.sha256) {
                    bail!(
                        "{} does not match its name: the backup is damaged",
                        blob.path
                    );
                }
            }
        }
        files += 1;
        bytes += blob.size;
    }
    let source = backup.join(manifest.database_file());
    match manifest.database {
        DatabaseKind::Sqlite => restore_sqlite(&source, &target.database_url.target)?,
        DatabaseKind::Postgres => restore_postgres(&source, &target.database_url, force)?,
    }
    let tables = q::row_counts(&mut open(&target.database_url)?)?;
    if tables != manifest.tables {
        let differs: Vec<String> = manifest
            .tables
            .iter()
            .filter(|(t, n)| tables.get(*t) != Some(n))
            .map(|(t, n)| {
                format!(
                    "{t} ({n} in the backup, {} now)",
                    tables.get(t).unwrap_or(&0)
                )
            })
            .collect();
        bail!(
            "the restored database does not hold the rows of the backup: {}",
            differs.join(", ")
        );
    }
    let audited = record(target, backup, &manifest, files, bytes)?;
    Ok(Restored {
        manifest,
        tables,
        files,
        bytes,
        audited,
    })
}

fn kind_name(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Sqlite => "SQLite",
        DatabaseKind::Postgres => "PostgreSQL",
    }
}

/// Refuses a target that already holds data: a data directory with anything but the key
/// material, a SQLite file that is not empty, a PostgreSQL schema with tables.
fn refuse_if_not_empty(target: &Config) -> anyhow::Result<()> {
    if let Ok(entries) = std::fs::read_dir(&target.data_dir) {
        let mut found: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !KEPT_SEPARATELY.contains(&n.as_str()))
            .collect();
        found.sort();
        if let Some(first) = found.first() {
            bail!(
                "the data directory {} is not empty ({} entries, e.g. {first}); restore into an empty one or pass --force to overwrite it",
                target.data_dir.display(),
                found.len()
            );
        }
    }
    match target.database_url.kind {
        DatabaseKind::Sqlite => {
            let path = Path::new(&target.database_url.target);
            if path.metadata().is_ok_and(|m| m.len() > 0) {
                bail!(
                    "the database {} exists already; restore into a new one or pass --force to overwrite it",
                    path.display()
                );
            }
        }
        DatabaseKind::Postgres => {
            let tables = q::tables(&mut open(&target.database_url)?)?;
            if !tables.is_empty() {
                bail!(
                    "the PostgreSQL database is not empty ({} tables, e.g. {}); restore into an empty one or pass --force to overwrite it",
                    tables.len(),
                    tables[0]
                );
            }
        }
    }
    Ok(())
}

/// Copies `from` to `to` through a temporary file in `to`'s directory, renamed when whole.
fn copy_into_place(from: &Path, to: &Path) -> anyhow::Result<()> {
    let dir = to.parent().expect("a target file has a directory");
    crate::private_fs::create_dir(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tmp_name(to);
    let copied = (|| -> std::io::Result<()> {
        let mut input = std::fs::File::open(from)?;
        let mut output = crate::private_fs::create_file(&tmp)?;
        std::io::copy(&mut input, &mut output)?;
        output.sync_all()?;
        std::fs::rename(&tmp, to)
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    copied.with_context(|| format!("cannot restore {}", to.display()))
}

fn tmp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.restore-{}", uuid::Uuid::new_v4().simple()))
}

/// The snapshot becomes the database file; a former file's WAL and shared memory go first
/// (with `--force`), or SQLite would replay the old WAL onto the restored file.
fn restore_sqlite(source: &Path, target: &str) -> anyhow::Result<()> {
    let target = Path::new(target);
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_fs::create_dir(dir)?;
    }
    let tmp = tmp_name(target);
    let result = (|| -> anyhow::Result<()> {
        std::fs::copy(source, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            match std::fs::remove_file(&side) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        std::fs::rename(&tmp, target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot restore the database to {}", target.display()))
}

/// `pg_restore` in one transaction. The dump is of one schema; when that schema exists in the
/// target already (always so for `public`), its `CREATE SCHEMA` is left out of the list.
/// With `--force`, the dump's objects are dropped first (`--clean --if-exists`).
fn restore_postgres(source: &Path, url: &DatabaseUrl, force: bool) -> anyhow::Result<()> {
    let list = std::process::Command::new("pg_restore")
        .arg("--list")
        .arg(source)
        .output()
        .context("cannot run pg_restore")?;
    if !list.status.success() {
        bail!(
            "pg_restore cannot read the dump: {}",
            String::from_utf8_lossy(&list.stderr).trim()
        );
    }
    let mut conn = open(url)?;
    q::pg_ensure_extensions(&mut conn)
        .context("cannot create the pg_trgm extension the search indexes need")?;
    let existing = q::pg_current_schema(&mut conn)?;
    drop(conn);
    let kept: String = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| {
            !(l.contains(&format!(" SCHEMA - {existing} "))
                || l.contains(&format!(" COMMENT - SCHEMA {existing} ")))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let list_file = tmp_name(&std::env::temp_dir().join("tachiai-restore.list"));
    std::fs::write(&list_file, kept)?;
    let (dbname, password) = split_password(&url.target);
    let mut cmd = std::process::Command::new("pg_restore");
    cmd.args([
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]);
    if force {
        cmd.args(["--clean", "--if-exists"]);
    }
    cmd.arg("--use-list")
        .arg(&list_file)
        .arg("--dbname")
        .arg(&dbname)
        .arg(source);
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    let out = cmd.output();
    let _ = std::fs::remove_file(&list_file);
    let out = out.context("cannot run pg_restore")?;
    if !out.status.success() {
        bail!(
            "pg_restore failed, nothing was restored into the database: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Records the restore in the restored database's system chain, when the audit key is in
/// place (configured, or `audit.key` put back into the data directory). Without it nothing is
/// written: a new key would make the restored log unverifiable.
fn record(
    target: &Config,
    backup: &Path,
    manifest: &Manifest,
    files: usize,
    bytes: u64,
) -> anyhow::Result<bool> {
    let Some(key) = super::audit_key(target)? else {
        return Ok(false);
    };
    crate::audit::key::install(key);
    let pool = crate::db::connect(&target.database_url, 1)?;
    let mut conn = pool.get()?;
    let origin = crate::workflow::tenants::operator_origin("cli");
    crate::db::tenant_transaction(&mut conn, crate::audit::SYSTEM_CHAIN_ID, |conn| {
        crate::audit::record(
            conn,
            crate::audit::SYSTEM_CHAIN_ID,
            &origin,
            crate::audit::Entry {
                action: AuditAction::BackupRestored,
                target: None,
                outcome: crate::audit::Outcome::Success,
                details: serde_json::json!({
                    "backup": backup.display().to_string(),
                    "created_at": manifest.created_at,
                    "schema_version": manifest.schema_version,
                    "files": files,
                    "bytes": bytes,
                }),
            },
            Millis::now(),
        )
        .map(|_| ())
    })?;
    Ok(true)
}
