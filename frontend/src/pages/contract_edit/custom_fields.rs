//! 任意項目: the contract's own key–value fields, as rows added and removed at will.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::validate::ValidationError;

use crate::components::form::FormState;
use crate::components::rows::next_key;
use crate::i18n::{K, use_i18n};

/// A key–value row with a stable key (for `<For>`).
#[derive(Clone, Copy)]
pub(super) struct FieldRow {
    key: u32,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

impl FieldRow {
    fn new(name: String, value: String) -> Self {
        FieldRow {
            key: next_key(),
            name: RwSignal::new(name),
            value: RwSignal::new(value),
        }
    }

    /// Both cells, for the autosave's watch.
    pub(super) fn track(&self) {
        self.name.track();
        self.value.track();
    }
}

/// The rows of saved fields.
pub(super) fn rows_of(fields: &BTreeMap<String, String>) -> Vec<FieldRow> {
    fields
        .iter()
        .map(|(k, v)| FieldRow::new(k.clone(), v.clone()))
        .collect()
}

/// The fields as the API takes them; blank rows are skipped, a value without a name is an
/// error of `custom_fields`.
pub(super) fn collect(
    rows: &[FieldRow],
    errors: &mut Vec<(&'static str, ValidationError)>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for row in rows {
        let (k, v) = (row.name.get_untracked(), row.value.get_untracked());
        if k.trim().is_empty() && v.trim().is_empty() {
            continue;
        }
        if k.trim().is_empty() {
            errors.push(("custom_fields", ValidationError::Required));
        }
        out.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    out
}

/// The 任意項目 fieldset of the basic form.
#[component]
pub(super) fn CustomFields(rows: RwSignal<Vec<FieldRow>>, form: FormState) -> impl IntoView {
    let i = use_i18n();
    view! {
        <fieldset class="choices">
            <legend>{i.tr(K::CustomFields)}</legend>
            <For each=move || rows.get() key=|r| r.key let:row>
                <div class="kv-row">
                    <div class="field">
                        <label for=format!("cf{}-k", row.key)>{i.tr(K::CustomFieldKey)}</label>
                        <input id=format!("cf{}-k", row.key) type="text" bind:value=row.name />
                    </div>
                    <div class="field">
                        <label for=format!("cf{}-v", row.key)>{i.tr(K::CustomFieldValue)}</label>
                        <input id=format!("cf{}-v", row.key) type="text" bind:value=row.value />
                    </div>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| rows.update(|v| v.retain(|r| r.key != row.key))
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
                on:click=move |_| rows.update(|v| v.push(FieldRow::new(String::new(), String::new())))
            >
                {i.tr(K::CustomFieldAdd)}
            </button>
        </fieldset>
    }
}
