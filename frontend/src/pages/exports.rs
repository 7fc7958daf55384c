//! 年度別一括出力: request a fiscal year's export, watch its progress, download the ZIP.

use leptos::prelude::*;
use shared::dto::{ExportEncoding, ExportState, ExportView, FiscalYearExportRequest};
use shared::validate::ValidationError;

use crate::api;
use crate::components::department::{DepartmentSelect, parse_id};
use crate::components::form::{FormMessages, FormState, Loading, ProblemMessage};
use crate::i18n::{K, use_i18n};

/// How often the list is reread while an export is being written.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// This fiscal year (年度) by the browser's clock in JST: April–March.
fn this_fiscal_year() -> i32 {
    let now = js_sys::Date::new_0();
    // JST is UTC+9 without daylight saving.
    let jst = js_sys::Date::new(&(now.get_time() + 9.0 * 3_600_000.0).into());
    let (year, month) = (jst.get_utc_full_year() as i32, jst.get_utc_month() + 1);
    if month >= 4 { year } else { year - 1 }
}

/// The export page.
#[component]
pub fn ExportsPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let exports = LocalResource::new(move || {
        reload.track();
        api::exports::list()
    });
    let departments = LocalResource::new(api::departments::list_all);
    // Reread while something is queued or running; the interval stops with the page.
    let busy = RwSignal::new(false);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if busy.get_untracked() {
                reload.update(|n| *n += 1);
            }
        },
        POLL,
    ) {
        on_cleanup(move || handle.clear());
    }
    let on_requested = Callback::new(move |()| reload.update(|n| *n += 1));

    view! {
        <h1>{i.tr(K::ExportTitle)}</h1>
        <p class="lead">{i.tr(K::ExportLead)}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match departments.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(all) => view! { <RequestExport departments=all on_requested=on_requested /> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="export-list">
            <h2 id="export-list">{i.tr(K::ExportListTitle)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match exports.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(list) => {
                            busy.set(list.iter().any(|e| matches!(e.state, ExportState::Queued | ExportState::Running)));
                            if list.is_empty() {
                                view! { <p class="empty">{i.tr(K::ExportNone)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="export-list" role="list">
                                        {list.into_iter().map(export_row).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

fn export_row(e: ExportView) -> impl IntoView {
    let i = use_i18n();
    let state = match e.state {
        ExportState::Queued => K::ExportQueued,
        ExportState::Running => K::ExportRunning,
        ExportState::Done => K::ExportDone,
        ExportState::Failed => K::ExportFailed,
    };
    let label = format!("{}年度", e.fiscal_year);
    let (done, total) = (e.entries_done, e.entries_total.max(1));
    let progress_label = i.t(K::ExportProgress);
    view! {
        <li class="export-row">
            <div>
                <strong>{label}</strong>
                " "
                <span class="badge">{i.tr(state)}</span>
                " "
                <span class="muted">{crate::format::jst(&e.created_at)}</span>
            </div>
            {matches!(e.state, ExportState::Queued | ExportState::Running).then(|| view! {
                <progress max=total value=done aria-label=progress_label></progress>
                <span class="muted">{format!(" {done} / {}", e.entries_total)}</span>
            })}
            {(e.state == ExportState::Done).then(|| {
                let size = e.size.unwrap_or(0);
                view! {
                    <div>
                        <a class="btn btn-primary" href=api::exports::download_url(e.id) download=e.file_name.clone()>
                            {i.tr(K::ExportDownload)}
                        </a>
                        <span class="muted">{format!(" {} 件 · {:.1} MB", e.contracts, size as f64 / 1_048_576.0)}</span>
                        <div class="mono muted">{format!("SHA-256 {}", e.sha256.clone().unwrap_or_default())}</div>
                    </div>
                }
            })}
            {e.error.clone().filter(|_| e.state == ExportState::Failed).map(|err| view! {
                <div class="alert alert-error" role="alert">{i.tr(K::ExportFailedHelp)} <span class="mono">{err}</span></div>
            })}
        </li>
    }
}

#[component]
fn RequestExport(
    departments: Vec<shared::dto::DepartmentView>,
    on_requested: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let year = RwSignal::new(this_fiscal_year().to_string());
    let department = RwSignal::new(String::new());
    let cp932 = RwSignal::new(false);
    let request = Action::new_local(move |req: &FiscalYearExportRequest| {
        let req = req.clone();
        async move { api::exports::request(&req).await }
    });
    Effect::new(move || match request.value().get() {
        Some(Ok(_)) => {
            form.succeed(K::ExportRequested);
            on_requested.run(());
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(fiscal_year) = year.get_untracked().trim().parse::<i32>() else {
            form.check(vec![("fiscal_year", ValidationError::OutOfRange)]);
            return;
        };
        request.dispatch(FiscalYearExportRequest {
            fiscal_year,
            department_ids: parse_id(&department.get_untracked()).into_iter().collect(),
            encoding: if cp932.get_untracked() {
                ExportEncoding::Cp932
            } else {
                ExportEncoding::Utf8
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="export-request">
            <h2 id="export-request">{i.tr(K::ExportRequestTitle)}</h2>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="export-year">{i.tr(K::ExportFiscalYear)}</label>
                    <input
                        id="export-year"
                        type="number"
                        inputmode="numeric"
                        min="2000"
                        required=true
                        prop:value=move || year.get()
                        on:input=move |ev| year.set(event_target_value(&ev))
                    />
                    <p class="hint">{i.tr(K::ExportFiscalYearHint)}</p>
                </div>
                <DepartmentSelect
                    id="export-department"
                    label=K::ExportDepartment
                    none_label=K::ExportAllDepartments
                    departments=departments
                    value=department
                />
                <div class="field">
                    <label>
                        <input
                            type="checkbox"
                            prop:checked=move || cp932.get()
                            on:change=move |ev| cp932.set(event_target_checked(&ev))
                        />
                        " "
                        {i.tr(K::ExportCp932)}
                    </label>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || request.pending().get()>
                        {move || if request.pending().get() { i.t(K::Saving) } else { i.t(K::ExportSubmit) }}
                    </button>
                </div>
            </form>
        </section>
    }
}
