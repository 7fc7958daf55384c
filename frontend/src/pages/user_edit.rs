//! 利用者の編集: fields, 無効化/有効化, パスワード再設定.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::dto::{DepartmentView, UpdateUserRequest, UserCredentialView, UserView};
use shared::problem::{Problem, ProblemCode};
use shared::validate::{EmailAddress, Name, ValidationError};
use uuid::Uuid;

use crate::api;
use crate::components::department::parse_id;
use crate::components::form::{FormMessages, FormState, Loading, ProblemMessage, check_field};
use crate::components::status::UserStatus;
use crate::components::user_form::{UserFields, UserFormFields, grants_to_send};
use crate::format::{is_future, jst};
use crate::i18n::{K, use_i18n};
use crate::pages::user_new::OneTimePassword;

/// The edit-user page.
#[component]
pub fn UserEditPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.ok_or_else(|| Problem::new(ProblemCode::NotFound))?;
            let user = api::users::get_one(id).await?;
            let departments = api::departments::list_all().await?;
            Ok::<_, Problem>((user, departments))
        }
    });
    view! {
        <p class="back">
            <A href="/users">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::UserEditTitle)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((user, departments)) => {
                        view! { <EditUser user=user departments=departments /> }.into_any()
                    }
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditUser(user: UserView, departments: Vec<DepartmentView>) -> impl IntoView {
    let i = use_i18n();
    let id = user.id;
    let current = RwSignal::new(user.clone());
    let fields = UserFields::new();
    fields.name.set(user.name.clone());
    fields.email.set(user.email.clone());
    fields.department.set(
        user.department_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    fields.roles.set(user.roles.clone());
    fields.grants.set(user.grants.clone());
    let form = FormState::new();
    let actions_form = FormState::new();
    let credential: RwSignal<Option<UserCredentialView>> = RwSignal::new(None);

    let save = Action::new_local(move |req: &UpdateUserRequest| {
        let req = req.clone();
        async move { api::users::update(id, &req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(u)) => {
            current.set(u);
            form.succeed(K::Saved);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });

    let toggle = Action::new_local(move |disable: &bool| {
        let disable = *disable;
        async move { api::users::set_disabled(id, disable).await }
    });
    Effect::new(move || match toggle.value().get() {
        Some(Ok(u)) => {
            let key = if u.disabled { K::Disabled } else { K::Enabled };
            current.set(u);
            actions_form.succeed(key);
        }
        Some(Err(p)) => actions_form.fail(p),
        None => {}
    });

    let reset = Action::new_local(move |_: &()| api::users::reset_password(id));
    Effect::new(move || match reset.value().get() {
        Some(Ok(c)) => {
            current.set(c.user.clone());
            actions_form.reset();
            credential.set(Some(c));
        }
        Some(Err(p)) => actions_form.fail(p),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
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
        let roles = fields.roles.get_untracked();
        if roles.is_empty() {
            errors.push(("roles", ValidationError::EmptySelection));
        }
        if !form.check(errors) {
            return;
        }
        if let (Some(name), Some(email)) = (name, email) {
            save.dispatch(UpdateUserRequest {
                name: name.into_inner(),
                email: email.as_str().to_owned(),
                department_id: parse_id(&fields.department.get_untracked()),
                roles,
                grants: grants_to_send(fields),
            });
        }
    };

    let busy = move || save.pending().get() || toggle.pending().get() || reset.pending().get();

    view! {
        <section class="card">
            <dl class="facts">
                <dt>{i.tr(K::LoginId)}</dt>
                <dd class="mono">{user.login_id.clone()}</dd>
                <dt>{i.tr(K::Status)}</dt>
                <dd>{move || view! { <UserStatus user=current.get() /> }}</dd>
                {move || {
                    current
                        .with(|u| u.locked_until.clone())
                        .filter(|t| is_future(t))
                        .map(|t| {
                            view! {
                                <dt>{i.tr(K::LockedUntil)}</dt>
                                <dd>{jst(&t)}</dd>
                            }
                        })
                }}
                <dt>{i.tr(K::TotpEnabledLabel)}</dt>
                <dd>{move || if current.with(|u| u.totp_enabled) { i.t(K::Yes) } else { i.t(K::No) }}</dd>
                <dt>{i.tr(K::LastLogin)}</dt>
                <dd>
                    {move || {
                        current
                            .with(|u| u.last_login_at.as_deref().map(jst))
                            .unwrap_or_else(|| i.t(K::Never).to_owned())
                    }}
                </dd>
                <dt>{i.tr(K::CreatedAt)}</dt>
                <dd>{jst(&user.created_at)}</dd>
            </dl>
        </section>
        <FormMessages form=form />
        <form class="card form" on:submit=submit novalidate>
            <UserFormFields fields=fields departments=departments form=form />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=busy>
                    {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                </button>
            </div>
        </form>
        <section class="card" aria-labelledby="account-actions">
            <h2 id="account-actions">{i.tr(K::AccountActions)}</h2>
            <FormMessages form=actions_form />
            {move || credential.get().map(|c| view! { <OneTimePassword password=c.initial_password /> })}
            <div class="actions">
                {move || {
                    if current.with(|u| u.disabled) {
                        view! {
                            <button type="button" class="btn" disabled=busy on:click=move |_| {
                                toggle.dispatch(false);
                            }>{i.tr(K::Enable)}</button>
                        }
                            .into_any()
                    } else {
                        view! {
                            <button type="button" class="btn btn-danger" disabled=busy on:click=move |_| {
                                if confirm(i.t(K::ConfirmDisable)) {
                                    toggle.dispatch(true);
                                }
                            }>{i.tr(K::Disable)}</button>
                        }
                            .into_any()
                    }
                }}
                <button type="button" class="btn" disabled=busy on:click=move |_| {
                    if confirm(i.t(K::ConfirmReset)) {
                        reset.dispatch(());
                    }
                }>{i.tr(K::ResetPassword)}</button>
            </div>
        </section>
    }
}

/// Asks the browser's confirmation dialog.
fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}
