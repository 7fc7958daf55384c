//! 全データ返却 (仕様 4-(2)ウ and the annex on personal information): everything of a tenant,
//! written in a documented, versioned format (`docs/tenant-export-format.md`) by
//! `tachiai export tenant`, and recreated on another instance by `tachiai import tenant`.
//!
//! The export is a directory, ZIP or tar with `manifest.json` (format, version, source, tenant,
//! per-table row counts and columns, the SHA-256 of every other entry), one JSON Lines file per
//! table (`tables/<table>.jsonl`, the tables of [`crate::db::tenant_tables::TABLES`]) and the
//! stored files under `files/<sha256>`. Secrets never leave: password, token and one-time-code
//! hashes, TOTP secrets, seal private keys, the audit HMAC key.
//!
//! The import checks everything before writing anything (format, version, every hash, nothing
//! missing or extra, the tenant code and id free), stores the files first (removing the ones it
//! added if anything fails later), and inserts every row in one transaction that ends with the
//! `tenant.imported` audit event pinning the imported chain (why a pin, and not a re-seal, is
//! explained in `audit/chain.rs`). So an import is all or nothing.

pub mod archive;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use diesel::Connection;
use diesel::RunQueryDsl;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use shared::audit::AuditAction;
use shared::validate::TenantCode;

use crate::audit::{self, AuditKey, Entry, Origin, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::queries::tenants;
use crate::db::tenant_tables::{self, Column, TABLES, TableSpec};
use crate::db::{self, AnyConnection};
use crate::storage::{BlobStore, StorageError};
use archive::{Sink, Source};

/// The format's name in `manifest.json`.
pub const FORMAT: &str = "tachiai-tenant-export";
/// The format version this build writes and reads. Raise it when a reader of the previous
/// version would misread an export (a changed meaning, a renamed or re-typed column, a new
/// table an older importer cannot skip); a column added by a migration does not need it.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's name at the root of the export.
pub const MANIFEST: &str = "manifest.json";
/// The largest manifest read (a manifest names every file: 5,000 contracts ≈ 2 MB).
const MANIFEST_LIMIT: u64 = 256 * 1024 * 1024;
/// Rows read and inserted per statement.
const BATCH: usize = 500;

/// Why an export or import was refused or failed; each is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum TenantIoError {
    /// No such file or directory.
    #[error("{0} does not exist")]
    NoSuchExport(PathBuf),
    /// No manifest, not our format, or an unreadable container.
    #[error("{0} is not a tenant export of Tachiai (no valid manifest.json of format {FORMAT})")]
    NotAnExport(String),
    /// A format version this build cannot read.
    #[error(
        "the export has format version {found}, this instance reads version {FORMAT_VERSION} only; nothing was imported"
    )]
    UnsupportedVersion {
        /// The manifest's version.
        found: u64,
    },
    /// An entry differs from its hash or size in the manifest.
    #[error(
        "{0} does not match its SHA-256 in the manifest: the export is damaged or was altered; nothing was imported"
    )]
    HashMismatch(String),
    /// The manifest lists an entry the export lacks.
    #[error("{0} is listed in the manifest but missing from the export; nothing was imported")]
    MissingFile(String),
    /// The export holds an entry the manifest does not list.
    #[error("{0} is in the export but not in its manifest; nothing was imported")]
    UnlistedFile(String),
    /// The tenant code is in use here.
    #[error(
        "a tenant with code {0} already exists on this instance; choose another with --code; nothing was imported"
    )]
    CodeTaken(String),
    /// The tenant (by id) is already here: the export was imported before.
    #[error(
        "this export's tenant (id {id}) already exists on this instance as {code}: an export can be imported once per instance; nothing was imported"
    )]
    AlreadyImported {
        /// The tenant id.
        id: String,
        /// Its code here.
        code: String,
    },
    /// `--code` is not a valid tenant code.
    #[error(
        "{0} is not a valid tenant code (lower-case letters, digits and hyphens); nothing was imported"
    )]
    InvalidCode(String),
    /// No tenant with that code (export).
    #[error("no tenant with code {0}")]
    UnknownTenant(String),
    /// The content contradicts itself or this instance's schema.
    #[error("the export is inconsistent: {0}; nothing was imported")]
    Inconsistent(String),
    /// The output exists already.
    #[error("{0} already exists; give a new path for the export")]
    OutputExists(PathBuf),
    /// Tables holding tenant data that the export list lacks (a developer's omission).
    #[error(
        "tables {0:?} hold tenant data but are neither exported nor excluded (backend/src/db/tenant_tables.rs); refusing an incomplete export"
    )]
    UnlistedTables(Vec<String>),
    /// A stored file is damaged.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    /// The file system failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Anything else (already a sentence).
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// When the export was written (RFC 3339, UTC).
    pub created_at: String,
    /// The instance it came from.
    pub source: SourceInfo,
    /// The tenant.
    pub tenant: TenantInfo,
    /// The audit chain as exported.
    pub audit_chain: ChainInfo,
    /// One entry per table file, in import order.
    pub tables: Vec<TableEntry>,
    /// Tables with tenant data that are deliberately not exported, and why.
    pub excluded: Vec<Excluded>,
    /// Every entry of the export but the manifest, with SHA-256 and size.
    pub files: Vec<FileEntry>,
}

