//! 署名欄: where the visible stamp goes on the main PDF, typed as numbers or placed on the page.

use leptos::prelude::*;
use shared::dto::StampPlacement;
use shared::problem::{Problem, ProblemCode};
use shared::validate::ValidationError;
use uuid::Uuid;

use crate::api;
use crate::components::form::{CheckField, FormState, Loading};
use crate::components::pdf_view::PdfDoc;
use crate::components::stamp_picker::{StampFields, StampPicker};
use crate::i18n::{K, use_i18n};

/// The form's signals for a saved placement (or the default one, lower right of page 1).
pub(super) fn fields_of(saved: Option<StampPlacement>) -> StampFields {
    let st = saved.unwrap_or(StampPlacement {
        page: 1,
        x: 330.0,
        y: 40.0,
        width: 230.0,
        height: 80.0,
    });
    StampFields {
        page: RwSignal::new(st.page.to_string()),
        x: RwSignal::new(st.x.to_string()),
        y: RwSignal::new(st.y.to_string()),
        width: RwSignal::new(st.width.to_string()),
        height: RwSignal::new(st.height.to_string()),
    }
}

/// Every field, for the autosave's watch.
pub(super) fn track(f: &StampFields) {
    for v in [f.page, f.x, f.y, f.width, f.height] {
        v.track();
    }
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

/// The placement the fields make, or an error of `stamp`.
pub(super) fn placement(
    f: &StampFields,
    errors: &mut Vec<(&'static str, ValidationError)>,
) -> StampPlacement {
    let p = StampPlacement {
        page: f.page.get_untracked().trim().parse().unwrap_or_else(|_| {
            errors.push(("stamp", ValidationError::OutOfRange));
            1
        }),
        x: number(errors, "stamp", &f.x.get_untracked()),
        y: number(errors, "stamp", &f.y.get_untracked()),
        width: number(errors, "stamp", &f.width.get_untracked()),
        height: number(errors, "stamp", &f.height.get_untracked()),
    };
    if let Err(err) = p.check() {
        errors.push(("stamp", err));
    }
    p
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

/// The 署名欄 fieldset of the basic form: on/off, the numbers, and the page to place it on
/// once the draft has a main PDF.
#[component]
pub(super) fn StampSection(
    enabled: RwSignal<bool>,
    fields: StampFields,
    form: FormState,
    contract_id: Option<Uuid>,
    /// The main PDF, when there is one.
    main_doc: Memo<Option<Uuid>>,
) -> impl IntoView {
    let i = use_i18n();
    let stamp_field = move |id: &'static str, label: K, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{i.tr(label)}</label>
                <input id=id type="number" min="0" step="1" inputmode="numeric" bind:value=value />
            </div>
        }
    };
    view! {
        <fieldset class="choices">
            <legend>{i.tr(K::StampLegend)}</legend>
            <CheckField id="c-stamp" label=K::StampEnable checked=enabled />
            <Show when=move || enabled.get()>
                <p class="hint">{i.tr(K::StampHint)}</p>
                <div class="stamp-grid">
                    {stamp_field("c-stamp-page", K::StampPage, fields.page)}
                    {stamp_field("c-stamp-x", K::StampX, fields.x)}
                    {stamp_field("c-stamp-y", K::StampY, fields.y)}
                    {stamp_field("c-stamp-w", K::StampW, fields.width)}
                    {stamp_field("c-stamp-h", K::StampH, fields.height)}
                </div>
                {move || match (contract_id, main_doc.get()) {
                    (Some(contract_id), Some(doc_id)) => view! { <StampPreview contract_id doc_id fields /> }.into_any(),
                    _ => view! { <p class="hint">{i.tr(K::StampNeedsPdf)}</p> }.into_any(),
                }}
            </Show>
            <p class="field-error">{move || form.field_error("stamp").map(|e| i.invalid(e))}</p>
        </fieldset>
    }
}
