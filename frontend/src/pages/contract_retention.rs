//! 保存期間・廃棄 on the contract page: 保存期限, the legal hold (廃棄保留) with its toggle and
//! the retention override for administrators (`manage_retention`), and, once disposed of, the
//! tombstone (廃棄記録) instead of the files.

use leptos::prelude::*;
use shared::access::Permission;
use shared::dto::{ContractView, DisposalView};
use shared::validate::Text;
use uuid::Uuid;

use crate::api;
use crate::components::form::{FormMessages, FormState, TextField, check_field};
use crate::format::{date_ja, jst};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The retention card of a contract that is not disposed of. `changed` reports what was done.
#[component]
pub fn RetentionCard(contract: ContractView, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let may = use_session().can(Permission::ManageRetention);
    let id = contract.id;
    let end = contract.retention_end.clone();
    let hold = contract.legal_hold.clone();
    let held = hold.is_some();
    let status = match &hold {
        Some(h) => view! {
            <div class="alert alert-warn" role="status">
                <p><strong>{i.tr(K::LegalHoldOn)}</strong></p>
                <p class="pre">{h.reason.clone()}</p>
                <p class="sub">{format!("{}（{}）", h.set_by_name, jst(&h.set_at))}</p>
            </div>
        }
        .into_any(),
        None => view! { <p class="sub">{i.tr(K::LegalHoldOff)}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="retention-title">
            <h2 id="retention-title">{i.tr(K::RetentionTitle)}</h2>
            <dl class="facts">
                <dt>{i.tr(K::Retention)}</dt>
                <dd>{format!("{}{}", contract.retention_years, i.t(K::Years))}</dd>
                <dt>{i.tr(K::RetentionEnd)}</dt>
                <dd>{move || end.as_deref().map(date_ja).unwrap_or_else(|| i.t(K::RetentionEndOpen).to_owned())}</dd>
            </dl>
            {status}
            {may.then(|| view! {
                <HoldToggle id=id held=held changed=changed />
                <RetentionYears id=id years=contract.retention_years changed=changed />
            })}
        </section>
    }
}

/// 廃棄保留にする (with a reason) or 廃棄保留を解除する.
#[component]
fn HoldToggle(id: Uuid, held: bool, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let reason = RwSignal::new(String::new());
    let act = Action::new_local(move |reason: &Option<String>| {
        let reason = reason.clone();
        async move {
            match reason {
                Some(r) => api::retention::hold(id, r).await,
                None => api::retention::release(id).await,
            }
        }
    });
    Effect::new(move || match act.value().get() {
        Some(Ok(_)) => changed.run(if held {
            K::LegalHoldReleased
        } else {
            K::LegalHoldSet
        }),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if held {
            act.dispatch(None);
            return;
        }
        let mut errors = Vec::new();
        let r = check_field(&mut errors, "reason", Text::parse(&reason.get_untracked()));
        if form.check(errors)
            && let Some(r) = r
        {
            act.dispatch(Some(r.into_inner()));
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate aria-label=i.tr(K::LegalHold)>
            <FormMessages form=form />
            {(!held).then(|| view! {
                <TextField id="hold-reason" field="reason" label=K::LegalHoldReason value=reason form=form required=true multiline=true />
            })}
            <div class="actions">
                <button type="submit" class=if held { "btn" } else { "btn btn-danger" } disabled=move || act.pending().get()>
                    {move || i.t(if held { K::LegalHoldRelease } else { K::LegalHoldApply })}
                </button>
            </div>
        </form>
    }
}

/// 保存期間を変更する.
#[component]
fn RetentionYears(id: Uuid, years: i32, changed: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let value = RwSignal::new(years.to_string());
    let save = Action::new_local(move |years: &u32| {
        let years = *years;
        async move { api::retention::set_years(id, years).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => changed.run(K::RetentionChanged),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match value.get_untracked().trim().parse::<u32>() {
            Ok(y) if (1..=100).contains(&y) => {
                save.dispatch(y);
            }
            _ => {
                form.check(vec![(
                    "years",
                    shared::validate::ValidationError::OutOfRange,
                )]);
            }
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate aria-label=i.tr(K::RetentionOverride)>
            <FormMessages form=form />
            <TextField id="retention-years" field="years" label=K::RetentionYearsField value=value form=form kind="number" inputmode="numeric" hint=K::RetentionOverrideHint />
            <div class="actions">
                <button type="submit" class="btn" disabled=move || save.pending().get()>
                    {i.tr(K::RetentionOverride)}
                </button>
            </div>
        </form>
    }
}

/// 廃棄記録: what remains of a disposed contract.
#[component]
pub fn Tombstone(disposal: DisposalView) -> impl IntoView {
    let i = use_i18n();
    let t = disposal;
    let files = t
        .files
        .iter()
        .map(|f| {
            let role = f.role;
            view! {
                <li>
                    <span>{move || crate::components::contract::role_label(i, role)}</span>
                    " "
                    <span class="mono">{f.sha256.clone()}</span>
                    <span class="sub">{crate::format::bytes(f.size)}</span>
                </li>
            }
        })
        .collect_view();
    let prior = t.prior_state;
    view! {
        <section class="card" aria-labelledby="tombstone-title">
            <h2 id="tombstone-title">{i.tr(K::TombstoneTitle)}</h2>
            <div class="alert alert-info" role="status">{i.tr(K::TombstoneNote)}</div>
            <dl class="facts">
                <dt>{i.tr(K::ContractNumber)}</dt><dd class="mono">{t.contract_number.clone()}</dd>
                <dt>{i.tr(K::TombstonePriorState)}</dt><dd>{move || i.state(prior)}</dd>
                <dt>{i.tr(K::ConcludedOn)}</dt><dd>{t.concluded_on.as_deref().map(date_ja).unwrap_or_default()}</dd>
                <dt>{i.tr(K::RetentionEnd)}</dt><dd>{date_ja(&t.retention_end)}</dd>
                <dt>{i.tr(K::DispositionRequestedBy)}</dt><dd>{format!("{}（{}）", t.requested_by_name, jst(&t.requested_at))}</dd>
                <dt>{i.tr(K::DispositionApprovedBy)}</dt><dd>{t.approved_by_name.clone()}</dd>
                <dt>{i.tr(K::DisposedAt)}</dt><dd>{jst(&t.disposed_at)}</dd>
            </dl>
            <h3>{i.tr(K::TombstoneFiles)}</h3>
            <ul class="hash-list" role="list">{files}</ul>
        </section>
    }
}
