//! 承認ルート: the contract's steps, set up by hand or from a route template.

use leptos::prelude::*;
use shared::contract::ContractState;
use shared::dto::{ApprovalRouteRequest, ContractView};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api;
use crate::components::form::{Autosave, AutosaveStatus, FormMessages, FormState};
use crate::components::steps_editor::{StepRow, StepsEditor, collect_steps};
use crate::i18n::{K, use_i18n};

/// Users who may approve (but `except`, the contract's creator): `(id, 氏名（所属）)`.
pub(crate) async fn approver_candidates(
    except: Option<Uuid>,
) -> Result<Vec<(Uuid, String)>, Problem> {
    Ok(api::contracts::approvers()
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .map(|a| match a.department_name {
            Some(d) => (a.id, format!("{}（{d}）", a.name)),
            None => (a.id, a.name),
        })
        .collect())
}

#[component]
pub(super) fn RouteEditor(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let draft = contract.state == ContractState::Draft;
    let id = contract.id;
    let creator = contract.created_by;
    let steps = RwSignal::new(
        contract
            .approval_steps
            .iter()
            .map(|s| {
                StepRow::new(
                    s.name.clone(),
                    s.rule,
                    s.approvers.iter().map(|a| a.user_id).collect(),
                )
            })
            .collect::<Vec<_>>(),
    );
    let known: Vec<(Uuid, String)> = contract
        .approval_steps
        .iter()
        .flat_map(|s| s.approvers.iter().map(|a| (a.user_id, a.name.clone())))
        .collect();
    let candidates = LocalResource::new(move || approver_candidates(Some(creator)));
    let department = contract.department_id;
    let templates = LocalResource::new(move || api::route_templates::list(department, false));
    let save = Action::new_local(move |req: &ApprovalRouteRequest| {
        let req = req.clone();
        async move { api::contracts::set_route(id, &req).await }
    });
    let auto = Autosave::new();
    Effect::new(move || auto.report(form, save.value().get().as_ref()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match steps.with_untracked(|v| collect_steps(v)) {
            Ok(out) => auto.press(save, ApprovalRouteRequest { steps: out }),
            Err(p) => form.fail(p),
        }
    };
    // Saved as it is set up, once every step is complete (a draft only: see BasicForm).
    if draft {
        auto.watch(
            save,
            move || {
                steps.with(|v| {
                    v.iter().for_each(|s| {
                        s.name.track();
                        s.rule.track();
                        s.approvers.track();
                    })
                })
            },
            move || {
                steps
                    .with_untracked(|v| collect_steps(v))
                    .ok()
                    .map(|steps| ApprovalRouteRequest { steps })
            },
        );
    }
    view! {
        <section class="card" aria-labelledby="route-title">
            <h2 id="route-title">{i.tr(K::Route)}</h2>
            <p class="hint">{i.tr(K::RouteHint)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let list = templates.await.unwrap_or_default();
                        (!list.is_empty()).then(|| {
                            let options = list
                                .iter()
                                .map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> })
                                .collect_view();
                            view! {
                                <div class="field">
                                    <label for="route-template">{i.tr(K::TemplatePick)}</label>
                                    <select
                                        id="route-template"
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            if let Some(t) = list.iter().find(|t| t.id.to_string() == v) {
                                                steps.set(t.steps.iter().map(StepRow::from_request).collect());
                                                form.reset();
                                            }
                                        }
                                    >
                                        <option value="" selected>{i.tr(K::TemplateNone)}</option>
                                        {options}
                                    </select>
                                    <p class="hint">{i.tr(K::TemplatePickHint)}</p>
                                </div>
                            }
                        })
                    })}
                </Transition>
                <StepsEditor steps=steps form=form candidates=candidates known=known />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if auto.pressed_pending(save) { i.t(K::Saving) } else { i.t(K::SaveRoute) }}
                    </button>
                    <AutosaveStatus autosave=auto />
                </div>
            </form>
        </section>
    }
}
