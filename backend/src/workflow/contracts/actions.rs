//! Staff actions on a contract (submit, approve, reject, withdraw, send, send back, cancel,
//! remind) and the mails to staff they cause.

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{
    ApprovalDecision, ContractAction, ContractEvent, ContractState, DocumentRole, RecipientState,
};
use shared::dto::ContractView;
use shared::problem::ProblemCode;
use shared::validate::ValidationError;

use super::view::get;
use super::{Loaded, approvals_of, approver_ids, current_step, transition};
use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{ApprovalDecisionRow, ApprovalStep, Contract};
use crate::db::queries::{approvals, departments, documents, recipients, tenants, users};
use crate::mail::{self, MailTemplate};
use crate::workflow::actor::Actor;
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::sealing;
use crate::workflow::signing::{self, Links, Notice};
use crate::workflow::webhooks;
use shared::webhook::WebhookEvent;

/// A staff action on a contract: submit, approve, reject, withdraw, send, send back, cancel,
/// remind. Each is one function below; all go through [`perform`].
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn act(
    conn: &mut AnyConnection,
    actor: &Actor,
    links: &Links,
    id: &str,
    action: ContractAction,
    comment: &str,
) -> WorkflowResult<ContractView> {
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Err(WorkflowError::field("comment", ValidationError::TooLong));
    }
    let ctx = ActionContext {
        actor,
        links,
        id,
        comment,
    };
    match action {
        ContractAction::Submit => submit(conn, &ctx),
        ContractAction::Approve => decide(conn, &ctx, ApprovalDecision::Approved),
        ContractAction::Reject => decide(conn, &ctx, ApprovalDecision::Rejected),
        ContractAction::Withdraw => transition_only(conn, &ctx, WITHDRAW),
        ContractAction::Send => send(conn, &ctx),
        ContractAction::SendBack => send_back(conn, &ctx),
        ContractAction::Cancel => transition_only(conn, &ctx, CANCEL),
        ContractAction::Remind => remind(conn, &ctx),
        ContractAction::Edit
        | ContractAction::Duplicate
        | ContractAction::DownloadSigned
        | ContractAction::DownloadCertificate
        | ContractAction::DownloadZip => Err(ProblemCode::ContractStateConflict.into()),
    }?;
    get(conn, actor, id)
}

/// Who acts on which contract, with which comment.
struct ActionContext<'a> {
    actor: &'a Actor,
    links: &'a Links,
    id: &'a str,
    comment: &'a str,
}

/// Runs one action in one transaction: the state machine's check of `event`, `effect` on the
/// loaded contract (adding to the audit details), the mails to staff and the audit event.
fn perform(
    conn: &mut AnyConnection,
    ctx: &ActionContext<'_>,
    action: ContractAction,
    audit_action: AuditAction,
    event: impl Fn(&Loaded) -> ContractEvent,
    effect: impl FnOnce(&mut AnyConnection, &mut Loaded, &mut serde_json::Value) -> WorkflowResult<()>,
) -> WorkflowResult<()> {
    let ActionContext {
        actor,
        links,
        id,
        comment,
    } = *ctx;
    transition(conn, actor, id, event, |conn, l, next| {
        let mut details = json!({ "from": l.contract.state, "to": next });
        if !comment.is_empty() {
            details["comment"] = json!(comment);
        }
        effect(conn, l, &mut details)?;
        staff_notices(conn, actor, links, l, action, comment)?;
        if let Some(event) = published(action) {
            let after = Contract {
                state: next,
                ..l.contract.clone()
            };
            webhooks::emit(conn, event, &after)?;
        }
        actor.audit(conn, audit_action, Some(("contract", id)), details)
    })
}

/// The webhook event a staff action publishes, if any.
fn published(action: ContractAction) -> Option<WebhookEvent> {
    match action {
        ContractAction::Send => Some(WebhookEvent::ContractSent),
        ContractAction::Cancel => Some(WebhookEvent::ContractCancelled),
        ContractAction::Submit
        | ContractAction::Approve
        | ContractAction::Reject
        | ContractAction::Withdraw
        | ContractAction::SendBack
        | ContractAction::Remind
        | ContractAction::Edit
        | ContractAction::Duplicate
        | ContractAction::DownloadSigned
        | ContractAction::DownloadCertificate
        | ContractAction::DownloadZip => None,
    }
}

/// 承認申請: a new approval round starts.
fn submit(conn: &mut AnyConnection, ctx: &ActionContext<'_>) -> WorkflowResult<()> {
    perform(
        conn,
        ctx,
        ContractAction::Submit,
        AuditAction::ContractSubmitted,
        |_| ContractEvent::Submit,
        |_, l, details| {
            l.contract.approval_round += 1;
            details["round"] = json!(l.contract.approval_round);
            Ok(())
        },
    )
}

