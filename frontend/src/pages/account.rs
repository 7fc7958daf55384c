//! アカウント: change my password; set up, enable or disable TOTP. While a password change
//! or a required TOTP set-up is due, this is the only page the shell lets the user open.
//! Otherwise it also lists the user's API tokens (`api_tokens.rs`).

use leptos::prelude::*;
use shared::dto::{ChangePasswordRequest, TotpDisableRequest, TotpEnableRequest, TotpSetupView};
use shared::validate::{OtpCode, ValidationError, check_password_policy};

use crate::api;
use crate::components::form::{FormMessages, FormState, TextField, check_field};
use crate::components::qr::QrCodeSvg;
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let must_change = move || session.me().is_some_and(|m| m.user.must_change_password);
    let totp_required = move || session.me().is_some_and(|m| m.totp_setup_required);
    view! {
        <h1>{i.tr(K::AccountTitle)}</h1>
        <Show when=must_change>
            <div class="alert alert-warn" role="alert">{i.tr(K::MustChangePassword)}</div>
        </Show>
        <Show when=move || totp_required() && !must_change()>
            <div class="alert alert-warn" role="alert">{i.tr(K::TotpSetupRequired)}</div>
        </Show>
        <PasswordSection />
        <TotpSection />
        <Show when=move || !session.account_only()>
            <crate::pages::api_tokens::ApiTokensSection />
        </Show>
    }
}