/// The source instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Its public URL.
    pub instance: String,
    /// The software version that wrote the export.
    pub software_version: String,
    /// The newest applied migration.
    pub schema_version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// The tenant exported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantInfo {
    /// Its id (kept on import).
    pub id: String,
    /// Its code at the source.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// The audit chain as exported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainInfo {
    /// Events exported (seq 1..=events).
    pub events: i64,
    /// The newest event's seal (compare with a head recorded by `tachiai audit head`).
    pub head: String,
    /// Ids of the HMAC keys that sealed events (the keys themselves never leave an instance).
    pub key_ids: Vec<String>,
    /// Whether the source verified the chain with its key just before exporting it.
    pub verified_at_export: bool,
}

/// One table file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    /// The table.
    pub name: String,
    /// Its entry, e.g. `tables/contracts.jsonl`.
    pub file: String,
    /// Rows (lines).
    pub rows: u64,
    /// The columns each row has (JSON keys).
    pub columns: Vec<String>,
    /// Columns of the table never exported (secrets, leases).
    pub withheld: Vec<String>,
    /// False for reference material the importer does not insert.
    pub imported: bool,
}

/// A table left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Excluded {
    /// The table.
    pub table: String,
    /// Why.
    pub reason: String,
}

/// One entry's checksum.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its path inside the export.
    pub path: String,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// Where.
    pub path: PathBuf,
    /// The manifest written.
    pub manifest: Manifest,
}

/// A temporary file removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new() -> std::io::Result<TempFile> {
        let dir = std::env::temp_dir();
        Ok(TempFile(dir.join(format!(
            "tachiai-tenant-export-{}.jsonl",
            uuid::Uuid::new_v4()
        ))))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Where a table's rows go in the export.
fn table_file(spec: &TableSpec) -> String {
    if spec.import {
        format!("tables/{}.jsonl", spec.name)
    } else {
        format!("reference/{}.jsonl", spec.name)
    }
}

