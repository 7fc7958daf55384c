//! 送信先: the counterparty's people, in order, typed or taken from the address book.

use leptos::prelude::*;
use shared::contract::ContractState;
use shared::dto::{ContractView, RecipientRequest, RecipientsRequest};
use shared::problem::Problem;
use shared::validate::{EmailAddress, MobilePhone, Name, ValidationError};
use wasm_bindgen::JsCast;

use super::opt;
use crate::api;
use crate::components::form::{Autosave, AutosaveStatus, FormMessages, FormState};
use crate::components::rows::{RowInput, next_key};
use crate::i18n::{K, use_i18n};

/// One recipient row being edited.
#[derive(Clone, Copy)]
struct RecipientRow {
    key: u32,
    org: RwSignal<String>,
    name: RwSignal<String>,
    email: RwSignal<String>,
    access: RwSignal<String>,
    had_access_code: bool,
    /// 携帯電話番号（SMS認証）, empty for none.
    phone: RwSignal<String>,
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
            phone: RwSignal::new(String::new()),
        }
    }
}

#[component]
pub(super) fn RecipientsEditor(contract: ContractView) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let draft = contract.state == ContractState::Draft;
    let id = contract.id;
    let rows = RwSignal::new(
        contract
            .recipients
            .iter()
            .filter(|r| r.forwarded_from.is_none())
            .map(|r| {
                let row =
                    RecipientRow::new(&r.organization_name, &r.name, &r.email, r.has_access_code);
                row.phone.set(r.mobile_phone.clone().unwrap_or_default());
                row
            })
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
            let phone = r.phone.get_untracked().trim().to_owned();
            if let Err(e) = Some(phone.as_str())
                .filter(|p| !p.is_empty())
                .map_or(Ok(()), |p| MobilePhone::parse(p).map(|_| ()))
            {
                errors.push((format!("recipients[{n}].mobile_phone"), e));
            }
            out.push(RecipientRequest {
                organization_name,
                name,
                email,
                access_code: opt(access),
                // A code set earlier stays unless a new one is typed (the server has it hashed).
                keep_access_code: true,
                mobile_phone: opt(phone),
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
                        r.phone.track();
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
                                        <RowInput id=pid("phone") label=K::MobilePhoneSms value=row.phone form=form list="recipients" field="mobile_phone" index=index kind="tel" />
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
                <p class="hint">{i.tr(K::MobilePhoneSmsHint)}</p>
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