/// 承認 or 差し戻し by an approver of the current step.
fn decide(
    conn: &mut AnyConnection,
    ctx: &ActionContext<'_>,
    decision: ApprovalDecision,
) -> WorkflowResult<()> {
    let (action, audit_action) = match decision {
        ApprovalDecision::Approved => (ContractAction::Approve, AuditAction::ContractApproved),
        ApprovalDecision::Rejected => (ContractAction::Reject, AuditAction::ContractRejected),
    };
    let actor = ctx.actor;
    perform(
        conn,
        ctx,
        action,
        audit_action,
        |l| match decision {
            ApprovalDecision::Approved => ContractEvent::Approve {
                final_step: approval_completes_route(l, actor),
            },
            ApprovalDecision::Rejected => ContractEvent::Reject,
        },
        |conn, l, details| {
            let step = current_step(l).ok_or(ProblemCode::NotCurrentApprover)?;
            details["step"] = json!(step.name);
            approvals::insert_decision(
                conn,
                &ApprovalDecisionRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    tenant_id: actor.tenant_id.clone(),
                    contract_id: ctx.id.to_owned(),
                    step_id: step.id.clone(),
                    round: l.contract.approval_round,
                    user_id: actor.user_id.clone(),
                    decision,
                    comment: ctx.comment.to_owned(),
                    at: Millis::now().0,
                },
            )?;
            Ok(())
        },
    )
}

/// A step that is only the state machine's and its audit event.
type TransitionOnly = (ContractAction, AuditAction, ContractEvent);

/// 取り下げ: the creator takes a contract back from the approval route.
const WITHDRAW: TransitionOnly = (
    ContractAction::Withdraw,
    AuditAction::ContractWithdrawn,
    ContractEvent::Withdraw,
);

/// 取消.
const CANCEL: TransitionOnly = (
    ContractAction::Cancel,
    AuditAction::ContractCancelled,
    ContractEvent::Cancel,
);

fn transition_only(
    conn: &mut AnyConnection,
    ctx: &ActionContext<'_>,
    (action, audited, event): TransitionOnly,
) -> WorkflowResult<()> {
    perform(conn, ctx, action, audited, |_| event, |_, _, _| Ok(()))
}

/// 送信: the answer deadline starts and the sealing job is asked to seal the file as sent (the
/// sender and the completed approval route in its `/Reason`); once that seal is committed, the
/// job asks the first recipient (all of them, in parallel order) — see
/// [`sealing::enqueue_sending_seal`] for why the counterparties wait for the seal.
fn send(conn: &mut AnyConnection, ctx: &ActionContext<'_>) -> WorkflowResult<()> {
    let ActionContext { actor, .. } = *ctx;
    perform(
        conn,
        ctx,
        ContractAction::Send,
        AuditAction::ContractSent,
        |_| ContractEvent::Send,
        |conn, l, details| {
            let now = Millis::now().0;
            let tenant = tenants::get(conn, &actor.tenant_id)?;
            l.contract.sent_at = Some(now);
            l.contract.expires_at = Some(now + i64::from(tenant.link_expiry_days) * 86_400_000);
            let job = sealing::enqueue_sending_seal(conn, &l.contract, &actor.user_id)?;
            details["sealing_job"] = json!(job.as_str());
            Ok(())
        },
    )
}

/// 下書きに戻す: recalled from the counterparty while nobody has agreed; their links close.
fn send_back(conn: &mut AnyConnection, ctx: &ActionContext<'_>) -> WorkflowResult<()> {
    let actor = ctx.actor;
    perform(
        conn,
        ctx,
        ContractAction::SendBack,
        AuditAction::ContractSentBack,
        |_| ContractEvent::SendBack,
        |conn, l, details| {
            let now = Millis::now().0;
            // The file sealed at sending is no longer the one to agree to: a new sending
            // seal is made when it is sent again (the files stay in the store).
            let mut withdrawn = Vec::new();
            for d in l
                .documents
                .iter()
                .filter(|d| d.role == DocumentRole::Sealed)
            {
                documents::mark_removed(conn, TenantId(&actor.tenant_id), &d.id, now)?;
                withdrawn.push(d.sha256.clone());
            }
            if !withdrawn.is_empty() {
                details["withdrawn_sealed_sha256"] = json!(withdrawn);
            }
            for r in l.recipients.iter_mut() {
                r.state = RecipientState::Waiting;
                r.link_token_hash = None;
                r.link_expires_at = None;
                r.session_token_hash = None;
                r.updated_at = now;
                recipients::save(conn, r)?;
            }
            l.contract.sent_at = None;
            l.contract.expires_at = None;
            Ok(())
        },
    )
}