/// Writes everything of the tenant `code` to `out` (a directory, `.zip` or `.tar`, which must
/// not exist). The `tenant.exported` event is appended first, so the export carries it; the rows
/// are then read in one snapshot (a repeatable-read transaction on PostgreSQL, a read
/// transaction on SQLite's WAL), so a contract concluded meanwhile is either wholly in or out.
#[tracing::instrument(skip_all, fields(tenant = %code))]
pub fn export_tenant(
    conn: &mut AnyConnection,
    store: &BlobStore,
    key: &AuditKey,
    code: &str,
    out: &Path,
    instance: &str,
    origin: &Origin,
) -> Result<ExportReport, TenantIoError> {
    let unlisted = tenant_tables::unlisted_tenant_tables(conn)?;
    if !unlisted.is_empty() {
        return Err(TenantIoError::UnlistedTables(unlisted));
    }
    let tenant = tenants::find_by_code(conn, code)?
        .filter(|t| t.id != audit::SYSTEM_CHAIN_ID)
        .ok_or_else(|| TenantIoError::UnknownTenant(code.to_owned()))?;
    let mut sink = Sink::create(out)?;
    db::tenant_transaction(conn, &tenant.id, |conn| {
        audit::record(
            conn,
            &tenant.id,
            origin,
            Entry {
                action: AuditAction::TenantExported,
                target: Some(("tenant", &tenant.id)),
                outcome: Outcome::Success,
                details: json!({
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "output": out.file_name().map(|n| n.to_string_lossy().into_owned()),
                }),
            },
            Millis::now(),
        )
    })?;
    let verified = audit::verify(conn, &tenant.id, key)?.first_break.is_none();
    if !verified {
        tracing::warn!(
            "the audit chain does not verify with this instance's key; exporting it as it is"
        );
    }
    let schema_version = db::schema_version(conn)?;
    let database = match db::kind(conn) {
        shared::dto::DatabaseKind::Sqlite => "sqlite",
        shared::dto::DatabaseKind::Postgres => "postgres",
    };
    let manifest = conn.transaction(|conn| -> Result<Manifest, TenantIoError> {
        if let AnyConnection::Postgresql(c) = conn {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(c)?;
        }
        let now_tenant = tenants::get(conn, &tenant.id)?;
        let mut files = Vec::new();
        let mut tables = Vec::new();
        let mut blobs = BTreeSet::new();
        for spec in TABLES {
            let columns = tenant_tables::exported_columns(conn, spec)?;
            // Spooled to a temporary file, so memory stays flat whatever the table's size.
            let spool = TempFile::new()?;
            let mut out = std::io::BufWriter::new(crate::private_fs::create_file(&spool.0)?);
            let mut rows = 0u64;
            tenant_tables::for_each_row(conn, spec, &columns, &tenant.id, BATCH as i64, |row| {
                if matches!(spec.name, "documents" | "template_documents")
                    && let Some(sha) = row.get("sha256").and_then(Value::as_str)
                {
                    blobs.insert(sha.to_owned());
                }
                serde_json::to_writer(&mut out, &Value::Object(row))?;
                out.write_all(b"\n")?;
                rows += 1;
                Ok(())
            })?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            let size = std::fs::metadata(&spool.0)?.len();
            let file = table_file(spec);
            let (sha256, size) = sink.add(&file, std::fs::File::open(&spool.0)?, size, true)?;
            files.push(FileEntry {
                path: file.clone(),
                sha256,
                size,
            });
            tables.push(TableEntry {
                name: spec.name.to_owned(),
                file,
                rows,
                columns: columns.into_iter().map(|c| c.name).collect(),
                withheld: spec.withheld.iter().map(|c| c.to_string()).collect(),
                imported: spec.import,
            });
        }
        for sha in blobs {
            // A local file (from S3: a checked temporary copy), as the sink needs the size first.
            let local = store.local_file(&sha)?;
            let size = std::fs::metadata(local.path())?.len();
            let name = format!("files/{sha}");
            let (found, size) = sink.add(&name, std::fs::File::open(local.path())?, size, false)?;
            if found != sha {
                return Err(StorageError::Corrupt(sha).into());
            }
            files.push(FileEntry {
                path: name,
                sha256: found,
                size,
            });
        }
        let key_ids = crate::db::queries::audit_events::key_ids_of(conn, &tenant.id)?;
        Ok(Manifest {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            created_at: rfc3339(Millis::now().0),
            source: SourceInfo {
                instance: instance.to_owned(),
                software_version: env!("CARGO_PKG_VERSION").to_owned(),
                schema_version,
                database: database.to_owned(),
            },
            tenant: TenantInfo {
                id: tenant.id.clone(),
                code: tenant.code.clone(),
                name: tenant.name.clone(),
            },
            audit_chain: ChainInfo {
                events: now_tenant.audit_seq,
                head: now_tenant.audit_head,
                key_ids,
                verified_at_export: verified,
            },
            tables,
            excluded: tenant_tables::EXCLUDED
                .iter()
                .map(|(t, r)| Excluded {
                    table: t.to_string(),
                    reason: r.to_string(),
                })
                .collect(),
            files,
        })
    })?;
    let text = serde_json::to_vec_pretty(&manifest).map_err(anyhow::Error::from)?;
    sink.add(MANIFEST, &text[..], text.len() as u64, true)?;
    let path = sink.finish()?;
    Ok(ExportReport { path, manifest })
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The tenant's id (as at the source).
    pub tenant_id: String,
    /// Its code here.
    pub code: String,
    /// Rows inserted per table.
    pub tables: Vec<(String, u64)>,
    /// Files in the export.
    pub files: usize,
    /// Of those, files this instance did not hold yet.
    pub new_files: usize,
    /// Users imported (none can log in until given a password).
    pub users: u64,
    /// Audit events imported (before the import's own event).
    pub imported_events: i64,
    /// Of those, events whose HMAC was checked with the source's audit key.
    pub hmac_checked: u64,
    /// Seal records whose key this instance does not hold (the reference is cleared, the
    /// certificate hash kept).
    pub foreign_seal_keys: u64,
}

