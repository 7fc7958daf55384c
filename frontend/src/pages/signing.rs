//! 契約書の確認 (`/sign/{token}`): the counterparty's page, reached from the request mail.
//! No account: a one-time code mailed to the recipient (and an access code when the sender set
//! one) opens a short session whose token is kept in `sessionStorage` for this tab only and
//! sent as `Authorization: Bearer …`. Made for phones first: one column, large buttons.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use shared::contract::{ContractState, RecipientState};
use shared::dto::{DocumentView, SigningForwardRequest, SigningVerifyRequest, SigningView};
use shared::problem::Problem;
use shared::validate::{EmailAddress, MobilePhone, Name, OtpCode};

use crate::api;
use crate::components::contract::role_label;
use crate::components::form::Loading;
use crate::components::notice_banner::NoticeBanner;
use crate::components::pdf_view::PdfPreview;
use crate::format::{jst_opt, period_ja, yen_opt};
use crate::i18n::{K, use_i18n};
use crate::public::PublicFrame;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

fn storage_key(token: &str) -> String {
    format!("tachiai.sign.{token}")
}

/// The signing page for the link token `token` (the last part of `/sign/{token}`).
#[component]
pub fn SigningPage(token: String) -> impl IntoView {
    let i = use_i18n();
    let token = Memo::new(move |_| token.clone());
    let session = RwSignal::new(storage().and_then(|s| {
        s.get_item(&storage_key(&token.get_untracked()))
            .ok()
            .flatten()
    }));
    let reload = RwSignal::new(0u32);
    let handed_over = RwSignal::new(false);
    let view_res = LocalResource::new(move || {
        reload.track();
        let t = token.get();
        let s = session.get();
        async move { api::signing::view(&t, s.as_deref()).await }
    });
    // Maintenance notices (お知らせ): the service's and the contract's organisation's, asked
    // with the link; without an answer the page simply has no banner.
    let notices = LocalResource::new(move || {
        let t = token.get();
        async move { api::signing::notices(&t).await }
    });
    view! {
        <PublicFrame>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        notices.await.ok().map(|v| view! { <NoticeBanner notices=v.notices /> })
                    })}
                </Transition>
                <h1>{i.tr(K::SignTitle)}</h1>
                // After 転送 this link is no longer the recipient's: say so instead of reloading.
                <Show when=move || handed_over.get() fallback=move || view! {
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match view_res.await {
                            Err(p) => view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> }.into_any(),
                            Ok(v) if !v.verified => {
                                view! { <CodeStep view=v token=token session=session /> }.into_any()
                            }
                            Ok(v) => {
                                let s = session.get_untracked().unwrap_or_default();
                                view! { <Contract view=v token=token.get_untracked() session=s reload=reload handed_over=handed_over /> }.into_any()
                            }
                        }
                    })}
                </Transition>
                }>
                    <div class="alert alert-info" role="status">{i.tr(K::SignForwarded)}</div>
                </Show>
                <p class="sign-note">{i.tr(K::SignLinkNote)}</p>
        </PublicFrame>
    }
}

