//! 承認ルートのひな形: each department's usual approval route, kept by an administrator and
//! copied into a contract's route on its edit page (「ひな形から選ぶ」).

use leptos::prelude::*;
use shared::dto::{RouteTemplateRequest, RouteTemplateView};
use shared::problem::{FieldError, Problem};
use shared::validate::Name;
use uuid::Uuid;

use crate::api;
use crate::components::department::{DepartmentSelect, parse_id, path_name};
use crate::components::form::{
    CheckField, FormMessages, FormState, Loading, ProblemMessage, TextField,
};
use crate::components::steps_editor::{StepRow, StepsEditor, collect_steps};
use crate::format::jst;
use crate::i18n::{K, use_i18n};
use crate::pages::contract_edit::approver_candidates;

/// What the editor shows: nothing, a new template, or one being changed.
#[derive(Clone)]
enum Editing {
    Closed,
    New,
    Existing(RouteTemplateView),
}

/// The template list and its editor.
#[component]
pub fn RouteTemplatesPage() -> impl IntoView {
    let i = use_i18n();
    let include_archived = RwSignal::new(true);
    let editing = RwSignal::new(Editing::Closed);
    let templates = LocalResource::new(move || {
        let all = include_archived.get();
        async move { api::route_templates::list(None, all).await }
    });
    let departments = LocalResource::new(api::departments::list_all);
    let candidates = LocalResource::new(|| approver_candidates(None));
    let saved = Callback::new(move |()| {
        editing.set(Editing::Closed);
        templates.refetch();
    });

    view! {
        <div class="page-head">
            <h1>{i.tr(K::TemplatesTitle)}</h1>
            <button type="button" class="btn btn-primary" on:click=move |_| editing.set(Editing::New)>
                {i.tr(K::TemplateAdd)}
            </button>
        </div>
        <p class="hint">{i.tr(K::TemplatesHint)}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let depts = departments.await.unwrap_or_default();
                match editing.get() {
                    Editing::Closed => ().into_any(),
                    Editing::New => view! {
                        <TemplateForm template=None departments=depts candidates=candidates saved=saved editing=editing />
                    }
                        .into_any(),
                    Editing::Existing(t) => view! {
                        <TemplateForm template=Some(t) departments=depts candidates=candidates saved=saved editing=editing />
                    }
                        .into_any(),
                }
            })}
        </Transition>
        <div class="search-bar">
            <div class="check">
                <input
                    type="checkbox"
                    id="include-archived"
                    prop:checked=move || include_archived.get()
                    on:change=move |ev| include_archived.set(event_target_checked(&ev))
                />
                <label for="include-archived">{i.tr(K::TemplateIncludeArchived)}</label>
            </div>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let depts = departments.await.unwrap_or_default();
                match templates.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoTemplates)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let rows = list
                            .into_iter()
                            .map(|t| {
                                let dept = t
                                    .department_id
                                    .map(|d| path_name(&depts, d))
                                    .or_else(|| t.department_name.clone());
                                let steps = t
                                    .steps
                                    .iter()
                                    .map(|s| s.name.clone())
                                    .collect::<Vec<_>>()
                                    .join(" → ");
                                let archived = t.archived;
                                let updated = jst(&t.updated_at);
                                let name = t.name.clone();
                                let label = t.name.clone();
                                view! {
                                    <tr>
                                        <td data-label=i.tr(K::TemplateName)>{name}</td>
                                        <td data-label=i.tr(K::TemplateDepartment)>
                                            {move || dept.clone().unwrap_or_else(|| i.t(K::TemplateAllDepartments).to_owned())}
                                        </td>
                                        <td data-label=i.tr(K::TemplateSteps) class="wrap">{steps}</td>
                                        <td data-label=i.tr(K::Status)>
                                            {if archived {
                                                view! { <span class="badge badge-off">{i.tr(K::Archived)}</span> }
                                            } else {
                                                view! { <span class="badge badge-on">{i.tr(K::StatusActive)}</span> }
                                            }}
                                        </td>
                                        <td data-label=i.tr(K::Updated)>{updated}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="btn btn-small"
                                                aria-label=move || format!("{}：{}", i.t(K::Edit), label)
                                                on:click=move |_| editing.set(Editing::Existing(t.clone()))
                                            >
                                                {i.tr(K::Edit)}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <div class="table-wrap">
                                <table class="list stack">
                                    <thead>
                                        <tr>
                                            <th scope="col">{i.tr(K::TemplateName)}</th>
                                            <th scope="col">{i.tr(K::TemplateDepartment)}</th>
                                            <th scope="col">{i.tr(K::TemplateSteps)}</th>
                                            <th scope="col">{i.tr(K::Status)}</th>
                                            <th scope="col">{i.tr(K::Updated)}</th>
                                            <th scope="col"><span class="visually-hidden">{i.tr(K::Edit)}</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Creates (`template: None`) or changes a template.
#[component]
fn TemplateForm(
    template: Option<RouteTemplateView>,
    departments: Vec<shared::dto::DepartmentView>,
    candidates: LocalResource<Result<Vec<(Uuid, String)>, Problem>>,
    saved: Callback<()>,
    editing: RwSignal<Editing>,
) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let id = template.as_ref().map(|t| t.id);
    let name = RwSignal::new(
        template
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let department = RwSignal::new(
        template
            .as_ref()
            .and_then(|t| t.department_id)
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let archived = RwSignal::new(template.as_ref().is_some_and(|t| t.archived));
    let steps = RwSignal::new(
        template
            .as_ref()
            .map(|t| {
                t.steps
                    .iter()
                    .map(StepRow::from_request)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let save = Action::new_local(move |req: &RouteTemplateRequest| {
        let req = req.clone();
        async move {
            match id {
                Some(id) => api::route_templates::update(id, &req).await,
                None => api::route_templates::create(&req).await,
            }
        }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => saved.run(()),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors: Vec<FieldError> = Vec::new();
        let checked_name = match Name::parse(&name.get_untracked()) {
            Ok(v) => v.into_inner(),
            Err(e) => {
                errors.push(FieldError {
                    field: "name".to_owned(),
                    code: e,
                });
                String::new()
            }
        };
        let out = match steps.with_untracked(|v| collect_steps(v)) {
            Ok(out) => out,
            Err(p) => {
                errors.extend(p.errors);
                Vec::new()
            }
        };
        if !errors.is_empty() {
            form.fail(Problem::validation(errors));
            return;
        }
        save.dispatch(RouteTemplateRequest {
            name: checked_name,
            department_id: parse_id(&department.get_untracked()),
            steps: out,
            archived: archived.get_untracked(),
        });
    };
    let known: Vec<(Uuid, String)> = Vec::new();
    let title = if id.is_some() {
        K::TemplateEditTitle
    } else {
        K::TemplateNewTitle
    };
    view! {
        <section class="card" aria-labelledby="template-form-title">
            <h2 id="template-form-title">{i.tr(title)}</h2>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField id="template-name" field="name" label=K::TemplateName value=name form=form required=true />
                <DepartmentSelect
                    id="template-department"
                    label=K::TemplateDepartment
                    none_label=K::TemplateAllDepartments
                    departments=departments
                    value=department
                />
                <h3>{i.tr(K::TemplateSteps)}</h3>
                <StepsEditor steps=steps form=form candidates=candidates known=known />
                {id.is_some().then(|| view! { <CheckField id="template-archived" label=K::TemplateArchive checked=archived /> })}
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                    </button>
                    <button type="button" class="btn" on:click=move |_| editing.set(Editing::Closed)>
                        {i.tr(K::Cancel)}
                    </button>
                </div>
            </form>
        </section>
    }
}