/// Reads and checks the manifest: the format and its version first, then the structure.
fn read_manifest(source: &mut Source, what: &Path) -> Result<Manifest, TenantIoError> {
    let not_export = || TenantIoError::NotAnExport(what.display().to_string());
    let text = source
        .read(MANIFEST, |r| {
            let mut buf = Vec::new();
            r.take(MANIFEST_LIMIT).read_to_end(&mut buf)?;
            Ok(buf)
        })?
        .ok_or_else(not_export)?;
    let value: Value = serde_json::from_slice(&text).map_err(|_| not_export())?;
    if value["format"] != FORMAT {
        return Err(not_export());
    }
    match value["format_version"].as_u64() {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => return Err(TenantIoError::UnsupportedVersion { found: v }),
        None => return Err(not_export()),
    }
    serde_json::from_value(value).map_err(|_| not_export())
}

/// Checks every entry against the manifest: each listed entry present with its SHA-256 and
/// size, nothing unlisted, `files/` entries named by their hash, the tables known here.
fn check_entries(source: &mut Source, manifest: &Manifest) -> Result<(), TenantIoError> {
    let listed: BTreeMap<&str, &FileEntry> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    for name in source.names()? {
        if name != MANIFEST && !listed.contains_key(name.as_str()) {
            return Err(TenantIoError::UnlistedFile(name));
        }
    }
    for f in &manifest.files {
        let safe = !f
            .path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
        let named_right = match f.path.strip_prefix("files/") {
            Some(sha) => sha == f.sha256,
            None => f.path.starts_with("tables/") || f.path.starts_with("reference/"),
        };
        if !safe || !named_right {
            return Err(TenantIoError::Inconsistent(format!(
                "the manifest names an unexpected entry {}",
                f.path
            )));
        }
        let found = source
            .read(&f.path, |r| Ok(archive::hash_reader(r)?))?
            .ok_or_else(|| TenantIoError::MissingFile(f.path.clone()))?;
        if found != (f.sha256.clone(), f.size) {
            return Err(TenantIoError::HashMismatch(f.path.clone()));
        }
    }
    for t in &manifest.tables {
        let spec = tenant_tables::spec(&t.name).ok_or_else(|| {
            TenantIoError::Inconsistent(format!(
                "table {} is unknown to this version of Tachiai",
                t.name
            ))
        })?;
        if t.file != table_file(spec) || !listed.contains_key(t.file.as_str()) {
            return Err(TenantIoError::MissingFile(t.file.clone()));
        }
    }
    for spec in TABLES.iter().filter(|s| s.import) {
        if !manifest.tables.iter().any(|t| t.name == spec.name) {
            return Err(TenantIoError::Inconsistent(format!(
                "the table {} is missing",
                spec.name
            )));
        }
    }
    Ok(())
}

/// Orders rows so that each comes after the row its `self_ref` column names.
fn parents_first(rows: Vec<Map<String, Value>>, self_ref: &str) -> Vec<Map<String, Value>> {
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let ids: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut pending = rows;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) =
            pending
                .into_iter()
                .partition(|r| match r.get(self_ref).and_then(Value::as_str) {
                    None => true,
                    Some(parent) => placed.contains(parent) || !ids.contains(parent),
                });
        for r in &ready {
            if let Some(id) = r.get("id").and_then(Value::as_str) {
                placed.insert(id.to_owned());
            }
        }
        out.extend(ready);
        pending = rest;
        if pending.len() == before {
            // A cycle: insert as is and let the database refuse it.
            out.append(&mut pending);
        }
    }
    out
}

