//! Backups (バックアップ, 仕様 6-(5)): an online snapshot of the database and the blobs, taken
//! while the servers run, checked by SHA-256 before anything is restored.
//!
//! A backup is a directory:
//!
//! - `database.sqlite3` (SQLite, `VACUUM INTO`: one read transaction, so consistent while
//!   others write) or `database.pgdump` (`pg_dump --format=custom` of the connection's schema,
//!   taken in an exported `REPEATABLE READ` snapshot so the row counts in the manifest are
//!   those of the dump);
//! - `blobs/ab/abcdef…`: the content-addressed files, hard links where the backup is on the data
//!   directory's file system, else copies;
//! - `config.txt`: the effective configuration as `tachiai config check` prints it, without
//!   any secret (no key, password or PIN, not even masked);
//! - `manifest.json`: format and version, database kind, time, schema version, rows per table,
//!   and every other file with its SHA-256 and size;
//! - `manifest.hmac`: HMAC-SHA256 of the manifest under the audit key, which is kept apart from
//!   the backups: someone who alters a file and rewrites the manifest to match cannot forge it.
//!
//! **Consistency of rows and blobs.** A blob is written whole to a temporary file, fsynced and
//! renamed into place before [`crate::storage::BlobStore::put_reader`] returns, and only then
//! is the row naming it inserted; blobs are never changed (their name is their hash). So every
//! row in a snapshot names a blob that was in place when the snapshot was taken. The blobs are
//! gathered twice: once before the snapshot (everything that exists by then, in case a blob is
//! removed while the backup runs) and once after it (what was added meanwhile). A blob no row
//! names yet is harmless in a backup.
//!
//! **Nothing that looks like a backup unless it is one.** Everything is written into a hidden
//! `.NAME.partial-<uuid>` directory next to the target and renamed to the target when the
//! manifest is written; a crash leaves only a `.partial` directory, which has no manifest under
//! the backup's name and is removed by the next scheduled run.
//!
//! **Never in a backup**: the seal key material (the development PKI's keys in `pki/`, PKCS#12
//! files and their passwords, PKCS#11 PINs), the secret key that seals stored secrets
//! (`secret.key`) and the audit key (`audit.key`). The operator keeps them separately
//! (docs/operations/backup.md).

pub mod restore;
pub mod schedule;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use shared::dto::DatabaseKind;

use crate::audit::AuditKey;
use crate::clock::Millis;
use crate::config::Config;
use crate::db::queries::backup as q;
use crate::db::{AnyConnection, DatabaseUrl};

/// The `format` of every manifest.
pub const FORMAT: &str = "tachiai-backup";
/// The manifest format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's HMAC under the audit key (when the key was at hand): `{"key_id", "hmac_sha256"}`.
pub const MANIFEST_MAC: &str = "manifest.hmac";
/// The SQLite snapshot's file name.
pub const SQLITE_FILE: &str = "database.sqlite3";
/// The PostgreSQL dump's file name.
pub const POSTGRES_FILE: &str = "database.pgdump";
/// The configuration's file name.
pub const CONFIG_FILE: &str = "config.txt";
/// The blob directory inside a backup.
pub const BLOBS_DIR: &str = "blobs";

/// The settings never written to `config.txt`, not even as "(set)".
const SECRET_SETTINGS: &[&str] = &[
    "initial_admin_password",
    "secret_key",
    "secret_key_previous",
    "audit_key",
    "smtp_password",
    "smtp_username",
    "s3_access_key_id",
    "s3_secret_access_key",
    "sms_provider_key",
];

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written; a reader refuses versions it does not know.
    pub format_version: u32,
    /// Which database the snapshot is of (a backup restores into the same kind).
    pub database: DatabaseKind,
    /// When the snapshot was taken, RFC 3339 UTC.
    pub created_at: String,
    /// The `tachiai` version that made it.
    pub tachiai_version: String,
    /// The newest migration in the snapshot.
    pub schema_version: String,
    /// PostgreSQL: the schema dumped (its name is inside the dump, so it restores into a
    /// schema of that name); SQLite: none.
    #[serde(default)]
    pub schema: Option<String>,
    /// Rows per table in the snapshot.
    pub tables: BTreeMap<String, i64>,
    /// Every file of the backup but the manifest, by path.
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative path with `/` separators, e.g. `blobs/ab/abcd…`.
    pub path: String,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

