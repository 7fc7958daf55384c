//! 設定: the tenant's name, whether TOTP is required, and the session timeouts.

use leptos::prelude::*;
use shared::dto::{TenantSettingsView, UpdateTenantSettingsRequest};
use shared::validate::{Name, ValidationError};

use crate::api;
use crate::components::form::{
    CheckField, FieldMessage, FormMessages, FormState, Loading, ProblemMessage, TextField,
    check_field,
};
use crate::format::jst;
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let i = use_i18n();
    let settings = LocalResource::new(api::settings::get_settings);
    view! {
        <h1>{i.tr(K::SettingsTitle)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <SettingsForm settings=s /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
        <SealSection />
        <p class="trust-guide-link"><a href="/settings/trust">{i.tr(K::TrustGuideLink)}</a></p>
    }
}

/// 電子署名・タイムスタンプ: the seal certificate, its chain and the TSA in use, with how long
/// each certificate stays valid.
#[component]
fn SealSection() -> impl IntoView {
    let i = use_i18n();
    let seal = LocalResource::new(api::settings::seal);
    view! {
        <section class="card" aria-labelledby="seal-title">
            <h2 id="seal-title">{i.tr(K::SealTitle)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match seal.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(s) => {
                            let builtin = s.tsa_source == "builtin";
                            let urls = s.tsa_urls.join("、");
                            view! {
                                {s.development.then(|| view! {
                                    <div class="alert alert-warn" role="status">{i.tr(K::SealDevelopment)}</div>
                                })}
                                <h3>{i.tr(K::SealSigner)}</h3>
                                <CertificateFacts cert=s.signer.clone() />
                                {s.chain
                                    .iter()
                                    .cloned()
                                    .map(|c| view! { <h3>{i.tr(K::SealIssuer)}</h3><CertificateFacts cert=c /> })
                                    .collect_view()}
                                <h3>{i.tr(K::SealTsa)}</h3>
                                <p>
                                    {move || i.t(if builtin { K::SealTsaBuiltin } else { K::SealTsaHttp })}
                                    {(!urls.is_empty()).then(|| view! { <span class="mono">" "{urls.clone()}</span> })}
                                </p>
                                {s.tsa_certificate.clone().map(|c| view! { <CertificateFacts cert=c /> })}
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CertificateFacts(cert: shared::dto::CertificateInfoView) -> impl IntoView {
    let i = use_i18n();
    let days = cert.days_left;
    let (class, key) = if days < 0 {
        ("badge badge-off", K::SealExpired)
    } else if days <= 90 {
        ("badge badge-warn", K::SealExpiresSoon)
    } else {
        ("badge badge-on", K::SealValid)
    };
    view! {
        <dl class="facts seal-facts">
            <dt>{i.tr(K::SealSubject)}</dt>
            <dd class="wrap-anywhere">{cert.subject.clone()}</dd>
            <dt>{i.tr(K::SealValidity)}</dt>
            <dd>
                {jst(&cert.not_before)}"～"{jst(&cert.not_after)}
                " "<span class=class>{i.tr(key)}</span>
                " "<span class="sub">{move || i.days_left(days)}</span>
            </dd>
            <dt>{i.tr(K::SealFingerprint)}</dt>
            <dd class="mono wrap-anywhere small">{cert.sha256.clone()}</dd>
        </dl>
    }
}

/// A whole number within `min..=max`; what is wrong otherwise.
fn number_in(raw: &str, min: u32, max: u32) -> Result<u32, FieldMessage> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldMessage::Invalid(ValidationError::Required));
    }
    match t.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(FieldMessage::Text(K::OutOfRange)),
        Err(_) => Err(FieldMessage::Invalid(ValidationError::InvalidCharacters)),
    }
}

fn split(
    errors: &mut Vec<(&'static str, ValidationError)>,
    local: &mut Vec<(&'static str, K)>,
    field: &'static str,
    r: Result<u32, FieldMessage>,
) -> Option<u32> {
    match r {
        Ok(n) => Some(n),
        Err(FieldMessage::Invalid(e)) => {
            errors.push((field, e));
            None
        }
        Err(FieldMessage::Text(k)) => {
            local.push((field, k));
            None
        }
    }
}

#[component]
fn SettingsForm(settings: TenantSettingsView) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let form = FormState::new();
    let name = RwSignal::new(settings.name.clone());
    let code = RwSignal::new(settings.code.clone());
    let require_totp = RwSignal::new(settings.require_totp);
    let idle = RwSignal::new(settings.session_idle_minutes.to_string());
    let absolute = RwSignal::new(settings.session_absolute_hours.to_string());
    let approval_required = RwSignal::new(settings.approval_required);
    let number_pattern = RwSignal::new(settings.contract_number_pattern.clone());
    let retention = RwSignal::new(settings.retention_years.to_string());
    let link_days = RwSignal::new(settings.link_expiry_days.to_string());
    let japanese_era = RwSignal::new(settings.japanese_era);
    let save = Action::new_local(move |req: &UpdateTenantSettingsRequest| {
        let req = req.clone();
        async move {
            let saved = api::settings::update(&req).await?;
            // The header shows the tenant's name; TOTP may now be required of this user.
            session.refresh().await;
            Ok::<_, shared::problem::Problem>(saved)
        }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => form.succeed(K::Saved),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let mut local = Vec::new();
        let n = check_field(&mut errors, "name", Name::parse(&name.get_untracked()));
        let idle_v = split(
            &mut errors,
            &mut local,
            "session_idle_minutes",
            number_in(&idle.get_untracked(), 5, 480),
        );
        let abs_v = split(
            &mut errors,
            &mut local,
            "session_absolute_hours",
            number_in(&absolute.get_untracked(), 1, 24),
        );
        let retention_v = split(
            &mut errors,
            &mut local,
            "retention_years",
            number_in(&retention.get_untracked(), 1, 100),
        );
        let link_v = split(
            &mut errors,
            &mut local,
            "link_expiry_days",
            number_in(&link_days.get_untracked(), 1, 90),
        );
        if !form.check_all(errors, local) {
            return;
        }
        if let (Some(n), Some(idle_v), Some(abs_v), Some(retention_v), Some(link_v)) =
            (n, idle_v, abs_v, retention_v, link_v)
        {
            save.dispatch(UpdateTenantSettingsRequest {
                name: n.into_inner(),
                require_totp: require_totp.get_untracked(),
                session_idle_minutes: idle_v,
                session_absolute_hours: abs_v,
                approval_required: approval_required.get_untracked(),
                contract_number_pattern: number_pattern.get_untracked().trim().to_owned(),
                retention_years: retention_v,
                link_expiry_days: link_v,
                japanese_era: japanese_era.get_untracked(),
            });
        }
    };
    view! {
        <FormMessages form=form />
        <form class="card form" on:submit=submit novalidate>
            <TextField id="tenant-name" field="name" label=K::TenantName value=name form=form required=true />
            <TextField id="tenant-code" field="code" label=K::TenantCode value=code form=form readonly=true />
            <CheckField id="require-totp" label=K::RequireTotp checked=require_totp />
            <TextField
                id="session-idle"
                field="session_idle_minutes"
                label=K::SessionIdle
                value=idle
                form=form
                kind="number"
                inputmode="numeric"
                hint=K::SessionIdleHint
                required=true
            />
            <TextField
                id="session-absolute"
                field="session_absolute_hours"
                label=K::SessionAbsolute
                value=absolute
                form=form
                kind="number"
                inputmode="numeric"
                hint=K::SessionAbsoluteHint
                required=true
            />
            <h2 class="form-section">{i.tr(K::ContractSettings)}</h2>
            <CheckField id="approval-required" label=K::ApprovalRequired checked=approval_required />
            <TextField
                id="number-pattern"
                field="contract_number_pattern"
                label=K::NumberPattern
                value=number_pattern
                form=form
                hint=K::NumberPatternHint
                required=true
            />
            <TextField
                id="retention-years"
                field="retention_years"
                label=K::RetentionYears
                value=retention
                form=form
                kind="number"
                inputmode="numeric"
                hint=K::RetentionYearsHint
                required=true
            />
            <TextField
                id="link-expiry"
                field="link_expiry_days"
                label=K::LinkExpiryDays
                value=link_days
                form=form
                kind="number"
                inputmode="numeric"
                hint=K::LinkExpiryDaysHint
                required=true
            />
            <CheckField id="japanese-era" label=K::JapaneseEra checked=japanese_era />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                </button>
            </div>
        </form>
    }
}
