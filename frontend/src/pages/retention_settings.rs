//! 設定 › 保存期間の数え方: how the tenant counts a contract's retention (翌年度4月1日起算 or
//! the anniversary; from 締結日 or the end of the contract period). The default years stay in
//! the main settings form.

use leptos::prelude::*;
use shared::dto::RetentionRuleRequest;
use shared::records::{RetentionBasis, RetentionConvention, RetentionRule};

use crate::api;
use crate::components::form::{FormMessages, FormState, Loading, ProblemMessage};
use crate::i18n::{K, use_i18n};

/// The section, loading the rule itself.
#[component]
pub fn RetentionRuleSection() -> impl IntoView {
    let rule = LocalResource::new(api::retention::rule);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(r) => view! { <RetentionRuleForm rule=r /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RetentionRuleForm(rule: RetentionRule) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let convention = RwSignal::new(rule.convention);
    let basis = RwSignal::new(rule.basis);
    let save = Action::new_local(|req: &RetentionRuleRequest| {
        let req = req.clone();
        async move { api::retention::set_rule(&req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => form.succeed(K::Saved),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(RetentionRuleRequest {
            // Changed in the main form; sent back as it is.
            default_years: rule.default_years,
            convention: convention.get_untracked(),
            basis: basis.get_untracked(),
        });
    };
    view! {
        <section class="card" aria-labelledby="retention-rule-title">
            <h2 id="retention-rule-title">{i.tr(K::RetentionRuleTitle)}</h2>
            <p class="sub">{i.tr(K::RetentionRuleLead)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="retention-convention">{i.tr(K::RetentionConventionLabel)}</label>
                    <select id="retention-convention" on:change=move |ev| {
                        convention.set(if event_target_value(&ev) == "anniversary" {
                            RetentionConvention::Anniversary
                        } else {
                            RetentionConvention::FiscalYear
                        });
                    }>
                        <option value="fiscal_year" selected=rule.convention == RetentionConvention::FiscalYear>
                            {i.tr(K::RetentionConventionFiscalYear)}
                        </option>
                        <option value="anniversary" selected=rule.convention == RetentionConvention::Anniversary>
                            {i.tr(K::RetentionConventionAnniversary)}
                        </option>
                    </select>
                </div>
                <div class="field">
                    <label for="retention-basis">{i.tr(K::RetentionBasisLabel)}</label>
                    <select id="retention-basis" on:change=move |ev| {
                        basis.set(if event_target_value(&ev) == "period_end" {
                            RetentionBasis::PeriodEnd
                        } else {
                            RetentionBasis::ConcludedOn
                        });
                    }>
                        <option value="concluded_on" selected=rule.basis == RetentionBasis::ConcludedOn>
                            {i.tr(K::RetentionBasisConcludedOn)}
                        </option>
                        <option value="period_end" selected=rule.basis == RetentionBasis::PeriodEnd>
                            {i.tr(K::RetentionBasisPeriodEnd)}
                        </option>
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                    </button>
                </div>
            </form>
        </section>
    }
}
