//! The contract list at scale, checked for correctness on a small seed: `tachiai admin seed`'s
//! rows are read back whole and filtered by brute force in Rust, and every filter combination
//! (text of one, two and three or more characters, department, states, 締結日 and amount
//! ranges, every sort), paged through with the cursor, must give exactly the same rows in the
//! same order; the count, the old `page` paging and the streamed CSV too.

use backend::clock::Millis;
use backend::db::models::Contract;
use backend::db::schema::contracts::dsl as c;
use backend::workflow::seed::{SeedOptions, seed_tenant};
use diesel::prelude::*;
use serde_json::Value;
use shared::contract::ContractState;

use backend::db::queries::contracts::{self as query, COUNT_CAP, ContractFilter, RowOrder};

use crate::helpers::{Backend, TestApp, assert_problem, spawn, urlencode};
use crate::on_both_databases;

on_both_databases!(
    every_filter_combination_equals_a_brute_force_filter_of_the_seeded_rows,
    past_the_narrow_and_walk_bounds_pages_are_exact_and_counts_say_when_they_are_bounds,
    seeding_is_refused_on_a_tenant_with_contracts_unless_confirmed,
);

const SEEDED: u64 = 2_500;

/// Enough rows that some filters are wider than `NARROW_ROWS` (the page walks the sort order)
/// and that a count along it reaches `COUNT_WALK` (it is then a lower bound).
const SEEDED_PAST_BOUNDS: u64 = 30_000;

