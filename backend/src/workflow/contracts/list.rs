//! `GET /contracts`: the checked query of the list (and of its CSV export).

use shared::access::Permission;
use shared::dto::{ContractListQuery, ContractSort, ContractSummaryView, Page};
use shared::validate::{ValidationError, iso_date};

use super::view::summary_view;
use super::{DepartmentNames, dashboard, visible_to};
use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::models::Contract;
use crate::db::queries::contracts::{self, After, ContractFilter, RowOrder};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult, optional};

/// `GET /contracts`: the contracts this user may see, filtered.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id))]
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &ContractListQuery,
    page: PageRequest,
) -> WorkflowResult<Page<ContractSummaryView>> {
    actor.require(conn, Permission::ViewContracts)?;
    let (filter, order) = filter_for(conn, actor, query)?;
    let (rows, total, capped) = contracts::list(
        conn,
        &actor.tenant_id,
        &filter,
        order,
        page.page,
        page.per_page,
    )?;
    let names = DepartmentNames::load(conn, &actor.tenant_id)?;
    let next_cursor = match (order.key(), rows.last()) {
        (Some(key), Some(last)) if rows.len() as u32 == page.per_page => {
            Some(cursor::encode(&After::row(key, last)))
        }
        _ => None,
    };
    let mut view = page.wrap(
        rows.iter().map(|c| summary_view(c, &names)).collect(),
        total,
    );
    view.total_is_capped = capped;
    view.next_cursor = next_cursor;
    Ok(view)
}

/// The checked query of the list (and of its CSV export), limited to what `actor` may see.
pub(super) fn filter_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &ContractListQuery,
) -> WorkflowResult<(ContractFilter, RowOrder)> {
    let mut e = FieldErrors::default();
    let from = e.check(
        "concluded_from",
        optional(query.concluded_from.as_deref(), iso_date),
    );
    let to = e.check(
        "concluded_to",
        optional(query.concluded_to.as_deref(), iso_date),
    );
    let order = match query.sort.unwrap_or_default() {
        ContractSort::Updated => RowOrder::UpdatedDesc,
        ContractSort::Concluded => RowOrder::ConcludedDesc,
        ContractSort::Number => RowOrder::NumberAsc,
        ContractSort::Amount => RowOrder::AmountDesc,
    };
    if query.expires_within_days.is_some_and(|d| d > 365) {
        e.push("expires_within_days", ValidationError::OutOfRange);
    }
    let after = e.check(
        "cursor",
        optional(query.cursor.as_deref(), |c| {
            cursor::decode(c, order).ok_or(ValidationError::OutOfRange)
        }),
    );
    e.finish()?;
    let filter = ContractFilter {
        expires_before: query
            .expires_within_days
            .map(|d| Millis::now().0 + i64::from(d) * 86_400_000),
        visible_to: visible_to(conn, actor)?,
        q: query.q.clone(),
        title: query.title.clone(),
        contract_number: query.contract_number.clone(),
        counterparty: query.counterparty.clone(),
        department_id: query.department_id.map(|d| d.to_string()),
        states: query.state.clone(),
        concluded_from: from.flatten(),
        concluded_to: to.flatten(),
        amount_min: query.amount_min,
        amount_max: query.amount_max,
        created_by: query.created_by_me.then(|| actor.user_id.clone()),
        after: after.flatten(),
        ..ContractFilter::default()
    };
    // The two task filters are decided per contract by the workflow rules, then listed by id.
    let mut ids: Option<Vec<String>> = None;
    let mut keep = |found: Vec<Contract>| {
        let found: Vec<String> = found.into_iter().map(|c| c.id).collect();
        ids = Some(match ids.take() {
            None => found,
            Some(before) => before.into_iter().filter(|i| found.contains(i)).collect(),
        });
    };
    if query.awaiting_my_approval {
        keep(dashboard::awaiting_approval(conn, actor, &filter)?);
    }
    if query.returned_to_me {
        keep(dashboard::returned_to(conn, actor, &filter)?);
    }
    Ok((ContractFilter { ids, ..filter }, order))
}

/// The list's opaque cursor: base64url of `sort`, the sort key's value and the last id, so a
/// cursor of another sort is refused instead of skipping rows.
mod cursor {
    use crate::db::queries::contracts::{After, RowOrder, SortValue};

    pub fn encode(after: &After) -> String {
        let value = match &after.value {
            SortValue::Int(v) => format!("i{v}"),
            SortValue::Text(v) => format!("t{v}"),
        };
        let text = format!("{:?}\n{}\n{}", after.key, after.id, value);
        data_encoding::BASE64URL_NOPAD.encode(text.as_bytes())
    }

    pub fn decode(token: &str, order: RowOrder) -> Option<After> {
        let key = order.key()?;
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(token.as_bytes())
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '\n');
        let (name, id, value) = (parts.next()?, parts.next()?, parts.next()?);
        if name != format!("{key:?}") || uuid::Uuid::parse_str(id).is_err() {
            return None;
        }
        let value = match value.split_at_checked(1)? {
            ("i", v) => SortValue::Int(v.parse().ok()?),
            ("t", v) => SortValue::Text(v.to_owned()),
            _ => return None,
        };
        Some(After {
            key,
            value,
            id: id.to_owned(),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::db::queries::contracts::SortKey;

        #[test]
        fn cursors_round_trip_and_belong_to_their_sort() {
            let after = After {
                key: SortKey::Concluded,
                value: SortValue::Text("2026-04-01".into()),
                id: uuid::Uuid::nil().to_string(),
            };
            let token = encode(&after);
            assert_eq!(decode(&token, RowOrder::ConcludedDesc), Some(after));
            assert_eq!(decode(&token, RowOrder::AmountDesc), None);
            assert_eq!(decode("not base64!", RowOrder::ConcludedDesc), None);
        }
    }
}
