//! `approval_steps` (a contract's route) and `approval_decisions` (every decision, by round).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{ApprovalDecisionRow, ApprovalStep};
use crate::db::schema::approval_decisions::dsl as a;
use crate::db::schema::approval_steps::dsl as s;

pub fn steps(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Vec<ApprovalStep>> {
    s::approval_steps
        .filter(
            s::tenant_id
                .eq(tenant_id.0)
                .and(s::contract_id.eq(contract_id.0))
                .and(s::position.ge(1)),
        )
        .order(s::position)
        .select(ApprovalStep::as_select())
        .load(conn)
}

/// Replaces the route. Decisions of earlier rounds keep their step ids, so old steps stay.
pub fn replace_steps(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    new_steps: &[ApprovalStep],
) -> QueryResult<()> {
    let old: Vec<String> = s::approval_steps
        .filter(
            s::tenant_id
                .eq(tenant_id.0)
                .and(s::contract_id.eq(contract_id.0))
                .and(s::position.ge(1)),
        )
        .select(s::id)
        .load(conn)?;
    // Steps referenced by a decision are kept for the record at position 0.
    for id in &old {
        let used: bool = diesel::select(diesel::dsl::exists(
            a::approval_decisions.filter(a::step_id.eq(id)),
        ))
        .get_result(conn)?;
        if used {
            diesel::update(s::approval_steps.filter(s::id.eq(id)))
                .set(s::position.eq(0))
                .execute(conn)?;
        } else {
            diesel::delete(s::approval_steps.filter(s::id.eq(id))).execute(conn)?;
        }
    }
    for step in new_steps {
        diesel::insert_into(s::approval_steps)
            .values(step.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn decisions(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    round: i32,
) -> QueryResult<Vec<ApprovalDecisionRow>> {
    a::approval_decisions
        .filter(
            a::tenant_id
                .eq(tenant_id.0)
                .and(a::contract_id.eq(contract_id.0))
                .and(a::round.eq(round)),
        )
        .order((a::at, a::id))
        .select(ApprovalDecisionRow::as_select())
        .load(conn)
}

pub fn insert_decision(conn: &mut AnyConnection, row: &ApprovalDecisionRow) -> QueryResult<()> {
    diesel::insert_into(a::approval_decisions)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Contracts in `PendingApproval` whose route names `user_id` (for the approval inbox).
pub fn contracts_with_approver(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    user_id: UserId<'_>,
) -> QueryResult<Vec<String>> {
    let pattern = format!("%\"{}\"%", user_id.0);
    s::approval_steps
        .filter(
            s::tenant_id
                .eq(tenant_id.0)
                .and(s::position.ge(1))
                .and(s::approver_ids.like(pattern)),
        )
        .select(s::contract_id)
        .distinct()
        .load(conn)
}