/// Who asks whom, then: send the code, enter it.
#[component]
fn CodeStep(
    view: SigningView,
    token: Memo<String>,
    session: RwSignal<Option<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let code = RwSignal::new(String::new());
    let access = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let code_error = RwSignal::new(false);
    let send_code = Action::new_local(move |_: &()| {
        let t = token.get_untracked();
        async move { api::signing::send_code(&t).await }
    });
    Effect::new(move || match send_code.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            sent.set(true);
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let verify = Action::new_local(move |req: &SigningVerifyRequest| {
        let (t, req) = (token.get_untracked(), req.clone());
        async move { api::signing::verify(&t, &req).await }
    });
    Effect::new(move || match verify.value().get() {
        Some(Ok(s)) => {
            if let Some(st) = storage() {
                let _ = st.set_item(&storage_key(&token.get_untracked()), &s.session_token);
            }
            session.set(Some(s.session_token));
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let access_required = view.access_code_required;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        match OtpCode::parse(&code.get_untracked()) {
            Err(_) => code_error.set(true),
            Ok(_) => {
                code_error.set(false);
                verify.dispatch(SigningVerifyRequest {
                    code: code.get_untracked().trim().to_owned(),
                    access_code: access_required.then(|| access.get_untracked().trim().to_owned()),
                });
            }
        }
    };
    let tenant = view.tenant_name.clone();
    let answered = view.state.is_terminal();
    view! {
        <section class="card sign-card">
            <p class="sign-from">
                <strong>{tenant}</strong>
                {i.tr(K::SignFrom)}
            </p>
            <p class="sign-to">
                <span class="sub">{view.recipient_organization.clone()}</span>
                <span class="sign-name">{view.recipient_name.clone()}" "{i.tr(K::SignDear)}</span>
            </p>
            <p>{i.tr(K::SignCodeLead)}</p>
            <p class="sub">{view.email_hint.clone()}</p>
            {answered.then(|| view! { <AnsweredNote state=view.state /> })}
            <SendCode action=send_code sent=sent labels=(K::SignSendCode, K::SignResendCode, K::SignCodeSent) />
            <form class="form sign-code" on:submit=submit novalidate>
                <CodeField id="sign-code" label=K::SignCode code=code invalid=code_error />
                {access_required
                    .then(|| {
                        view! {
                            <div class="field">
                                <label for="sign-access">{i.tr(K::SignAccessCode)}</label>
                                <p class="hint" id="sign-access-hint">{i.tr(K::SignAccessCodeHint)}</p>
                                <input id="sign-access" type="text" autocomplete="off" aria-describedby="sign-access-hint" bind:value=access />
                            </div>
                        }
                    })}
                <button type="submit" class="btn btn-primary btn-block" disabled=move || verify.pending().get()>
                    {i.tr(K::SignVerify)}
                </button>
            </form>
            {move || problem.get().map(|p| view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> })}
        </section>
    }
}

/// The button that sends a code (then offers to send it again) and the note that it was sent;
/// `labels`: send, send again, sent.
#[component]
fn SendCode(
    action: Action<(), Result<(), Problem>>,
    sent: RwSignal<bool>,
    labels: (K, K, K),
) -> impl IntoView {
    let i = use_i18n();
    let (send, again, done) = labels;
    view! {
        <button
            type="button"
            class=move || if sent.get() { "btn btn-block" } else { "btn btn-primary btn-block" }
            disabled=move || action.pending().get()
            on:click=move |_| {
                action.dispatch(());
            }
        >
            {move || if sent.get() { i.t(again) } else { i.t(send) }}
        </button>
        <Show when=move || sent.get()>
            <div class="alert alert-success" role="status">{i.tr(done)}</div>
        </Show>
    }
}

/// A 6-digit code field (mailed or SMS) with its error.
#[component]
fn CodeField(
    id: &'static str,
    label: K,
    code: RwSignal<String>,
    invalid: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{i.tr(label)}</label>
            <input
                id=id
                class="code-input"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="6"
                aria-invalid=move || invalid.get().to_string()
                aria-describedby=error_id.clone()
                bind:value=code
            />
            <p class="field-error" id=error_id>
                {move || invalid.get().then(|| i.invalid(shared::validate::ValidationError::InvalidCode))}
            </p>
        </div>
    }
}

/// What a recipient who already answered is told; after agreeing, what happens next depends on
/// the contract: others still to agree, being sealed, or concluded (told by the page itself).
#[component]
fn AnsweredNote(
    state: RecipientState,
    /// Known once the recipient has confirmed with the code.
    #[prop(optional)]
    contract_state: Option<ContractState>,
) -> impl IntoView {
    let i = use_i18n();
    let key = match state {
        RecipientState::Agreed => match contract_state {
            Some(ContractState::Concluded) => None,
            Some(ContractState::Concluding) => Some(K::SignSealing),
            _ => Some(K::SignAgreed),
        },
        RecipientState::Declined => Some(K::SignDeclined),
        RecipientState::Forwarded => Some(K::SignForwarded),
        RecipientState::Waiting | RecipientState::Notified | RecipientState::Verified => None,
    };
    key.map(|k| view! { <div class="alert alert-info" role="status">{i.tr(k)}</div> })
}

/// The confirmed view: the contract, its documents, and the answers.
#[component]
fn Contract(
    view: SigningView,
    token: String,
    session: String,
    reload: RwSignal<u32>,
    handed_over: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let v = view;
    let can_answer = v.state == RecipientState::Verified
        && v.contract_state.is_none_or(|s| s == ContractState::Sent);
    let concluded = v.contract_state == Some(ContractState::Concluded);
    let mailed = RwSignal::new(false);
    let (answered, contract_state) = (v.state, v.contract_state.unwrap_or(ContractState::Sent));
    if v.contract_state == Some(ContractState::Concluding) {
        wait_for_seal(token.clone(), session.clone(), mailed);
    }
    let docs = v
        .documents
        .iter()
        .enumerate()
        .map(|(n, d)| view! { <Document doc=d.clone() token=token.clone() session=session.clone() first=n == 0 /> })
        .collect_view();
    view! {
        <section class="card sign-card">
            <p class="sign-from"><strong>{v.tenant_name.clone()}</strong></p>
            <p class="sign-to">
                <span class="sub">{v.recipient_organization.clone()}</span>
                <span class="sign-name">{v.recipient_name.clone()}" "{i.tr(K::SignDear)}</span>
            </p>
            <dl class="facts sign-facts">
                {[
                    (K::ContractTitle, "sign-title", v.title.clone().unwrap_or_default()),
                    (K::ContractNumber, "mono", v.contract_number.clone().unwrap_or_default()),
                    (K::Amount, "", yen_opt(v.amount_yen)),
                    (K::Period, "", period_ja(v.period_start.as_deref(), v.period_end.as_deref())),
                    (K::ExpiresAt, "", jst_opt(v.expires_at.as_deref())),
                ]
                    .into_iter()
                    .filter(|(_, _, text)| !text.is_empty())
                    .map(|(k, class, text)| view! {
                        <dt>{i.tr(k)}</dt>
                        <dd class=class>{text}</dd>
                    })
                    .collect_view()}
            </dl>
            {v.message
                .clone()
                .filter(|m| !m.trim().is_empty())
                .map(|m| {
                    view! {
                        <h2>{i.tr(K::SignMessage)}</h2>
                        <p class="pre sign-message">{m}</p>
                    }
                })}
        </section>
        {concluded.then(|| view! { <div class="alert alert-success" role="status">{i.tr(K::SignConcluded)}</div> })}
        <Show
            when=move || mailed.get()
            fallback=move || view! { <AnsweredNote state=answered contract_state=contract_state /> }
        >
            <div class="alert alert-success" role="status">{i.tr(K::SignConcludedMailed)}</div>
        </Show>
        <section class="card sign-card" aria-labelledby="sign-docs">
            <h2 id="sign-docs">{i.tr(K::SignDocuments)}</h2>
            <p class="hint">{i.tr(K::SignViewerNote)}</p>
            <ul class="doc-list" role="list">{docs}</ul>
        </section>
        {(can_answer && v.sms_required && !v.sms_verified).then(|| view! {
            <SmsStep token=token.clone() session=session.clone() reload=reload phone_hint=v.phone_hint.clone().unwrap_or_default() />
        })}
        {(can_answer && (!v.sms_required || v.sms_verified)).then(|| view! { <Answer token=token.clone() session=session.clone() reload=reload handed_over=handed_over allow_forwarding=v.allow_forwarding access_code_required=v.access_code_required sms_required=v.sms_required /> })}
    }
}

/// While the service seals the contract, asks every few seconds whether it is done. Once
/// concluded, this link is replaced by a fresh download link mailed to the recipient (the old
/// one is no longer known): `mailed` is set so that the page says so.
fn wait_for_seal(token: String, session: String, mailed: RwSignal<bool>) {
    const TRIES: u32 = 200;
    fn poll(token: String, session: String, mailed: RwSignal<bool>, left: u32) {
        if left == 0 {
            return;
        }
        set_timeout(
            move || {
                leptos::task::spawn_local(async move {
                    let replaced = match api::signing::view(&token, Some(&session)).await {
                        Ok(v) => v.contract_state != Some(ContractState::Concluding),
                        Err(p) => p.status == 404 || p.status == 410,
                    };
                    if replaced {
                        mailed.try_set(true);
                    } else if !mailed.is_disposed() {
                        // Still sealing, or the network failed for a moment: ask again.
                        poll(token, session, mailed, left - 1);
                    }
                })
            },
            Duration::from_secs(3),
        );
    }
    poll(token, session, mailed, TRIES);
}

/// One document: fetched once with the session token, shown in the page (PDFs, pdf.js) and
/// offered to open in a new tab (the device's own viewer) and to save. The first document is
/// shown from the start; the others on request.
#[component]
fn Document(doc: DocumentView, token: String, session: String, first: bool) -> impl IntoView {
    let i = use_i18n();
    let (id, content_type) = (doc.id, doc.content_type.clone());
    let is_pdf = content_type == "application/pdf";
    let file = LocalResource::new(move || {
        let (t, s, ct) = (token.clone(), session.clone(), content_type.clone());
        async move {
            let bytes = api::signing::document_bytes(&t, &s, id).await?;
            let url = api::blob_url(&bytes, &ct)?;
            Ok::<_, Problem>((Rc::new(bytes), url))
        }
    });
    on_cleanup(move || {
        if let Some(Ok((_, u))) = file.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    let showing = RwSignal::new(first && is_pdf);
    let role = doc.role;
    let name = doc.file_name.clone();
    view! {
        <li class="doc sign-doc">
            <div>
                <span class="badge badge-role">{move || role_label(i, role)}</span>
                <span class="doc-name">{doc.file_name.clone()}</span>
                <span class="sub">{crate::format::bytes(doc.size)}</span>
            </div>
            <div class="doc-buttons">
                {move || match file.get() {
                    None => view! { <Loading /> }.into_any(),
                    Some(Err(p)) => view! { <p class="upload-error" role="alert">{i.problem(&p)}</p> }.into_any(),
                    Some(Ok((_, u))) => {
                        view! {
                            {is_pdf.then(|| view! {
                                <button type="button" class="btn" aria-expanded=move || showing.get().to_string() on:click=move |_| showing.update(|s| *s = !*s)>
                                    {move || i.tr(if showing.get() { K::HidePreview } else { K::ShowPreview })}
                                </button>
                            })}
                            <a class="btn" href=u.clone() target="_blank" rel="noopener">{i.tr(K::SignOpen)}</a>
                            <a class="btn" href=u download=name.clone()>{i.tr(K::Download)}</a>
                        }
                            .into_any()
                    }
                }}
            </div>
            {move || match (showing.get(), file.get()) {
                (true, Some(Ok((bytes, _)))) => Some(view! { <PdfPreview bytes=bytes /> }),
                _ => None,
            }}
        </li>
    }
}

/// SMS認証: before answering, a code sent by SMS to the number the sender gave (shown masked).
#[component]
fn SmsStep(
    token: String,
    session: String,
    reload: RwSignal<u32>,
    phone_hint: String,
) -> impl IntoView {
    let i = use_i18n();
    let code = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let code_error = RwSignal::new(false);
    let (t, s) = (token.clone(), session.clone());
    let send = Action::new_local(move |_: &()| {
        let (t, s) = (t.clone(), s.clone());
        async move { api::signing::send_sms_code(&t, &s).await }
    });
    Effect::new(move || match send.value().get() {
        Some(Ok(())) => {
            problem.set(None);
            sent.set(true);
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let verify = Action::new_local(move |c: &String| {
        let (t, s, c) = (token.clone(), session.clone(), c.clone());
        async move { api::signing::verify_sms(&t, &s, c).await }
    });
    Effect::new(move || match verify.value().get() {
        Some(Ok(())) => reload.update(|n| *n += 1),
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        match OtpCode::parse(&code.get_untracked()) {
            Err(_) => code_error.set(true),
            Ok(_) => {
                code_error.set(false);
                verify.dispatch(code.get_untracked().trim().to_owned());
            }
        }
    };
    view! {
        <section class="card sign-card" aria-labelledby="sign-sms-title">
            <h2 id="sign-sms-title">{i.tr(K::SignSmsTitle)}</h2>
            <p>{i.tr(K::SignSmsLead)}</p>
            <p class="sub mono">{phone_hint}</p>
            <SendCode action=send sent=sent labels=(K::SignSmsSend, K::SignSmsResend, K::SignSmsSent) />
            <form class="form sign-code" on:submit=submit novalidate>
                <CodeField id="sign-sms-code" label=K::SignSmsCode code=code invalid=code_error />
                <button type="submit" class="btn btn-primary btn-block" disabled=move || verify.pending().get()>
                    {i.tr(K::SignSmsVerify)}
                </button>
            </form>
            {move || problem.get().map(|p| view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> })}
        </section>
    }
}

/// 合意 / 合意しない / 転送.
#[component]
fn Answer(
    token: String,
    session: String,
    reload: RwSignal<u32>,
    handed_over: RwSignal<bool>,
    allow_forwarding: bool,
    access_code_required: bool,
    /// The colleague must be given a mobile number of their own (SMS認証).
    sms_required: bool,
) -> impl IntoView {
    let i = use_i18n();
    let fwd_phone = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let panel = RwSignal::new(None::<&'static str>);
    let reason = RwSignal::new(String::new());
    let fwd_name = RwSignal::new(String::new());
    let fwd_email = RwSignal::new(String::new());
    let fwd_org = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let local_error = RwSignal::new(None::<&'static str>);
    #[derive(Clone)]
    enum Step {
        Agree,
        Decline(String),
        Forward(SigningForwardRequest),
    }
    let (t, s) = (token.clone(), session.clone());
    let run = Action::new_local(move |step: &Step| {
        let (t, s, step) = (t.clone(), s.clone(), step.clone());
        async move {
            match step {
                Step::Agree => api::signing::agree(&t, &s).await,
                Step::Decline(r) => api::signing::decline(&t, &s, r).await,
                Step::Forward(req) => api::signing::forward(&t, &s, &req).await,
            }
        }
    });
    let forwarding = RwSignal::new(false);
    let link = token.clone();
    Effect::new(move || match run.value().get() {
        Some(Ok(())) if forwarding.get_untracked() => {
            if let Some(st) = storage() {
                let _ = st.remove_item(&storage_key(&link));
            }
            handed_over.set(true);
        }
        Some(Ok(())) => reload.update(|n| *n += 1),
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let busy = move || run.pending().get();
    let agree = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        if consent.get_untracked() {
            forwarding.set(false);
            run.dispatch(Step::Agree);
        }
    };
    let decline = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let r = reason.get_untracked();
        if r.trim().is_empty() {
            local_error.set(Some("decline"));
            return;
        }
        local_error.set(None);
        forwarding.set(false);
        run.dispatch(Step::Decline(r.trim().to_owned()));
    };
    let forward = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let phone = if sms_required {
            MobilePhone::parse(&fwd_phone.get_untracked()).map(|p| Some(p.domestic()))
        } else {
            Ok(None)
        };
        match (
            Name::parse(&fwd_name.get_untracked()),
            EmailAddress::parse(&fwd_email.get_untracked()),
            phone,
        ) {
            (Ok(n), Ok(e), Ok(mobile_phone)) => {
                local_error.set(None);
                let org = fwd_org.get_untracked();
                forwarding.set(true);
                run.dispatch(Step::Forward(SigningForwardRequest {
                    name: n.into_inner(),
                    email: e.as_str().to_owned(),
                    organization_name: (!org.trim().is_empty()).then(|| org.trim().to_owned()),
                    mobile_phone,
                }));
            }
            (Ok(_), Ok(_), Err(_)) => local_error.set(Some("forward-phone")),
            _ => local_error.set(Some("forward")),
        }
    };
    let toggle = move |which: &'static str| {
        problem.set(None);
        local_error.set(None);
        panel.update(|p| *p = if *p == Some(which) { None } else { Some(which) });
    };
    view! {
        <section class="card sign-card sign-answer" aria-labelledby="sign-answer-title">
            <h2 id="sign-answer-title" class="visually-hidden">{i.tr(K::SignAgree)}</h2>
            <form on:submit=agree novalidate>
                <div class="check consent">
                    <input type="checkbox" id="sign-consent" bind:checked=consent />
                    <label for="sign-consent">{i.tr(K::SignConsent)}</label>
                </div>
                <p class="hint">{i.tr(K::SignAgreeHint)}</p>
                <button type="submit" class="btn btn-primary btn-block btn-large" disabled=move || !consent.get() || busy()>
                    {i.tr(K::SignAgree)}
                </button>
            </form>
            {move || problem.get().map(|p| view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> })}
            <div class="sign-secondary">
                <button
                    type="button"
                    class="btn btn-block"
                    aria-expanded=move || (panel.get() == Some("decline")).to_string()
                    on:click=move |_| toggle("decline")
                >
                    {i.tr(K::SignDecline)}
                </button>
                <Show when=move || panel.get() == Some("decline")>
                    <form class="form sub-form" on:submit=decline novalidate>
                        <div class="field">
                            <label for="sign-reason">{i.tr(K::SignDeclineReason)}<span class="req">{i.tr(K::Required)}</span></label>
                            <textarea
                                id="sign-reason"
                                rows="3"
                                aria-invalid=move || (local_error.get() == Some("decline")).to_string()
                                on:input=move |_| local_error.set(None)
                                bind:value=reason
                            ></textarea>
                            <p class="field-error">
                                {move || (local_error.get() == Some("decline")).then(|| i.invalid(shared::validate::ValidationError::Required))}
                            </p>
                        </div>
                        <button type="submit" class="btn btn-danger btn-block" disabled=busy>{i.tr(K::SignDeclineSubmit)}</button>
                    </form>
                </Show>
                {allow_forwarding
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-block"
                                aria-expanded=move || (panel.get() == Some("forward")).to_string()
                                on:click=move |_| toggle("forward")
                            >
                                {i.tr(K::SignForward)}
                            </button>
                            <Show when=move || panel.get() == Some("forward")>
                                <form class="form sub-form" on:submit=forward novalidate>
                                    <p class="hint">{i.tr(K::SignForwardLead)}</p>
                                    {access_code_required.then(|| view! { <p class="hint">{i.tr(K::SignForwardAccessCode)}</p> })}
                                    <div class="field">
                                        <label for="fwd-name">{i.tr(K::Name)}</label>
                                        <input id="fwd-name" type="text" autocomplete="name" bind:value=fwd_name />
                                    </div>
                                    <div class="field">
                                        <label for="fwd-email">{i.tr(K::Email)}</label>
                                        <input id="fwd-email" type="email" autocomplete="email" bind:value=fwd_email />
                                    </div>
                                    <div class="field">
                                        <label for="fwd-org">{i.tr(K::OrganizationName)}<span class="opt">{i.tr(K::Optional)}</span></label>
                                        <input id="fwd-org" type="text" autocomplete="organization" bind:value=fwd_org />
                                    </div>
                                    {sms_required.then(|| view! {
                                        <div class="field">
                                            <label for="fwd-phone">{i.tr(K::SignForwardPhone)}</label>
                                            <p class="hint" id="fwd-phone-hint">{i.tr(K::SignForwardPhoneHint)}</p>
                                            <input id="fwd-phone" type="tel" autocomplete="tel" inputmode="tel" aria-describedby="fwd-phone-hint" bind:value=fwd_phone />
                                        </div>
                                    })}
                                    <p class="field-error">
                                        {move || (local_error.get() == Some("forward")).then(|| i.invalid(shared::validate::ValidationError::InvalidEmail))}
                                        {move || (local_error.get() == Some("forward-phone")).then(|| i.invalid(shared::validate::ValidationError::InvalidMobilePhone))}
                                    </p>
                                    <button type="submit" class="btn btn-primary btn-block" disabled=busy>{i.tr(K::SignForwardSubmit)}</button>
                                </form>
                            </Show>
                        }
                    })}
            </div>
        </section>
    }
}
