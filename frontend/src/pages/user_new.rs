//! 利用者の追加: the form, then the one-time initial password.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::access::Role;
use shared::dto::{CreateUserRequest, DepartmentView, UserCredentialView};
use shared::validate::{EmailAddress, LoginId, Name, ValidationError, check_password_policy};

use crate::api;
use crate::components::department::parse_id;
use crate::components::form::{
    FormMessages, FormState, Loading, ProblemMessage, TextField, check_field,
};
use crate::components::user_form::{UserFields, UserFormFields, grants_to_send};
use crate::i18n::{K, use_i18n};

/// The add-user page.
#[component]
pub fn UserNewPage() -> impl IntoView {
    let i = use_i18n();
    let departments = LocalResource::new(api::departments::list_all);
    view! {
        <p class="back">
            <A href="/users">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::UserNewTitle)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match departments.await {
                    Ok(d) => view! { <NewUserForm departments=d /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewUserForm(departments: Vec<DepartmentView>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let fields = UserFields::new();
    let created: RwSignal<Option<UserCredentialView>> = RwSignal::new(None);

    let create = Action::new_local(|req: &CreateUserRequest| {
        let req = req.clone();
        async move { api::users::create(&req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(c)) => {
            form.succeed(K::UserCreated);
            created.set(Some(c));
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let id = check_field(
            &mut errors,
            "login_id",
            LoginId::parse(&login_id.get_untracked()),
        );
        let name = check_field(
            &mut errors,
            "name",
            Name::parse(&fields.name.get_untracked()),
        );
        let email = check_field(
            &mut errors,
            "email",
            EmailAddress::parse(&fields.email.get_untracked()),
        );
        let roles: Vec<Role> = fields.roles.get_untracked();
        if roles.is_empty() {
            errors.push(("roles", ValidationError::EmptySelection));
        }
        let pw = password.get_untracked();
        let pw = if pw.is_empty() {
            None
        } else {
            let login = login_id.get_untracked();
            check_field(
                &mut errors,
                "password",
                check_password_policy(&pw, login.trim()),
            );
            Some(pw)
        };
        if !form.check(errors) {
            return;
        }
        if let (Some(id), Some(name), Some(email)) = (id, name, email) {
            create.dispatch(CreateUserRequest {
                login_id: id.into_inner(),
                name: name.into_inner(),
                email: email.as_str().to_owned(),
                department_id: parse_id(&fields.department.get_untracked()),
                roles,
                grants: grants_to_send(fields),
                password: pw,
            });
        }
    };

    view! {
        <Show
            when=move || created.with(Option::is_none)
            fallback=move || {
                created
                    .get()
                    .map(|c| {
                        let href = format!("/users/{}", c.user.id);
                        view! {
                            <div class="alert alert-success" role="status">
                                {i.tr(K::UserCreated)}
                            </div>
                            <dl class="facts card">
                                <dt>{i.tr(K::Name)}</dt>
                                <dd>{c.user.name.clone()}</dd>
                                <dt>{i.tr(K::LoginId)}</dt>
                                <dd class="mono">{c.user.login_id.clone()}</dd>
                            </dl>
                            <OneTimePassword password=c.initial_password.clone() />
                            <div class="actions">
                                <A href=href attr:class="btn">{i.tr(K::ToUserEdit)}</A>
                                <A href="/users" attr:class="btn">{i.tr(K::BackToList)}</A>
                            </div>
                        }
                    })
            }
        >
            <FormMessages form=form />
            <form class="card form" on:submit=submit novalidate>
                <TextField
                    id="login_id"
                    field="login_id"
                    label=K::LoginId
                    value=login_id
                    form=form
                    required=true
                    autocomplete="off"
                />
                <UserFormFields fields=fields departments=departments.clone() form=form />
                <TextField
                    id="password"
                    field="password"
                    label=K::InitialPassword
                    value=password
                    form=form
                    kind="password"
                    autocomplete="new-password"
                    hint=K::InitialPasswordHint
                />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { i.t(K::Saving) } else { i.t(K::Register) }}
                    </button>
                </div>
            </form>
        </Show>
    }
}

/// The generated password, shown once; or a reminder when the admin chose it.
#[component]
pub fn OneTimePassword(password: Option<String>) -> impl IntoView {
    let i = use_i18n();
    match password {
        Some(pw) => view! {
            <section class="card onetime" aria-labelledby="onetime-title">
                <h2 id="onetime-title">{i.tr(K::OneTimePasswordTitle)}</h2>
                <p class="secret mono" id="initial-password">{pw}</p>
                <p class="hint">{i.tr(K::OneTimePasswordNote)}</p>
            </section>
        }
        .into_any(),
        None => view! { <p class="hint">{i.tr(K::ChosenPasswordNote)}</p> }.into_any(),
    }
}