/// Recreates the tenant of the export at `from` on this instance, under `new_code` or its own
/// code. All or nothing: see the module documentation.
#[tracing::instrument(skip_all)]
pub fn import_tenant(
    conn: &mut AnyConnection,
    store: &BlobStore,
    from: &Path,
    new_code: Option<&str>,
    source_keys: &[AuditKey],
    origin: &Origin,
) -> Result<ImportReport, TenantIoError> {
    let mut source = Source::open(from)?;
    let manifest = read_manifest(&mut source, from)?;
    check_entries(&mut source, &manifest)?;
    let code = new_code.unwrap_or(&manifest.tenant.code);
    let code = TenantCode::parse(code)
        .map_err(|_| TenantIoError::InvalidCode(code.to_owned()))?
        .into_inner();
    if tenants::find_by_code(conn, &code)?.is_some() {
        return Err(TenantIoError::CodeTaken(code));
    }
    if let Ok(here) = tenants::get(conn, &manifest.tenant.id) {
        return Err(TenantIoError::AlreadyImported {
            id: here.id,
            code: here.code,
        });
    }
    // The schema here must hold every exported column.
    let mut columns: BTreeMap<&str, Vec<Column>> = BTreeMap::new();
    for t in manifest.tables.iter().filter(|t| t.imported) {
        let here = tenant_tables::columns(conn, &t.name)?;
        for c in &t.columns {
            if !here.iter().any(|h| &h.name == c) {
                return Err(TenantIoError::Inconsistent(format!(
                    "column {}.{c} is unknown to this instance (an export of a newer schema)",
                    t.name
                )));
            }
        }
        columns.insert(
            &t.name,
            here.into_iter()
                .filter(|h| t.columns.contains(&h.name))
                .collect(),
        );
    }
    // Files first: stored under their hash, so a file this instance already holds is shared.
    let mut added: Vec<String> = Vec::new();
    let result = (|| {
        let mut shas = BTreeSet::new();
        for f in manifest
            .files
            .iter()
            .filter(|f| f.path.starts_with("files/"))
        {
            shas.insert(f.sha256.clone());
            if store.exists(&f.sha256)? {
                continue;
            }
            let stored = source
                .read(&f.path, |r| Ok(store.put_reader(r, u64::MAX)?))?
                .ok_or_else(|| TenantIoError::MissingFile(f.path.clone()))?;
            if stored.sha256 != f.sha256 {
                return Err(TenantIoError::HashMismatch(f.path.clone()));
            }
            added.push(stored.sha256);
        }
        let plan = Plan {
            manifest: &manifest,
            columns: &columns,
            shas: &shas,
            code: &code,
            source_keys,
        };
        insert_all(conn, &mut source, &plan, origin)
    })();
    match result {
        Ok(mut report) => {
            report.new_files = added.len();
            Ok(report)
        }
        Err(e) => {
            for sha in added {
                if !tenant_tables::blob_referenced(conn, &sha).unwrap_or(true) {
                    let _ = store.delete(&sha);
                }
            }
            Err(e)
        }
    }
}

/// What the importer checks and changes in each row before inserting it.
struct RowFix<'a> {
    tenant_id: &'a str,
    code: &'a str,
    shas: &'a BTreeSet<String>,
    /// Seal key id → whether this instance holds it.
    known_keys: &'a mut BTreeMap<String, bool>,
    foreign_seal_keys: &'a mut u64,
}

