//! The editable fields of a user, shared by the add and edit pages.

use leptos::prelude::*;
use shared::access::{Permission, Role, effective_permissions};
use shared::dto::DepartmentView;

use crate::components::department::DepartmentSelect;
use crate::components::form::{FormState, GroupError, TextField};
use crate::i18n::{K, use_i18n};

/// The values of the form.
#[derive(Clone, Copy)]
pub struct UserFields {
    /// 氏名.
    pub name: RwSignal<String>,
    /// メールアドレス.
    pub email: RwSignal<String>,
    /// 所属 (ID as text, empty for none).
    pub department: RwSignal<String>,
    /// 役割.
    pub roles: RwSignal<Vec<Role>>,
    /// 個別権限.
    pub grants: RwSignal<Vec<Permission>>,
}

impl UserFields {
    /// Empty fields; a new user starts as 担当者.
    pub fn new() -> Self {
        UserFields {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            department: RwSignal::new(String::new()),
            roles: RwSignal::new(vec![Role::Staff]),
            grants: RwSignal::new(Vec::new()),
        }
    }
}

/// 氏名, メールアドレス, 所属, 役割 and 個別権限.
#[component]
pub fn UserFormFields(
    /// The values.
    fields: UserFields,
    /// Departments to choose from.
    departments: Vec<DepartmentView>,
    /// Errors are shown from here.
    form: FormState,
) -> impl IntoView {
    let i = use_i18n();
    // Permissions the chosen roles already give are shown as checked and fixed.
    let from_roles = move || effective_permissions(&fields.roles.get(), &[]);
    view! {
        <TextField id="name" field="name" label=K::Name value=fields.name form=form required=true autocomplete="name" />
        <TextField
            id="email"
            field="email"
            label=K::Email
            value=fields.email
            form=form
            kind="email"
            autocomplete="email"
            required=true
        />
        <DepartmentSelect
            id="department_id"
            label=K::Department
            none_label=K::NoDepartment
            departments=departments
            value=fields.department
        />
        <fieldset class="choices" aria-describedby="roles-error">
            <legend>{i.tr(K::RolesLegend)}</legend>
            {Role::ALL
                .into_iter()
                .map(|r| {
                    let id = format!("role-{}", r.as_str());
                    view! {
                        <div class="check">
                            <input
                                type="checkbox"
                                id=id.clone()
                                name="roles"
                                value=r.as_str()
                                prop:checked=move || fields.roles.with(|v| v.contains(&r))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    fields.roles.update(|v| {
                                        v.retain(|x| *x != r);
                                        if on {
                                            v.push(r);
                                            v.sort();
                                        }
                                    });
                                }
                            />
                            <label for=id>{move || i.role(r)}</label>
                        </div>
                    }
                })
                .collect_view()}
            <GroupError form=form field="roles" id="roles-error" />
        </fieldset>
        <fieldset class="choices" aria-describedby="grants-hint">
            <legend>{i.tr(K::GrantsLegend)}</legend>
            <p class="hint" id="grants-hint">{i.tr(K::GrantsHint)}</p>
            {Permission::ALL
                .into_iter()
                .map(|p| {
                    let id = format!("grant-{}", p.as_str());
                    view! {
                        <div class="check">
                            <input
                                type="checkbox"
                                id=id.clone()
                                name="grants"
                                value=p.as_str()
                                prop:checked=move || {
                                    from_roles().contains(&p) || fields.grants.with(|v| v.contains(&p))
                                }
                                disabled=move || from_roles().contains(&p)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    fields.grants.update(|v| {
                                        v.retain(|x| *x != p);
                                        if on {
                                            v.push(p);
                                            v.sort();
                                        }
                                    });
                                }
                            />
                            <label for=id>{move || i.permission(p)}</label>
                        </div>
                    }
                })
                .collect_view()}
            <GroupError form=form field="grants" id="grants-error" />
        </fieldset>
    }
}

/// The grants to send: those the roles do not already give.
pub fn grants_to_send(fields: UserFields) -> Vec<Permission> {
    let roles = fields.roles.get_untracked();
    let implied = effective_permissions(&roles, &[]);
    fields
        .grants
        .get_untracked()
        .into_iter()
        .filter(|p| !implied.contains(p))
        .collect()
}
