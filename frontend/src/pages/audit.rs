//! 操作ログ: the tenant's audit events, newest first as the server pages them, and a check of
//! the hash chain.

use leptos::prelude::*;
use shared::audit::AuditAction;
use shared::dto::AuditEventView;

use crate::api;
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pager::Pager;
use crate::format::jst;
use crate::i18n::{I18n, K, use_i18n};

const PER_PAGE: u32 = 50;

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    let page = RwSignal::new(1u32);
    let events = LocalResource::new(move || {
        let p = page.get();
        async move { api::audit::list(p, PER_PAGE).await }
    });
    let verify = Action::new_local(|_: &()| api::audit::verify());
    view! {
        <h1>{i.tr(K::AuditTitle)}</h1>
        <p class="lead">{i.tr(K::AuditLead)}</p>
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