impl RowFix<'_> {
    /// Every row must be the tenant's; the tenant row takes the new code; a document's file
    /// must be in the export; a seal record keeps its key reference only if the key is here.
    fn apply(
        &mut self,
        conn: &mut AnyConnection,
        spec: &TableSpec,
        file: &str,
        row: &mut Map<String, Value>,
    ) -> Result<(), TenantIoError> {
        let own = match spec.name {
            "tenants" => row.get("id"),
            _ => row.get("tenant_id"),
        };
        if own.and_then(Value::as_str) != Some(self.tenant_id) {
            return Err(TenantIoError::Inconsistent(format!(
                "{file} holds a row of another tenant"
            )));
        }
        match spec.name {
            "tenants" => {
                row.insert("code".into(), Value::String(self.code.to_owned()));
            }
            "documents" | "template_documents" => {
                let sha = row.get("sha256").and_then(Value::as_str).unwrap_or("");
                if !self.shas.contains(sha) {
                    return Err(TenantIoError::Inconsistent(format!(
                        "the file {sha} of a document is not in the export"
                    )));
                }
            }
            "document_seals" => {
                if let Some(key) = row.get("seal_key_id").and_then(Value::as_str) {
                    let key = key.to_owned();
                    let here = match self.known_keys.get(&key) {
                        Some(&here) => here,
                        None => {
                            let here = tenant_tables::seal_key_exists(conn, &key)?;
                            self.known_keys.insert(key, here);
                            here
                        }
                    };
                    if !here {
                        row.insert("seal_key_id".into(), Value::Null);
                        *self.foreign_seal_keys += 1;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// What the checks before the transaction established.
struct Plan<'a> {
    manifest: &'a Manifest,
    /// Per table, the columns the export and this instance share.
    columns: &'a BTreeMap<&'a str, Vec<Column>>,
    /// The stored files of the export.
    shas: &'a BTreeSet<String>,
    /// The tenant code here.
    code: &'a str,
    /// The source's audit keys, when handed over.
    source_keys: &'a [AuditKey],
}

/// The rows, in one transaction, then the chain check and the import's audit event.
fn insert_all(
    conn: &mut AnyConnection,
    source: &mut Source,
    plan: &Plan<'_>,
    origin: &Origin,
) -> Result<ImportReport, TenantIoError> {
    let Plan {
        manifest,
        columns,
        shas,
        code,
        source_keys,
    } = *plan;
    let now = Millis::now();
    let tenant_id = manifest.tenant.id.clone();
    conn.transaction(|conn| {
        let mut counts = Vec::new();
        let mut foreign_seal_keys = 0u64;
        let mut known_keys: BTreeMap<String, bool> = BTreeMap::new();
        for t in manifest.tables.iter().filter(|t| t.imported) {
            let spec = tenant_tables::spec(&t.name).expect("checked");
            let cols = &columns[t.name.as_str()];
            let expected = manifest
                .files
                .iter()
                .find(|f| f.path == t.file)
                .expect("checked")
                .sha256
                .clone();
            // Parsed while hashed again (the entry read now is the one checked; a mismatch
            // rolls the transaction back) and inserted every BATCH rows, so memory stays flat;
            // a table with a self-reference is collected whole and ordered parents first.
            let mut fix = RowFix {
                tenant_id: &tenant_id,
                code,
                shas,
                known_keys: &mut known_keys,
                foreign_seal_keys: &mut foreign_seal_keys,
            };
            let inserted = source
                .read(&t.file, |r| {
                    let mut hasher = Sha256::new();
                    let mut pending = Vec::new();
                    let mut count = 0u64;
                    let mut reader = std::io::BufReader::new(r);
                    let mut line = Vec::new();
                    loop {
                        line.clear();
                        if reader.read_until(b'\n', &mut line)? == 0 {
                            break;
                        }
                        hasher.update(&line);
                        count += 1;
                        let mut row: Map<String, Value> =
                            serde_json::from_slice(&line).map_err(|e| {
                                TenantIoError::Inconsistent(format!("{} line {count}: {e}", t.file))
                            })?;
                        fix.apply(conn, spec, &t.file, &mut row)?;
                        pending.push(row);
                        if spec.self_ref.is_none() && pending.len() == BATCH {
                            tenant_tables::insert_rows(conn, spec, cols, &pending, now.0)?;
                            pending.clear();
                        }
                    }
                    if data_encoding::HEXLOWER.encode(&hasher.finalize()) != expected {
                        return Err(TenantIoError::HashMismatch(t.file.clone()));
                    }
                    if let Some(column) = spec.self_ref {
                        pending = parents_first(pending, column);
                    }
                    for chunk in pending.chunks(BATCH) {
                        tenant_tables::insert_rows(conn, spec, cols, chunk, now.0)?;
                    }
                    Ok(count)
                })?
                .ok_or_else(|| TenantIoError::MissingFile(t.file.clone()))?;
            if inserted != t.rows {
                return Err(TenantIoError::Inconsistent(format!(
                    "{} has {inserted} rows, the manifest says {}",
                    t.file, t.rows
                )));
            }
            counts.push((t.name.clone(), inserted));
        }
        let tenant = tenants::get(conn, &tenant_id)?;
        if tenant.audit_seq != manifest.audit_chain.events
            || tenant.audit_head != manifest.audit_chain.head
        {
            return Err(TenantIoError::Inconsistent(
                "the tenant's audit head differs from the manifest's".into(),
            ));
        }
        let chain = audit::check_imported(conn, &tenant_id, source_keys)?.map_err(|b| {
            TenantIoError::Inconsistent(format!(
                "the audit chain is broken at event {} ({})",
                b.seq,
                b.kind.as_str()
            ))
        })?;
        let users = counts
            .iter()
            .find(|(t, _)| t == "users")
            .map_or(0, |(_, n)| *n);
        audit::record(
            conn,
            &tenant_id,
            origin,
            Entry {
                action: AuditAction::TenantImported,
                target: Some(("tenant", &tenant_id)),
                outcome: Outcome::Success,
                details: json!({
                    "format": manifest.format,
                    "format_version": manifest.format_version,
                    "source_instance": manifest.source.instance,
                    "source_code": manifest.tenant.code,
                    "exported_at": manifest.created_at,
                    "code": code,
                    "rows": counts.iter().cloned().collect::<BTreeMap<_, _>>(),
                    "files": shas.len(),
                    "imported_events": chain.events,
                    "imported_head": chain.head,
                    "imported_digest": chain.digest,
                    "imported_key_ids": manifest.audit_chain.key_ids,
                    "imported_hmac_checked": chain.hmac_checked,
                }),
            },
            now,
        )?;
        Ok(ImportReport {
            tenant_id: tenant_id.clone(),
            code: code.to_owned(),
            tables: counts,
            files: shas.len(),
            new_files: 0,
            users,
            imported_events: chain.events,
            hmac_checked: chain.hmac_checked,
            foreign_seal_keys,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, parent: Option<&str>) -> Map<String, Value> {
        let Value::Object(map) = json!({"id": id, "parent_id": parent}) else {
            unreachable!()
        };
        map
    }

    /// Departments and forwarded recipients refer to rows of their own table: a child listed
    /// before its parent (ids are random, the export orders by id) is inserted after it.
    #[test]
    fn parents_come_first_whatever_the_order() {
        let rows = vec![
            row("a", Some("c")),
            row("b", None),
            row("c", Some("b")),
            row("d", Some("elsewhere")),
        ];
        let ordered: Vec<String> = parents_first(rows, "parent_id")
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        let at = |id: &str| ordered.iter().position(|o| o == id).unwrap();
        assert!(at("b") < at("c") && at("c") < at("a"), "{ordered:?}");
        assert_eq!(ordered.len(), 4);
        // A cycle is passed through for the database to refuse, not looped on.
        let cycle = parents_first(vec![row("x", Some("y")), row("y", Some("x"))], "parent_id");
        assert_eq!(cycle.len(), 2);
    }

    /// The version check comes before anything else of the manifest is read.
    #[test]
    fn another_format_version_is_refused_by_number() {
        let dir = std::env::temp_dir().join(format!("tachiai-manifest-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(MANIFEST),
            json!({"format": FORMAT, "format_version": 2}).to_string(),
        )
        .unwrap();
        let mut source = Source::open(&dir).unwrap();
        let err = read_manifest(&mut source, &dir).unwrap_err();
        assert!(
            matches!(err, TenantIoError::UnsupportedVersion { found: 2 }),
            "{err}"
        );
        std::fs::write(dir.join(MANIFEST), json!({"format": "zip"}).to_string()).unwrap();
        let err = read_manifest(&mut source, &dir).unwrap_err();
        assert!(matches!(err, TenantIoError::NotAnExport(_)), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
