//! `tachiai notice …`: the operator publishes, lists and withdraws maintenance and outage
//! notices (メンテナンス・障害のお知らせ), service-wide or for one tenant (`--tenant`). Each change
//! is audited as the operator (`cli`): on the system chain for a service-wide notice, on the
//! tenant's chain otherwise. Bad input ends with exit status 1 and one sentence on stderr.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use shared::dto::NoticeRequest;
use shared::notice::NoticeKind;

use crate::clock::{Millis, rfc3339};
use crate::config::Config;
use crate::db;
use crate::db::queries::notices::NoticeOwner;
use crate::db::queries::tenants;
use crate::workflow::notices::{self, Publisher};
use crate::workflow::{self, WorkflowError};

/// `tachiai notice …`
#[derive(Debug, Subcommand)]
pub enum NoticeCommand {
    /// Publish a notice: service-wide, or for one tenant with --tenant. Planned maintenance is
    /// mailed to the administrators now and a day before it starts.
    Publish(Box<PublishArgs>),
    /// List the notices not ended more than a day ago: ID, scope, kind, window, state, title.
    List,
    /// Withdraw a notice: banners stop showing it and no reminder is mailed.
    Withdraw {
        /// The notice's ID (from `tachiai notice list`).
        id: String,
    },
}

/// `tachiai notice publish …`
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// planned (計画メンテナンス), outage (障害) or recovered (復旧).
    #[arg(long, value_parser = parse_kind)]
    kind: NoticeKind,
    /// Start, RFC 3339 with an offset, e.g. 2026-12-20T22:00:00+09:00.
    #[arg(long)]
    start: String,
    /// End, RFC 3339 with an offset, not before the start.
    #[arg(long)]
    end: String,
    /// 件名: one line, at most 100 characters.
    #[arg(long)]
    title: String,
    /// 本文: plain text, at most 2000 characters.
    #[arg(
        long,
        required_unless_present = "text_file",
        conflicts_with = "text_file"
    )]
    text: Option<String>,
    /// Read the text from this UTF-8 file instead.
    #[arg(long, value_name = "FILE")]
    text_file: Option<PathBuf>,
    /// 団体コード: publish for this tenant only (default: service-wide).
    #[arg(long)]
    tenant: Option<String>,
}

fn parse_kind(s: &str) -> Result<NoticeKind, String> {
    NoticeKind::parse(s).ok_or_else(|| format!("unknown kind {s:?} (planned, outage, recovered)"))
}

/// Runs `tachiai notice …`; `Ok(0)` when done.
pub fn run(config: &Config, cmd: NoticeCommand) -> anyhow::Result<i32> {
    crate::startup::install_audit_key(config)?;
    let pool = db::connect(&config.database_url, 1)?;
    let mut conn = pool.get()?;
    let origin = workflow::tenants::operator_origin("cli");
    match cmd {
        NoticeCommand::Publish(args) => {
            let text = match (&args.text, &args.text_file) {
                (Some(t), _) => t.clone(),
                (None, Some(f)) => {
                    let bytes =
                        std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
                    String::from_utf8(bytes)
                        .ok()
                        .with_context(|| format!("{} is not UTF-8 text", f.display()))?
                }
                (None, None) => bail!("give the text with --text or --text-file"),
            };
            let tenant = match &args.tenant {
                Some(code) => Some(
                    tenants::find_by_code(&mut conn, code)?
                        .with_context(|| format!("no tenant with code {code}"))?,
                ),
                None => None,
            };
            let req = NoticeRequest {
                kind: args.kind,
                starts_at: args.start.clone(),
                ends_at: args.end.clone(),
                title: args.title.clone(),
                text,
            };
            let n = notices::publish(
                &mut conn,
                Publisher {
                    tenant_id: tenant.as_ref().map(|t| t.id.as_str()),
                    origin: &origin,
                },
                &req,
            )
            .map_err(describe)?;
            println!(
                "published notice {} ({}, {}) from {} to {}",
                n.id,
                tenant
                    .as_ref()
                    .map_or("service-wide".to_owned(), |t| format!("tenant {}", t.code)),
                n.kind,
                rfc3339(n.starts_at),
                rfc3339(n.ends_at)
            );
            Ok(0)
        }
        NoticeCommand::List => {
            let now = Millis::now();
            let rows = notices::list_for_operator(&mut conn, now).map_err(describe)?;
            if rows.is_empty() {
                println!("no current or upcoming notices");
            }
            for (n, code) in rows {
                let state = if n.withdrawn_at.is_some() {
                    "withdrawn"
                } else if n.ends_at <= now.0 {
                    "ended"
                } else if n.starts_at <= now.0 {
                    "active"
                } else {
                    "upcoming"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    n.id,
                    code.as_deref().unwrap_or("*"),
                    n.kind,
                    rfc3339(n.starts_at),
                    rfc3339(n.ends_at),
                    state,
                    n.title
                );
            }
            Ok(0)
        }
        NoticeCommand::Withdraw { id } => {
            let n =
                notices::withdraw(&mut conn, NoticeOwner::Service, &origin, &id).map_err(|e| {
                    match e {
                        WorkflowError::Refused(shared::problem::ProblemCode::NotFound) => {
                            anyhow::anyhow!("no notice with ID {id}")
                        }
                        other => describe(other),
                    }
                })?;
            println!("withdrew notice {} ({})", n.id, n.title);
            Ok(0)
        }
    }
}

/// A refusal as one sentence: the English message (and the Japanese one), naming fields.
fn describe(e: WorkflowError) -> anyhow::Error {
    match e {
        WorkflowError::Invalid(fields) => anyhow::anyhow!(
            "invalid input: {}",
            fields
                .iter()
                .map(|f| format!("--{} ({})", f.field, f.code.message_en()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        WorkflowError::Refused(code) => anyhow::anyhow!(
            "{} ({}: {})",
            code.message_en(),
            code.as_str(),
            code.message_ja()
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
