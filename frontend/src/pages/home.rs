//! ホーム (進捗状況): how many contracts are in each state (mine, my department's), what waits
//! for me (approvals, drafts, returned, expiring), and the newest events. Every number links to
//! the contract list with the matching filters.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::access::Permission;
use shared::contract::ContractState;
use shared::dto::{
    ArchiveRenewalView, ContractEventView, ContractListQuery, DashboardListView, DashboardView,
    StateCountView,
};
use uuid::Uuid;

use crate::api;
use crate::components::contract::StateBadge;
use crate::components::form::{Loading, ProblemMessage};
use crate::format::jst;
use crate::i18n::{K, use_i18n};
use crate::pages::audit::action_label;
use crate::session::use_session;

/// How many items of a task list the start page shows.
const TASK_ITEMS: usize = 5;

/// `/contracts?…` for a query.
pub fn list_href(q: &ContractListQuery) -> String {
    let qs = crate::api::contracts::query_string(q);
    if qs.is_empty() {
        "/contracts".to_owned()
    } else {
        format!("/contracts?{qs}")
    }
}

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let can_view = move || session.can(Permission::ViewContracts);
    // Who is logged in, with which roles: 「佐藤 花子（担当者・承認者）」.
    let who = move || {
        session.me().map(|m| {
            let roles = m
                .user
                .roles
                .iter()
                .map(|r| i.role(*r))
                .collect::<Vec<_>>()
                .join("・");
            format!("{}（{}）", m.user.name, roles)
        })
    };
    view! {
        <h1>{i.tr(K::HomeTitle)}</h1>
        <p class="home-who">{who}</p>
        <Show when=can_view fallback=move || view! { <p class="lead">{i.tr(K::HomeNoContracts)}</p> }>
            <Dashboard />
        </Show>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let session = use_session();
    let data = LocalResource::new(api::dashboard::dashboard);
    let department = session.me().and_then(|m| m.user.department_id);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(d) => view! { <DashboardBody d=d department=department /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DashboardBody(d: DashboardView, department: Option<Uuid>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let approver = session.can(Permission::ApproveContracts);
    let DashboardView {
        mine,
        my_department,
        pending_approvals,
        drafts,
        returned,
        expiring,
        recent_events,
        archive_renewal,
    } = d;
    let drafts_href = list_href(&ContractListQuery {
        state: vec![ContractState::Draft],
        ..Default::default()
    });
    let returned_href = list_href(&ContractListQuery {
        returned_to_me: true,
        ..Default::default()
    });
    let expiring_href = list_href(&ContractListQuery {
        state: vec![ContractState::Sent],
        expires_within_days: Some(7),
        ..Default::default()
    });
    view! {
        <div class="dash-tasks">
            {approver.then(|| view! {
                <TaskList id="dash-approvals" title=K::DashApprovals empty=K::DashApprovalsEmpty list=pending_approvals href="/approvals".to_owned() />
            })}
            <TaskList id="dash-drafts" title=K::DashDrafts empty=K::DashDraftsEmpty list=drafts href=drafts_href />
            <TaskList id="dash-returned" title=K::DashReturned empty=K::DashReturnedEmpty list=returned href=returned_href />
            <TaskList id="dash-expiring" title=K::DashExpiring empty=K::DashExpiringEmpty list=expiring href=expiring_href />
        </div>
        <div class="dash-counts">
            <Counts id="dash-mine" title=K::DashMine counts=mine department=None />
            {match my_department {
                Some(counts) => view! { <Counts id="dash-dept" title=K::DashDepartment counts=counts department=department /> }.into_any(),
                None => ().into_any(),
            }}
        </div>
        <Recent events=recent_events />
        {archive_renewal.map(|a| view! { <ArchiveRenewal figures=a /> })}
        <p class="sub dash-note">{i.tr(K::DashNote)}</p>
    }
}

/// For administrators: how the renewal of the archive timestamps stands (長期署名の延長).
#[component]
fn ArchiveRenewal(figures: ArchiveRenewalView) -> impl IntoView {
    let i = use_i18n();
    let rows = [
        (K::DashArchiveDue, figures.due_soon, false),
        (K::DashArchiveFailing, figures.failing, figures.failing > 0),
        (K::DashArchiveGaveUp, figures.gave_up, figures.gave_up > 0),
    ]
    .into_iter()
    .map(|(label, n, alert)| {
        view! {
            <li class=if alert { "count count-alert" } else if n == 0 { "count count-zero" } else { "count" }>
                <span class="count-label">{i.tr(label)}</span>
                <span class="count-n">{n}</span>
            </li>
        }
    })
    .collect_view();
    view! {
        <section class="card dash-card" aria-labelledby="dash-archive" id="dash-archive-card">
            <h2 id="dash-archive">{i.tr(K::DashArchive)}</h2>
            <ul class="count-grid" role="list">{rows}</ul>
            <p class="sub">{i.tr(K::DashArchiveNote)}</p>
        </section>
    }
}

/// A table of states and counts; each count links to the filtered list.
#[component]
fn Counts(
    id: &'static str,
    title: K,
    counts: Vec<StateCountView>,
    department: Option<Uuid>,
) -> impl IntoView {
    let i = use_i18n();
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let rows = counts
        .into_iter()
        .map(|c| {
            let href = list_href(&ContractListQuery {
                state: vec![c.state],
                department_id: department,
                // Without a department: the user's own contracts.
                created_by_me: department.is_none(),
                ..Default::default()
            });
            let label = move || i.state(c.state);
            view! {
                <li class=if c.count == 0 { "count count-zero" } else { "count" }>
                    <A href=href attr:aria-label=move || format!("{} {}", label(), c.count)>
                        <span class="count-label"><StateBadge state=c.state /></span>
                        <span class="count-n">{c.count}</span>
                    </A>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card dash-card" aria-labelledby=id>
            <h2 id=id>
                {i.tr(title)}
                <span class="sub">{move || i.t(K::DashTotal)}" "{total}</span>
            </h2>
            <ul class="count-grid" role="list">{rows}</ul>
        </section>
    }
}

/// A task list: its total (linking to the list, when there is a filter for it) and the first
/// few contracts.
#[component]
fn TaskList(
    id: &'static str,
    title: K,
    empty: K,
    list: DashboardListView,
    href: String,
) -> impl IntoView {
    let i = use_i18n();
    let total = list.total;
    let more = list.total as usize > TASK_ITEMS;
    let items = list
        .items
        .into_iter()
        .take(TASK_ITEMS)
        .map(|c| {
            let href = format!("/contracts/{}", c.id);
            view! {
                <li>
                    <A href=href>{c.title}</A>
                    <span class="sub mono">{c.contract_number}</span>
                    <StateBadge state=c.state />
                </li>
            }
        })
        .collect_view();
    let count = if href.is_empty() {
        view! { <span class="task-n">{total}</span> }.into_any()
    } else {
        let h = href.clone();
        view! { <A href=h attr:class="task-n">{total}</A> }.into_any()
    };
    view! {
        <section class="card dash-card task" aria-labelledby=id>
            <h2 id=id>{i.tr(title)}{count}</h2>
            {if total == 0 {
                view! { <p class="empty">{i.tr(empty)}</p> }.into_any()
            } else {
                view! { <ul class="task-list" role="list">{items}</ul> }.into_any()
            }}
            {(more && !href.is_empty()).then(|| view! {
                <p class="more"><A href=href.clone()>{i.tr(K::DashShowAll)}</A></p>
            })}
        </section>
    }
}

/// The newest events on contracts I can see.
#[component]
fn Recent(events: Vec<ContractEventView>) -> impl IntoView {
    let i = use_i18n();
    let empty = events.is_empty();
    let rows = events
        .into_iter()
        .map(|e| {
            let href = format!("/contracts/{}", e.contract_id);
            let action = e.action.clone();
            view! {
                <li class=if e.result == "success" { "event" } else { "event event-failed" }>
                    <span class="event-at">{jst(&e.at)}</span>
                    <span class="event-what">{move || action_label(i, &action)}</span>
                    <A href=href>{e.title}</A>
                    <span class="sub mono">{e.contract_number}</span>
                    <span class="sub">{e.actor_label}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card dash-card" aria-labelledby="dash-recent">
            <h2 id="dash-recent">{i.tr(K::DashRecent)}</h2>
            {if empty {
                view! { <p class="empty">{i.tr(K::DashRecentEmpty)}</p> }.into_any()
            } else {
                view! { <ol class="event-list" role="list">{rows}</ol> }.into_any()
            }}
        </section>
    }
}
