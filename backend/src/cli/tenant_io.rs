//! `tachiai export tenant` and `tachiai import tenant`: the full return (全データ返却) of a
//! tenant, written and read by `workflow::tenant_io` in the format of
//! `docs/tenant-export-format.md`. Refusals are one sentence on stderr and exit status 1;
//! nothing is half-written either way.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::audit::AuditKey;

use crate::config::Config;
use crate::db;
use crate::storage::BlobStore;
use crate::workflow::tenant_io;

/// `tachiai export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Everything of a tenant (全データ返却): contracts with all their rows, the stored files,
    /// users (without password hashes or TOTP secrets), departments, address book, settings,
    /// route templates, API token metadata, the whole audit chain, seal-key certificates.
    Tenant {
        /// 団体コード of the tenant.
        #[arg(long)]
        tenant: String,
        /// A new directory, or a file ending in .zip or .tar.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

/// `tachiai import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Recreates a tenant from `tachiai export tenant` (directory, .zip or .tar) on this
    /// instance, all or nothing. Imported users have no password until one is set.
    Tenant {
        /// The export.
        path: PathBuf,
        /// Import under this 団体コード instead of the exported one.
        #[arg(long)]
        code: Option<String>,
        /// A file with the source instance's audit key (its `audit.key`: base64 or 64 hex
        /// characters), when its operator
        /// hands it over: every imported event it sealed must then carry a valid HMAC.
        #[arg(long)]
        source_audit_key_file: Option<PathBuf>,
    },
}

/// Runs `tachiai export tenant`.
pub fn run_export(config: &Config, cmd: ExportCommand) -> anyhow::Result<i32> {
    let ExportCommand::Tenant { tenant, output } = cmd;
    let key = crate::startup::install_audit_key(config)?;
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    let store = BlobStore::from_config(config)?;
    let origin = crate::workflow::tenants::operator_origin("cli");
    let started = std::time::Instant::now();
    let report = tenant_io::export_tenant(
        &mut conn,
        &store,
        key,
        &tenant,
        &output,
        &config.public_url,
        &origin,
    )?;
    let m = &report.manifest;
    let rows: u64 = m.tables.iter().map(|t| t.rows).sum();
    let files = m.files.iter().filter(|f| f.path.starts_with("files/"));
    let bytes: u64 = files.clone().map(|f| f.size).sum();
    println!(
        "exported tenant {} to {}: {} tables, {rows} rows, {} files ({bytes} bytes), {} audit events{} in {:.1} s",
        m.tenant.code,
        report.path.display(),
        m.tables.len(),
        files.count(),
        m.audit_chain.events,
        if m.audit_chain.verified_at_export {
            " (chain verified)"
        } else {
            " (WARNING: the audit chain does not verify with this instance's key)"
        },
        started.elapsed().as_secs_f64()
    );
    for t in &m.tables {
        println!("  {:<28} {:>8}", t.name, t.rows);
    }
    Ok(0)
}

/// Runs `tachiai import tenant`.
pub fn run_import(config: &Config, cmd: ImportCommand) -> anyhow::Result<i32> {
    let ImportCommand::Tenant {
        path,
        code,
        source_audit_key_file,
    } = cmd;
    let source_keys = match &source_audit_key_file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            vec![AuditKey::from_hex(text.trim()).with_context(|| {
                format!(
                    "{} must hold an audit key (base64 or 64 hexadecimal characters)",
                    file.display()
                )
            })?]
        }
        None => Vec::new(),
    };
    crate::startup::install_audit_key(config)?;
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    let store = BlobStore::from_config(config)?;
    let origin = crate::workflow::tenants::operator_origin("cli");
    let started = std::time::Instant::now();
    let report = tenant_io::import_tenant(
        &mut conn,
        &store,
        &path,
        code.as_deref(),
        &source_keys,
        &origin,
    )?;
    let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
    println!(
        "imported tenant {} (id {}): {} tables, {rows} rows, {} files ({} new here), {} audit events, in {:.1} s",
        report.code,
        report.tenant_id,
        report.tables.len(),
        report.files,
        report.new_files,
        report.imported_events,
        started.elapsed().as_secs_f64()
    );
    for (t, n) in &report.tables {
        println!("  {t:<28} {n:>8}");
    }
    if source_audit_key_file.is_some() {
        println!(
            "{} imported audit events carried a valid HMAC of the source's audit key",
            report.hmac_checked
        );
    }
    if report.foreign_seal_keys > 0 {
        println!(
            "note: {} seal records name a seal key this instance does not hold; their certificates stay in the sealed files",
            report.foreign_seal_keys
        );
    }
    println!(
        "imported users have no password and cannot log in yet: create an administrator with \
         `tachiai admin create-user --tenant {code} --login-id <id> --name <name> --email <mail> --role admin`, \
         who then sets each user's password in 利用者管理 (パスワード再設定)",
        code = report.code
    );
    Ok(0)
}
