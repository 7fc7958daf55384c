//! 所属: the department tree with add, rename, move and 使用停止.

use leptos::prelude::*;
use shared::dto::{DepartmentRequest, DepartmentView};
use shared::validate::{Name, ValidationError};
use uuid::Uuid;

use crate::api;
use crate::components::department::{DepartmentSelect, parse_id, subtree};
use crate::components::form::{
    CheckField, FormMessages, FormState, Loading, ProblemMessage, TextField, check_field,
};
use crate::i18n::{K, use_i18n};

/// The departments page.
#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let editing: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let departments = LocalResource::new(move || {
        reload.track();
        api::departments::list_all()
    });
    // Lives outside the reloaded list, so it survives the refetch after a change.
    let notice: RwSignal<Option<K>> = RwSignal::new(None);
    let on_saved = Callback::new(move |k: K| {
        editing.set(None);
        notice.set(Some(k));
        reload.update(|n| *n += 1);
    });

    view! {
        <h1>{i.tr(K::DepartmentsTitle)}</h1>
        <p class="lead">{i.tr(K::DeptLead)}</p>
        {move || {
            notice
                .get()
                .map(|k| view! { <div class="alert alert-success" role="status">{i.tr(k)}</div> })
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match departments.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(all) => {
                        let roots: Vec<DepartmentView> = top_level(&all);
                        let tree = if all.is_empty() {
                            view! { <p class="empty">{i.tr(K::NoDepartments)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="tree" role="list">
                                    {roots
                                        .into_iter()
                                        .map(|d| tree_node(d, all.clone(), editing, on_saved))
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        };
                        view! {
                            <section class="card" aria-labelledby="dept-tree">
                                <h2 id="dept-tree" class="visually-hidden">{i.tr(K::DepartmentsTitle)}</h2>
                                {tree}
                            </section>
                            <AddDepartment all=all on_saved=on_saved />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn top_level(all: &[DepartmentView]) -> Vec<DepartmentView> {
    let mut roots: Vec<DepartmentView> = all
        .iter()
        .filter(|d| d.parent_id.is_none_or(|p| !all.iter().any(|x| x.id == p)))
        .cloned()
        .collect();
    roots.sort_by_key(|d| (d.code.clone().unwrap_or_default(), d.name.clone()));
    roots
}

fn tree_node(
    dept: DepartmentView,
    all: Vec<DepartmentView>,
    editing: RwSignal<Option<Uuid>>,
    on_saved: Callback<K>,
) -> AnyView {
    let i = use_i18n();
    let id = dept.id;
    let mut children: Vec<DepartmentView> = all
        .iter()
        .filter(|d| d.parent_id == Some(id) && d.id != id)
        .cloned()
        .collect();
    children.sort_by_key(|d| (d.code.clone().unwrap_or_default(), d.name.clone()));
    let child_views = if children.is_empty() {
        None
    } else {
        let all2 = all.clone();
        Some(view! {
            <ul role="list">
                {children
                    .into_iter()
                    .map(|c| tree_node(c, all2.clone(), editing, on_saved))
                    .collect_view()}
            </ul>
        })
    };
    let editor_dept = dept.clone();
    let editor_all = all.clone();
    let label_id = format!("dept-{id}");
    view! {
        <li>
            <div class="tree-row" class:inactive=!dept.active>
                <span class="tree-name" id=label_id.clone()>{dept.name.clone()}</span>
                {dept.code.clone().map(|c| view! { <span class="mono muted">{c}</span> })}
                {(!dept.active)
                    .then(|| view! { <span class="badge badge-off">{i.tr(K::DeptInactive)}</span> })}
                <button
                    type="button"
                    class="btn btn-small"
                    aria-expanded=move || (editing.get() == Some(id)).to_string()
                    aria-describedby=label_id
                    on:click=move |_| {
                        editing.update(|e| *e = if *e == Some(id) { None } else { Some(id) })
                    }
                >
                    {i.tr(K::Edit)}
                </button>
            </div>
            <Show when=move || editing.get() == Some(id)>
                <EditDepartment dept=editor_dept.clone() all=editor_all.clone() on_saved=on_saved editing=editing />
            </Show>
            {child_views}
        </li>
    }
    .into_any()
}

fn code_value(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn validate(form: FormState, name: &str, code: &str) -> Option<Name> {
    let mut errors = Vec::new();
    let name = check_field(&mut errors, "name", Name::parse(name));
    if code.trim().chars().count() > 40 {
        errors.push(("code", ValidationError::TooLong));
    }
    if form.check(errors) { name } else { None }
}

#[component]
fn AddDepartment(all: Vec<DepartmentView>, on_saved: Callback<K>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let name = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let create = Action::new_local(|req: &DepartmentRequest| {
        let req = req.clone();
        async move { api::departments::create(&req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(_)) => {
            form.reset();
            name.set(String::new());
            code.set(String::new());
            on_saved.run(K::DeptAdded);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(n) = validate(form, &name.get_untracked(), &code.get_untracked()) {
            create.dispatch(DepartmentRequest {
                name: n.into_inner(),
                parent_id: parse_id(&parent.get_untracked()),
                code: code_value(&code.get_untracked()),
                active: true,
            });
        }
    };
    view! {
        <section class="card" aria-labelledby="dept-add">
            <h2 id="dept-add">{i.tr(K::DeptAdd)}</h2>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField id="new-dept-name" field="name" label=K::DeptName value=name form=form required=true />
                <TextField id="new-dept-code" field="code" label=K::DeptCode value=code form=form hint=K::Optional />
                <DepartmentSelect
                    id="new-dept-parent"
                    label=K::DeptParent
                    none_label=K::TopLevel
                    departments=all
                    value=parent
                />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { i.t(K::Saving) } else { i.t(K::Add) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn EditDepartment(
    dept: DepartmentView,
    all: Vec<DepartmentView>,
    on_saved: Callback<K>,
    editing: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let i = use_i18n();
    let id = dept.id;
    let form = FormState::new();
    let name = RwSignal::new(dept.name.clone());
    let code = RwSignal::new(dept.code.clone().unwrap_or_default());
    let parent = RwSignal::new(dept.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let active = RwSignal::new(dept.active);
    let exclude = subtree(&all, id);
    let save = Action::new_local(move |req: &DepartmentRequest| {
        let req = req.clone();
        async move { api::departments::update(id, &req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => on_saved.run(K::Saved),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(n) = validate(form, &name.get_untracked(), &code.get_untracked()) {
            save.dispatch(DepartmentRequest {
                name: n.into_inner(),
                parent_id: parse_id(&parent.get_untracked()),
                code: code_value(&code.get_untracked()),
                active: active.get_untracked(),
            });
        }
    };
    let prefix = format!("edit-{id}");
    let name_id = format!("{prefix}-name");
    let code_id = format!("{prefix}-code");
    let parent_id = format!("{prefix}-parent");
    let active_id = format!("{prefix}-active");
    view! {
        <form class="inline-editor form" on:submit=submit novalidate aria-label=i.tr(K::DeptEditTitle)>
            <FormMessages form=form />
            <TextField id=name_id field="name" label=K::DeptName value=name form=form required=true />
            <TextField id=code_id field="code" label=K::DeptCode value=code form=form hint=K::Optional />
            <DepartmentSelect
                id=parent_id
                label=K::DeptParent
                none_label=K::TopLevel
                departments=all
                value=parent
                exclude=exclude
            />
            <CheckField id=active_id label=K::DeptActive checked=active />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                </button>
                <button type="button" class="btn" on:click=move |_| editing.set(None)>
                    {i.tr(K::Close)}
                </button>
            </div>
        </form>
    }
}