/// One list query and how to filter by it in Rust.
#[derive(Debug, Clone, Default)]
struct Case {
    q: Option<&'static str>,
    title: Option<&'static str>,
    counterparty: Option<&'static str>,
    contract_number: Option<&'static str>,
    department: Option<String>,
    states: Vec<ContractState>,
    from: Option<&'static str>,
    to: Option<&'static str>,
    min: Option<i64>,
    max: Option<i64>,
    sort: &'static str,
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

impl Case {
    fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("sort", self.sort.to_owned())];
        let mut text = |k, v: Option<&str>| {
            if let Some(v) = v {
                pairs.push((k, v.to_owned()));
            }
        };
        text("q", self.q);
        text("title", self.title);
        text("counterparty", self.counterparty);
        text("contract_number", self.contract_number);
        text("department_id", self.department.as_deref());
        text("concluded_from", self.from);
        text("concluded_to", self.to);
        if !self.states.is_empty() {
            let s: Vec<&str> = self.states.iter().map(|s| s.as_str()).collect();
            pairs.push(("state", s.join(",")));
        }
        if let Some(v) = self.min {
            pairs.push(("amount_min", v.to_string()));
        }
        if let Some(v) = self.max {
            pairs.push(("amount_max", v.to_string()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn matches(&self, r: &Contract) -> bool {
        let any = |t: &str| {
            contains(&r.title, t)
                || contains(&r.contract_number, t)
                || contains(&r.counterparty_name, t)
        };
        self.q.is_none_or(any)
            && self.title.is_none_or(|t| contains(&r.title, t))
            && self
                .counterparty
                .is_none_or(|t| contains(&r.counterparty_name, t))
            && self
                .contract_number
                .is_none_or(|t| contains(&r.contract_number, t))
            && self
                .department
                .as_ref()
                .is_none_or(|d| r.department_id.as_ref() == Some(d))
            && (self.states.is_empty() || self.states.contains(&r.state))
            && self
                .from
                .is_none_or(|d| r.concluded_on.as_deref().is_some_and(|c| c >= d))
            && self
                .to
                .is_none_or(|d| r.concluded_on.as_deref().is_some_and(|c| c <= d))
            && self
                .min
                .is_none_or(|a| r.amount_yen.is_some_and(|v| v >= a))
            && self
                .max
                .is_none_or(|a| r.amount_yen.is_some_and(|v| v <= a))
    }

    /// The matching ids in the list's order.
    fn expected(&self, rows: &[Contract]) -> Vec<String> {
        let mut found: Vec<&Contract> = rows.iter().filter(|r| self.matches(r)).collect();
        found.sort_by(|a, b| match self.sort {
            "updated" => (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)),
            "concluded" => (b.concluded_on.as_deref().unwrap_or(""), &b.id)
                .cmp(&(a.concluded_on.as_deref().unwrap_or(""), &a.id)),
            "amount" => {
                (b.amount_yen.unwrap_or(-1), &b.id).cmp(&(a.amount_yen.unwrap_or(-1), &a.id))
            }
            _ => (&a.contract_number, &a.id).cmp(&(&b.contract_number, &b.id)),
        });
        found.into_iter().map(|r| r.id.clone()).collect()
    }
}

/// Seeds `contracts` contracts into the tenant `dev` (with `seed`) and reads them back whole.
fn seeded<S>(app: &TestApp<S>, contracts: u64, seed: u64) -> Vec<Contract> {
    let mut conn = app.state.pool.get().unwrap();
    let store = backend::storage::BlobStore::new(app.db.dir.join("blobs"));
    let origin = backend::workflow::tenants::operator_origin("test");
    let options = SeedOptions {
        contracts,
        seed,
        allow_non_empty: false,
    };
    let report = seed_tenant(&mut conn, "dev", &options, &store, &origin, Millis::now()).unwrap();
    assert_eq!(report.contracts, contracts);
    assert!(report.documents > 0);
    let rows: Vec<Contract> = c::contracts
        .select(Contract::as_select())
        .load(&mut *conn)
        .unwrap();
    assert_eq!(rows.len() as u64, contracts);
    rows
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn cases(rows: &[Contract]) -> Vec<Case> {
    let dept = rows[0].department_id.clone();
    let other_dept = rows
        .iter()
        .find_map(|r| r.department_id.clone().filter(|d| Some(d) != dept.as_ref()));
    let fy = rows[rows.len() / 2]
        .contract_number
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    let number: &'static str = Box::leak(format!("{fy}-0001").into_boxed_str());
    let base = Case::default();
    let mut out = vec![
        Case {
            sort: "updated",
            ..base.clone()
        },
        Case {
            sort: "number",
            ..base.clone()
        },
        Case {
            q: Some("港"),
            sort: "concluded",
            ..base.clone()
        },
        Case {
            q: Some("清掃"),
            sort: "amount",
            ..base.clone()
        },
        Case {
            q: Some("図書館"),
            sort: "concluded",
            ..base.clone()
        },
        Case {
            q: Some("空調設備保守"),
            sort: "amount",
            ..base.clone()
        },
        Case {
            q: Some("led"),
            sort: "updated",
            ..base.clone()
        },
        Case {
            q: Some("北斗建設"),
            sort: "number",
            ..base.clone()
        },
        Case {
            q: Some(number),
            sort: "number",
            ..base.clone()
        },
        Case {
            title: Some("令和"),
            sort: "concluded",
            ..base.clone()
        },
        Case {
            title: Some("市"),
            counterparty: Some("株式会社"),
            sort: "amount",
            ..base.clone()
        },
        Case {
            counterparty: Some("システム"),
            sort: "concluded",
            ..base.clone()
        },
        Case {
            contract_number: Some("-00"),
            sort: "number",
            ..base.clone()
        },
        Case {
            q: Some("工事請負"),
            department: dept.clone(),
            sort: "amount",
            ..base.clone()
        },
        Case {
            department: other_dept,
            states: vec![ContractState::Concluded],
            sort: "concluded",
            ..base.clone()
        },
        Case {
            states: vec![
                ContractState::Draft,
                ContractState::Sent,
                ContractState::PendingApproval,
            ],
            sort: "updated",
            ..base.clone()
        },
        Case {
            from: Some("2022-04-01"),
            to: Some("2024-03-31"),
            sort: "concluded",
            ..base.clone()
        },
        Case {
            min: Some(1_000_000),
            max: Some(20_000_000),
            sort: "amount",
            ..base.clone()
        },
        Case {
            q: Some("業務委託"),
            from: Some("2020-01-01"),
            min: Some(500_000),
            states: vec![ContractState::Concluded, ContractState::Cancelled],
            sort: "concluded",
            ..base.clone()
        },
        Case {
            q: Some("存在しない語句"),
            sort: "amount",
            ..base.clone()
        },
        Case {
            q: Some("\"%_"),
            sort: "updated",
            ..base.clone()
        },
    ];
    // A department's 締結日 range sorted otherwise: read through the department's index and
    // sorted (SQLite), the texts matched row by row among those rows.
    out.push(Case {
        q: Some("工事"),
        department: dept.clone(),
        from: Some("2021-04-01"),
        to: Some("2025-03-31"),
        states: vec![ContractState::Concluded],
        min: Some(100_000),
        sort: "amount",
        ..base.clone()
    });
    out.push(Case {
        department: dept.clone(),
        to: Some("2024-03-31"),
        sort: "updated",
        ..base.clone()
    });
    out.push(Case {
        department: dept,
        min: Some(10_000_000),
        sort: "number",
        ..base
    });
    out
}

async fn every_filter_combination_equals_a_brute_force_filter_of_the_seeded_rows(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let rows = seeded(&app, SEEDED, 42);

    for case in cases(&rows) {
        let expected = case.expected(&rows);
        let query = case.query();
        // Through every page with the cursor.
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let after = cursor
                .as_deref()
                .map(|c| format!("&cursor={c}"))
                .unwrap_or_default();
            let (st, page) = app
                .get(
                    &admin,
                    &format!("/api/v1/contracts?{query}&per_page=250{after}"),
                )
                .await;
            assert_eq!(st, 200, "{case:?}: {page}");
            assert_eq!(
                page["total"],
                expected.len().min(COUNT_CAP as usize) as u64,
                "{case:?}"
            );
            assert_eq!(
                page["total_is_capped"],
                expected.len() > COUNT_CAP as usize,
                "{case:?}"
            );
            got.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(
                got.len() <= expected.len(),
                "{case:?}: more rows than match"
            );
        }
        assert_eq!(got, expected, "{case:?} ({query})");
        // The numbered pages still work.
        let (st, page) = app
            .get(
                &admin,
                &format!("/api/v1/contracts?{query}&per_page=20&page=2"),
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(
            ids(&page),
            expected
                .iter()
                .skip(20)
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
        );
        // The CSV holds the same contracts in the same order.
        let (st, csv) = app
            .get(&admin, &format!("/api/v1/contracts.csv?{query}"))
            .await;
        assert_eq!(st, 200);
        let numbers: Vec<&str> = csv
            .as_str()
            .unwrap_or_default()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        let expected_numbers: Vec<&str> = expected
            .iter()
            .map(|id| {
                rows.iter()
                    .find(|r| &r.id == id)
                    .unwrap()
                    .contract_number
                    .as_str()
            })
            .collect();
        assert_eq!(numbers, expected_numbers, "CSV of {case:?}");
    }
    // Both ways of matching a text of three characters or more (the trigram index for rare
    // words, row by row along the sort order for common ones; a seed this small has only rare
    // ones) give the same rows.
    let tenant: String = c::contracts
        .select(c::tenant_id)
        .first(&mut *app.state.pool.get().unwrap())
        .unwrap();
    for case in cases(&rows).iter().filter(|c| c.q.is_some()) {
        let expected = case.expected(&rows);
        let sort = match case.sort {
            "updated" => RowOrder::UpdatedDesc,
            "concluded" => RowOrder::ConcludedDesc,
            "amount" => RowOrder::AmountDesc,
            _ => RowOrder::NumberAsc,
        };
        for by_row in [false, true] {
            let filter = ContractFilter {
                q: case.q.map(str::to_owned),
                department_id: case.department.clone(),
                states: case.states.clone(),
                concluded_from: case.from.map(str::to_owned),
                concluded_to: case.to.map(str::to_owned),
                amount_min: case.min,
                amount_max: case.max,
                text_by_row: Some(by_row),
                ..ContractFilter::default()
            };
            let mut conn = app.state.pool.get().unwrap();
            let got: Vec<String> = query::plan(&mut conn, &tenant, &filter, sort)
                .and_then(|planned| query::page_after(&mut conn, &tenant, &planned, 10_000))
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(got, expected, "{case:?}, by row: {by_row}");
        }
    }
    // A cursor belongs to its sort, and a made-up one is refused.
    let (_, first) = app
        .get(&admin, "/api/v1/contracts?sort=amount&per_page=5")
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_problem(
        &app.get(
            &admin,
            &format!("/api/v1/contracts?sort=number&cursor={cursor}"),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &app.get(&admin, "/api/v1/contracts?cursor=bm9uc2Vuc2U")
            .await,
        422,
        "validation_failed",
    );
}

/// On more rows than the list's bounds: a filter too wide to read through its own index walks
/// the sort order (a state, a wide amount range, a common short word), a narrow one is read and
/// sorted; either way the first pages equal the brute-force filter, and the count is exact or,
/// flagged `total_is_capped`, a lower bound no greater than the true number.
async fn past_the_narrow_and_walk_bounds_pages_are_exact_and_counts_say_when_they_are_bounds(
    backend: Backend,
) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let rows = seeded(&app, SEEDED_PAST_BOUNDS, 7);
    let dept = rows[0].department_id.clone();
    let base = Case::default();
    let cases = [
        // Wider than NARROW_ROWS: along the sort order, the count bounded by COUNT_WALK.
        Case {
            states: vec![ContractState::Concluded],
            min: Some(1_000_000),
            sort: "amount",
            ..base.clone()
        },
        Case {
            states: vec![ContractState::Concluded],
            from: Some("2019-04-01"),
            to: Some("2023-03-31"),
            min: Some(2_000_000),
            max: Some(30_000_000),
            sort: "amount",
            ..base.clone()
        },
        Case {
            q: Some("清掃"),
            states: vec![ContractState::Concluded, ContractState::Cancelled],
            sort: "concluded",
            ..base.clone()
        },
        Case {
            q: Some("業務委託"),
            min: Some(500_000),
            sort: "updated",
            ..base.clone()
        },
        // One state, newest first: its own index walked in 更新日時 order.
        Case {
            states: vec![ContractState::Concluded],
            sort: "updated",
            ..base.clone()
        },
        Case {
            q: Some("清掃"),
            states: vec![ContractState::Concluded],
            min: Some(300_000),
            sort: "updated",
            ..base.clone()
        },
        // Narrow: read through its own index and sorted.
        Case {
            department: dept.clone(),
            from: Some("2020-04-01"),
            to: Some("2021-03-31"),
            min: Some(100_000),
            sort: "amount",
            ..base.clone()
        },
        Case {
            states: vec![ContractState::Sent],
            sort: "number",
            ..base.clone()
        },
        Case {
            q: Some("北斗建設"),
            department: dept,
            states: vec![ContractState::Concluded],
            sort: "amount",
            ..base
        },
    ];
    for case in cases {
        let expected = case.expected(&rows);
        let query = case.query();
        let mut got = Vec::new();
        let mut cursor = String::new();
        for _ in 0..2 {
            let (st, page) = app
                .get(
                    &admin,
                    &format!("/api/v1/contracts?{query}&per_page=100{cursor}"),
                )
                .await;
            assert_eq!(st, 200, "{case:?}: {page}");
            let total = page["total"].as_u64().unwrap() as usize;
            if page["total_is_capped"] == true {
                assert!(
                    total <= expected.len() && total >= ids(&page).len(),
                    "{case:?}: a lower bound {total} of {}",
                    expected.len()
                );
            } else {
                assert_eq!(total, expected.len(), "{case:?}");
            }
            got.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let first: Vec<String> = expected.iter().take(got.len()).cloned().collect();
        assert_eq!(got, first, "{case:?}");
        assert_eq!(got.len(), expected.len().min(200), "{case:?}");
    }
}

async fn seeding_is_refused_on_a_tenant_with_contracts_unless_confirmed(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let mut conn = app.state.pool.get().unwrap();
    let store = backend::storage::BlobStore::new(app.db.dir.join("blobs"));
    let origin = backend::workflow::tenants::operator_origin("test");
    let mut options = SeedOptions {
        contracts: 30,
        seed: 1,
        allow_non_empty: false,
    };
    seed_tenant(&mut conn, "dev", &options, &store, &origin, Millis::now()).unwrap();
    let refused = seed_tenant(&mut conn, "dev", &options, &store, &origin, Millis::now());
    assert!(
        matches!(refused, Err(backend::workflow::WorkflowError::Refused(code)) if code.as_str() == "seed_tenant_not_empty"),
        "{refused:?}"
    );
    options.allow_non_empty = true;
    options.seed = 2;
    seed_tenant(&mut conn, "dev", &options, &store, &origin, Millis::now()).unwrap();
    let count: i64 = c::contracts.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 60, "added to, numbers continuing the counters");
    let seeded: i64 = backend::db::schema::audit_events::table
        .filter(backend::db::schema::audit_events::action.eq("tenant.demo_data_seeded"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(seeded, 2, "one audit event per seed, not per row");
    assert!(matches!(
        seed_tenant(&mut conn, "nope", &options, &store, &origin, Millis::now()),
        Err(backend::workflow::WorkflowError::Refused(_))
    ));
}
