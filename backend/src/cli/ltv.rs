//! `tachiai ltv …`: the archive timestamp renewal (長期署名の延長) by hand — what is due and when,
//! and one run of the job the server's housekeeping runs.

use std::io::Write;

use clap::Subcommand;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::Millis;
use crate::config::Config;
use crate::workflow::ltv::{self, LtvPolicy, Renewer};

/// `tachiai ltv …`
#[derive(Debug, Subcommand)]
pub enum LtvCommand {
    /// List every concluded contract's latest sealed file: its newest archive timestamp, when
    /// that ends (TSA certificate or hash horizon) and when it is renewed.
    Status {
        /// One JSON array instead of the table.
        #[arg(long)]
        json: bool,
        /// Judge what is due as of this instant (RFC 3339) instead of now.
        #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
        now: Option<Millis>,
    },
    /// Renew every archive timestamp that is due, once (exit 1 when a renewal failed).
    RenewDue {
        /// Run as of this instant (RFC 3339): what is due, the validation data's time and the
        /// built-in TSA's timestamps take it (to test a future date).
        #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
        now: Option<Millis>,
    },
}

/// An RFC 3339 instant, e.g. `2030-04-01T00:00:00Z`.
fn parse_rfc3339(s: &str) -> Result<Millis, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| Millis((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .map_err(|_| format!("`{s}` is not an RFC 3339 time such as 2030-04-01T00:00:00Z"))
}

/// Runs the command; the exit status.
pub fn run(config: &Config, cmd: LtvCommand) -> anyhow::Result<i32> {
    let pool = crate::db::connect(&config.database_url, 2)?;
    let store = crate::storage::BlobStore::from_config(config)?;
    let policy = LtvPolicy::from_config(config);
    match cmd {
        LtvCommand::Status { json, now } => {
            let now = now.unwrap_or_else(Millis::now);
            let mut conn = pool.get()?;
            let rows = ltv::status(&mut conn, &store, &policy, now)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
                return Ok(0);
            }
            writeln!(
                out,
                "{:<10} {:<14} {:<36} {:<10} {:<10} {:<10} {:<8} {:>3}  TSA / last error",
                "tenant", "contract", "document", "timestamp", "expires", "due", "state", "try"
            )?;
            let day = |t: &Option<String>| {
                t.as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or("-")
                    .to_owned()
            };
            for r in &rows {
                writeln!(
                    out,
                    "{:<10} {:<14} {:<36} {:<10} {:<10} {:<10} {:<8} {:>3}  {}",
                    r.tenant,
                    r.contract_number,
                    r.document_id,
                    day(&r.timestamp_at),
                    day(&r.expires_at),
                    day(&r.due_at),
                    if r.due { "DUE" } else { r.state.as_str() },
                    r.attempts,
                    r.last_error
                        .as_deref()
                        .or(r.tsa_subject.as_deref())
                        .unwrap_or("")
                )?;
            }
            let due = rows.iter().filter(|r| r.due).count();
            writeln!(
                out,
                "{} files, {due} due as of {}",
                rows.len(),
                crate::clock::rfc3339(now.0)
            )?;
            Ok(0)
        }
        LtvCommand::RenewDue { now } => {
            let now = now.unwrap_or_else(Millis::now);
            let kit = crate::seal::SealKit::from_config(config)
                .map_err(|e| anyhow::anyhow!("the seal is not usable: {e}"))?;
            let links = crate::workflow::signing::Links::new(&config.public_url);
            let report = Renewer {
                pool: &pool,
                store: &store,
                kit: &kit,
                policy,
                links: &links,
                worker: format!("cli:{}", std::process::id()),
            }
            .run(now)?;
            println!(
                "as of {}: {} renewed, {} failed (will retry), {} given up, {} skipped, {} newly registered",
                crate::clock::rfc3339(now.0),
                report.renewed,
                report.failed,
                report.gave_up,
                report.skipped,
                report.discovered
            );
            Ok(if report.failed + report.gave_up > 0 {
                1
            } else {
                0
            })
        }
    }
}
