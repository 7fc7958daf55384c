//! 契約書のひな形と一括送信: a department's templates (list, edit, files) and bulk sending
//! from a CSV with its progress. The 「ひな形から作成」 form of the new-contract page is
//! [`FromTemplate`].

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::contract::DocumentRole;
use shared::dto::{
    BulkSendState, BulkSendView, RecipientSlot, RouteTemplateView, SlotValues,
    TemplateContractRequest, TemplateFields, TemplateRequest, TemplateView,
};
use shared::problem::{FieldError, Problem};
use shared::validate::Name;
use uuid::Uuid;

use crate::api;
use crate::components::department::{DepartmentSelect, parse_id, path_name};
use crate::components::form::{
    CheckField, FormMessages, FormState, Loading, ProblemMessage, TextField,
};
use crate::i18n::{I18n, K, use_i18n};

/// How often a running bulk send is reread.
const POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// What the editor shows.
#[derive(Clone)]
enum Editing {
    Closed,
    New,
    Existing(Box<TemplateView>),
}

/// A trimmed text, `None` when blank.
fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The templates page: list, editor, bulk sending.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let i = use_i18n();
    let editing = RwSignal::new(Editing::Closed);
    let reload = RwSignal::new(0u32);
    let templates = LocalResource::new(move || {
        reload.track();
        api::templates::list()
    });
    let departments = LocalResource::new(api::departments::list_all);
    let routes = LocalResource::new(|| api::route_templates::list(None, false));
    let saved = Callback::new(move |t: Option<TemplateView>| {
        editing.set(
            t.map(|t| Editing::Existing(Box::new(t)))
                .unwrap_or(Editing::Closed),
        );
        reload.update(|n| *n += 1);
    });
    view! {
        <div class="page-head">
            <h1>{i.tr(K::DocTemplatesTitle)}</h1>
            <button type="button" class="btn btn-primary" on:click=move |_| editing.set(Editing::New)>
                {i.tr(K::DocTemplateAdd)}
            </button>
        </div>
        <p class="hint">{i.tr(K::DocTemplatesHint)}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let depts = departments.await.unwrap_or_default();
                let routes = routes.await.unwrap_or_default();
                match editing.get() {
                    Editing::Closed => ().into_any(),
                    Editing::New => view! {
                        <TemplateForm template=None departments=depts routes=routes saved=saved editing=editing />
                    }
                        .into_any(),
                    Editing::Existing(t) => view! {
                        <TemplateForm template=Some(*t) departments=depts routes=routes saved=saved editing=editing />
                    }
                        .into_any(),
                }
            })}
        </Transition>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let depts = departments.await.unwrap_or_default();
                match templates.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">{i.tr(K::DocTemplateNone)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let choices = list.clone();
                        let rows = list
                            .into_iter()
                            .map(|t| {
                                let dept = t
                                    .department_id
                                    .map(|d| path_name(&depts, d))
                                    .or_else(|| t.department_name.clone());
                                let route = t.route_template_name.clone();
                                let files = t.documents.iter().map(|d| d.file_name.clone()).collect::<Vec<_>>().join("、");
                                let (name, label) = (t.name.clone(), t.name.clone());
                                view! {
                                    <tr>
                                        <td data-label=i.tr(K::DocTemplateName)>{name}</td>
                                        <td data-label=i.tr(K::TemplateDepartment)>
                                            {move || dept.clone().unwrap_or_else(|| i.t(K::TemplateAllDepartments).to_owned())}
                                        </td>
                                        <td data-label=i.tr(K::DocTemplateRoute)>
                                            {move || route.clone().unwrap_or_else(|| i.t(K::DocTemplateNoRoute).to_owned())}
                                        </td>
                                        <td data-label=i.tr(K::DocTemplateFiles) class="wrap">{files}</td>
                                        <td>
                                            <button
                                                type="button"
                                                class="btn btn-small"
                                                aria-label=move || format!("{}：{}", i.t(K::Edit), label)
                                                on:click=move |_| editing.set(Editing::Existing(Box::new(t.clone())))
                                            >
                                                {i.tr(K::Edit)}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <div class="table-wrap">
                                <table class="list stack">
                                    <thead>
                                        <tr>
                                            <th scope="col">{i.tr(K::DocTemplateName)}</th>
                                            <th scope="col">{i.tr(K::TemplateDepartment)}</th>
                                            <th scope="col">{i.tr(K::DocTemplateRoute)}</th>
                                            <th scope="col">{i.tr(K::DocTemplateFiles)}</th>
                                            <th scope="col"><span class="visually-hidden">{i.tr(K::Edit)}</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <BulkSend templates=choices />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Creates (`template: None`) or changes a template; a saved one gets its files here.
#[component]
fn TemplateForm(
    template: Option<TemplateView>,
    departments: Vec<shared::dto::DepartmentView>,
    routes: Vec<RouteTemplateView>,
    saved: Callback<Option<TemplateView>>,
    editing: RwSignal<Editing>,
) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let id = template.as_ref().map(|t| t.id);
    let fields = template
        .as_ref()
        .map(|t| t.fields.clone())
        .unwrap_or_default();
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let name = RwSignal::new(
        template
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let department = RwSignal::new(
        template
            .as_ref()
            .and_then(|t| t.department_id)
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let route = RwSignal::new(
        template
            .as_ref()
            .and_then(|t| t.route_template_id)
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let title = text(&fields.title);
    let counterparty = text(&fields.counterparty_name);
    let amount = RwSignal::new(fields.amount_yen.map(|a| a.to_string()).unwrap_or_default());
    let message = text(&fields.message);
    let slot = RwSignal::new(
        template
            .as_ref()
            .and_then(|t| t.recipient_slots.first().map(|s| s.label.clone()))
            .unwrap_or_else(|| "受注者".to_owned()),
    );
    let archived = RwSignal::new(template.as_ref().is_some_and(|t| t.archived));
    let save = Action::new_local(move |req: &TemplateRequest| {
        let req = req.clone();
        async move {
            match id {
                Some(id) => api::templates::update(id, &req).await,
                None => api::templates::create(&req).await,
            }
        }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(t)) => saved.run(Some(t)),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let base = fields.clone();
    let kept_slots = template
        .as_ref()
        .map(|t| t.recipient_slots.clone())
        .unwrap_or_default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(e) = Name::parse(&name.get_untracked()) {
            errors.push(FieldError {
                field: "name".into(),
                code: e,
            });
        }
        let amount_yen =
            match opt(amount.get_untracked()).map(|a| a.replace(',', "").parse::<i64>()) {
                None => None,
                Some(Ok(a)) => Some(a),
                Some(Err(_)) => {
                    errors.push(FieldError {
                        field: "fields.amount_yen".into(),
                        code: shared::validate::ValidationError::OutOfRange,
                    });
                    None
                }
            };
        if !errors.is_empty() {
            form.fail(Problem::validation(errors));
            return;
        }
        let mut slots = kept_slots.clone();
        match (opt(slot.get_untracked()), slots.first_mut()) {
            (Some(label), Some(first)) => first.label = label,
            (Some(label), None) => slots.push(RecipientSlot {
                label,
                organization_name: None,
                name: None,
                email: None,
            }),
            (None, _) => slots.clear(),
        }
        save.dispatch(TemplateRequest {
            name: name.get_untracked().trim().to_owned(),
            department_id: parse_id(&department.get_untracked()),
            route_template_id: parse_id(&route.get_untracked()),
            fields: TemplateFields {
                title: opt(title.get_untracked()),
                counterparty_name: opt(counterparty.get_untracked()),
                amount_yen,
                message: opt(message.get_untracked()),
                ..base.clone()
            },
            recipient_slots: slots,
            archived: archived.get_untracked(),
        });
    };
    let initial_route = route.get_untracked();
    let route_options = routes
        .into_iter()
        .map(|r| {
            let v = r.id.to_string();
            let selected = v == initial_route;
            view! { <option value=v selected=selected>{r.name}</option> }
        })
        .collect_view();
    let heading = if id.is_some() {
        K::DocTemplateEdit
    } else {
        K::DocTemplateNew
    };
    let documents = template
        .as_ref()
        .map(|t| t.documents.clone())
        .unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="doc-template-form-title">
            <h2 id="doc-template-form-title">{i.tr(heading)}</h2>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField id="dt-name" field="name" label=K::DocTemplateName value=name form=form required=true />
                <DepartmentSelect
                    id="dt-department"
                    label=K::TemplateDepartment
                    none_label=K::TemplateAllDepartments
                    departments=departments
                    value=department
                />
                <div class="field">
                    <label for="dt-route">{i.tr(K::DocTemplateRoute)}</label>
                    <select id="dt-route" on:change=move |ev| route.set(event_target_value(&ev))>
                        <option value="">{i.tr(K::DocTemplateNoRoute)}</option>
                        {route_options}
                    </select>
                </div>
                <TextField id="dt-title" field="fields.title" label=K::DocTemplateTitleDefault value=title form=form />
                <TextField id="dt-counterparty" field="fields.counterparty_name" label=K::DocTemplateCounterpartyDefault value=counterparty form=form />
                <TextField id="dt-amount" field="fields.amount_yen" label=K::DocTemplateAmountDefault value=amount form=form inputmode="numeric" />
                <TextField id="dt-message" field="fields.message" label=K::DocTemplateMessageDefault value=message form=form multiline=true />
                <TextField id="dt-slot" field="recipient_slots[0].label" label=K::DocTemplateSlot value=slot form=form hint=K::DocTemplateSlotHint />
                {id.is_some().then(|| view! { <CheckField id="dt-archived" label=K::TemplateArchive checked=archived /> })}
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                    </button>
                    <button type="button" class="btn" on:click=move |_| editing.set(Editing::Closed)>
                        {i.tr(K::Close)}
                    </button>
                </div>
            </form>
            <h3>{i.tr(K::DocTemplateFiles)}</h3>
            {match id {
                None => view! { <p class="hint">{i.tr(K::DocTemplateSaveFirst)}</p> }.into_any(),
                Some(id) => view! { <TemplateFiles id=id documents=documents saved=saved /> }.into_any(),
            }}
        </section>
    }
}

/// A saved template's files: the list and the two upload inputs.
#[component]
fn TemplateFiles(
    id: Uuid,
    documents: Vec<shared::dto::TemplateDocumentView>,
    saved: Callback<Option<TemplateView>>,
) -> impl IntoView {
    let i = use_i18n();
    let problem = RwSignal::new(None::<Problem>);
    let upload = Action::new_local(move |(role, file): &(DocumentRole, web_sys::File)| {
        let (role, file) = (*role, file.clone());
        async move { api::templates::upload(id, role, &file).await }
    });
    Effect::new(move || match upload.value().get() {
        Some(Ok(t)) => {
            problem.set(None);
            saved.run(Some(t));
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    let chosen = move |role: DocumentRole| {
        move |ev: leptos::ev::Event| {
            let file = event_target::<web_sys::HtmlInputElement>(&ev)
                .files()
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                upload.dispatch((role, file));
            }
        }
    };
    let list = documents
        .into_iter()
        .map(|d| view! { <li>{d.file_name}" "<span class="muted">{format!("({} KB)", d.size / 1024)}</span></li> })
        .collect_view();
    view! {
        <ul class="plain-list">{list}</ul>
        {move || problem.get().map(|p| view! { <ProblemMessage problem=p /> })}
        <div class="field">
            <label for="dt-main">{i.tr(K::DocTemplateMainPdf)}</label>
            <input id="dt-main" type="file" accept="application/pdf,.pdf" on:change=chosen(DocumentRole::Main) />
        </div>
        <div class="field">
            <label for="dt-attachment">{i.tr(K::DocTemplateAttachment)}</label>
            <input id="dt-attachment" type="file" on:change=chosen(DocumentRole::Attachment) />
        </div>
    }
}

/// "12行目 メールアドレス: …" for a CSV refusal's entry.
fn csv_error(i: I18n, e: &FieldError) -> String {
    let message = i.invalid(e.code);
    let Some(rest) = e.field.strip_prefix("csv[") else {
        let column = e.field.strip_prefix("columns.").unwrap_or(&e.field);
        return format!("{column}: {message}");
    };
    match rest.split_once(']') {
        Some((line, column)) => {
            let column = column.trim_start_matches('.');
            match i.lang() {
                crate::i18n::Lang::Ja => format!("{line}{} {column}: {message}", i.t(K::BulkLine)),
                crate::i18n::Lang::En => format!("{} {line} {column}: {message}", i.t(K::BulkLine)),
            }
        }
        None => format!("{}: {message}", e.field),
    }
}

/// Bulk sending: a template, a CSV, then the progress until every row is handled.
#[component]
fn BulkSend(templates: Vec<TemplateView>) -> impl IntoView {
    let i = use_i18n();
    let template = RwSignal::new(
        templates
            .first()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
    );
    let file = RwSignal::new_local(None::<web_sys::File>);
    let current = RwSignal::new(None::<BulkSendView>);
    let refused = RwSignal::new(None::<Problem>);
    let start = Action::new_local(move |(t, f): &(Uuid, web_sys::File)| {
        let (t, f) = (*t, f.clone());
        async move { api::templates::bulk_send(t, &f).await }
    });
    Effect::new(move || match start.value().get() {
        Some(Ok(b)) => {
            refused.set(None);
            current.set(Some(b));
        }
        Some(Err(p)) => refused.set(Some(p)),
        None => {}
    });
    let poll = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api::templates::bulk_get(id).await }
    });
    Effect::new(move || {
        if let Some(Ok(b)) = poll.value().get() {
            current.set(Some(b));
        }
    });
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if let Some(b) = current.get_untracked()
                && b.state == BulkSendState::Running
                && !poll.pending().get_untracked()
            {
                poll.dispatch(b.id);
            }
        },
        POLL,
    ) {
        on_cleanup(move || handle.clear());
    }
    let options = templates
        .into_iter()
        .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(t), Some(f)) = (parse_id(&template.get_untracked()), file.get_untracked()) {
            start.dispatch((t, f));
        }
    };
    view! {
        <section class="card" aria-labelledby="bulk-title">
            <h2 id="bulk-title">{i.tr(K::BulkTitle)}</h2>
            <p class="hint">{i.tr(K::BulkHint)}</p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="bulk-template">{i.tr(K::FromTemplateChoose)}</label>
                    <select id="bulk-template" on:change=move |ev| template.set(event_target_value(&ev))>
                        {options}
                    </select>
                </div>
                <div class="field">
                    <label for="bulk-file">{i.tr(K::BulkFile)}</label>
                    <input
                        id="bulk-file"
                        type="file"
                        accept=".csv,text/csv"
                        on:change=move |ev| file.set(event_target::<web_sys::HtmlInputElement>(&ev).files().and_then(|f| f.get(0)))
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || start.pending().get()>
                        {move || if start.pending().get() { i.t(K::Saving) } else { i.t(K::BulkStart) }}
                    </button>
                </div>
            </form>
            {move || refused.get().map(|p| {
                let lines = p.errors.iter().map(|e| view! { <li>{csv_error(i, e)}</li> }).collect_view();
                view! {
                    <div class="alert alert-error" role="alert">
                        <p>{i.problem(&p)}</p>
                        {(!p.errors.is_empty()).then(|| view! {
                            <p><strong>{i.tr(K::BulkErrors)}</strong></p>
                            <ul class="bulk-errors">{lines}</ul>
                        })}
                    </div>
                }
            })}
            {move || current.get().map(|b| {
                let done = b.sent + b.submitted + b.failed;
                let state = if b.state == BulkSendState::Done { K::BulkDone } else { K::BulkRunning };
                view! {
                    <div class="bulk-progress" role="status">
                        <p>
                            <strong>{b.file_name.clone()}</strong>" "
                            <span class="badge">{i.tr(state)}</span>
                        </p>
                        <progress max=b.total value=done aria-label=i.t(K::BulkProgress)></progress>
                        <p class="muted">
                            {i.tr(K::BulkCounts)}
                            {format!(": {} / {} / {} / {} （{done} / {}）", b.created, b.sent, b.submitted, b.failed, b.total)}
                        </p>
                        <ul>
                            {b.failures.iter().map(|f| {
                                let m = if i.lang() == crate::i18n::Lang::Ja { f.message_ja.clone() } else { f.message_en.clone() };
                                view! { <li>{format!("{}{} {m}", f.line, i.t(K::BulkLine))}</li> }
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
        </section>
    }
}

/// 「ひな形から作成」, linked from the new-contract page: a template, the counterparty and its
/// contact; the draft opens in the editor.
#[component]
pub fn ContractFromTemplatePage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <p class="back">
            <A href="/contracts/new">{i.tr(K::ContractNewTitle)}</A>
        </p>
        <h1>{i.tr(K::FromTemplateTitle)}</h1>
        <FromTemplate />
    }
}

/// The form, once the templates are loaded (nothing when there are none).
#[component]
fn FromTemplate() -> impl IntoView {
    let templates = LocalResource::new(api::templates::list);
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match templates.await {
                    Ok(list) if !list.is_empty() => view! { <FromTemplateForm templates=list /> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn FromTemplateForm(templates: Vec<TemplateView>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let navigate = use_navigate();
    let template = RwSignal::new(String::new());
    let counterparty = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let create = Action::new_local(move |(id, req): &(Uuid, TemplateContractRequest)| {
        let (id, req) = (*id, req.clone());
        async move { api::templates::create_contract(id, &req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(c)) => navigate(
            &format!("/contracts/{}/edit?created=1", c.id),
            Default::default(),
        ),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = parse_id(&template.get_untracked()) else {
            form.fail(Problem::validation(vec![FieldError {
                field: "template".into(),
                code: shared::validate::ValidationError::Required,
            }]));
            return;
        };
        create.dispatch((
            id,
            TemplateContractRequest {
                counterparty_name: opt(counterparty.get_untracked()),
                recipients: vec![SlotValues {
                    organization_name: None,
                    name: opt(contact.get_untracked()),
                    email: opt(email.get_untracked()),
                }],
                ..Default::default()
            },
        ));
    };
    let options = templates
        .into_iter()
        .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="from-template-title">
            <h2 id="from-template-title">{i.tr(K::FromTemplateTitle)}</h2>
            <p class="hint">{i.tr(K::FromTemplateHint)}</p>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="ft-template">{i.tr(K::FromTemplateChoose)}</label>
                    <select id="ft-template" on:change=move |ev| template.set(event_target_value(&ev))>
                        <option value="">{i.tr(K::FromTemplateChooseNone)}</option>
                        {options}
                    </select>
                </div>
                <TextField id="ft-counterparty" field="counterparty_name" label=K::FromTemplateCounterparty value=counterparty form=form />
                <TextField id="ft-contact" field="recipients[0].name" label=K::FromTemplateContact value=contact form=form />
                <TextField id="ft-email" field="recipients[0].email" label=K::FromTemplateEmail value=email form=form kind="email" />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { i.t(K::Saving) } else { i.t(K::FromTemplateCreate) }}
                    </button>
                </div>
            </form>
        </section>
    }
}
