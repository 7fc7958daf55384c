//! `tachiai export …`: the fiscal-year export (年度別一括出力) for operators, written in-process
//! by the same code as the server's job, and the offline check of an export ZIP.

use std::path::PathBuf;

use clap::Subcommand;
use shared::dto::ExportEncoding;

use crate::config::Config;
use crate::workflow::WorkflowError;
use crate::workflow::fiscal_year_export::{self as export, OperatorExport};

/// `tachiai export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// `tenant`: everything of a tenant for return or moving (全データ返却; see `tenant_io`).
    #[command(flatten)]
    Tenant(super::tenant_io::ExportCommand),
    /// Export a fiscal year's (年度) concluded contracts of a tenant to one ZIP with a sealed
    /// manifest (exit 0 done, 1 refused or failed).
    Fy {
        /// 年度, e.g. 2026 (April 2026 to March 2027, by 契約締結日 in JST).
        fiscal_year: i32,
        /// 団体コード.
        #[arg(long)]
        tenant: String,
        /// The ZIP to write (replaced only when the new one is complete).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Only this department: its ID or 所属コード (repeatable).
        #[arg(long = "department")]
        departments: Vec<String>,
        /// `utf8` (index.csv only) or `cp932` (also index_cp932.csv in Shift_JIS).
        #[arg(long, default_value = "utf8", value_parser = parse_encoding)]
        encoding: ExportEncoding,
    },
    /// Check an export ZIP: the manifest's signature and every entry's SHA-256 (exit 0 intact,
    /// 1 tampered, missing or unreadable).
    Verify {
        /// The ZIP.
        file: PathBuf,
        /// A PEM file of trust roots the seal must chain to (e.g. the service's root CA); without
        /// it only the signature itself is checked.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
}

fn parse_encoding(s: &str) -> Result<ExportEncoding, String> {
    ExportEncoding::parse(s).ok_or_else(|| format!("`{s}` is not an encoding: use utf8 or cp932"))
}

/// Runs the command; the exit status.
pub fn run(config: &Config, cmd: ExportCommand) -> anyhow::Result<i32> {
    match cmd {
        ExportCommand::Tenant(cmd) => super::tenant_io::run_export(config, cmd),
        ExportCommand::Fy {
            fiscal_year,
            tenant,
            output,
            departments,
            encoding,
        } => {
            let pool = crate::db::connect(&config.database_url, 2)?;
            crate::startup::install_audit_key(config)?;
            let store = crate::storage::BlobStore::from_config(config)?;
            let kit = crate::seal::SealKit::from_config(config)
                .map_err(|e| anyhow::anyhow!("the seal is not usable: {e}"))?;
            let keys = crate::secrets::KeyRing::from_config(config)?;
            let seal = crate::seal::SealService::new(
                std::sync::Arc::new(kit),
                std::sync::Arc::new(keys),
                config.tsa_urls.clone(),
            );
            let req = OperatorExport {
                tenant_code: &tenant,
                fiscal_year,
                departments: &departments,
                encoding,
                out: &output,
            };
            let result =
                export::run_operator_export(&pool, &store, &seal, &req, &mut |_done, _total| {});
            match result {
                Ok(w) => {
                    println!(
                        "{}: {} contracts, {} entries, {} bytes, SHA-256 {}, manifest SHA-256 {}{}",
                        output.display(),
                        w.contracts,
                        w.entries,
                        w.size,
                        w.sha256,
                        w.manifest_sha256,
                        if w.timestamped {
                            ""
                        } else {
                            " (no TSA answered: the manifest's signature has no timestamp)"
                        }
                    );
                    Ok(0)
                }
                Err(WorkflowError::Refused(code)) => {
                    let what = match code {
                        shared::problem::ProblemCode::NotFound => {
                            format!("There is no tenant with the code `{tenant}`.")
                        }
                        other => other.message_en().to_owned(),
                    };
                    eprintln!("{what}");
                    Ok(1)
                }
                Err(e) => {
                    eprintln!("The export failed: {e:#}.");
                    Ok(1)
                }
            }
        }
        ExportCommand::Verify { file, ca } => {
            let trust = match ca {
                Some(p) => {
                    let pem = std::fs::read_to_string(&p).map_err(|e| {
                        anyhow::anyhow!("cannot read the trust roots {}: {e}", p.display())
                    })?;
                    pades::ValidationContext::from_pem(&pem)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
                }
                None => pades::ValidationContext::default(),
            };
            match export::verify::verify_zip(&file, &trust) {
                Ok(r) => {
                    println!(
                        "{}: intact — {} entries match MANIFEST.sha256 (SHA-256 {}), signed by {}{}{}",
                        file.display(),
                        r.entries,
                        r.manifest_sha256,
                        r.signer_subject,
                        match (r.timestamp, r.timestamp_unchecked) {
                            (Some(t), _) => format!(", timestamped {t}"),
                            (None, true) =>
                                ", timestamped (the TSA is not checked without --ca)".into(),
                            (None, false) => ", without a timestamp".into(),
                        },
                        if r.trusted {
                            ", chained to the given trust root"
                        } else {
                            " (trust root not checked: pass --ca)"
                        }
                    );
                    Ok(0)
                }
                Err(e) => {
                    let sentence = e.to_string();
                    let mut chars = sentence.chars();
                    let capital = chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                        .unwrap_or_default();
                    eprintln!("{capital}");
                    Ok(1)
                }
            }
        }
    }
}
