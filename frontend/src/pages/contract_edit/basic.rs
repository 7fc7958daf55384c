//! 基本情報: the contract's data. Saving a new one creates the draft and opens its edit page; a
//! draft then saves itself as the clerk types.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use shared::contract::{ContractState, DocumentRole, RecipientOrder};
use shared::dto::{ContractRequest, ContractView, DocumentView};
use shared::problem::Problem;
use shared::validate::{Name, ValidationError, iso_date};
use uuid::Uuid;

use super::custom_fields::{self, CustomFields};
use super::stamp::{self, StampSection};
use super::{Lookups, opt};
use crate::api;
use crate::components::form::{
    Autosave, AutosaveStatus, CheckField, FormMessages, FormState, TextField,
};
use crate::format::{amount_digits, yen};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

#[component]
pub(super) fn BasicForm(
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
    let saved_stamp = c.as_ref().and_then(|c| c.stamp);
    let stamp_on = RwSignal::new(saved_stamp.is_some());
    let stamp_fields = stamp::fields_of(saved_stamp);
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
            .map(|c| custom_fields::rows_of(&c.custom_fields))
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
        let placement = stamp_on
            .get_untracked()
            .then(|| stamp::placement(&stamp_fields, errors));
        let custom_fields = custom.with_untracked(|rows| custom_fields::collect(rows, errors));
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
                ] {
                    v.track();
                }
                order.track();
                forwarding.track();
                stamp_on.track();
                stamp::track(&stamp_fields);
                custom.with(|rows| rows.iter().for_each(custom_fields::FieldRow::track));
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
                <CustomFields rows=custom form=form />
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
                <StampSection enabled=stamp_on fields=stamp_fields form=form contract_id main_doc />
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
