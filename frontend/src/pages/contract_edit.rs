//! 契約の新規作成 / 編集. The draft is created first (basic data only); then each part is
//! saved on its own as the clerk goes: the PDF uploads the moment it is chosen, recipients and
//! the approval route have their own 保存 buttons. Validation runs the `shared` parsers first
//! and shows the server's field errors under the same fields.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use shared::contract::{ApprovalRule, ContractAction, ContractState, RecipientOrder};
use shared::dto::{
    ApprovalRouteRequest, ApprovalStepRequest, ContractRequest, ContractView, DepartmentView,
    DocumentView, OrganizationView, RecipientRequest, RecipientsRequest, StampPlacement,
};
use shared::problem::{Problem, ProblemCode};
use shared::validate::{EmailAddress, Name, ValidationError, iso_date};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api;
use crate::api::contracts::DocumentRole;
use crate::components::contract::role_label;
use crate::components::form::{
    Autosave, AutosaveStatus, CheckField, FormMessages, FormState, Loading, ProblemMessage,
    TextField,
};
use crate::components::pdf_view::PdfDoc;
use crate::components::stamp_picker::{StampFields, StampPicker};
use crate::format::{amount_digits, bytes, yen};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The attachment types the server accepts (`backend/src/workflow/contracts/file_type.rs`),
/// for the file chooser.
const ATTACHMENT_ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.gif,.tif,.tiff,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.odt,.ods,.odp,.txt,.csv,.zip";

/// What the basic form needs besides the contract: departments and the address book.
#[derive(Clone)]
struct Lookups {
    departments: Vec<DepartmentView>,
    organizations: Vec<OrganizationView>,
}

async fn lookups() -> Result<Lookups, Problem> {
    let departments = api::departments::list_all().await?;
    let organizations = api::organizations::list(1, 500, "", false)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    Ok(Lookups {
        departments,
        organizations,
    })
}

/// 契約の新規作成: the basic data; saving creates the draft and opens its edit page.
#[component]
pub fn ContractNewPage() -> impl IntoView {
    let i = use_i18n();
    let data = LocalResource::new(lookups);
    view! {
        <p class="back">
            <A href="/contracts">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::ContractNewTitle)}</h1>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <BasicForm lookups=l contract=None docs=None /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// 契約の編集: every part of a draft (or of a contract pending approval, which editing
