//! The dashboard (仕様 5-(17)): what a staff user sees first. Counts per state of their own
//! contracts and of their department, the approvals waiting for them, their drafts and the
//! ones that came back, sent contracts about to expire, and recent events — all within what
//! the user may see, through the same filter as the list.

use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{self, ContractAction, ContractState, UnknownStoredValue};
use shared::dto::{ContractEventView, DashboardListView, DashboardView, StateCountView};

use super::view::summary_view;
use super::{DepartmentNames, contract_actor, facts, load, visible_to};
use crate::clock::{Millis, rfc3339};
use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::Contract;
use crate::db::queries::contracts::{self as query, ContractFilter, RowOrder};
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;
use crate::workflow::views::uuid;

/// Items per dashboard list.
const LIST_ITEMS: u32 = 50;
/// Contracts in approval naming the user that are examined for "pending for me".
const APPROVAL_CANDIDATES: u32 = 500;
/// Newest drafts examined for "returned to me".
const DRAFTS_EXAMINED: u32 = 200;
/// Recent events shown.
const RECENT_EVENTS: i64 = 20;
/// "Expiring soon": the answer deadline is within this many days.
const EXPIRING_DAYS: i64 = 7;

/// The contracts among `visible` waiting for `actor`'s approval now: what the contract page
/// would offer them to approve (the same facts and rules as the approve action itself), newest
/// first.
pub(crate) fn awaiting_approval(
    conn: &mut AnyConnection,
    actor: &Actor,
    visible: &ContractFilter,
) -> WorkflowResult<Vec<Contract>> {
    let (candidates, _, _) = query::list(
        conn,
        &actor.tenant_id,
        &ContractFilter {
            approver: Some(actor.user_id.clone()),
            states: vec![ContractState::PendingApproval],
            ..visible.clone()
        },
        RowOrder::UpdatedDesc,
        1,
        APPROVAL_CANDIDATES,
    )?;
    let mut pending = Vec::new();
    for c in &candidates {
        let l = load(conn, actor, &c.id)?;
        if contract::allowed_actions(&facts(&l, actor), &contract_actor(actor))
            .contains(&ContractAction::Approve)
        {
            pending.push(l.contract);
        }
    }
    Ok(pending)
}

/// `actor`'s drafts among `visible` that came back to them, newest first: the newest state
/// change that brought the draft back was a rejection in approval (差し戻し) or a recall from
/// the counterparty.
pub(crate) fn returned_to(
    conn: &mut AnyConnection,
    actor: &Actor,
    visible: &ContractFilter,
) -> WorkflowResult<Vec<Contract>> {
    let transitions = [
        AuditAction::ContractCreated,
        AuditAction::ContractSubmitted,
        AuditAction::ContractApproved,
        AuditAction::ContractRejected,
        AuditAction::ContractWithdrawn,
        AuditAction::ContractSent,
        AuditAction::ContractSentBack,
    ]
    .map(AuditAction::as_str);
    let (recent_drafts, _, _) = query::list(
        conn,
        &actor.tenant_id,
        &ContractFilter {
            created_by: Some(actor.user_id.clone()),
            states: vec![ContractState::Draft],
            ..visible.clone()
        },
        RowOrder::UpdatedDesc,
        1,
        DRAFTS_EXAMINED,
    )?;
    let mut returned = Vec::new();
    for c in recent_drafts {
        let last = query::last_event_among(
            conn,
            TenantId(&actor.tenant_id),
            ContractId(&c.id),
            &transitions,
        )?;
        if matches!(
            last.as_deref().and_then(AuditAction::parse),
            Some(AuditAction::ContractRejected | AuditAction::ContractSentBack)
        ) {
            returned.push(c);
        }
    }
    Ok(returned)
}

/// `GET /dashboard`.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id))]
pub fn dashboard(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<DashboardView> {
    actor.require(conn, Permission::ViewContracts)?;
    let tenant = actor.tenant_id.as_str();
    let visible = ContractFilter {
        visible_to: visible_to(conn, actor)?,
        ..ContractFilter::default()
    };
    let mine = ContractFilter {
        created_by: Some(actor.user_id.clone()),
        ..visible.clone()
    };
    let names = DepartmentNames::load(conn, tenant)?;
    let state_counts = |conn: &mut AnyConnection, f: &ContractFilter| {
        let counted = query::count_by_state(conn, tenant, f)?
            .into_iter()
            .map(|(s, n)| Ok((ContractState::try_from(s)?, n)))
            .collect::<Result<Vec<_>, UnknownStoredValue>>()?;
        WorkflowResult::Ok(
            ContractState::ALL
                .iter()
                .map(|&state| StateCountView {
                    state,
                    count: counted
                        .iter()
                        .find(|(s, _)| *s == state)
                        .map_or(0, |(_, n)| (*n).max(0) as u64),
                })
                .collect::<Vec<_>>(),
        )
    };
    let list = |conn: &mut AnyConnection, f: &ContractFilter, sort: RowOrder| {
        let (rows, total, _) = query::list(conn, tenant, f, sort, 1, LIST_ITEMS)?;
        WorkflowResult::Ok(DashboardListView {
            items: rows.iter().map(|c| summary_view(c, &names)).collect(),
            total: total.max(0) as u64,
        })
    };

    let mine_counts = state_counts(conn, &mine)?;
    let department_counts = match &actor.department_id {
        Some(d) => Some(state_counts(
            conn,
            &ContractFilter {
                department_id: Some(d.clone()),
                ..visible.clone()
            },
        )?),
        None => None,
    };

    let pending: Vec<_> = awaiting_approval(conn, actor, &visible)?
        .iter()
        .map(|c| summary_view(c, &names))
        .collect();
    let pending_approvals = DashboardListView {
        total: pending.len() as u64,
        items: pending.into_iter().take(LIST_ITEMS as usize).collect(),
    };

    let my_drafts = ContractFilter {
        states: vec![ContractState::Draft],
        ..mine.clone()
    };
    let drafts = list(conn, &my_drafts, RowOrder::UpdatedDesc)?;

    let returned: Vec<_> = returned_to(conn, actor, &visible)?
        .iter()
        .map(|c| summary_view(c, &names))
        .collect();
    let returned = DashboardListView {
        total: returned.len() as u64,
        items: returned.into_iter().take(LIST_ITEMS as usize).collect(),
    };

    let expiring = list(
        conn,
        &ContractFilter {
            states: vec![ContractState::Sent],
            expires_before: Some(Millis::now().0 + EXPIRING_DAYS * 86_400_000),
            ..visible.clone()
        },
        RowOrder::ExpiresAsc,
    )?;

    let recent_events =
        query::recent_events(conn, tenant, visible.visible_to.as_ref(), RECENT_EVENTS)?
            .into_iter()
            .map(|(e, contract_number, title)| ContractEventView {
                seq: e.seq,
                at: rfc3339(e.at),
                actor_label: e.actor_label,
                action: e.action,
                result: e.result,
                contract_id: e.target_id.as_deref().map(uuid).unwrap_or_default(),
                contract_number,
                title,
            })
            .collect();

    Ok(DashboardView {
        mine: mine_counts,
        my_department: department_counts,
        pending_approvals,
        drafts,
        returned,
        expiring,
        recent_events,
        archive_renewal: None,
    })
}
