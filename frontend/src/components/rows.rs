//! Rows of an editable list (recipients, approval steps, custom fields): a stable key per row
//! for `<For>`, and an input whose server error is named `list[index].field`.

use leptos::prelude::*;

use crate::components::form::FormState;
use crate::i18n::{K, use_i18n};

/// A fresh key for a new row (unique for the page's lifetime).
pub fn next_key() -> u32 {
    thread_local!(static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) });
    NEXT.with(|n| {
        let k = n.get();
        n.set(k + 1);
        k
    })
}

/// An input of a list row whose server errors are named `list[index].field`.
#[component]
pub fn RowInput(
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