impl Manifest {
    /// The database file of this backup's kind.
    pub fn database_file(&self) -> &'static str {
        match self.database {
            DatabaseKind::Sqlite => SQLITE_FILE,
            DatabaseKind::Postgres => POSTGRES_FILE,
        }
    }

    /// The blobs.
    pub fn blobs(&self) -> impl Iterator<Item = &FileEntry> {
        self.files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{BLOBS_DIR}/")))
    }

    /// The total size of its files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// What [`create`] made.
#[derive(Debug, Clone)]
pub struct Created {
    /// The backup directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Blobs hard-linked (the rest were copied).
    pub linked: usize,
}

/// Makes a backup of the running service described by `config` in `out`, a directory that
/// must not exist yet. Safe while servers write: see the module documentation.
pub fn create(config: &Config, out: &Path) -> anyhow::Result<Created> {
    if out.exists() {
        bail!(
            "{} exists already; a backup is written to a new directory",
            out.display()
        );
    }
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} is not a directory name", out.display()))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    crate::private_fs::create_dir(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = parent.join(format!(".{name}.partial-{}", uuid::Uuid::new_v4().simple()));
    crate::private_fs::create_dir(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = write_backup(config, &tmp).and_then(|(manifest, linked)| {
        std::fs::rename(&tmp, out)
            .with_context(|| format!("cannot rename the finished backup to {}", out.display()))?;
        Ok(Created {
            dir: out.to_owned(),
            manifest,
            linked,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn write_backup(config: &Config, tmp: &Path) -> anyhow::Result<(Manifest, usize)> {
    let store = crate::storage::BlobStore::from_config(config)?;
    let target = tmp.join(BLOBS_DIR);
    let mut linked = gather_blobs(&store, &target)?;
    let created_at = Millis::now();
    let (tables, schema_version, schema) = snapshot_database(&config.database_url, tmp)?;
    linked += gather_blobs(&store, &target)?;
    std::fs::write(tmp.join(CONFIG_FILE), config_without_secrets(config))?;
    let mut files = Vec::new();
    hash_tree(tmp, tmp, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        database: config.database_url.kind,
        created_at: crate::clock::rfc3339(created_at.0),
        tachiai_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        schema,
        tables,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest)?;
    if let Some(key) = audit_key(config)? {
        let mac = serde_json::json!({"key_id": key.id(), "hmac_sha256": key.sign(&text)});
        write_synced(&tmp.join(MANIFEST_MAC), mac.to_string().as_bytes())?;
    }
    write_synced(&tmp.join(MANIFEST), &text)?;
    Ok((manifest, linked))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = crate::private_fs::create_file(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The installation's audit key if it is at hand (configured, or `audit.key` in the data
/// directory); never created here.
pub fn audit_key(config: &Config) -> anyhow::Result<Option<AuditKey>> {
    if config.audit_key.is_none() && !crate::audit::key::key_path(&config.data_dir).is_file() {
        return Ok(None);
    }
    AuditKey::load(config.audit_key.as_deref(), &config.data_dir, false).map(Some)
}

/// The effective configuration without the secret settings (they are left out, not masked:
/// even "(set)" tells an attacker where to look).
fn config_without_secrets(config: &Config) -> String {
    let mut out = String::from(
        "# Tachiai: the effective configuration when this backup was made (tachiai config check).\n\
         # Secrets are not here: keep the seal key, secret.key, audit.key and passwords separately.\n",
    );
    for line in config.describe().lines() {
        let key = line.split(" = ").next().unwrap_or_default();
        if !SECRET_SETTINGS.contains(&key) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Hard-links (else copies) every blob of the store not yet in `target`; returns how many were
/// linked. Temporary files of writes in progress (`tmp/`) are not blobs. From S3 each blob is
/// downloaded, checked against its hash on the way.
fn gather_blobs(store: &crate::storage::BlobStore, target: &Path) -> anyhow::Result<usize> {
    let mut linked = 0;
    for name in store.list().context("cannot list the stored files")? {
        let to = target.join(&name[..2]).join(&name);
        if to.exists() {
            continue;
        }
        crate::private_fs::create_dir(&target.join(&name[..2]))?;
        if let Some(root) = store.local_root() {
            let from = root.join(&name[..2]).join(&name);
            if std::fs::hard_link(&from, &to).is_ok() {
                linked += 1;
            } else {
                std::fs::copy(&from, &to).with_context(|| format!("cannot copy blob {name}"))?;
            }
            continue;
        }
        let partial = target.join(&name[..2]).join(format!(".{name}.part"));
        let mut out = crate::private_fs::create_file(&partial)?;
        match store.copy_to(&name, &mut out) {
            Ok(_) => std::fs::rename(&partial, &to)?,
            // Deleted meanwhile (retention): not in this backup.
            Err(crate::storage::StorageError::NotFound(_)) => std::fs::remove_file(&partial)?,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e).with_context(|| format!("cannot copy blob {name}"));
            }
        }
    }
    Ok(linked)
}

/// Writes the database snapshot into `dir`; returns the rows per table, the schema version
/// and (PostgreSQL) the schema of the snapshot.
fn snapshot_database(
    url: &DatabaseUrl,
    dir: &Path,
) -> anyhow::Result<(BTreeMap<String, i64>, String, Option<String>)> {
    match url.kind {
        DatabaseKind::Sqlite => {
            if !Path::new(&url.target).is_file() {
                bail!("there is no SQLite database at {}", url.target);
            }
            let mut live = open(url)?;
            let target = dir.join(SQLITE_FILE);
            q::sqlite_vacuum_into(&mut live, &target.to_string_lossy())
                .context("SQLite could not write the snapshot (VACUUM INTO)")?;
            drop(live);
            let mut copy = open(&DatabaseUrl {
                kind: DatabaseKind::Sqlite,
                target: target.to_string_lossy().into_owned(),
            })?;
            let counts = q::row_counts(&mut copy)?;
            let version = crate::db::schema_version(&mut copy)?;
            Ok((counts, version, None))
        }
        DatabaseKind::Postgres => {
            let mut conn = open(url)?;
            let server = q::pg_server_major(&mut conn)?;
            let client = pg_tool_major("pg_dump")?;
            if client < server {
                bail!(
                    "pg_dump {client} is older than the PostgreSQL {server} server; install postgresql-client-{server}"
                );
            }
            let schema = q::pg_current_schema(&mut conn)?;
            let version = crate::db::schema_version(&mut conn)?;
            let snapshot = q::pg_export_snapshot(&mut conn)?;
            let target = dir.join(POSTGRES_FILE);
            let (dbname, password) = split_password(&url.target);
            let mut cmd = std::process::Command::new("pg_dump");
            cmd.args(["--format=custom", "--no-owner", "--no-privileges"])
                .arg(format!("--snapshot={snapshot}"))
                .arg(format!("--schema={schema}"))
                .arg("--file")
                .arg(&target)
                .arg("--dbname")
                .arg(&dbname);
            if let Some(pw) = password {
                cmd.env("PGPASSWORD", pw);
            }
            let out = cmd.output().context("cannot run pg_dump")?;
            let counts = q::row_counts(&mut conn);
            q::end_snapshot(&mut conn)?;
            if !out.status.success() {
                bail!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok((counts?, version, Some(schema)))
        }
    }
}

/// A connection without the pool and without migrations: a backup reads the schema as it is,
/// and a restore counts the rows it restored before anything migrates them.
pub(crate) fn open(url: &DatabaseUrl) -> anyhow::Result<AnyConnection> {
    let mut conn = AnyConnection::establish(&url.target).with_context(|| match url.kind {
        DatabaseKind::Sqlite => format!("cannot open SQLite database {}", url.target),
        DatabaseKind::Postgres => "cannot connect to PostgreSQL".to_owned(),
    })?;
    if let AnyConnection::Sqlite(_) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "PRAGMA busy_timeout = 10000;",
        )?;
    }
    Ok(conn)
}

/// The major version of a PostgreSQL client tool (`pg_dump (PostgreSQL) 15.4` → 15).
pub(crate) fn pg_tool_major(tool: &str) -> anyhow::Result<i64> {
    let out = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .with_context(|| {
            format!("{tool} is not installed (Debian: apt-get install postgresql-client)")
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .filter_map(|w| w.split('.').next()?.parse::<i64>().ok())
        .next()
        .with_context(|| format!("cannot read the version of {tool}: {}", text.trim()))
}

/// A libpq URL without its password, and the password (percent-decoded), so that it goes to
/// the tool in `PGPASSWORD` rather than on a command line any local user can read.
pub(crate) fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None);
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let Some(at) = url[scheme_end..authority_end]
        .rfind('@')
        .map(|i| scheme_end + i)
    else {
        return (url.to_owned(), None);
    };
    match url[scheme_end..at].split_once(':') {
        Some((user, pw)) => (
            format!("{}{user}{}", &url[..scheme_end], &url[at..]),
            Some(percent_decode(pw)),
        ),
        None => (url.to_owned(), None),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds every file under `dir` (but the manifest) with its hash to `files`.
fn hash_tree(root: &Path, dir: &Path, files: &mut Vec<FileEntry>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            hash_tree(root, &path, files)?;
            continue;
        }
        let rel = relative(root, &path);
        if rel == MANIFEST {
            continue;
        }
        let (sha256, size) = hash_file(&path)?;
        files.push(FileEntry {
            path: rel,
            sha256,
            size,
        });
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// SHA-256 (hex) and size of a file, read in pieces.
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    crate::storage::hash_reader(std::fs::File::open(path)?)
}

/// Whether the manifest's HMAC was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticity {
    /// It matches the audit key with this id.
    Sealed(String),
    /// The backup has an HMAC, but no audit key was at hand to check it.
    Unchecked,
    /// The backup has no HMAC (made without the audit key at hand).
    Unsealed,
}

/// Checks a backup without writing anything: the manifest's format and version, its HMAC when
/// there is one and `key` is given, that every listed file is there with its size and
/// SHA-256, and that there is no file it does not list. Returns the manifest. The error is one
/// sentence naming the first problem.
pub fn verify(dir: &Path, key: Option<&AuditKey>) -> anyhow::Result<(Manifest, Authenticity)> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let text = match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "{} has no {MANIFEST}: it is not a Tachiai backup (or not a finished one)",
                dir.display()
            )
        }
        Err(e) => return Err(e).context(format!("cannot read {MANIFEST}")),
    };
    let header: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{MANIFEST} is not valid JSON"))?;
    if header["format"] != FORMAT {
        bail!("{MANIFEST} is not a Tachiai backup manifest (format is not \"{FORMAT}\")");
    }
    match header["format_version"].as_u64() {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => bail!(
            "the backup has format version {v}, which this tachiai ({}) cannot read (it reads version {FORMAT_VERSION})",
            env!("CARGO_PKG_VERSION")
        ),
        None => bail!("{MANIFEST} has no format_version"),
    }
    let authenticity = check_mac(dir, text.as_bytes(), key)?;
    let manifest: Manifest =
        serde_json::from_value(header).with_context(|| format!("{MANIFEST} is malformed"))?;
    if !manifest
        .files
        .iter()
        .any(|f| f.path == manifest.database_file())
    {
        bail!(
            "the manifest lists no {} for its {:?} database",
            manifest.database_file(),
            manifest.database
        );
    }
    let mut listed = std::collections::BTreeSet::new();
    for f in &manifest.files {
        if !safe_relative(&f.path) {
            bail!("the manifest names an unsafe path {:?}", f.path);
        }
        if f.path.starts_with(&format!("{BLOBS_DIR}/"))
            && f.path
                != format!(
                    "{BLOBS_DIR}/{}/{}",
                    f.sha256.get(..2).unwrap_or_default(),
                    f.sha256
                )
        {
            bail!(
                "the manifest lists {} under another name than its SHA-256",
                f.path
            );
        }
        if !listed.insert(f.path.as_str()) {
            bail!("the manifest lists {} twice", f.path);
        }
        let path = dir.join(&f.path);
        let (sha256, size) = match hash_file(&path) {
            Ok(h) => h,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("{} is missing from the backup", f.path)
            }
            Err(e) => return Err(e).context(format!("cannot read {}", f.path)),
        };
        if size != f.size || sha256 != f.sha256 {
            bail!(
                "{} does not match the manifest (its SHA-256 or size changed): the backup is damaged or was altered",
                f.path
            );
        }
    }
    let mut present = Vec::new();
    hash_paths(dir, dir, &mut present)?;
    if let Some(extra) = present
        .iter()
        .find(|p| !listed.contains(p.as_str()) && p.as_str() != MANIFEST_MAC)
    {
        bail!("{extra} is in the backup but not in its manifest: the backup was altered");
    }
    Ok((manifest, authenticity))
}

/// Checks `manifest.hmac` against `manifest` with `key`.
fn check_mac(dir: &Path, manifest: &[u8], key: Option<&AuditKey>) -> anyhow::Result<Authenticity> {
    let text = match std::fs::read_to_string(dir.join(MANIFEST_MAC)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Authenticity::Unsealed),
        Err(e) => return Err(e).context(format!("cannot read {MANIFEST_MAC}")),
    };
    let Some(key) = key else {
        return Ok(Authenticity::Unchecked);
    };
    let mac: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{MANIFEST_MAC} is not valid JSON"))?;
    let key_id = mac["key_id"].as_str().unwrap_or_default();
    if key_id != key.id() {
        bail!(
            "the manifest is sealed with audit key {key_id}, not with this installation's {}: use the audit key kept for these backups",
            key.id()
        );
    }
    if mac["hmac_sha256"].as_str() != Some(key.sign(manifest).as_str()) {
        bail!("the manifest does not match its HMAC under the audit key: the backup was altered");
    }
    Ok(Authenticity::Sealed(key_id.to_owned()))
}

