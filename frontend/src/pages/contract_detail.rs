//! 契約の詳細: the contract's data, documents, recipients, approval route, and exactly the
//! actions `shared::contract::allowed_actions` offers this user.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::access::Permission;
use shared::contract::{
    ContractAction, ContractActor, ContractState, DocumentRole, RecipientState, allowed_actions,
};
use shared::dto::{ContractView, DocumentView};
use shared::problem::{Problem, ProblemCode};
use uuid::Uuid;

use crate::api;
use crate::api::contracts::{action_path, archive_url, document_url};
use crate::components::contract::{RecipientBadge, StateBadge, role_label};
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pdf_view::PdfPreview;
use crate::format::{bytes, date_ja, jst, jst_opt, period_ja, yen_opt};
use crate::i18n::{I18n, K, use_i18n};
use crate::pages::contract_retention::{RetentionCard, Tombstone};
use crate::session::use_session;

/// The contract page.
#[component]
pub fn ContractDetailPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<(K, String)>);
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let contract = LocalResource::new(move || {
        reload.track();
        let id = id();
        async move {
            let id = id.ok_or_else(|| Problem::new(ProblemCode::NotFound))?;
            api::contracts::get_one(id).await
        }
    });
    // While the service seals the PDF (at sending or at conclusion), look again every few
    // seconds, unless it gave up.
    Effect::new(move || {
        if let Some(Ok(c)) = contract.get()
            && (c.state == ContractState::Concluding || sealing_at_sending(&c))
            && !c.seal_trouble.as_ref().is_some_and(|t| t.gave_up)
        {
            set_timeout(move || reload.update(|n| *n += 1), Duration::from_secs(3));
        }
    });
    let done = Callback::new(move |(a, v): (ContractAction, ContractView)| {
        notice.set(Some(done_notice(a, &v)));
        reload.update(|n| *n += 1);
    });
    let changed = Callback::new(move |k: K| {
        notice.set(Some((k, String::new())));
        reload.update(|n| *n += 1);
    });
    view! {
        <p class="back">
            <A href="/contracts">{i.tr(K::BackToList)}</A>
        </p>
        {move || {
            notice
                .get()
                .map(|(k, who)| view! { <div class="alert alert-success" role="status">{i.tr(k)}{who}</div> })
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match contract.await {
                    Ok(c) => view! { <Contract contract=c done=done changed=changed /> }.into_any(),
                    Err(p) => {
                        view! {
                            <h1>{i.tr(K::ContractDetail)}</h1>
                            <ProblemMessage problem=p />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Contract(
    contract: ContractView,
    done: Callback<(ContractAction, ContractView)>,
    /// A retention change or legal hold was saved.
    changed: Callback<K>,
) -> impl IntoView {
    let i = use_i18n();
    let c = contract;
    let concluding = c.state == ContractState::Concluding;
    let sealing = sealing_at_sending(&c);
    let trouble = c.seal_trouble.clone().map(|t| {
        let head = if t.gave_up {
            K::SealGaveUp
        } else {
            K::SealRetrying
        };
        let next = t.next_attempt_at.as_deref().map(|n| {
            view! { <dt>{i.tr(K::SealNextAttempt)}</dt><dd>{jst(n)}</dd> }
        });
        view! {
            <div class="alert alert-error" role="alert">
                <p><strong>{i.tr(head)}</strong></p>
                <p>{t.reason_ja.clone()}</p>
                <dl class="facts">
                    <dt>{i.tr(K::SealAttempts)}</dt>
                    <dd>{format!("{} / {}", t.attempts, t.max_attempts)}</dd>
                    {next}
                </dl>
                <p class="mono">{t.detail.clone()}</p>
            </div>
        }
    });
    let custom = c
        .custom_fields
        .iter()
        .map(|(k, v)| {
            view! {
                <dt>{k.clone()}</dt>
                <dd>{v.clone()}</dd>
            }
        })
        .collect_view();
    let has_custom = !c.custom_fields.is_empty();
    let all = c.clone();
    view! {
        <div class="page-head contract-head">
            <div>
                <p class="contract-number mono">{c.contract_number.clone()}</p>
                <h1>{c.title.clone()}</h1>
            </div>
            <StateBadge state=c.state />
        </div>
        {trouble}
        {concluding.then(|| view! { <div class="alert alert-info" role="status">{i.tr(K::ConcludingNote)}</div> })}
        {sealing.then(|| view! { <div class="alert alert-info" role="status">{i.tr(K::SendingSealNote)}</div> })}
        <ActionBar contract=c.clone() done=done />
        <section class="card" aria-labelledby="data-title">
            <h2 id="data-title">{i.tr(K::ContractData)}</h2>
            <dl class="facts">
                {move || facts_of(&all, i)
                    .into_iter()
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| {
                        let class = if matches!(k, K::Notes | K::Message) { "pre" } else { "" };
                        view! {
                            <dt>{i.tr(k)}</dt>
                            <dd class=class>{v}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
            {has_custom
                .then(|| {
                    view! {
                        <h3>{i.tr(K::CustomFields)}</h3>
                        <dl class="facts">{custom}</dl>
                    }
                })}
        </section>
        {match c.disposal.clone() {
            // 廃棄済み: the tombstone instead of the files and the recipients.
            Some(t) => view! { <Tombstone disposal=t /> }.into_any(),
            None => view! {
                <RetentionCard contract=c.clone() changed=changed />
                <Documents
                    contract_id=c.id
                    public_id=c.public_id.clone()
                    documents=c.documents.clone()
                    concluded=c.state == ContractState::Concluded
                    sealed_at_sending=c.timeline.iter().any(|e| e.action == "contract.sending_sealed")
                />
                <Recipients contract=c.clone() />
            }
            .into_any(),
        }}
        <Timeline entries=c.timeline.clone() />
        <Route contract=c />
    }
}

/// Sent, but the file is not sealed at sending yet: the counterparties have not been asked.
fn sealing_at_sending(c: &ContractView) -> bool {
    c.state == ContractState::Sent
        && !c.documents.iter().any(|d| d.role == DocumentRole::Sealed)
        && c.recipients
            .iter()
            .all(|r| r.state == RecipientState::Waiting)
}

/// What the banner says after an action: for 承認申請 and 送信, to whom the request mail went
/// (the approvers of the first open step; the recipients just notified).
fn done_notice(a: ContractAction, v: &ContractView) -> (K, String) {
    let (key, names): (K, Vec<String>) = match a {
        ContractAction::Submit => (
            K::SubmitDone,
            v.approval_steps
                .iter()
                .find(|s| !s.complete)
                .map(|s| s.approvers.iter().map(|a| a.name.clone()).collect())
                .unwrap_or_default(),
        ),
        ContractAction::Send => (
            K::SendDone,
            v.recipients
                .iter()
                .filter(|r| r.state == RecipientState::Notified)
                .map(|r| format!("{}（{}、{}）", r.name, r.organization_name, r.email))
                .collect(),
        ),
        _ => (K::ActionDone, Vec::new()),
    };
    match (a, names.is_empty()) {
        (ContractAction::Submit, true) => (K::SubmitDoneNoMail, String::new()),
        (ContractAction::Send, true) => (K::SendSealing, String::new()),
        (_, true) => (K::ActionDone, String::new()),
        (_, false) => (key, names.join("、")),
    }
}

/// 経過: what happened to the contract, oldest first, with the comments given.
#[component]
fn Timeline(entries: Vec<shared::dto::TimelineEntryView>) -> impl IntoView {
    let i = use_i18n();
    let empty = entries.is_empty();
    let rows = entries
        .into_iter()
        .map(|e| {
            let action = e.action.clone();
            let system = e.actor_label == "system";
            let who = e.actor_name.unwrap_or(e.actor_label);
            view! {
                <li class=if e.result == "success" { "event" } else { "event event-failed" }>
                    <span class="event-at">{jst(&e.at)}</span>
                    <span class="event-what">{move || crate::pages::audit::action_label(i, &action)}</span>
                    <span class="sub">{move || if system { i.t(K::ActorSystem).to_owned() } else { who.clone() }}</span>
                    {e.comment
                        .filter(|c| !c.trim().is_empty())
                        .map(|c| view! { <p class="pre event-comment">{c}</p> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{i.tr(K::Timeline)}</h2>
            {if empty {
                view! { <p class="empty">{i.tr(K::DashRecentEmpty)}</p> }.into_any()
            } else {
                view! { <ol class="event-list timeline" role="list">{rows}</ol> }.into_any()
            }}
        </section>
    }
}

/// Label and text of each fact of a contract (reactive: follows the language).
fn facts_of(c: &ContractView, i: I18n) -> Vec<(K, String)> {
    vec![
        (K::ContractNumber, c.contract_number.clone()),
        (K::Department, c.department_name.clone().unwrap_or_default()),
        (K::Counterparty, c.counterparty_name.clone()),
        (K::Amount, yen_opt(c.amount_yen)),
        (
            K::Period,
            period_ja(c.period_start.as_deref(), c.period_end.as_deref()),
        ),
        (
            K::ConcludedOn,
            c.concluded_on.as_deref().map(date_ja).unwrap_or_default(),
        ),
        (
            K::Retention,
            format!("{}{}", c.retention_years, i.t(K::Years)),
        ),
        (
            K::RetentionEnd,
            c.retention_end.as_deref().map(date_ja).unwrap_or_default(),
        ),
        (
            K::RecipientOrderLegend,
            i.order(c.recipient_order).to_owned(),
        ),
        (
            K::Forwarding,
            i.t(if c.allow_forwarding {
                K::Allowed
            } else {
                K::NotAllowed
            })
            .to_owned(),
        ),
        (K::ExpiresAt, jst_opt(c.expires_at.as_deref())),
        (K::SentAt, jst_opt(c.sent_at.as_deref())),
        (K::ConcludedAt, jst_opt(c.concluded_at.as_deref())),
        (
            K::CreatedBy,
            format!("{}（{}）", c.created_by_name, jst(&c.created_at)),
        ),
        (K::UpdatedAt, jst(&c.updated_at)),
        (K::Notes, c.notes.clone()),
        (K::Message, c.message.clone()),
    ]
}

/// A staff document in the page's viewer.
#[component]
fn DocumentPreview(contract_id: Uuid, doc_id: Uuid) -> impl IntoView {
    let i = use_i18n();
    let file = LocalResource::new(move || async move {
        api::contracts::document_bytes(contract_id, doc_id)
            .await
            .map(Rc::new)
    });
    view! {
        {move || match file.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(p)) => view! { <p class="upload-error" role="alert">{i.problem(&p)}</p> }.into_any(),
            Some(Ok(bytes)) => view! { <PdfPreview bytes=bytes /> }.into_any(),
        }}
    }
}

/// The documents in the order people look for them: the uploads, then the signed PDFs newest
/// first, each with its version (only the newest of a concluded contract is the final one,
/// with the long-term signature; the oldest is the one sealed at sending when there is one),
/// then the certificate.
fn in_reading_order(
    documents: Vec<DocumentView>,
    concluded: bool,
    sealed_at_sending: bool,
) -> Vec<(DocumentView, Option<K>)> {
    let (mut sealed, rest): (Vec<_>, Vec<_>) = documents
        .into_iter()
        .partition(|d| d.role == DocumentRole::Sealed);
    sealed.reverse();
    let (certificates, uploads): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|d| d.role == DocumentRole::Certificate);
    let oldest = sealed.len().saturating_sub(1);
    let versions = sealed.into_iter().enumerate().map(|(n, d)| {
        let version = if concluded && n == 0 {
            K::SealedFinal
        } else if sealed_at_sending && n == oldest {
            K::SealedAtSending
        } else {
            K::SealedAtAgreement
        };
        (d, Some(version))
    });
    uploads
        .into_iter()
        .map(|d| (d, None))
        .chain(versions)
        .chain(certificates.into_iter().map(|d| (d, None)))
        .collect()
}

#[component]
fn Documents(
    contract_id: Uuid,
    public_id: String,
    documents: Vec<DocumentView>,
    concluded: bool,
    sealed_at_sending: bool,
) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let can_download = session.can(Permission::DownloadDocuments);
    let body = if documents.is_empty() {
        view! { <p class="empty">{i.tr(K::NoDocuments)}</p> }.into_any()
    } else {
        view! {
            <ul class="doc-list" role="list">
                {in_reading_order(documents, concluded, sealed_at_sending)
                    .into_iter()
                    .map(|(d, version)| {
                        let role = d.role;
                        let url = document_url(contract_id, d.id);
                        let pages = d.page_count.map(|n| format!("{n} "));
                        let previewable = can_download && d.content_type == "application/pdf";
                        // The issued files' hashes, for comparing a copy that passed a gateway.
                        let issued = matches!(role, DocumentRole::Sealed | DocumentRole::Certificate);
                        let sha256 = issued.then(|| d.sha256.clone());
                        let showing = RwSignal::new(false);
                        let doc_id = d.id;
                        view! {
                            <li class="doc">
                                <div>
                                    <span class="badge badge-role">{move || role_label(i, role)}</span>
                                    {version.map(|k| {
                                        let class = if k == K::SealedFinal { "badge badge-version badge-on" } else { "badge badge-version badge-off" };
                                        view! { <span class=class>{i.tr(k)}</span> }
                                    })}
                                    <span class="doc-name">{d.file_name.clone()}</span>
                                    <span class="sub">
                                        {bytes(d.size)}
                                        {pages.map(|p| view! { "　" {p} {i.tr(K::Pages)} })}
                                        "　"
                                        {jst(&d.created_at)}
                                    </span>
                                    {sha256.map(|h| view! {
                                        <span class="sub">{i.tr(K::DocSha256)} "　" <span class="mono hash">{h}</span></span>
                                    })}
                                </div>
                                <div class="doc-buttons">
                                    {previewable.then(|| view! {
                                        <button type="button" class="btn btn-small" aria-expanded=move || showing.get().to_string() on:click=move |_| showing.update(|s| *s = !*s)>
                                            {move || i.tr(if showing.get() { K::HidePreview } else { K::ShowPreview })}
                                        </button>
                                    })}
                                    {can_download
                                        .then(|| {
                                            view! {
                                                <a class="btn btn-small" href=url download=d.file_name.clone()>
                                                    {i.tr(K::Download)}
                                                </a>
                                            }
                                        })}
                                </div>
                                {move || showing.get().then(|| view! { <DocumentPreview contract_id doc_id /> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let check = concluded.then(|| {
        let by_id = format!("/v/{public_id}");
        view! {
            <h3>{i.tr(K::CheckTitle)}</h3>
            <p class="hint">{i.tr(K::CheckHint)}</p>
            <p>
                // Pages of the public app: a full page load, in a tab of their own.
                <a href=by_id target="_blank" rel="external noopener">{i.tr(K::CheckById)}</a>
                "　"
                <a href="/verify" target="_blank" rel="external noopener">{i.tr(K::CheckByUpload)}</a>
            </p>
        }
    });
    view! {
        <section class="card" aria-labelledby="docs-title">
            <h2 id="docs-title">{i.tr(K::Documents)}</h2>
            {body}
            {check}
        </section>
    }
}

#[component]
fn Recipients(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let body = if contract.recipients.is_empty() {
        view! { <p class="empty">{i.tr(K::NoRecipients)}</p> }.into_any()
    } else {
        let rows = contract
            .recipients
            .into_iter()
            .map(|r| {
                let when = r
                    .agreed_at
                    .as_deref()
                    .or(r.declined_at.as_deref())
                    .or(r.verified_at.as_deref())
                    .or(r.notified_at.as_deref())
                    .map(jst)
                    .unwrap_or_default();
                view! {
                    <tr>
                        <td data-label=i.tr(K::Order) class="num">{r.position}</td>
                        <td data-label=i.tr(K::OrganizationName) class="wrap">{r.organization_name}</td>
                        <td data-label=i.tr(K::Name)>
                            {r.name}
                            {r.has_access_code.then(|| view! { <span class="badge badge-off">{i.tr(K::AccessCodeSet)}</span> })}
                        </td>
                        <td data-label=i.tr(K::Email) class="wrap">{r.email}</td>
                        <td data-label=i.tr(K::RecipientState)>
                            <div>
                                <RecipientBadge state=r.state />
                                {r.decline_reason.map(|why| view! { <span class="sub">{why}</span> })}
                            </div>
                        </td>
                        <td data-label=i.tr(K::UpdatedAt)>{when}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="list stack">
                    <thead>
                        <tr>
                            <th scope="col" class="num">{i.tr(K::Order)}</th>
                            <th scope="col">{i.tr(K::OrganizationName)}</th>
                            <th scope="col">{i.tr(K::Name)}</th>
                            <th scope="col">{i.tr(K::Email)}</th>
                            <th scope="col">{i.tr(K::RecipientState)}</th>
                            <th scope="col">{i.tr(K::UpdatedAt)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="recipients-title">
            <h2 id="recipients-title">{i.tr(K::Recipients)}</h2>
            {body}
        </section>
    }
}

#[component]
fn Route(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let body = if contract.approval_steps.is_empty() {
        view! { <p class="empty">{i.tr(K::NoSteps)}</p> }.into_any()
    } else {
        view! {
            <ol class="steps" role="list">
                {contract
                    .approval_steps
                    .into_iter()
                    .map(|s| {
                        let rule = s.rule;
                        view! {
                            <li class="step">
                                <div class="step-head">
                                    <span class="step-name">{s.position}". "{s.name}</span>
                                    <span class="sub-inline">{move || i.rule(rule)}</span>
                                    {s.complete.then(|| view! { <span class="badge badge-on">{i.tr(K::StepComplete)}</span> })}
                                </div>
                                <ul class="approvers" role="list">
                                    {s
                                        .approvers
                                        .into_iter()
                                        .map(|a| {
                                            let decision = a.decision;
                                            let class = match decision {
                                                Some(shared::contract::ApprovalDecision::Approved) => "badge badge-on",
                                                Some(shared::contract::ApprovalDecision::Rejected) => "badge badge-warn",
                                                None => "badge badge-off",
                                            };
                                            view! {
                                                <li>
                                                    <span>{a.name}</span>
                                                    <span class=class>
                                                        {move || decision.map(|d| i.decision(d)).unwrap_or(i.t(K::Undecided))}
                                                    </span>
                                                    <span class="sub-inline">{jst_opt(a.decided_at.as_deref())}</span>
                                                    {a.comment.filter(|c| !c.is_empty()).map(|c| view! { <p class="comment pre">{c}</p> })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="route-title">
            <h2 id="route-title">{i.tr(K::Route)}</h2>
            {body}
        </section>
    }
}

/// Whether an action asks for a comment first (and whether it must not be empty).
fn comment_rule(a: ContractAction) -> Option<bool> {
    match a {
        ContractAction::Reject => Some(true),
        ContractAction::Cancel | ContractAction::SendBack | ContractAction::Withdraw => Some(false),
        _ => None,
    }
}

/// The buttons of the actions `shared::contract` allows this user on this contract. Actions
/// that change the contract call the API and report the server's problem on failure.
#[component]
pub fn ActionBar(
    contract: ContractView,
    done: Callback<(ContractAction, ContractView)>,
    /// Only these actions (e.g. the approval inbox shows approve and send back).
    #[prop(optional)]
    only: Option<&'static [ContractAction]>,
) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let permissions = session.me().map(|m| m.permissions).unwrap_or_default();
    let actions: Vec<ContractAction> =
        allowed_actions(&contract.facts, &ContractActor::staff(permissions))
            .into_iter()
            .filter(|a| only.is_none_or(|o| o.contains(a)))
            .collect();
    let id = contract.id;
    let navigate = use_navigate();
    let problem = RwSignal::new(None::<Problem>);
    let asking = RwSignal::new(None::<ContractAction>);
    let comment = RwSignal::new(String::new());
    let comment_missing = RwSignal::new(false);
    let run = Action::new_local(move |(a, text): &(ContractAction, String)| {
        let (a, text) = (*a, text.clone());
        async move { api::contracts::act(id, a, text).await.map(|v| (a, v)) }
    });
    Effect::new(move || match run.value().get() {
        Some(Ok((_, v))) if v.id != id => {
            // 複製 answers with the new draft: continue there.
            navigate(&format!("/contracts/{}/edit", v.id), Default::default());
        }
        Some(Ok(done_with)) => {
            problem.set(None);
            asking.set(None);
            comment.set(String::new());
            done.run(done_with);
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let busy = move || run.pending().get();
    // The newest of each (a later seal, e.g. the archive timestamp, adds a new file).
    let newest = |role: DocumentRole| {
        contract
            .documents
            .iter()
            .rev()
            .find(|d| d.role == role)
            .map(|d| d.id)
    };
    let sealed = newest(DocumentRole::Sealed);
    let certificate = newest(DocumentRole::Certificate);
    let buttons = actions
        .iter()
        .filter_map(|&a| {
            let label = move || i.action(a);
            match a {
                ContractAction::Edit => Some(
                    view! { <A href=format!("/contracts/{id}/edit") attr:class="btn">{label}</A> }
                        .into_any(),
                ),
                ContractAction::DownloadZip => Some(
                    view! { <a class="btn" href=archive_url(id) download="">{label}</a> }
                        .into_any(),
                ),
                ContractAction::DownloadSigned | ContractAction::DownloadCertificate => {
                    let doc = if a == ContractAction::DownloadSigned { sealed } else { certificate };
                    doc.map(|doc| {
                        view! { <a class="btn" href=document_url(id, doc) download="">{label}</a> }.into_any()
                    })
                }
                _ if action_path(a).is_none() => None,
                _ => {
                    let class = match a {
                        ContractAction::Cancel | ContractAction::Reject => "btn btn-danger",
                        ContractAction::Submit | ContractAction::Approve | ContractAction::Send => "btn btn-primary",
                        _ => "btn",
                    };
                    Some(
                        view! {
                            <button
                                type="button"
                                class=class
                                disabled=busy
                                aria-expanded=move || (comment_rule(a).is_some() && asking.get() == Some(a)).to_string()
                                on:click=move |_| {
                                    problem.set(None);
                                    if comment_rule(a).is_some() {
                                        comment_missing.set(false);
                                        asking.set(Some(a));
                                    } else {
                                        run.dispatch((a, String::new()));
                                    }
                                }
                            >
                                {label}
                            </button>
                        }
                        .into_any(),
                    )
                }
            }
        })
        .collect::<Vec<_>>();
    if buttons.is_empty() {
        return None;
    }
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(a) = asking.get_untracked() {
            let text = comment.get_untracked();
            if comment_rule(a) == Some(true) && text.trim().is_empty() {
                comment_missing.set(true);
                return;
            }
            run.dispatch((a, text.trim().to_owned()));
        }
    };
    Some(view! {
        <section class="action-bar" aria-label=i.tr(K::Actions)>
            <div class="actions">{buttons}</div>
            {move || {
                asking
                    .get()
                    .map(|a| {
                        let required = comment_rule(a) == Some(true);
                        let confirm_class = if matches!(a, ContractAction::Reject | ContractAction::Cancel) {
                            "btn btn-danger-solid"
                        } else {
                            "btn btn-primary"
                        };
                        let cid = format!("comment-{id}");
                        view! {
                            <form class="comment-form" on:submit=confirm novalidate>
                                <div class="field">
                                    <label for=cid.clone()>
                                        {move || if required { i.t(K::Reason) } else { i.t(K::CommentOptional) }}
                                        {required.then(|| view! { <span class="req">{i.tr(K::Required)}</span> })}
                                    </label>
                                    <textarea
                                        id=cid.clone()
                                        rows="3"
                                        aria-invalid=move || comment_missing.get().to_string()
                                        on:input=move |_| comment_missing.set(false)
                                        bind:value=comment
                                    ></textarea>
                                    <p class="field-error">
                                        {move || comment_missing.get().then(|| i.t(K::ReasonRequired))}
                                    </p>
                                </div>
                                <div class="actions">
                                    <button type="submit" class=confirm_class disabled=busy>
                                        {move || i.action(a)}
                                    </button>
                                    <button type="button" class="btn" on:click=move |_| asking.set(None)>
                                        {i.tr(K::Cancel)}
                                    </button>
                                </div>
                            </form>
                        }
                    })
            }}
            {move || problem.get().map(|p| view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> })}
        </section>
    })
}
