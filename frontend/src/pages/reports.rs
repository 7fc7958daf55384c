//! 月次利用状況報告: a month (JST) of the tenant's use per department (所属), with a month
//! picker (kept in the URL as `?month=YYYY-MM`, the link the monthly mail gives) and the CSV
//! and PDF of the same month.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::dto::MonthlyReportRowView;
use shared::report::{ReportColumn, ReportMonth};

use crate::api;
use crate::components::form::{Loading, ProblemMessage};
use crate::format::jst;
use crate::i18n::{K, use_i18n};

/// The month before the current one in JST: the month the last report covers.
fn last_month() -> ReportMonth {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        js_sys::Date::now() + 9.0 * 3_600_000.0,
    ));
    ReportMonth::new(d.get_utc_full_year() as i32, (d.get_utc_month() + 1) as u8).map_or_else(
        || ReportMonth::new(2026, 1).expect("a valid month"),
        ReportMonth::previous,
    )
}

/// The monthly usage report page.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let query_map = use_query_map();
    let month = Memo::new(move |_| {
        query_map
            .with(|m| m.get("month"))
            .and_then(|m| ReportMonth::parse(&m).ok())
            .unwrap_or_else(last_month)
    });
    let picked = RwSignal::new(String::new());
    Effect::new(move || picked.set(month.get().to_string()));
    let report = LocalResource::new(move || {
        let m = month.get();
        async move { api::reports::monthly(m).await }
    });
    let show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate(
            &format!("/reports?month={}", picked.get_untracked()),
            Default::default(),
        );
    };
    view! {
        <h1>{i.tr(K::ReportsTitle)}</h1>
        <p class="lead">{i.tr(K::ReportsLead)}</p>
        <form class="card" on:submit=show>
            <div class="field">
                <label for="r-month">{i.tr(K::ReportsMonth)}</label>
                <input id="r-month" type="month" required bind:value=picked />
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-primary">{i.tr(K::ReportsShow)}</button>
                <a class="btn" href=move || api::reports::file_url(month.get(), "csv") download="">
                    {i.tr(K::ExportCsv)}
                </a>
                <a class="btn" href=move || api::reports::file_url(month.get(), "pdf") download="">
                    {i.tr(K::ReportsPdf)}
                </a>
            </div>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match report.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(r) => {
                        let note = if r.partial {
                            Some(i.tr(K::ReportsPartial))
                        } else if r.stored {
                            Some(i.tr(K::ReportsStored))
                        } else {
                            None
                        };
                        let generated = jst(&r.generated_at);
                        let rows = r
                            .rows
                            .into_iter()
                            .map(|row| report_row(row, false))
                            .collect_view();
                        view! {
                            <p class="sub">
                                {i.tr(K::ReportsGeneratedAt)} " " {generated} " " {note}
                            </p>
                            // Focusable, so that a keyboard can scroll the wide table on a narrow screen.
                            <div class="table-wrap" tabindex="0" role="region" aria-label=i.tr(K::ReportsTitle)>
                                <table class="list">
                                    <thead>
                                        <tr>
                                            <th scope="col">{i.tr(K::ReportsDepartment)}</th>
                                            {ReportColumn::ALL
                                                .iter()
                                                .map(|&c| {
                                                    view! {
                                                        <th scope="col" class="num">
                                                            {move || i.pick(c.label_ja(), c.label_en())}
                                                        </th>
                                                    }
                                                })
                                                .collect_view()}
                                        </tr>
                                    </thead>
                                    <tbody>{rows} {report_row(r.total, true)}</tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn report_row(row: MonthlyReportRowView, total: bool) -> impl IntoView {
    let cells = ReportColumn::ALL
        .iter()
        .map(|c| view! { <td class="num">{c.of(&row).to_string()}</td> })
        .collect_view();
    let name = row.department.clone();
    view! {
        <tr class=if total { "total" } else { "" }>
            <th scope="row">{name}</th>
            {cells}
        </tr>
    }
}
