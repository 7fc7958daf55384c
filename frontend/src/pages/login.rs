//! ログイン: 団体コード, ログインID, パスワード; then a 確認コード step when the server asks
//! for TOTP (`totp_required`).

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared::dto::{LoginRequest, SessionView};
use shared::problem::{Problem, ProblemCode};
use shared::validate::{LoginId, OtpCode, TenantCode, ValidationError};

use crate::api;
use crate::components::form::{FormMessages, FormState, TextField, check_field};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

const TENANT_KEY: &str = "tachiai.tenant_code";

/// The login page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let navigate = use_navigate();

    let remembered = stored_tenant();
    let tenant_code = RwSignal::new(remembered.clone());
    let login_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let totp_code = RwSignal::new(String::new());
    let totp_step = RwSignal::new(false);
    let form = FormState::new();

    let login = Action::new_local(|req: &LoginRequest| {
        let req = req.clone();
        async move { api::auth::login(&req).await }
    });

    // Already logged in (e.g. the back button after login): go to the app.
    let nav = navigate.clone();
    Effect::new(move || {
        if session.ready.get() && session.logged_in() {
            let to = if session.account_only() {
                "/account"
            } else {
                "/"
            };
            nav(to, NavigateOptions::default());
        }
    });

    Effect::new(move || {
        let Some(result) = login.value().get() else {
            return;
        };
        match result {
            Ok(s) => {
                remember_tenant(&s);
                password.set(String::new());
                session.set(s);
            }
            Err(p) if p.code == ProblemCode::TotpRequired => {
                totp_step.set(true);
                form.reset();
            }
            Err(p) => {
                if p.code != ProblemCode::TotpInvalid {
                    totp_step.set(false);
                    totp_code.set(String::new());
                }
                form.fail(p);
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let tenant = check_field(
            &mut errors,
            "tenant_code",
            TenantCode::parse(&tenant_code.get_untracked()),
        );
        let id = check_field(
            &mut errors,
            "login_id",
            LoginId::parse(&login_id.get_untracked()),
        );
        let pw = password.get_untracked();
        if pw.is_empty() {
            errors.push(("password", ValidationError::Required));
        }
        let code = if totp_step.get_untracked() {
            check_field(
                &mut errors,
                "totp_code",
                OtpCode::parse(&totp_code.get_untracked()),
            )
            .map(|_| totp_code.get_untracked().trim().to_owned())
        } else {
            None
        };
        if !form.check(errors) {
            return;
        }
        if let (Some(tenant), Some(id)) = (tenant, id) {
            login.dispatch(LoginRequest {
                tenant_code: tenant.into_inner(),
                login_id: id.into_inner(),
                password: pw,
                totp_code: code,
            });
        }
    };

    let start_over = move |_| {
        totp_step.set(false);
        totp_code.set(String::new());
        password.set(String::new());
        form.reset();
    };

    let ended = move || {
        session.ended_because.get().map(|code| {
            // Only these two end a session (api::request's hook); named, so that the bundle
            // holds their texts and not every code's.
            let p = match code {
                ProblemCode::SessionExpired => Problem::new(ProblemCode::SessionExpired),
                _ => Problem::new(ProblemCode::Unauthenticated),
            };
            view! { <div class="alert alert-info" role="status">{move || i.problem(&p)}</div> }
        })
    };

    view! {
        <div class="login-page">
            <header class="login-header">
                <p class="login-brand">{i.tr(K::AppName)}</p>
                <p class="login-tagline">{i.tr(K::AppTagline)}</p>
                <button
                    type="button"
                    class="btn btn-quiet"
                    aria-label=i.tr(K::LanguageSwitchLabel)
                    on:click=move |_| i.toggle()
                >
                    {i.tr(K::LanguageSwitch)}
                </button>
            </header>
            <main id="main" class="login-card">
                <h1>
                    {move || if totp_step.get() { i.t(K::TotpTitle) } else { i.t(K::LoginTitle) }}
                </h1>
                {ended}
                <FormMessages form=form />
                <form on:submit=submit novalidate>
                    <Show when=move || !totp_step.get()>
                        <TextField
                            id="tenant_code"
                            field="tenant_code"
                            label=K::TenantCode
                            value=tenant_code
                            form=form
                            autocomplete="organization"
                            required=true
                        />
                        <TextField
                            id="login_id"
                            field="login_id"
                            label=K::LoginId
                            value=login_id
                            form=form
                            autocomplete="username"
                            required=true
                        />
                        <TextField
                            id="password"
                            field="password"
                            label=K::Password
                            value=password
                            form=form
                            kind="password"
                            autocomplete="current-password"
                            required=true
                        />
                    </Show>
                    <Show when=move || totp_step.get()>
                        <TextField
                            id="totp_code"
                            field="totp_code"
                            label=K::TotpCode
                            value=totp_code
                            form=form
                            hint=K::TotpHint
                            autocomplete="one-time-code"
                            inputmode="numeric"
                            required=true
                        />
                    </Show>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" disabled=move || login.pending().get()>
                            {move || {
                                if login.pending().get() {
                                    i.t(K::Saving)
                                } else if totp_step.get() {
                                    i.t(K::TotpSubmit)
                                } else {
                                    i.t(K::LoginButton)
                                }
                            }}
                        </button>
                        <Show when=move || totp_step.get()>
                            <button type="button" class="btn" on:click=start_over>
                                {i.tr(K::StartOver)}
                            </button>
                        </Show>
                    </div>
                </form>
            </main>
        </div>
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn stored_tenant() -> String {
    storage()
        .and_then(|s| s.get_item(TENANT_KEY).ok().flatten())
        .unwrap_or_default()
}

fn remember_tenant(s: &SessionView) {
    if let Some(st) = storage() {
        let _ = st.set_item(TENANT_KEY, &s.me.tenant.code);
    }
}