/// リマインド: the request mail again to every recipient who was asked and has not answered.
fn remind(conn: &mut AnyConnection, ctx: &ActionContext<'_>) -> WorkflowResult<()> {
    let ActionContext { actor, links, .. } = *ctx;
    perform(
        conn,
        ctx,
        ContractAction::Remind,
        AuditAction::ContractReminded,
        |_| ContractEvent::Remind,
        |conn, l, details| {
            let contract = l.contract.clone();
            let mut reminded = Vec::new();
            for r in l.recipients.iter_mut() {
                if matches!(r.state, RecipientState::Notified | RecipientState::Verified) {
                    signing::notify(conn, links, &contract, r, Notice::Reminder, &actor.origin)?;
                    reminded.push(r.email.clone());
                }
            }
            details["reminded"] = json!(reminded);
            Ok(())
        },
    )
}

/// Mails to staff about the approval route: the next approvers when it is their turn, the
/// contract's creator when it is approved or sent back.
fn staff_notices(
    conn: &mut AnyConnection,
    actor: &Actor,
    links: &Links,
    l: &Loaded,
    action: ContractAction,
    comment: &str,
) -> WorkflowResult<()> {
    let c = &l.contract;
    let contract = mail::ContractRef {
        title: c.title.clone(),
        number: c.contract_number.clone(),
    };
    let link = links.of(conn, &c.tenant_id)?.contract(&c.id);
    let me = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?.name;
    let comment = Some(comment.to_owned()).filter(|c| !c.is_empty());
    let department = match &c.department_id {
        Some(d) => departments::get(conn, &c.tenant_id, d)
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut mails: Vec<(String, MailTemplate)> = Vec::new();
    let ask =
        |step: &ApprovalStep, mails: &mut Vec<(String, MailTemplate)>, conn: &mut AnyConnection| {
            for a in approver_ids(step) {
                if let Ok(u) = users::get(conn, TenantId(&c.tenant_id), UserId(&a)) {
                    mails.push((
                        a.clone(),
                        MailTemplate::ApprovalRequested(mail::ApprovalRequested {
                            approver_name: u.name,
                            requester: me.clone(),
                            department: department.clone(),
                            contract: contract.clone(),
                            comment: comment.clone(),
                            link: link.clone(),
                        }),
                    ));
                }
            }
        };
    let creator = users::get(conn, TenantId(&c.tenant_id), UserId(&c.created_by))?;
    match action {
        ContractAction::Submit => {
            if let Some(first) = l.steps.first() {
                ask(first, &mut mails, conn);
            }
        }
        ContractAction::Approve => {
            let complete =
                approval_completes_route(l, actor) || l.contract.state == ContractState::Approved;
            // The decision is recorded in this transaction: re-read to find the next step.
            let decisions = approvals::decisions(
                conn,
                TenantId(&c.tenant_id),
                ContractId(&c.id),
                c.approval_round,
            )?;
            let step_done = |s: &ApprovalStep| {
                let n = decisions
                    .iter()
                    .filter(|d| d.step_id == s.id && d.decision == ApprovalDecision::Approved)
                    .count();
                s.rule.is_satisfied(n, approver_ids(s).len())
            };
            match l.steps.iter().find(|s| !step_done(s)) {
                Some(next) if !complete => {
                    let previous_done = l
                        .steps
                        .iter()
                        .take_while(|s| s.id != next.id)
                        .all(step_done);
                    let first_decision_here = !decisions.iter().any(|d| d.step_id == next.id);
                    if previous_done && first_decision_here {
                        ask(next, &mut mails, conn);
                    }
                }
                _ => mails.push((
                    creator.id.clone(),
                    MailTemplate::Approved(mail::Approved {
                        staff_name: creator.name.clone(),
                        approver: me.clone(),
                        contract: contract.clone(),
                        route_complete: true,
                        comment: comment.clone(),
                        link: link.clone(),
                    }),
                )),
            }
        }
        ContractAction::Reject => mails.push((
            creator.id.clone(),
            MailTemplate::SentBack(mail::SentBack {
                staff_name: creator.name.clone(),
                approver: me.clone(),
                contract: contract.clone(),
                comment: comment.clone().unwrap_or_default(),
                link: link.clone(),
            }),
        )),
        _ => {}
    }
    for (user_id, template) in mails {
        let u = users::get(conn, TenantId(&c.tenant_id), UserId(&user_id))?;
        if u.disabled {
            continue;
        }
        if let Some(to) = mail::mailbox(&u.name, &u.email) {
            mail::enqueue(conn, &c.tenant_id, &to, &template)?;
        }
    }
    Ok(())
}

/// Whether this actor's approval completes the current step and that step is the last one.
fn approval_completes_route(l: &Loaded, actor: &Actor) -> bool {
    let Some(step) = current_step(l) else {
        return false;
    };
    let is_last = l.steps.last().is_some_and(|s| s.id == step.id);
    let already = approvals_of(l, step)
        .iter()
        .any(|d| d.user_id == actor.user_id);
    let count = approvals_of(l, step).len() + usize::from(!already);
    is_last && step.rule.is_satisfied(count, approver_ids(step).len())
}
