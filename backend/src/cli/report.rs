//! `tachiai report monthly 2026-11 --tenant C -o FILE`: the monthly usage report (月次利用状況報告)
//! of one tenant's month as a file, for the operator (the format follows the file's extension:
//! `.csv`, `.pdf` or `.json`). Audited in the tenant's log as `report.viewed` by `cli`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::clock::Millis;
use crate::config::Config;
use crate::db::queries::tenants;
use crate::workflow::reports::{self, ReportOutput};
use crate::workflow::tenants::operator_origin;

/// `tachiai report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Write one tenant's monthly usage report (a JST calendar month, `YYYY-MM`, this month or
    /// earlier) to a file: CSV, PDF or JSON by its extension.
    Monthly {
        /// The month, e.g. `2026-11`.
        month: String,
        /// The tenant's code (団体コード).
        #[arg(long)]
        tenant: String,
        /// The file to write (`.csv`, `.pdf` or `.json`); written whole or not at all.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

/// Runs the command; the exit status.
pub fn run(config: &Config, cmd: ReportCommand) -> anyhow::Result<i32> {
    let ReportCommand::Monthly {
        month,
        tenant,
        output,
    } = cmd;
    let format = match output.extension().and_then(|e| e.to_str()) {
        Some("csv") => "csv",
        Some("pdf") => "pdf",
        Some("json") => "json",
        _ => bail!(
            "{} must end in .csv, .pdf or .json (the format follows the extension)",
            output.display()
        ),
    };
    crate::startup::install_audit_key(config)?;
    let pool = crate::db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    let t = tenants::find_by_code(&mut conn, &tenant)?
        .with_context(|| format!("no tenant with code {tenant}"))?;
    let out = reports::operator_report(
        &mut conn,
        &t,
        &operator_origin("cli"),
        &month,
        Some(format),
        Millis::now(),
    )
    .map_err(|e| anyhow::anyhow!("{month}: {e}"))?;
    let bytes = match out {
        ReportOutput::Json(view) => {
            let mut json = serde_json::to_vec_pretty(&view)?;
            json.push(b'\n');
            json
        }
        ReportOutput::File { bytes, .. } => bytes,
    };
    super::pdf::write_atomically(&output, &bytes).map_err(|f| anyhow::anyhow!(f.message))?;
    println!("{}", output.display());
    Ok(0)
}