/// The relative paths of every file under `dir` but the manifest (no hashing).
fn hash_paths(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            hash_paths(root, &entry.path(), out)?;
        } else {
            let rel = relative(root, &entry.path());
            if rel != MANIFEST {
                out.push(rel);
            }
        }
    }
    Ok(())
}

/// A path inside the backup: relative, no `..`, no root, no empty parts.
fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://u:p%40ss@db:5432/t?sslmode=require"),
            (
                "postgres://u@db:5432/t?sslmode=require".to_owned(),
                Some("p@ss".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://u@db/t"),
            ("postgres://u@db/t".to_owned(), None)
        );
    }

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        assert!(safe_relative("blobs/ab/abcd"));
        for bad in ["", "/etc/passwd", "../x", "blobs/../../x", "a\\b"] {
            assert!(!safe_relative(bad), "{bad}");
        }
    }

    #[test]
    fn the_configuration_copy_has_no_secret() {
        let c = Config::from_sources(
            None,
            &[
                ("TACHIAI_SMTP_PASSWORD".into(), "hunter2-secret".into()),
                ("TACHIAI_SECRET_KEY".into(), "c2VjcmV0".into()),
            ],
        )
        .unwrap();
        let text = config_without_secrets(&c);
        assert!(text.contains("bind = 127.0.0.1:8080\n"), "{text}");
        assert!(
            text.contains("backup_keep = 7\nbackup_time = 02:00\n"),
            "{text}"
        );
        for key in SECRET_SETTINGS {
            assert!(!text.contains(&format!("\n{key} = ")), "{key}: {text}");
        }
        assert!(!text.contains("hunter2") && !text.contains("c2VjcmV0"));
    }
}