/// returns to draft).
#[component]
pub fn ContractEditPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let created = query.with_untracked(|q| q.get("created").is_some());
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.ok_or_else(|| Problem::new(ProblemCode::NotFound))?;
            let c = api::contracts::get_one(id).await?;
            Ok::<_, Problem>((c, lookups().await?))
        }
    });
    view! {
        <p class="back">
            <A href="/contracts">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::ContractEditTitle)}</h1>
        {created.then(|| view! { <div class="alert alert-success" role="status">{i.tr(K::DraftCreated)}</div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok((c, _)) if !c.allowed_actions.contains(&ContractAction::Edit) => {
                        let href = format!("/contracts/{}", c.id);
                        view! {
                            <div class="alert alert-warn" role="status">{i.tr(K::NotEditable)}</div>
                            <p><A href=href attr:class="btn">{i.tr(K::ToDetail)}</A></p>
                        }
                            .into_any()
                    }
                    Ok((c, l)) => {
                        let href = format!("/contracts/{}", c.id);
                        let pending = c.state == ContractState::PendingApproval;
                        // Shared by the stamp's page preview and the documents step.
                        let docs = RwSignal::new(c.documents.clone());
                        view! {
                            {pending.then(|| view! { <div class="alert alert-warn" role="status">{i.tr(K::EditResetsApproval)}</div> })}
                            <BasicForm lookups=l contract=Some(c.clone()) docs=Some(docs) />
                            <DocumentsEditor contract_id=c.id docs=docs />
                            <RecipientsEditor contract=c.clone() />
                            <RouteEditor contract=c.clone() />
                            <div class="card next-step">
                                <p>{i.tr(K::ToDetailHint)}</p>
                                <A href=href attr:class="btn btn-primary">{i.tr(K::ToDetail)}</A>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// A row of editable text cells with a stable key (for `<For>`).
#[derive(Clone, Copy)]
struct FieldRow {
    key: u32,
    a: RwSignal<String>,
    b: RwSignal<String>,
}

fn next_key() -> u32 {
    thread_local!(static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) });
    NEXT.with(|n| {
        let k = n.get();
        n.set(k + 1);
        k
    })
}

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn number(
    errors: &mut Vec<(&'static str, ValidationError)>,
    field: &'static str,
    raw: &str,
) -> f64 {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => v,
        _ => {
            errors.push((field, ValidationError::OutOfRange));
            0.0
        }
    }
}

/// The main PDF's page with the stamp on it (see [`StampPicker`]).
#[component]
fn StampPreview(contract_id: Uuid, doc_id: Uuid, fields: StampFields) -> impl IntoView {
    let i = use_i18n();
    let doc = LocalResource::new(move || async move {
        let bytes = api::contracts::document_bytes(contract_id, doc_id).await?;
        PdfDoc::open(&bytes)
            .await
            .map_err(|()| Problem::new(ProblemCode::Internal))
    });
    view! {
        {move || match doc.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(_)) => view! { <p class="upload-error" role="alert">{i.tr(K::PdfFailed)}</p> }.into_any(),
            Some(Ok(d)) => view! { <StampPicker doc=d fields /> }.into_any(),
        }}
    }
}

#[component]
fn BasicForm(
    lookups: Lookups,
    contract: Option<ContractView>,
    /// The contract's documents (none while the draft is not created yet).
    docs: Option<RwSignal<Vec<DocumentView>>>,
) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let form = FormState::new();
    let c = contract.clone();
    let s = |f: fn(&ContractView) -> Option<String>| {
        RwSignal::new(c.as_ref().and_then(f).unwrap_or_default())
    };
    let title = s(|c| Some(c.title.clone()));
    let number_ = s(|c| Some(c.contract_number.clone()));
    let department = RwSignal::new(
        c.as_ref()
            .map(|c| c.department_id)
            .unwrap_or_else(|| session.me().and_then(|m| m.user.department_id))
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let organization = s(|c| c.organization_id.map(|o| o.to_string()));
    let counterparty = s(|c| Some(c.counterparty_name.clone()));
    let amount = s(|c| c.amount_yen.map(|a| a.to_string()));
    let start = s(|c| c.period_start.clone());
    let end = s(|c| c.period_end.clone());
    let notes = s(|c| Some(c.notes.clone()));
    let message = s(|c| Some(c.message.clone()));
    let order = RwSignal::new(
        c.as_ref()
            .map(|c| c.recipient_order)
            .unwrap_or(RecipientOrder::Sequential),
    );
    let forwarding = RwSignal::new(c.as_ref().is_some_and(|c| c.allow_forwarding));
    let stamp = c.as_ref().and_then(|c| c.stamp);
    let stamp_on = RwSignal::new(stamp.is_some());
    let st = stamp.unwrap_or(StampPlacement {
        page: 1,
        x: 330.0,
        y: 40.0,
        width: 230.0,
        height: 80.0,
    });
    let sp = RwSignal::new(st.page.to_string());
    let sx = RwSignal::new(st.x.to_string());
    let sy = RwSignal::new(st.y.to_string());
    let sw = RwSignal::new(st.width.to_string());
    let sh = RwSignal::new(st.height.to_string());
    let stamp_fields = StampFields {
        page: sp,
        x: sx,
        y: sy,
        width: sw,
        height: sh,
    };
    let contract_id = contract.as_ref().map(|c| c.id);
    // A memo: an attachment uploaded or removed does not fetch and draw the main PDF again.
    let main_doc = Memo::new(move |_| {
        docs?.with(|d| {
            d.iter()
                .find(|d| d.role == DocumentRole::Main && d.content_type == "application/pdf")
                .map(|d| d.id)
        })
    });
    let custom = RwSignal::new(
        c.as_ref()
            .map(|c| {
                c.custom_fields
                    .iter()
                    .map(|(k, v)| FieldRow {
                        key: next_key(),
                        a: RwSignal::new(k.clone()),
                        b: RwSignal::new(v.clone()),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let existing = contract.as_ref().map(|c| (c.id, c.retention_years));
    let draft = contract
        .as_ref()
        .is_some_and(|c| c.state == ContractState::Draft);
    let auto = Autosave::new();
    let save = Action::new_local(move |req: &ContractRequest| {
        let req = req.clone();
        async move {
            match existing {
                Some((id, _)) => api::contracts::update(id, &req).await,
                None => api::contracts::create(&req).await,
            }
        }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(v)) => {
            if existing.is_none() {
                navigate(
                    &format!("/contracts/{}/edit?created=1", v.id),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            } else {
                auto.report(form, Some(&Ok::<_, Problem>(v)));
            }
        }
        other => auto.report(form, other.as_ref()),
    });
    let orgs = lookups.organizations.clone();
    // The request the fields make, with the browser's own checks.
    let request = move |errors: &mut Vec<(&'static str, ValidationError)>| {
        let t = match Name::parse(&title.get_untracked()) {
            Ok(t) => t.into_inner(),
            Err(e) => {
                errors.push(("title", e));
                String::new()
            }
        };
        let digits = amount_digits(&amount.get_untracked());
        let amount_yen = if digits.is_empty() {
            None
        } else {
            match digits.parse::<i64>() {
                Ok(a) if a >= 0 => Some(a),
                _ => {
                    errors.push(("amount_yen", ValidationError::OutOfRange));
                    None
                }
            }
        };
        for (field, v) in [("period_start", start), ("period_end", end)] {
            let raw = v.get_untracked();
            if !raw.trim().is_empty()
                && let Err(e) = iso_date(&raw)
            {
                errors.push((field, e));
            }
        }
        let org_id = Uuid::parse_str(&organization.get_untracked()).ok();
        if org_id.is_none() && counterparty.get_untracked().trim().is_empty() {
            errors.push(("counterparty_name", ValidationError::Required));
        }
        let placement = stamp_on.get_untracked().then(|| StampPlacement {
            page: sp.get_untracked().trim().parse().unwrap_or_else(|_| {
                errors.push(("stamp", ValidationError::OutOfRange));
                1
            }),
            x: number(errors, "stamp", &sx.get_untracked()),
            y: number(errors, "stamp", &sy.get_untracked()),
            width: number(errors, "stamp", &sw.get_untracked()),
            height: number(errors, "stamp", &sh.get_untracked()),
        });
        if let Some(Err(err)) = placement.as_ref().map(StampPlacement::check) {
            errors.push(("stamp", err));
        }
        let mut custom_fields = BTreeMap::new();
        for row in custom.get_untracked() {
            let (k, v) = (row.a.get_untracked(), row.b.get_untracked());
            if k.trim().is_empty() && v.trim().is_empty() {
                continue;
            }
            if k.trim().is_empty() {
                errors.push(("custom_fields", ValidationError::Required));
            }
            custom_fields.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        ContractRequest {
            title: t,
            contract_number: opt(number_.get_untracked()),
            department_id: Uuid::parse_str(&department.get_untracked()).ok(),
            organization_id: org_id,
            counterparty_name: opt(counterparty.get_untracked()),
            amount_yen,
            period_start: opt(start.get_untracked()),
            period_end: opt(end.get_untracked()),
            retention_years: existing.map(|(_, y)| y),
            notes: opt(notes.get_untracked()),
            custom_fields,
            recipient_order: order.get_untracked(),
            allow_forwarding: forwarding.get_untracked(),
            message: opt(message.get_untracked()),
            stamp: placement,
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let req = request(&mut errors);
        if !form.check(errors) {
            return;
        }
        auto.press(save, req);
    };
    // A draft saves itself a moment after the clerk stops typing, when the fields are valid
    // (the explicit 保存 shows what is wrong). Not for a contract pending approval: editing it
    // returns it to draft, which must stay a deliberate step.
    if draft {
        auto.watch(
            save,
            move || {
                for v in [
                    title,
                    number_,
                    department,
                    organization,
                    counterparty,
                    amount,
                    start,
                    end,
                    notes,
                    message,
                    sp,
                    sx,
                    sy,
                    sw,
                    sh,
                ] {
                    v.track();
                }
                order.track();
                forwarding.track();
                stamp_on.track();
                custom.with(|rows| {
                    rows.iter().for_each(|r| {
                        r.a.track();
                        r.b.track();
                    })
                });
            },
            move || {
                let mut errors = Vec::new();
                let req = request(&mut errors);
                errors.is_empty().then_some(req)
            },
        );
    }
    let choose_org = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if let Some(o) = orgs.iter().find(|o| o.id.to_string() == v) {
            counterparty.set(o.name.clone());
        }
        organization.set(v);
    };
    let amount_preview = move || {
        let d = amount_digits(&amount.get());
        d.parse::<i64>().ok().map(yen)
    };
    let dept_options = lookups
        .departments
        .iter()
        .filter(|d| d.active || department.get_untracked() == d.id.to_string())
        .map(|d| {
            let id = d.id.to_string();
            let selected = department.get_untracked() == id;
            view! { <option value=id selected=selected>{d.name.clone()}</option> }
        })
        .collect_view();
    let org_options = lookups
        .organizations
        .iter()
        .map(|o| {
            let id = o.id.to_string();
            let selected = organization.get_untracked() == id;
            view! { <option value=id selected=selected>{o.name.clone()}</option> }
        })
        .collect_view();
    let stamp_field = move |id: &'static str, label: K, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{i.tr(label)}</label>
                <input id=id type="number" min="0" step="1" inputmode="numeric" bind:value=value />
            </div>
        }
    };
    let is_new = contract.is_none();
    view! {
        <section class="card" aria-labelledby="basic-title">
            <h2 id="basic-title">{i.tr(K::BasicData)}</h2>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField id="c-title" field="title" label=K::ContractTitle value=title form=form required=true />
                <TextField id="c-number" field="contract_number" label=K::ContractNumber value=number_ form=form hint=K::ContractNumberHint />
                <div class="field">
                    <label for="c-department">{i.tr(K::Department)}</label>
                    <select id="c-department" on:change=move |ev| department.set(event_target_value(&ev))>
                        <option value="">{i.tr(K::NoDepartment)}</option>
                        {dept_options}
                    </select>
                </div>
                <div class="field">
                    <label for="c-org">{i.tr(K::CounterpartyFromBook)}</label>
                    <select id="c-org" on:change=choose_org>
                        <option value="">{i.tr(K::NotFromBook)}</option>
                        {org_options}
                    </select>
                </div>
                <TextField id="c-counterparty" field="counterparty_name" label=K::CounterpartyName value=counterparty form=form hint=K::CounterpartyHint />
                <TextField id="c-amount" field="amount_yen" label=K::Amount value=amount form=form inputmode="numeric" hint=K::AmountHint />
                <p class="amount-preview" aria-live="polite">{amount_preview}</p>
                <div class="field-pair">
                    <TextField id="c-start" field="period_start" label=K::PeriodStart value=start form=form kind="date" />
                    <TextField id="c-end" field="period_end" label=K::PeriodEnd value=end form=form kind="date" />
                </div>
                <TextField id="c-notes" field="notes" label=K::Notes value=notes form=form multiline=true />
                <fieldset class="choices">
                    <legend>{i.tr(K::CustomFields)}</legend>
                    <For each=move || custom.get() key=|r| r.key let:row>
                        <div class="kv-row">
                            <div class="field">
                                <label for=format!("cf{}-k", row.key)>{i.tr(K::CustomFieldKey)}</label>
                                <input id=format!("cf{}-k", row.key) type="text" bind:value=row.a />
                            </div>
                            <div class="field">
                                <label for=format!("cf{}-v", row.key)>{i.tr(K::CustomFieldValue)}</label>
                                <input id=format!("cf{}-v", row.key) type="text" bind:value=row.b />
                            </div>
                            <button
                                type="button"
                                class="btn btn-small"
                                on:click=move |_| custom.update(|v| v.retain(|r| r.key != row.key))
                            >
                                {i.tr(K::Remove)}
                            </button>
                        </div>
                    </For>
                    <p class="field-error">
                        {move || form.field_error("custom_fields").map(|e| i.invalid(e))}
                    </p>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| custom.update(|v| v.push(FieldRow {
                            key: next_key(),
                            a: RwSignal::new(String::new()),
                            b: RwSignal::new(String::new()),
                        }))
                    >
                        {i.tr(K::CustomFieldAdd)}
                    </button>
                </fieldset>
                <fieldset class="choices">
                    <legend>{i.tr(K::RecipientOrderLegend)}</legend>
                    {RecipientOrder::ALL
                        .iter()
                        .map(|&o| {
                            let id = format!("c-order-{}", o.as_str());
                            view! {
                                <div class="check">
                                    <input
                                        type="radio"
                                        name="recipient_order"
                                        id=id.clone()
                                        prop:checked=move || order.get() == o
                                        on:change=move |_| order.set(o)
                                    />
                                    <label for=id>{move || i.order(o)}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <CheckField id="c-forwarding" label=K::AllowForwarding checked=forwarding />
                <TextField id="c-message" field="message" label=K::Message value=message form=form multiline=true hint=K::MessageHint />
                <fieldset class="choices">
                    <legend>{i.tr(K::StampLegend)}</legend>
                    <CheckField id="c-stamp" label=K::StampEnable checked=stamp_on />
                    <Show when=move || stamp_on.get()>
                        <p class="hint">{i.tr(K::StampHint)}</p>
                        <div class="stamp-grid">
                            {stamp_field("c-stamp-page", K::StampPage, sp)}
                            {stamp_field("c-stamp-x", K::StampX, sx)}
                            {stamp_field("c-stamp-y", K::StampY, sy)}
                            {stamp_field("c-stamp-w", K::StampW, sw)}
                            {stamp_field("c-stamp-h", K::StampH, sh)}
                        </div>
                        {move || match (contract_id, main_doc.get()) {
                            (Some(contract_id), Some(doc_id)) => view! { <StampPreview contract_id doc_id fields=stamp_fields /> }.into_any(),
                            _ => view! { <p class="hint">{i.tr(K::StampNeedsPdf)}</p> }.into_any(),
                        }}
                    </Show>
                    <p class="field-error">{move || form.field_error("stamp").map(|e| i.invalid(e))}</p>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || {
                            if auto.pressed_pending(save) {
                                i.t(K::Saving)
                            } else if is_new {
                                i.t(K::SaveDraft)
                            } else {
                                i.t(K::Save)
                            }
                        }}
                    </button>
                    <AutosaveStatus autosave=auto />
                </div>
            </form>
        </section>
    }
}

/// One upload in progress or finished.
#[derive(Clone)]
struct UploadStatus {
    file_name: String,
    progress: f64,
    outcome: Option<Result<(), Problem>>,
}

#[component]
fn DocumentsEditor(contract_id: Uuid, docs: RwSignal<Vec<DocumentView>>) -> impl IntoView {
    let i = use_i18n();
    let main_status = RwSignal::new(None::<UploadStatus>);
    let attachment_status = RwSignal::new(None::<UploadStatus>);
    let problem = RwSignal::new(None::<Problem>);
    let status_of = move |role: DocumentRole| match role {
        DocumentRole::Main => main_status,
        // Only the two uploaded roles have a field.
        DocumentRole::Attachment | DocumentRole::Sealed | DocumentRole::Certificate => {
            attachment_status
        }
    };

    let start_upload = move |file: web_sys::File, role: DocumentRole| {
        let status = status_of(role);
        status.set(Some(UploadStatus {
            file_name: file.name(),
            progress: 0.0,
            outcome: None,
        }));
        let upload = api::contracts::upload(contract_id, role, file, move |p| {
            status.update(|s| {
                if let Some(s) = s {
                    s.progress = p;
                }
            })
        });
        leptos::task::spawn_local(async move {
            let result = upload.await;
            status.update(|s| {
                if let Some(s) = s {
                    s.progress = 1.0;
                    s.outcome = Some(result.as_ref().map(|_| ()).map_err(Clone::clone));
                }
            });
            if let Ok(v) = result {
                docs.set(v.documents);
            }
        });
    };
    // The file chosen in an `<input type=file>`; the input is emptied so the same file can be
    // chosen again after a rejection.
    let chosen = move |ev: leptos::ev::Event, role: DocumentRole| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            start_upload(file, role);
        }
        input.set_value("");
    };
    let drop_target = RwSignal::new(None::<DocumentRole>);
    let dropped = move |ev: leptos::ev::DragEvent, role: DocumentRole| {
        ev.prevent_default();
        drop_target.set(None);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            start_upload(file, role);
        }
    };
    let remove = Action::new_local(move |doc: &Uuid| {
        let doc = *doc;
        async move { api::contracts::remove_document(contract_id, doc).await }
    });
    Effect::new(move || match remove.value().get() {
        Some(Ok(v)) => {
            problem.set(None);
            docs.set(v.documents);
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let status_view = move |status: RwSignal<Option<UploadStatus>>| {
        move || {
            status.get().map(|s| {
                let pct = (s.progress * 100.0).round();
                let body = match s.outcome {
                    None => view! {
                        <span class="sub-inline">{i.tr(K::Uploading)}</span>
                        <progress max="100" value=pct>{format!("{pct}%")}</progress>
                    }
                    .into_any(),
                    Some(Ok(())) => {
                        view! { <span class="badge badge-on">{i.tr(K::Uploaded)}</span> }.into_any()
                    }
                    Some(Err(p)) => view! {
                        <p class="upload-error" role="alert">
                            <strong>{i.tr(K::UploadFailed)}</strong>
                            "："
                            {i.problem(&p)}
                        </p>
                    }
                    .into_any(),
                };
                view! {
                    <div class="upload-status">
                        <span class="doc-name">{s.file_name}</span>
                        {body}
                    </div>
                }
            })
        }
    };
    // One upload area: a file input that also takes a dropped file, and the upload's status.
    let upload_field = move |role: DocumentRole,
                             id: &'static str,
                             label: K,
                             hint: Option<K>,
                             accept: &'static str| {
        let status = status_of(role);
        let hint_id = format!("{id}-hint");
        view! {
            <div
                class="field drop-zone"
                class:drop-over=move || drop_target.get() == Some(role)
                on:dragover=move |ev| { ev.prevent_default(); drop_target.set(Some(role)); }
                on:dragleave=move |_| drop_target.set(None)
                on:drop=move |ev| dropped(ev, role)
            >
                <label for=id>{i.tr(label)}</label>
                <p class="hint" id=hint_id.clone()>{hint.map(|h| view! { {i.tr(h)} " " })}{i.tr(K::DropHint)}</p>
                <input
                    id=id
                    type="file"
                    accept=(!accept.is_empty()).then_some(accept)
                    aria-describedby=hint_id
                    on:change=move |ev| chosen(ev, role)
                />
                {status_view(status)}
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="docs-title">
            <h2 id="docs-title">{i.tr(K::Documents)}</h2>
            {upload_field(DocumentRole::Main, "main-pdf", K::MainPdf, Some(K::MainPdfHint), "application/pdf,.pdf")}
            {upload_field(DocumentRole::Attachment, "attachment-file", K::AttachmentFile, Some(K::AttachmentHint), ATTACHMENT_ACCEPT)}
            {move || problem.get().map(|p| view! { <div class="alert alert-error" role="alert">{i.problem(&p)}</div> })}
            {move || {
                let list = docs.get();
                if list.is_empty() {
                    return view! { <p class="empty">{i.tr(K::NoDocuments)}</p> }.into_any();
                }
                view! {
                    <ul class="doc-list" role="list">
                        {list
                            .into_iter()
                            .map(|d| {
                                let role = d.role;
                                let removable = d.role.is_uploaded();
                                let doc_id = d.id;
                                view! {
                                    <li class="doc">
                                        <div>
                                            <span class="badge badge-role">{move || role_label(i, role)}</span>
                                            <span class="doc-name">{d.file_name.clone()}</span>
                                            <span class="sub">
                                                {bytes(d.size)}
                                                {d.page_count.map(|n| view! { "　" {n} " " {i.tr(K::Pages)} })}
                                            </span>
                                        </div>
                                        {removable.then(|| view! {
                                            <button
                                                type="button"
                                                class="btn btn-small"
                                                disabled=move || remove.pending().get()
                                                on:click=move |_| { remove.dispatch(doc_id); }
                                            >
                                                {i.tr(K::Remove)}
                                            </button>
                                        })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

/// One recipient row being edited.
#[derive(Clone, Copy)]
struct RecipientRow {
    key: u32,
    org: RwSignal<String>,
    name: RwSignal<String>,
    email: RwSignal<String>,
    access: RwSignal<String>,
    had_access_code: bool,
}

impl RecipientRow {
    fn new(org: &str, name: &str, email: &str, had_access_code: bool) -> Self {
        RecipientRow {
            key: next_key(),
            org: RwSignal::new(org.to_owned()),
            name: RwSignal::new(name.to_owned()),
            email: RwSignal::new(email.to_owned()),
            access: RwSignal::new(String::new()),
            had_access_code,
        }
    }
}

/// An input of a list row whose server errors are named `list[index].field`.
#[component]
fn RowInput(
    id: String,
    label: K,
    value: RwSignal<String>,
    form: FormState,
    /// `recipients` or `steps`.
    list: &'static str,
    field: &'static str,
    /// The row's position (reactive: rows move).
    index: Signal<usize>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] placeholder: Option<K>,
) -> impl IntoView {
    let i = use_i18n();
    let error = move || form.field_error(&format!("{list}[{}].{field}", index.get()));
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{i.tr(label)}</label>
            <input
                id=id
                type=kind
                placeholder=move || placeholder.map(|k| i.t(k))
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=error_id.clone()
                bind:value=value
            />
            <p class="field-error" id=error_id>{move || error().map(|e| i.invalid(e))}</p>
        </div>
    }
}

#[component]
fn RecipientsEditor(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let draft = contract.state == ContractState::Draft;
    let id = contract.id;
    let rows = RwSignal::new(
        contract
            .recipients
            .iter()
            .filter(|r| r.forwarded_from.is_none())
            .map(|r| RecipientRow::new(&r.organization_name, &r.name, &r.email, r.has_access_code))
            .collect::<Vec<_>>(),
    );
    let counterparty = contract.counterparty_name.clone();
    let contacts = LocalResource::new(|| async {
        api::organizations::list(1, 500, "", false)
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    });
    let save = Action::new_local(move |req: &RecipientsRequest| {
        let req = req.clone();
        async move { api::contracts::set_recipients(id, &req).await }
    });
    let auto = Autosave::new();
    Effect::new(move || auto.report(form, save.value().get().as_ref()));
    // The request the rows make, or the browser's own findings.
    let request = move || {
        let mut errors: Vec<(String, ValidationError)> = Vec::new();
        let mut out = Vec::new();
        for (n, r) in rows.get_untracked().iter().enumerate() {
            let mut take = |field: &str, v: Result<String, ValidationError>| match v {
                Ok(v) => v,
                Err(e) => {
                    errors.push((format!("recipients[{n}].{field}"), e));
                    String::new()
                }
            };
            let organization_name = take(
                "organization_name",
                Name::parse(&r.org.get_untracked()).map(Name::into_inner),
            );
            let name = take(
                "name",
                Name::parse(&r.name.get_untracked()).map(Name::into_inner),
            );
            let email = take(
                "email",
                EmailAddress::parse(&r.email.get_untracked()).map(|e| e.as_str().to_owned()),
            );
            let access = r.access.get_untracked().trim().to_owned();
            if let Err(e) = Some(access.as_str())
                .filter(|a| !a.is_empty())
                .map_or(Ok(()), shared::validate::check_access_code)
            {
                errors.push((format!("recipients[{n}].access_code"), e));
            }
            out.push(RecipientRequest {
                organization_name,
                name,
                email,
                access_code: opt(access),
                // A code set earlier stays unless a new one is typed (the server has it hashed).
                keep_access_code: true,
            });
        }
        if !errors.is_empty() {
            return Err(Problem::validation(
                errors
                    .into_iter()
                    .map(|(field, code)| shared::problem::FieldError { field, code })
                    .collect(),
            ));
        }
        Ok(RecipientsRequest { recipients: out })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match request() {
            Ok(req) => auto.press(save, req),
            Err(p) => form.fail(p),
        }
    };
    // Saved as they are typed, once every row is complete (a draft only: see BasicForm).
    if draft {
        auto.watch(
            save,
            move || {
                rows.with(|rows| {
                    rows.iter().for_each(|r| {
                        r.org.track();
                        r.name.track();
                        r.email.track();
                        r.access.track();
                    })
                })
            },
            move || request().ok(),
        );
    }
    let add_blank = move |_| {
        let org = rows
            .with_untracked(|r| r.last().map(|r| r.org.get_untracked()))
            .unwrap_or_else(|| counterparty.clone());
        rows.update(|v| v.push(RecipientRow::new(&org, "", "", false)));
    };
    let add_contact = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let found = contacts
            .get()
            .unwrap_or_default()
            .into_iter()
            .find_map(|o| {
                o.contacts
                    .iter()
                    .find(|c| c.id.to_string() == v)
                    .map(|c| RecipientRow::new(&o.name, &c.name, &c.email, false))
            });
        if let Some(row) = found {
            rows.update(|r| r.push(row));
        }
        if let Some(sel) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            sel.set_value("");
        }
    };
    let move_row = move |key: u32, up: bool| {
        rows.update(|v| {
            if let Some(p) = v.iter().position(|r| r.key == key) {
                let q = if up {
                    p.checked_sub(1)
                } else {
                    Some(p + 1).filter(|q| *q < v.len())
                };
                if let Some(q) = q {
                    v.swap(p, q);
                }
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="recipients-title">
            <h2 id="recipients-title">{i.tr(K::Recipients)}</h2>
            <p class="hint">{i.tr(K::RecipientsHint)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="empty">{i.tr(K::NoRecipients)}</p>
                </Show>
                <ol class="row-list" role="list">
                    <For each=move || rows.get() key=|r| r.key let:row>
                        {
                            let key = row.key;
                            let index = Signal::derive(move || {
                                rows.with(|v| v.iter().position(|r| r.key == key).unwrap_or(0))
                            });
                            let pid = |f: &str| format!("r{key}-{f}");
                            view! {
                                <li class="recipient-row" aria-label=move || format!("{} {}", i.t(K::Order), index.get() + 1)>
                                    <span class="row-number" aria-hidden="true">{move || index.get() + 1}</span>
                                    <div class="row-fields">
                                        <RowInput id=pid("org") label=K::OrganizationName value=row.org form=form list="recipients" field="organization_name" index=index />
                                        <RowInput id=pid("name") label=K::Name value=row.name form=form list="recipients" field="name" index=index />
                                        <RowInput id=pid("email") label=K::Email value=row.email form=form list="recipients" field="email" index=index kind="email" />
                                        <div>
                                            <RowInput id=pid("access") label=K::AccessCode value=row.access form=form list="recipients" field="access_code" index=index />
                                            {row.had_access_code.then(|| view! { <p class="hint">{i.tr(K::AccessCodeReenter)}</p> })}
                                        </div>
                                    </div>
                                    <div class="row-buttons">
                                        <button type="button" class="btn btn-small" on:click=move |_| move_row(key, true)>{i.tr(K::MoveUp)}</button>
                                        <button type="button" class="btn btn-small" on:click=move |_| move_row(key, false)>{i.tr(K::MoveDown)}</button>
                                        <button type="button" class="btn btn-small" on:click=move |_| rows.update(|v| v.retain(|r| r.key != key))>{i.tr(K::Remove)}</button>
                                    </div>
                                </li>
                            }
                        }
                    </For>
                </ol>
                <p class="hint">{i.tr(K::AccessCodeHint)}</p>
                <div class="row-tools">
                    <button type="button" class="btn" on:click=add_blank>{i.tr(K::RecipientAdd)}</button>
                    <div class="field">
                        <label for="r-from-book">{i.tr(K::RecipientFromBook)}</label>
                        <select id="r-from-book" on:change=add_contact>
                            <option value="">{i.tr(K::ChooseContact)}</option>
                            {move || {
                                contacts
                                    .get()
                                    .unwrap_or_default()
                                    .into_iter()
                                    .flat_map(|o| {
                                        o.contacts
                                            .into_iter()
                                            .filter(|c| !c.archived)
                                            .map(move |c| {
                                                let label = format!("{}　{}（{}）", o.name, c.name, c.email);
                                                view! { <option value=c.id.to_string()>{label}</option> }
                                            })
                                            .collect::<Vec<_>>()
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if auto.pressed_pending(save) { i.t(K::Saving) } else { i.t(K::SaveRecipients) }}
                    </button>
                    <AutosaveStatus autosave=auto />
                </div>
            </form>
        </section>
    }
}

/// One approval step being edited.
#[derive(Clone, Copy)]
pub(crate) struct StepRow {
    key: u32,
    name: RwSignal<String>,
    rule: RwSignal<ApprovalRule>,
    approvers: RwSignal<Vec<Uuid>>,
}

impl StepRow {
    /// A row holding a step as the API takes it (a template's step, a saved one).
    pub(crate) fn from_request(s: &ApprovalStepRequest) -> Self {
        StepRow {
            key: next_key(),
            name: RwSignal::new(s.name.clone()),
            rule: RwSignal::new(s.rule),
            approvers: RwSignal::new(s.approver_ids.clone()),
        }
    }
}

/// The steps as the API takes them, or the field errors (`steps[n].name`,
/// `steps[n].approver_ids`) found before asking the server.
pub(crate) fn collect_steps(rows: &[StepRow]) -> Result<Vec<ApprovalStepRequest>, Problem> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (n, s) in rows.iter().enumerate() {
        let name = match Name::parse(&s.name.get_untracked()) {
            Ok(v) => v.into_inner(),
            Err(e) => {
                errors.push(shared::problem::FieldError {
                    field: format!("steps[{n}].name"),
                    code: e,
                });
                String::new()
            }
        };
        let approver_ids = s.approvers.get_untracked();
        if approver_ids.is_empty() {
            errors.push(shared::problem::FieldError {
                field: format!("steps[{n}].approver_ids"),
                code: ValidationError::EmptySelection,
            });
        }
        out.push(ApprovalStepRequest {
            name,
            rule: s.rule.get_untracked(),
            approver_ids,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::validation(errors))
    }
}

/// Users who may approve (but `except`, the contract's creator): `(id, 氏名（所属）)`.
pub(crate) async fn approver_candidates(
    except: Option<Uuid>,
) -> Result<Vec<(Uuid, String)>, Problem> {
    Ok(api::contracts::approvers()
        .await?
        .into_iter()
        .filter(|a| Some(a.id) != except)
        .map(|a| match a.department_name {
            Some(d) => (a.id, format!("{}（{d}）", a.name)),
            None => (a.id, a.name),
        })
        .collect())
}

type Candidates = LocalResource<Result<Vec<(Uuid, String)>, Problem>>;

/// The steps of a route being edited (a contract's or a template's): name, rule and approvers
/// per step, with the server's `steps[n].…` errors under their fields.
#[component]
pub(crate) fn StepsEditor(
    steps: RwSignal<Vec<StepRow>>,
    form: FormState,
    candidates: Candidates,
    /// Names of approvers already on the route, for when the user list cannot be read.
    known: Vec<(Uuid, String)>,
) -> impl IntoView {
    let i = use_i18n();
    let add_step = move |_| {
        let n = steps.with_untracked(Vec::len) + 1;
        let name = match i.lang() {
            crate::i18n::Lang::Ja => format!("第{n}承認"),
            crate::i18n::Lang::En => format!("Step {n}"),
        };
        steps.update(|v| {
            v.push(StepRow {
                key: next_key(),
                name: RwSignal::new(name),
                rule: RwSignal::new(ApprovalRule::Any),
                approvers: RwSignal::new(Vec::new()),
            })
        });
    };
    view! {
        <Show when=move || steps.with(Vec::is_empty)>
            <p class="empty">{i.tr(K::NoSteps)}</p>
        </Show>
                <ol class="row-list" role="list">
                    <For each=move || steps.get() key=|s| s.key let:step>
                        {
                            let key = step.key;
                            let index = Signal::derive(move || {
                                steps.with(|v| v.iter().position(|r| r.key == key).unwrap_or(0))
                            });
                            let known = known.clone();
                            // "Choose at least one" goes away as soon as one is chosen.
                            let approvers_error = move || {
                                form.field_error(&format!("steps[{}].approver_ids", index.get()))
                                    .filter(|e| {
                                        *e != ValidationError::EmptySelection
                                            || step.approvers.with(Vec::is_empty)
                                    })
                            };
                            view! {
                                <li class="step-row" aria-label=move || format!("{} {}", i.t(K::Step), index.get() + 1)>
                                    <span class="row-number" aria-hidden="true">{move || index.get() + 1}</span>
                                    <div class="row-fields">
                                        <RowInput id=format!("s{key}-name") label=K::StepName value=step.name form=form list="steps" field="name" index=index />
                                        <div class="field">
                                            <label for=format!("s{key}-rule")>{i.tr(K::StepRule)}</label>
                                            <select
                                                id=format!("s{key}-rule")
                                                on:change=move |ev| {
                                                    if let Some(r) = ApprovalRule::parse(&event_target_value(&ev)) {
                                                        step.rule.set(r);
                                                    }
                                                }
                                            >
                                                {ApprovalRule::ALL
                                                    .iter()
                                                    .map(|&r| view! {
                                                        <option value=r.as_str() selected=move || step.rule.get() == r>
                                                            {move || i.rule(r)}
                                                        </option>
                                                    })
                                                    .collect_view()}
                                            </select>
                                        </div>
                                        <fieldset class="choices approvers-pick" aria-describedby=format!("s{key}-approvers-error")>
                                            <legend>{i.tr(K::Approvers)}</legend>
                                            <Transition fallback=Loading>
                                                {
                                                    let known = known.clone();
                                                    move || {
                                                        let known = known.clone();
                                                        Suspend::new(async move {
                                                            let users: Vec<(Uuid, String)> = match candidates.await {
                                                                Ok(list) => list,
                                                                Err(_) => known,
                                                            };
                                                            let unavailable = candidates.get().is_some_and(|r| r.is_err());
                                                            let none = users.is_empty() && !unavailable;
                                                            let boxes = users
                                                                .into_iter()
                                                                .map(|(uid, name)| {
                                                                    let bid = format!("s{key}-u{uid}");
                                                                    view! {
                                                                        <div class="check">
                                                                            <input
                                                                                type="checkbox"
                                                                                id=bid.clone()
                                                                                prop:checked=move || step.approvers.with(|v| v.contains(&uid))
                                                                                on:change=move |ev| {
                                                                                    let on = event_target_checked(&ev);
                                                                                    step.approvers.update(|v| {
                                                                                        v.retain(|x| *x != uid);
                                                                                        if on {
                                                                                            v.push(uid);
                                                                                        }
                                                                                    });
                                                                                }
                                                                            />
                                                                            <label for=bid>{name}</label>
                                                                        </div>
                                                                    }
                                                                })
                                                                .collect_view();
                                                            view! {
                                                                {unavailable.then(|| view! { <p class="hint">{i.tr(K::ApproversUnavailable)}</p> })}
                                                                {none.then(|| view! { <p class="hint">{i.tr(K::NoApprovers)}</p> })}
                                                                {boxes}
                                                            }
                                                        })
                                                    }
                                                }
                                            </Transition>
                                            <p class="field-error" id=format!("s{key}-approvers-error")>
                                                {move || approvers_error().map(|e| i.invalid(e))}
                                            </p>
                                        </fieldset>
                                    </div>
                                    <div class="row-buttons">
                                        <button type="button" class="btn btn-small" on:click=move |_| steps.update(|v| v.retain(|r| r.key != key))>
                                            {i.tr(K::Remove)}
                                        </button>
                                    </div>
                                </li>
                            }
                        }
                    </For>
                </ol>
                <div class="row-tools">
                    <button type="button" class="btn" on:click=add_step>{i.tr(K::StepAdd)}</button>
                </div>
    }
}

#[component]
fn RouteEditor(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let draft = contract.state == ContractState::Draft;
    let id = contract.id;
    let creator = contract.created_by;
    let steps = RwSignal::new(
        contract
            .approval_steps
            .iter()
            .map(|s| StepRow {
                key: next_key(),
                name: RwSignal::new(s.name.clone()),
                rule: RwSignal::new(s.rule),
                approvers: RwSignal::new(s.approvers.iter().map(|a| a.user_id).collect()),
            })
            .collect::<Vec<_>>(),
    );
    let known: Vec<(Uuid, String)> = contract
        .approval_steps
        .iter()
        .flat_map(|s| s.approvers.iter().map(|a| (a.user_id, a.name.clone())))
        .collect();
    let candidates = LocalResource::new(move || approver_candidates(Some(creator)));
    let department = contract.department_id;
    let templates = LocalResource::new(move || api::route_templates::list(department, false));
    let save = Action::new_local(move |req: &ApprovalRouteRequest| {
        let req = req.clone();
        async move { api::contracts::set_route(id, &req).await }
    });
    let auto = Autosave::new();
    Effect::new(move || auto.report(form, save.value().get().as_ref()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match steps.with_untracked(|v| collect_steps(v)) {
            Ok(out) => auto.press(save, ApprovalRouteRequest { steps: out }),
            Err(p) => form.fail(p),
        }
    };
    // Saved as it is set up, once every step is complete (a draft only: see BasicForm).
    if draft {
        auto.watch(
            save,
            move || {
                steps.with(|v| {
                    v.iter().for_each(|s| {
                        s.name.track();
                        s.rule.track();
                        s.approvers.track();
                    })
                })
            },
            move || {
                steps
                    .with_untracked(|v| collect_steps(v))
                    .ok()
                    .map(|steps| ApprovalRouteRequest { steps })
            },
        );
    }
    view! {
        <section class="card" aria-labelledby="route-title">
            <h2 id="route-title">{i.tr(K::Route)}</h2>
            <p class="hint">{i.tr(K::RouteHint)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let list = templates.await.unwrap_or_default();
                        (!list.is_empty()).then(|| {
                            let options = list
                                .iter()
                                .map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> })
                                .collect_view();
                            view! {
                                <div class="field">
                                    <label for="route-template">{i.tr(K::TemplatePick)}</label>
                                    <select
                                        id="route-template"
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            if let Some(t) = list.iter().find(|t| t.id.to_string() == v) {
                                                steps.set(t.steps.iter().map(StepRow::from_request).collect());
                                                form.reset();
                                            }
                                        }
                                    >
                                        <option value="" selected>{i.tr(K::TemplateNone)}</option>
                                        {options}
                                    </select>
                                    <p class="hint">{i.tr(K::TemplatePickHint)}</p>
                                </div>
                            }
                        })
                    })}
                </Transition>
                <StepsEditor steps=steps form=form candidates=candidates known=known />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if auto.pressed_pending(save) { i.t(K::Saving) } else { i.t(K::SaveRoute) }}
                    </button>
                    <AutosaveStatus autosave=auto />
                </div>
            </form>
        </section>
    }
}
