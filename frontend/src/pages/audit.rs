//! 操作ログ: the tenant's audit events, newest first as the server pages them, filtered by
//! 操作, 操作者, 対象 and 日時 (kept in the URL, so a search can be bookmarked), as CSV with the
//! same filters, and a check of the hash chain.

use leptos::prelude::*;
use shared::audit::AuditAction;
use shared::dto::AuditEventView;

use crate::api;
use crate::api::audit::AuditQuery;
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pager::Pager;
use crate::format::jst;
use crate::i18n::{I18n, K, use_i18n};
use leptos_router::hooks::{use_navigate, use_query_map};

const PER_PAGE: u32 = 50;

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        query_map.with(|m| {
            let s = |k: &str| m.get(k).unwrap_or_default();
            AuditQuery {
                action: s("action"),
                actor_id: s("actor_id"),
                target_id: s("target_id"),
                from: s("from"),
                until: s("until"),
            }
        })
    });
    let page = RwSignal::new(1u32);
    let action = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    Effect::new(move || {
        query.with(|q| {
            action.set(q.action.clone());
            actor.set(q.actor_id.clone());
            target.set(q.target_id.clone());
            from.set(q.from.clone());
            until.set(q.until.clone());
        });
        page.set(1);
    });
    let events = LocalResource::new(move || {
        let (q, p) = (query.get(), page.get());
        async move { api::audit::list(&q, p, PER_PAGE).await }
    });
    // 操作者: the users, when this user may list them (else the filter is left out).
    let users = LocalResource::new(|| api::users::list(1, 500, "", true));
    let verify = Action::new_local(|_: &()| api::audit::verify());
    let nav = navigate.clone();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = AuditQuery {
            action: action.get_untracked(),
            actor_id: actor.get_untracked(),
            target_id: target.get_untracked(),
            from: from.get_untracked(),
            until: until.get_untracked(),
        };
        let qs = q.to_query_string();
        nav(
            &if qs.is_empty() {
                "/audit-log".to_owned()
            } else {
                format!("/audit-log?{qs}")
            },
            Default::default(),
        );
    };
    let clear = move |_| navigate("/audit-log", Default::default());
    view! {
        <h1>{i.tr(K::AuditTitle)}</h1>
        <p class="lead">{i.tr(K::AuditLead)}</p>
        <form class="card audit-filters" role="search" on:submit=search>
            <div class="filter-grid">
                <div class="field">
                    <label for="a-action">{i.tr(K::AuditAction)}</label>
                    <select id="a-action" on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="" selected=move || action.get().is_empty()>{i.tr(K::AuditAny)}</option>
                        {AuditAction::ALL
                            .iter()
                            .map(|&a| {
                                view! {
                                    <option value=a.as_str() selected=move || action.get() == a.as_str()>
                                        {move || i.pick(a.label_ja(), a.label_en())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                {move || {
                    users
                        .get()
                        .and_then(Result::ok)
                        .map(|list| {
                            view! {
                                <div class="field">
                                    <label for="a-actor">{i.tr(K::AuditActor)}</label>
                                    <select id="a-actor" on:change=move |ev| actor.set(event_target_value(&ev))>
                                        <option value="" selected=move || actor.get().is_empty()>{i.tr(K::AuditAny)}</option>
                                        {list
                                            .items
                                            .into_iter()
                                            .map(|u| {
                                                let id = u.id.to_string();
                                                let id2 = id.clone();
                                                view! {
                                                    <option value=id selected=move || actor.get() == id2>
                                                        {format!("{}（{}）", u.name, u.login_id)}
                                                    </option>
                                                }
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                            }
                        })
                }}
                <div class="field">
                    <label for="a-target">{i.tr(K::AuditTargetId)}</label>
                    <input id="a-target" type="text" bind:value=target />
                </div>
                <div class="field">
                    <label for="a-from">{i.tr(K::AuditFrom)}</label>
                    <input id="a-from" type="date" bind:value=from />
                </div>
                <div class="field">
                    <label for="a-until">{i.tr(K::AuditUntil)}</label>
                    <input id="a-until" type="date" bind:value=until />
                </div>
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-primary">{i.tr(K::Search)}</button>
                <button type="button" class="btn" on:click=clear>{i.tr(K::ClearFilters)}</button>
                <a class="btn" href=move || api::audit::csv_url(&query.get()) download="">{i.tr(K::ExportCsv)}</a>
            </div>
        </form>
        <div class="actions">
            <button type="button" class="btn" disabled=move || verify.pending().get() on:click=move |_| {
                verify.dispatch(());
            }>
                {move || if verify.pending().get() { i.t(K::Saving) } else { i.t(K::AuditVerify) }}
            </button>
        </div>
        {move || {
            verify
                .value()
                .get()
                .map(|r| match r {
                    Ok(chain) if chain.intact => {
                        let n = chain.events_checked;
                        view! {
                            <div class="alert alert-success" role="status">
                                {i.tr(K::AuditIntact)} " " {move || i.events_checked(n)}
                            </div>
                        }
                            .into_any()
                    }
                    Ok(chain) => {
                        let brk = chain.first_break.clone();
                        view! {
                            <div class="alert alert-error" role="alert">
                                {i.tr(K::AuditBroken)} " "
                                {move || brk.as_ref().map(|b| i.chain_break(b.seq, &b.kind))}
                            </div>
                        }
                            .into_any()
                    }
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                })
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match events.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoEvents)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let shown = list.items.len();
                        let rows = list.items.into_iter().map(event_row).collect_view();
                        view! {
                            <div class="table-wrap">
                                <table class="list">
                                    <thead>
                                        <tr>
                                            <th scope="col">"#"</th>
                                            <th scope="col">{i.tr(K::AuditAt)}</th>
                                            <th scope="col">{i.tr(K::AuditActor)}</th>
                                            <th scope="col">{i.tr(K::AuditAction)}</th>
                                            <th scope="col">{i.tr(K::AuditTarget)}</th>
                                            <th scope="col">{i.tr(K::AuditResult)}</th>
                                            <th scope="col">{i.tr(K::AuditIp)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <Pager page=page per_page=PER_PAGE total=list.total shown=shown />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn event_row(e: AuditEventView) -> impl IntoView {
    let i = use_i18n();
    let ok = e.result == "success";
    let action = e.action.clone();
    let label = AuditAction::parse(&e.action);
    let target = match (&e.target_type, &e.target_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
        (Some(t), None) => t.clone(),
        _ => String::new(),
    };
    view! {
        <tr>
            <td class="num">{e.seq}</td>
            <td>{jst(&e.at)}</td>
            <td class="wrap">{e.actor_label.clone()}</td>
            <td>
                {move || match label {
                    Some(l) => {
                        view! {
                            {i.pick(l.label_ja(), l.label_en())}
                            <span class="sub mono small">{action.clone()}</span>
                        }
                            .into_any()
                    }
                    _ => view! { <span class="mono">{action.clone()}</span> }.into_any(),
                }}
            </td>
            <td class="mono wrap small">{target}</td>
            <td>
                <span class=if ok { "badge badge-on" } else { "badge badge-warn" }>
                    {move || if ok { i.t(K::ResultSuccess) } else { i.t(K::ResultFailure) }}
                </span>
            </td>
            <td class="mono">{e.ip.clone().unwrap_or_default()}</td>
        </tr>
    }
}

/// An audit action's label from `shared` in the current language, else the code as recorded.
pub fn action_label(i: I18n, code: &str) -> String {
    match AuditAction::parse(code) {
        Some(a) => i.pick(a.label_ja(), a.label_en()).to_owned(),
        None => code.to_owned(),
    }
}
