//! The steps of an approval route being edited (a contract's or a route template's).

use leptos::prelude::*;
use shared::contract::ApprovalRule;
use shared::dto::ApprovalStepRequest;
use shared::problem::Problem;
use shared::validate::{Name, ValidationError};
use uuid::Uuid;

use crate::components::form::{FormState, Loading};
use crate::components::rows::{RowInput, next_key};
use crate::i18n::{K, use_i18n};

/// One approval step being edited.
#[derive(Clone, Copy)]
pub struct StepRow {
    key: u32,
    pub name: RwSignal<String>,
    pub rule: RwSignal<ApprovalRule>,
    pub approvers: RwSignal<Vec<Uuid>>,
}

impl StepRow {
    /// A new row with a key of its own.
    pub fn new(name: String, rule: ApprovalRule, approvers: Vec<Uuid>) -> Self {
        StepRow {
            key: next_key(),
            name: RwSignal::new(name),
            rule: RwSignal::new(rule),
            approvers: RwSignal::new(approvers),
        }
    }

    /// A row holding a step as the API takes it (a template's step, a saved one).
    pub fn from_request(s: &ApprovalStepRequest) -> Self {
        StepRow::new(s.name.clone(), s.rule, s.approver_ids.clone())
    }
}

/// The steps as the API takes them, or the field errors (`steps[n].name`,
/// `steps[n].approver_ids`) found before asking the server.
pub fn collect_steps(rows: &[StepRow]) -> Result<Vec<ApprovalStepRequest>, Problem> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (n, s) in rows.iter().enumerate() {
        let name = match Name::parse(&s.name.get_untracked()) {
            Ok(v) => v.into_inner(),
            Err(e) => {
                errors.push(shared::problem::FieldError {
                    field: format!("steps[{n}].name"),
                    code: e,
                });
                String::new()
            }
        };
        let approver_ids = s.approvers.get_untracked();
        if approver_ids.is_empty() {
            errors.push(shared::problem::FieldError {
                field: format!("steps[{n}].approver_ids"),
                code: ValidationError::EmptySelection,
            });
        }
        out.push(ApprovalStepRequest {
            name,
            rule: s.rule.get_untracked(),
            approver_ids,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::validation(errors))
    }
}

/// Who may be chosen as approver: `(id, 氏名（所属）)`, fetched by the page.
pub type Candidates = LocalResource<Result<Vec<(Uuid, String)>, Problem>>;

/// The steps of a route being edited (a contract's or a template's): name, rule and approvers
/// per step, with the server's `steps[n].…` errors under their fields.
#[component]
pub fn StepsEditor(
    steps: RwSignal<Vec<StepRow>>,
    form: FormState,
    candidates: Candidates,
    /// Names of approvers already on the route, for when the user list cannot be read.
    known: Vec<(Uuid, String)>,
) -> impl IntoView {
    let i = use_i18n();
    let add_step = move |_| {
        let n = steps.with_untracked(Vec::len) + 1;
        let name = match i.lang() {
            crate::i18n::Lang::Ja => format!("第{n}承認"),
            crate::i18n::Lang::En => format!("Step {n}"),
        };
        steps.update(|v| v.push(StepRow::new(name, ApprovalRule::Any, Vec::new())));
    };
    view! {
        <Show when=move || steps.with(Vec::is_empty)>
            <p class="empty">{i.tr(K::NoSteps)}</p>
        </Show>
        <ol class="row-list" role="list">
            <For each=move || steps.get() key=|s| s.key let:step>
                {
                    let key = step.key;
                    let index = Signal::derive(move || {
                        steps.with(|v| v.iter().position(|r| r.key == key).unwrap_or(0))
                    });
                    let known = known.clone();
                    // "Choose at least one" goes away as soon as one is chosen.
                    let approvers_error = move || {
                        form.field_error(&format!("steps[{}].approver_ids", index.get()))
                            .filter(|e| {
                                *e != ValidationError::EmptySelection
                                    || step.approvers.with(Vec::is_empty)
                            })
                    };
                    view! {
                        <li class="step-row" aria-label=move || format!("{} {}", i.t(K::Step), index.get() + 1)>
                            <span class="row-number" aria-hidden="true">{move || index.get() + 1}</span>
                            <div class="row-fields">
                                <RowInput id=format!("s{key}-name") label=K::StepName value=step.name form=form list="steps" field="name" index=index />
                                <div class="field">
                                    <label for=format!("s{key}-rule")>{i.tr(K::StepRule)}</label>
                                    <select
                                        id=format!("s{key}-rule")
                                        on:change=move |ev| {
                                            if let Some(r) = ApprovalRule::parse(&event_target_value(&ev)) {
                                                step.rule.set(r);
                                            }
                                        }
                                    >
                                        {ApprovalRule::ALL
                                            .iter()
                                            .map(|&r| view! {
                                                <option value=r.as_str() selected=move || step.rule.get() == r>
                                                    {move || i.rule(r)}
                                                </option>
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                                <fieldset class="choices approvers-pick" aria-describedby=format!("s{key}-approvers-error")>
                                    <legend>{i.tr(K::Approvers)}</legend>
                                    <Transition fallback=Loading>
                                        {
                                            let known = known.clone();
                                            move || {
                                                let known = known.clone();
                                                Suspend::new(async move {
                                                    let users: Vec<(Uuid, String)> = match candidates.await {
                                                        Ok(list) => list,
                                                        Err(_) => known,
                                                    };
                                                    let unavailable = candidates.get().is_some_and(|r| r.is_err());
                                                    let none = users.is_empty() && !unavailable;
                                                    let boxes = users
                                                        .into_iter()
                                                        .map(|(uid, name)| {
                                                            let bid = format!("s{key}-u{uid}");
                                                            view! {
                                                                <div class="check">
                                                                    <input
                                                                        type="checkbox"
                                                                        id=bid.clone()
                                                                        prop:checked=move || step.approvers.with(|v| v.contains(&uid))
                                                                        on:change=move |ev| {
                                                                            let on = event_target_checked(&ev);
                                                                            step.approvers.update(|v| {
                                                                                v.retain(|x| *x != uid);
                                                                                if on {
                                                                                    v.push(uid);
                                                                                }
                                                                            });
                                                                        }
                                                                    />
                                                                    <label for=bid>{name}</label>
                                                                </div>
                                                            }
                                                        })
                                                        .collect_view();
                                                    view! {
                                                        {unavailable.then(|| view! { <p class="hint">{i.tr(K::ApproversUnavailable)}</p> })}
                                                        {none.then(|| view! { <p class="hint">{i.tr(K::NoApprovers)}</p> })}
                                                        {boxes}
                                                    }
                                                })
                                            }
                                        }
                                    </Transition>
                                    <p class="field-error" id=format!("s{key}-approvers-error")>
                                        {move || approvers_error().map(|e| i.invalid(e))}
                                    </p>
                                </fieldset>
                            </div>
                            <div class="row-buttons">
                                <button type="button" class="btn btn-small" on:click=move |_| steps.update(|v| v.retain(|r| r.key != key))>
                                    {i.tr(K::Remove)}
                                </button>
                            </div>
                        </li>
                    }
                }
            </For>
        </ol>
        <div class="row-tools">
            <button type="button" class="btn" on:click=add_step>{i.tr(K::StepAdd)}</button>
        </div>
    }
}
