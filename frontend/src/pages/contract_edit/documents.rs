//! 文書: the main PDF and the attachments, uploaded the moment they are chosen or dropped.

use leptos::prelude::*;
use shared::dto::DocumentView;
use shared::problem::Problem;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api;
use crate::api::contracts::DocumentRole;
use crate::components::contract::role_label;
use crate::format::bytes;
use crate::i18n::{K, use_i18n};

/// The attachment types the server accepts (`backend/src/workflow/contracts/file_type.rs`),
/// for the file chooser.
const ATTACHMENT_ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.gif,.tif,.tiff,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.odt,.ods,.odp,.txt,.csv,.zip";

/// One upload in progress or finished.
#[derive(Clone)]
struct UploadStatus {
    file_name: String,
    progress: f64,
    outcome: Option<Result<(), Problem>>,
}

#[component]
pub(super) fn DocumentsEditor(
    contract_id: Uuid,
    docs: RwSignal<Vec<DocumentView>>,
) -> impl IntoView {
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