#[component]
fn PasswordSection() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let form = FormState::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let change = Action::new_local(move |req: &ChangePasswordRequest| {
        let req = req.clone();
        async move {
            api::account::change_password(&req).await?;
            session.refresh().await;
            Ok::<_, shared::problem::Problem>(())
        }
    });
    Effect::new(move || match change.value().get() {
        Some(Ok(())) => {
            for s in [current, new, confirm] {
                s.set(String::new());
            }
            form.succeed(K::PasswordChanged);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let login_id = session.me().map(|m| m.user.login_id).unwrap_or_default();
        let cur = current.get_untracked();
        let pw = new.get_untracked();
        let mut errors = Vec::new();
        let mut local = Vec::new();
        if cur.is_empty() {
            errors.push(("current_password", ValidationError::Required));
        }
        check_field(
            &mut errors,
            "new_password",
            check_password_policy(&pw, &login_id),
        );
        if pw != confirm.get_untracked() {
            local.push(("new_password_confirm", K::PasswordMismatch));
        }
        if form.check_all(errors, local) {
            change.dispatch(ChangePasswordRequest {
                current_password: cur,
                new_password: pw,
            });
        }
    };
    view! {
        <section class="card" aria-labelledby="pw-title">
            <h2 id="pw-title">{i.tr(K::PasswordSection)}</h2>
            <p class="hint" id="pw-revokes">{i.tr(K::PasswordChangeRevokes)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField
                    id="current_password"
                    field="current_password"
                    label=K::CurrentPassword
                    value=current
                    form=form
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                <TextField
                    id="new_password"
                    field="new_password"
                    label=K::NewPassword
                    value=new
                    form=form
                    kind="password"
                    autocomplete="new-password"
                    hint=K::PasswordPolicyHint
                    required=true
                />
                <TextField
                    id="new_password_confirm"
                    field="new_password_confirm"
                    label=K::NewPasswordConfirm
                    value=confirm
                    form=form
                    kind="password"
                    autocomplete="new-password"
                    required=true
                />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { i.t(K::Saving) } else { i.t(K::ChangePassword) }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TotpSection() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let enabled = Memo::new(move |_| session.me().is_some_and(|m| m.user.totp_enabled));
    // Survives the switch between the set-up and the disable form.
    let done: RwSignal<Option<K>> = RwSignal::new(None);
    view! {
        <section class="card" aria-labelledby="totp-title">
            <h2 id="totp-title">{i.tr(K::TotpSection)}</h2>
            {move || done.get().map(|k| view! { <div class="alert alert-success" role="status">{i.tr(k)}</div> })}
            {move || {
                if enabled.get() {
                    view! { <TotpDisable done=done /> }.into_any()
                } else {
                    view! { <TotpSetup done=done /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn TotpSetup(done: RwSignal<Option<K>>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let form = FormState::new();
    let code = RwSignal::new(String::new());
    let setup: RwSignal<Option<TotpSetupView>> = RwSignal::new(None);
    let start = Action::new_local(|_: &()| api::account::totp_setup());
    Effect::new(move || match start.value().get() {
        Some(Ok(s)) => {
            form.reset();
            done.set(None);
            setup.set(Some(s));
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let enable = Action::new_local(move |req: &TotpEnableRequest| {
        let req = req.clone();
        async move {
            api::account::totp_enable(&req).await?;
            // Set before the refresh: the refreshed session swaps this form for the other one.
            done.set(Some(K::TotpEnabled));
            session.refresh().await;
            Ok::<_, shared::problem::Problem>(())
        }
    });
    Effect::new(move || match enable.value().get() {
        Some(Ok(())) => {}
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let ok = check_field(&mut errors, "code", OtpCode::parse(&code.get_untracked()));
        if form.check(errors) && ok.is_some() {
            enable.dispatch(TotpEnableRequest {
                code: code.get_untracked().trim().to_owned(),
            });
        }
    };
    view! {
        <p>{i.tr(K::TotpIsOff)}</p>
        <FormMessages form=form />
        {move || match setup.get() {
            None => view! {
                <div class="actions">
                    <button type="button" class="btn btn-primary" disabled=move || start.pending().get() on:click=move |_| {
                        start.dispatch(());
                    }>
                        {move || if start.pending().get() { i.t(K::Saving) } else { i.t(K::TotpStart) }}
                    </button>
                </div>
            }
                .into_any(),
            Some(s) => view! {
                <p>{i.tr(K::TotpScan)}</p>
                <div class="totp-setup">
                    <QrCodeSvg text=s.otpauth_uri.clone() label=i.t(K::TotpQrLabel).to_owned() />
                    <dl class="facts">
                        <dt>{i.tr(K::TotpSecret)}</dt>
                        <dd class="mono secret" id="totp-secret">{s.secret.clone()}</dd>
                        <dt>{i.tr(K::TotpUri)}</dt>
                        <dd class="mono wrap small">{s.otpauth_uri.clone()}</dd>
                    </dl>
                </div>
                <form class="form" on:submit=submit novalidate>
                    <TextField
                        id="totp-code"
                        field="code"
                        label=K::TotpCode
                        value=code
                        form=form
                        hint=K::TotpHint
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required=true
                    />
                    <div class="actions">
                        <button type="submit" class="btn btn-primary" disabled=move || enable.pending().get()>
                            {move || if enable.pending().get() { i.t(K::Saving) } else { i.t(K::TotpEnable) }}
                        </button>
                    </div>
                </form>
            }
                .into_any(),
        }}
    }
}

#[component]
fn TotpDisable(done: RwSignal<Option<K>>) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let form = FormState::new();
    let password = RwSignal::new(String::new());
    let disable = Action::new_local(move |req: &TotpDisableRequest| {
        let req = req.clone();
        async move {
            api::account::totp_disable(&req).await?;
            done.set(Some(K::TotpDisabled));
            session.refresh().await;
            Ok::<_, shared::problem::Problem>(())
        }
    });
    Effect::new(move || match disable.value().get() {
        Some(Ok(())) => password.set(String::new()),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        let errors = if pw.is_empty() {
            vec![("current_password", ValidationError::Required)]
        } else {
            Vec::new()
        };
        if form.check(errors) {
            disable.dispatch(TotpDisableRequest {
                current_password: pw,
            });
        }
    };
    view! {
        <p>{i.tr(K::TotpIsOn)}</p>
        <FormMessages form=form />
        <form class="form" on:submit=submit novalidate>
            <TextField
                id="totp-disable-password"
                field="current_password"
                label=K::CurrentPassword
                value=password
                form=form
                kind="password"
                autocomplete="current-password"
                hint=K::TotpDisableHint
                required=true
            />
            <div class="actions">
                <button type="submit" class="btn btn-danger" disabled=move || disable.pending().get()>
                    {move || if disable.pending().get() { i.t(K::Saving) } else { i.t(K::TotpDisable) }}
                </button>
            </div>
        </form>
    }
}
