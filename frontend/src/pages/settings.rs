//! 設定: the tenant's name, whether TOTP is required, and the session timeouts.

use leptos::prelude::*;
use shared::access::Permission;
use shared::dto::{
    AddTsaRequest, ImportSealKeyRequest, SealKeyMaterial, SealKeyView, TenantSettingsView, TsaView,
    UpdateTenantSettingsRequest,
};
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
    let session = use_session();
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
        <crate::pages::retention_settings::RetentionRuleSection />
        <crate::pages::network_zones::NetworkZonesSection />
        <SealSection />
        <p class="trust-guide-link"><a href="/settings/trust">{i.tr(K::TrustGuideLink)}</a></p>
        <Show when=move || session.can(Permission::ManageSealKeys)>
            <KeyringSection />
            <TsaSection />
        </Show>
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

/// 電子署名鍵の管理 (service-wide; `manage_seal_keys` only): every key with its state and
/// certificate, activate / retire, and importing a PEM key. Changes take effect at the next seal,
/// without a restart.
#[component]
fn KeyringSection() -> impl IntoView {
    let i = use_i18n();
    let version = RwSignal::new(0u32);
    let keys = LocalResource::new(move || {
        version.get();
        api::settings::seal_keys()
    });
    let form = FormState::new();
    let change = Action::new_local(move |(id, activate): &(String, bool)| {
        let (id, activate) = (id.clone(), *activate);
        async move { api::settings::change_seal_key(&id, activate).await }
    });
    Effect::new(move || match change.value().get() {
        Some(Ok(_)) => {
            form.succeed(K::Saved);
            version.update(|v| *v += 1);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    view! {
        <section class="card" aria-labelledby="keyring-title">
            <h2 id="keyring-title">{i.tr(K::KeyringTitle)}</h2>
            <p class="sub">{i.tr(K::KeyringIntro)}</p>
            <FormMessages form=form />
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match keys.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(ring) => {
                            let fallback = if ring.fallback == "development" { K::KeyringFallbackDev } else { K::KeyringFallbackConfigured };
                            view! {
                                {ring.active_id.is_none().then(|| view! { <p role="status">{i.tr(fallback)}</p> })}
                                <ul class="rows">
                                    {ring.keys.into_iter().map(|k| view! { <KeyRow key=k change=change /> }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <ImportKeyForm on_done=move || version.update(|v| *v += 1) />
        </section>
    }
}

#[component]
fn KeyRow(
    key: SealKeyView,
    change: Action<(String, bool), Result<SealKeyView, shared::problem::Problem>>,
) -> impl IntoView {
    let i = use_i18n();
    let (badge, state) = match key.state.as_str() {
        "active" => ("badge badge-on", K::KeyActive),
        "retired" => ("badge badge-off", K::KeyRetired),
        _ => ("badge", K::KeyStandby),
    };
    let standby = key.state == "standby";
    let (id_a, id_r) = (key.id.clone(), key.id.clone());
    let seals = key.seals;
    view! {
        <li class="row">
            <h3>{key.label.clone()}" "<span class=badge>{i.tr(state)}</span></h3>
            <CertificateFacts cert=key.certificate.clone() />
            <p class="sub">{move || format!("{}: {seals}", i.t(K::KeySeals))}" ・ "{key.kind.clone()}</p>
            {standby.then(|| view! {
                <div class="actions">
                    <button type="button" class="btn btn-primary" disabled=move || change.pending().get()
                        on:click=move |_| { change.dispatch((id_a.clone(), true)); }>{i.tr(K::KeyActivate)}</button>
                    <button type="button" class="btn" disabled=move || change.pending().get()
                        on:click=move |_| { change.dispatch((id_r.clone(), false)); }>{i.tr(K::KeyRetire)}</button>
                </div>
            })}
        </li>
    }
}

/// Imports a PEM key, certificate and chain (PKCS#12 and PKCS#11 keys: the API or
/// `tachiai seal import`).
#[component]
fn ImportKeyForm(on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let label = RwSignal::new(String::new());
    let key_pem = RwSignal::new(String::new());
    let cert_pem = RwSignal::new(String::new());
    let chain_pem = RwSignal::new(String::new());
    let import = Action::new_local(move |req: &ImportSealKeyRequest| {
        let req = req.clone();
        async move { api::settings::import_seal_key(&req).await }
    });
    Effect::new(move || match import.value().get() {
        Some(Ok(_)) => {
            form.succeed(K::KeyImported);
            key_pem.set(String::new());
            on_done();
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        for (field, v) in [
            ("label", label),
            ("key_pem", key_pem),
            ("certificate_pem", cert_pem),
        ] {
            if v.get_untracked().trim().is_empty() {
                errors.push((field, ValidationError::Required));
            }
        }
        if !form.check(errors) {
            return;
        }
        import.dispatch(ImportSealKeyRequest {
            label: label.get_untracked().trim().to_owned(),
            material: SealKeyMaterial::Pem {
                key_pem: key_pem.get_untracked(),
                certificate_pem: cert_pem.get_untracked(),
                chain_pem: chain_pem.get_untracked(),
            },
        });
    };
    view! {
        <h3>{i.tr(K::KeyImportTitle)}</h3>
        <FormMessages form=form />
        <form class="form" on:submit=submit novalidate>
            <TextField id="key-label" field="label" label=K::KeyLabel value=label form=form required=true />
            <TextField id="key-pem" field="key_pem" label=K::KeyPem value=key_pem form=form multiline=true required=true />
            <TextField id="key-cert" field="certificate_pem" label=K::KeyCertPem value=cert_pem form=form multiline=true required=true />
            <TextField id="key-chain" field="chain_pem" label=K::KeyChainPem value=chain_pem form=form multiline=true />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || import.pending().get()>{i.tr(K::KeyImport)}</button>
            </div>
        </form>
    }
}

/// タイムスタンプ局: the failover order with each TSA's health; add, remove, move up.
#[component]
fn TsaSection() -> impl IntoView {
    let i = use_i18n();
    let version = RwSignal::new(0u32);
    let tsas = LocalResource::new(move || {
        version.get();
        api::settings::tsas()
    });
    let form = FormState::new();
    let url = RwSignal::new(String::new());
    let edit = Action::new_local(move |op: &TsaOp| {
        let op = op.clone();
        async move {
            match op {
                TsaOp::Add(url) => {
                    api::settings::add_tsa(&AddTsaRequest {
                        url,
                        position: None,
                    })
                    .await
                }
                TsaOp::Remove(id) => api::settings::remove_tsa(&id).await,
                TsaOp::Move(id, p) => api::settings::move_tsa(&id, p).await,
            }
        }
    });
    Effect::new(move || match edit.value().get() {
        Some(Ok(_)) => {
            form.succeed(K::Saved);
            url.set(String::new());
            version.update(|v| *v += 1);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let u = url.get_untracked().trim().to_owned();
        if !form.check(if u.is_empty() {
            vec![("url", ValidationError::Required)]
        } else {
            Vec::new()
        }) {
            return;
        }
        edit.dispatch(TsaOp::Add(u));
    };
    view! {
        <section class="card" aria-labelledby="tsa-title">
            <h2 id="tsa-title">{i.tr(K::TsaTitle)}</h2>
            <FormMessages form=form />
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match tsas.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(list) => {
                            let editable = list.source == "database";
                            let source = match list.source.as_str() {
                                "database" => K::TsaSourceDatabase,
                                "configured" => K::TsaSourceConfigured,
                                _ => K::SealTsaBuiltin,
                            };
                            view! {
                                <p class="sub">{i.tr(source)}</p>
                                <ol class="rows">
                                    {list.tsas.into_iter().map(|t| view! { <TsaRow tsa=t editable=editable edit=edit /> }).collect_view()}
                                </ol>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <form class="form" on:submit=submit novalidate>
                <TextField id="tsa-url" field="url" label=K::TsaUrl value=url form=form kind="url" required=true />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || edit.pending().get()>{i.tr(K::TsaAdd)}</button>
                </div>
            </form>
        </section>
    }
}

#[derive(Clone)]
enum TsaOp {
    Add(String),
    Remove(String),
    Move(String, u32),
}

#[component]
fn TsaRow(
    tsa: TsaView,
    editable: bool,
    edit: Action<TsaOp, Result<shared::dto::TsaListView, shared::problem::Problem>>,
) -> impl IntoView {
    let i = use_i18n();
    let at = |t: &Option<String>| t.as_deref().map(jst).unwrap_or_else(|| "—".into());
    let ok = at(&tsa.last_success_at);
    let failed = at(&tsa.last_error_at);
    let error = tsa.last_error.clone().unwrap_or_default();
    let expiry = tsa
        .certificate_not_after
        .as_deref()
        .map(jst)
        .unwrap_or_else(|| "—".into());
    let days = tsa.certificate_days_left;
    let id = tsa.id.clone().unwrap_or_default();
    let (id_up, id_rm) = (id.clone(), id);
    let position = tsa.position;
    view! {
        <li class="row">
            <span class="mono wrap-anywhere">{tsa.url.clone()}</span>
            <dl class="facts">
                <dt>{i.tr(K::TsaLastSuccess)}</dt><dd>{ok}</dd>
                <dt>{i.tr(K::TsaLastError)}</dt><dd>{failed}" "<span class="sub wrap-anywhere">{error}</span></dd>
                <dt>{i.tr(K::TsaCertificateUntil)}</dt>
                <dd>{expiry}" "{days.map(|d| view! { <span class="sub">{move || i.days_left(d)}</span> })}</dd>
            </dl>
            {editable.then(|| view! {
                <div class="actions">
                    {(position > 1).then(|| view! {
                        <button type="button" class="btn" disabled=move || edit.pending().get()
                            on:click=move |_| { edit.dispatch(TsaOp::Move(id_up.clone(), position - 1)); }>{i.tr(K::TsaMoveUp)}</button>
                    })}
                    <button type="button" class="btn" disabled=move || edit.pending().get()
                        on:click=move |_| { edit.dispatch(TsaOp::Remove(id_rm.clone())); }>{i.tr(K::TsaRemove)}</button>
                </div>
            })}
        </li>
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
