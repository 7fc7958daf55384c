//! Answer deadlines (回答期限): three days before a sent contract's links expire its creator is
//! told who has not answered yet and each recipient whose turn it is gets one automatic
//! reminder (リマインド) with a fresh link; once the deadline has passed the contract is `Expired` and
//! its links stop working. Run by the server's housekeeping every few minutes, safe to run on
//! every node at once (each change happens in the tenant's transaction after re-reading).

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{self, ContractActor, ContractEvent, ContractState, RecipientState};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::clock::Millis;
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::queries::{contracts, recipients, users};
use crate::db::{self, AnyConnection};
use crate::mail::{self, ContractRef, MailTemplate, Party};
use crate::workflow::signing::{self, Links, Notice};
use crate::workflow::webhooks;
use shared::webhook::WebhookEvent;

/// How long before the deadline the creator is warned.
pub const WARN_BEFORE_MS: i64 = 3 * 86_400_000;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Contracts warned about.
    pub warned: usize,
    /// Contracts expired.
    pub expired: usize,
    /// Recipients reminded automatically.
    pub reminded: usize,
}

/// Warns and expires as of `now`.
#[tracing::instrument(skip_all)]
pub fn sweep(conn: &mut AnyConnection, links: &Links, now: Millis) -> anyhow::Result<Sweep> {
    let mut done = Sweep::default();
    for c in contracts::sent_expiring_before(conn, now.0 + WARN_BEFORE_MS)? {
        let expired = c.expires_at.is_some_and(|e| e <= now.0);
        db::tenant_transaction(conn, &c.tenant_id, |conn| -> anyhow::Result<()> {
            let mut c = contracts::get(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
            if c.state != ContractState::Sent {
                return Ok(());
            }
            let pending: Vec<Party> =
                recipients::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?
                    .into_iter()
                    .filter(|r| {
                        r.state != RecipientState::Agreed && r.state != RecipientState::Forwarded
                    })
                    .map(|r| Party {
                        name: r.name,
                        organization: r.organization_name,
                    })
                    .collect();
            let creator = users::get(conn, TenantId(&c.tenant_id), UserId(&c.created_by))?;
            let system = Origin {
                actor_id: None,
                actor_label: "system".into(),
                ip: None,
                user_agent: None,
            };
            if expired {
                let facts =
                    crate::workflow::contracts::background_facts(ContractState::Sent, false);
                let next = contract::apply(
                    ContractState::Sent,
                    &ContractEvent::Expire,
                    &facts,
                    &ContractActor::System,
                )
                .map_err(|e| anyhow::anyhow!("state machine refused expiry: {e:?}"))?;
                c.state = next;
                c.updated_at = now.0;
                contracts::save(conn, &c)?;
                webhooks::emit(conn, WebhookEvent::ContractExpired, &c)?;
                audit::record(
                    conn,
                    &c.tenant_id,
                    &system,
                    Entry {
                        action: AuditAction::ContractExpired,
                        target: Some(("contract", &c.id)),
                        outcome: Outcome::Success,
                        details: json!({ "expires_at": c.expires_at, "pending": pending.iter().map(|p| &p.name).collect::<Vec<_>>() }),
                    },
                    now,
                )?;
            } else {
                done.reminded += remind_once(conn, links, &c, &system, now)?;
            }
            if !expired && let Some(to) = mail::mailbox(&creator.name, &creator.email) {
                let staff_link = links.of(conn, &c.tenant_id)?.contract(&c.id);
                // Once per contract and deadline: the job's dedupe key.
                mail::enqueue_once(
                    conn,
                    &c.tenant_id,
                    &to,
                    &MailTemplate::Expiring(mail::Expiring {
                        staff_name: creator.name.clone(),
                        contract: ContractRef {
                            title: c.title.clone(),
                            number: c.contract_number.clone(),
                        },
                        expires_at: Millis(c.expires_at.unwrap_or(now.0)),
                        pending,
                        link: staff_link,
                    }),
                    &format!("expiring:{}:{}", c.id, c.expires_at.unwrap_or(0)),
                )?;
            }
            Ok(())
        })?;
        if expired {
            done.expired += 1;
        } else {
            done.warned += 1;
        }
    }
    Ok(done)
}

/// Reminds, once per sending, each recipient whose turn it is and who has not answered —
/// unless their request went out less than a day ago.
fn remind_once(
    conn: &mut AnyConnection,
    links: &Links,
    c: &crate::db::models::Contract,
    system: &Origin,
    now: Millis,
) -> anyhow::Result<usize> {
    const QUIET_MS: i64 = 86_400_000;
    let sent_at = c.sent_at.unwrap_or(0);
    let mut reminded = 0;
    for mut r in recipients::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))? {
        let waiting = matches!(r.state, RecipientState::Notified | RecipientState::Verified);
        let already = r.auto_reminded_at.is_some_and(|t| t >= sent_at);
        let fresh = r.notified_at.is_none_or(|t| now.0 - t < QUIET_MS);
        if !waiting || already || fresh {
            continue;
        }
        signing::notify(conn, links, c, &mut r, Notice::Reminder, system)
            .map_err(|e| anyhow::anyhow!("reminder to recipient {}: {e:?}", r.id))?;
        r.auto_reminded_at = Some(now.0);
        recipients::save(conn, &r)?;
        reminded += 1;
    }
    Ok(reminded)
}
