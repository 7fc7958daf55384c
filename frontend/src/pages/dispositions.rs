//! 廃棄 (administration): the 廃棄候補 — ended contracts whose 保存期限 has passed and that are
//! not held — with a request for their disposition, and the requests, which another
//! administrator approves (the files and personal data are then deleted) or rejects, and the
//! requester may cancel.

use std::collections::BTreeSet;

use leptos::prelude::*;
use shared::dto::{
    CreateDispositionRequest, DispositionCandidateView, DispositionState, DispositionView,
};
use shared::validate::Text;
use uuid::Uuid;

use crate::api;
use crate::api::retention::Decision;
use crate::components::contract::StateBadge;
use crate::components::form::{
    FormMessages, FormState, Loading, ProblemMessage, TextField, check_field,
};
use crate::format::{date_ja, jst};
use crate::i18n::{I18n, K, use_i18n};

/// The dispositions page.
#[component]
pub fn DispositionsPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let notice: RwSignal<Option<K>> = RwSignal::new(None);
    let candidates = LocalResource::new(move || {
        reload.track();
        api::retention::candidates()
    });
    let requests = LocalResource::new(move || {
        reload.track();
        api::retention::requests()
    });
    let changed = Callback::new(move |k: K| {
        notice.set(Some(k));
        reload.update(|n| *n += 1);
    });
    view! {
        <h1>{i.tr(K::DispositionsTitle)}</h1>
        <p class="lead">{i.tr(K::DispositionsLead)}</p>
        {move || {
            notice
                .get()
                .map(|k| view! { <div class="alert alert-success" role="status">{i.tr(k)}</div> })
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match requests.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(all) => view! { <Requests requests=all changed=changed /> }.into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match candidates.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(all) => view! { <Candidates candidates=all changed=changed /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The 廃棄候補 with checkboxes and the request form.
#[component]
fn Candidates(candidates: Vec<DispositionCandidateView>, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let picked: RwSignal<BTreeSet<Uuid>> = RwSignal::new(BTreeSet::new());
    let reason = RwSignal::new(String::new());
    let create = Action::new_local(|req: &CreateDispositionRequest| {
        let req = req.clone();
        async move { api::retention::request(&req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(_)) => changed.run(K::DispositionRequested),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let r = check_field(&mut errors, "reason", Text::parse(&reason.get_untracked()));
        let ids: Vec<Uuid> = picked.get_untracked().into_iter().collect();
        if ids.is_empty() {
            errors.push((
                "contract_ids",
                shared::validate::ValidationError::EmptySelection,
            ));
        }
        if form.check(errors)
            && let Some(r) = r
        {
            create.dispatch(CreateDispositionRequest {
                contract_ids: ids,
                reason: r.into_inner(),
            });
        }
    };
    let empty = candidates.is_empty();
    let rows = candidates
        .into_iter()
        .map(|c| {
            let id = c.id;
            let pending = c.pending_request_id.is_some();
            let box_id = format!("candidate-{id}");
            view! {
                <tr>
                    <td>
                        <input
                            type="checkbox"
                            id=box_id
                            aria-label=format!("{} {}", c.contract_number, c.title)
                            disabled=pending
                            prop:checked=move || picked.with(|p| p.contains(&id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                picked.update(|p| {
                                    if on { p.insert(id); } else { p.remove(&id); }
                                });
                            }
                        />
                    </td>
                    <td class="mono">
                        <a href=format!("/contracts/{id}")>{c.contract_number.clone()}</a>
                    </td>
                    <td>{c.title.clone()}</td>
                    <td>{c.department_name.clone().unwrap_or_default()}</td>
                    <td><StateBadge state=c.state /></td>
                    <td>{c.concluded_on.as_deref().map(date_ja).unwrap_or_default()}</td>
                    <td>{date_ja(&c.retention_end)}</td>
                    <td>{pending.then(|| view! { <span class="badge badge-warn">{i.tr(K::DispositionPendingBadge)}</span> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="candidates-title">
            <h2 id="candidates-title">{i.tr(K::DispositionCandidates)}</h2>
            {if empty {
                view! { <p class="empty">{i.tr(K::DispositionNoCandidates)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="list stack candidate-table">
                            <thead>
                                <tr>
                                    <th scope="col"><span class="visually-hidden">{i.tr(K::DispositionSelect)}</span></th>
                                    <th scope="col">{i.tr(K::ContractNumber)}</th>
                                    <th scope="col">{i.tr(K::ContractTitle)}</th>
                                    <th scope="col">{i.tr(K::Department)}</th>
                                    <th scope="col">{i.tr(K::StatesLegend)}</th>
                                    <th scope="col">{i.tr(K::ConcludedOn)}</th>
                                    <th scope="col">{i.tr(K::RetentionEnd)}</th>
                                    <th scope="col"><span class="visually-hidden">{i.tr(K::DispositionPendingBadge)}</span></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <form class="form" on:submit=submit novalidate aria-label=i.tr(K::DispositionRequest)>
                        <FormMessages form=form />
                        <TextField id="disposition-reason" field="reason" label=K::DispositionReason value=reason form=form required=true hint=K::DispositionReasonHint />
                        <div class="actions">
                            <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                                {move || format!("{}（{}）", i.t(K::DispositionRequest), picked.with(|p| p.len()))}
                            </button>
                        </div>
                    </form>
                }
                    .into_any()
            }}
        </section>
    }
}

fn state_label(i: I18n, s: DispositionState) -> &'static str {
    match s {
        DispositionState::Pending => i.t(K::DispositionStatePending),
        DispositionState::Approved => i.t(K::DispositionStateApproved),
        DispositionState::Rejected => i.t(K::DispositionStateRejected),
        DispositionState::Cancelled => i.t(K::DispositionStateCancelled),
    }
}

/// The disposition requests, pending first.
#[component]
fn Requests(requests: Vec<DispositionView>, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let mut requests = requests;
    requests.sort_by_key(|r| r.state != DispositionState::Pending);
    let empty = requests.is_empty();
    let items = requests
        .into_iter()
        .map(|r| view! { <RequestItem request=r changed=changed /> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="requests-title">
            <h2 id="requests-title">{i.tr(K::DispositionRequests)}</h2>
            {if empty {
                view! { <p class="empty">{i.tr(K::DispositionNoRequests)}</p> }.into_any()
            } else {
                view! { <ul class="event-list" role="list">{items}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn RequestItem(request: DispositionView, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let r = request;
    let id = r.id;
    let error = RwSignal::new(None::<String>);
    let decide = Action::new_local(move |d: &Decision| {
        let d = *d;
        async move {
            api::retention::decide(id, d, String::new())
                .await
                .map(|_| d)
        }
    });
    Effect::new(move || match decide.value().get() {
        Some(Ok(d)) => changed.run(match d {
            Decision::Approve => K::DispositionApproved,
            Decision::Reject => K::DispositionRejected,
            Decision::Cancel => K::DispositionCancelled,
        }),
        Some(Err(p)) => error.set(Some(i.problem(&p))),
        None => {}
    });
    let pending = r.state == DispositionState::Pending;
    let mine = r.requested_by_me;
    let state = r.state;
    let contracts = r
        .contracts
        .iter()
        .map(|c| {
            let id = c.id;
            view! {
                <li>
                    <a class="mono" href=format!("/contracts/{id}")>{c.contract_number.clone()}</a>
                    " "
                    {c.title.clone()}
                    " "
                    <StateBadge state=c.state />
                </li>
            }
        })
        .collect_view();
    let decided = r.decided_by_name.clone().map(|n| {
        let at = r.decided_at.as_deref().map(jst).unwrap_or_default();
        view! { <p class="sub">{i.tr(K::DispositionDecidedBy)}{format!("：{n}（{at}）")}</p> }
    });
    let busy = move || decide.pending().get();
    view! {
        <li class="event">
            <p>
                <span class="badge">{move || state_label(i, state)}</span>
                " "
                <strong>{r.reason.clone()}</strong>
            </p>
            <p class="sub">
                {i.tr(K::DispositionRequestedBy)}
                {format!("：{}（{}）", r.requested_by_name, jst(&r.requested_at))}
            </p>
            {decided}
            {(!r.comment.is_empty()).then(|| view! { <p class="pre">{r.comment.clone()}</p> })}
            <ul role="list">{contracts}</ul>
            {move || error.get().map(|e| view! { <p class="upload-error" role="alert">{e}</p> })}
            {(pending && !mine).then(|| view! {
                <p class="sub">{i.tr(K::DispositionApproveNote)}</p>
                <div class="actions">
                    <button type="button" class="btn btn-danger" disabled=busy on:click=move |_| { decide.dispatch(Decision::Approve); }>
                        {i.tr(K::DispositionApprove)}
                    </button>
                    <button type="button" class="btn" disabled=busy on:click=move |_| { decide.dispatch(Decision::Reject); }>
                        {i.tr(K::DispositionReject)}
                    </button>
                </div>
            })}
            {(pending && mine).then(|| view! {
                <p class="sub">{i.tr(K::DispositionWaitingForSecond)}</p>
                <div class="actions">
                    <button type="button" class="btn" disabled=busy on:click=move |_| { decide.dispatch(Decision::Cancel); }>
                        {i.tr(K::DispositionCancel)}
                    </button>
                </div>
            })}
        </li>
    }
}
