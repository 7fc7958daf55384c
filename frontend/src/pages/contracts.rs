//! 契約一覧: search, sort and page through contracts. Every filter lives in the URL query, so
//! a search can be bookmarked and the browser's back button returns to it.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use shared::access::Permission;
use shared::contract::ContractState;
use shared::dto::{ContractListQuery, ContractSort};

use crate::api;
use crate::components::contract::StateBadge;
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pager::Pager;
use crate::format::{amount_digits, date_ja, jst, yen_opt};
use crate::i18n::{K, use_i18n};
use crate::pages::home::list_href as href_of;
use crate::session::use_session;
use uuid::Uuid;
use wasm_bindgen::JsCast;

const PER_PAGE: u32 = 50;

const SORTS: &[(ContractSort, K)] = &[
    (ContractSort::Updated, K::SortUpdated),
    (ContractSort::Concluded, K::SortConcluded),
    (ContractSort::Number, K::SortNumber),
    (ContractSort::Amount, K::SortAmount),
];

/// The list's query from the page's URL; a bad value (a hand-edited URL) is left out.
fn query_of(map: &ParamsMap) -> ContractListQuery {
    let pairs: Vec<(&str, String)> = ContractListQuery::KEYS
        .iter()
        .filter_map(|&k| map.get(k).map(|v| (k, v)))
        .collect();
    ContractListQuery::parse_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).0
}

/// The form's fields, one signal each.
#[derive(Clone, Copy)]
struct Filters {
    q: RwSignal<String>,
    title: RwSignal<String>,
    number: RwSignal<String>,
    counterparty: RwSignal<String>,
    department: RwSignal<String>,
    states: RwSignal<Vec<ContractState>>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    sort: RwSignal<Option<ContractSort>>,
    /// Carried from the URL (the start page's links): only mine / returned to me.
    created_by_me: RwSignal<bool>,
    returned_to_me: RwSignal<bool>,
    expires_within_days: RwSignal<Option<u32>>,
}

impl Filters {
    fn new() -> Self {
        Filters {
            q: RwSignal::new(String::new()),
            title: RwSignal::new(String::new()),
            number: RwSignal::new(String::new()),
            counterparty: RwSignal::new(String::new()),
            department: RwSignal::new(String::new()),
            states: RwSignal::new(Vec::new()),
            from: RwSignal::new(String::new()),
            to: RwSignal::new(String::new()),
            min: RwSignal::new(String::new()),
            max: RwSignal::new(String::new()),
            sort: RwSignal::new(None),
            created_by_me: RwSignal::new(false),
            returned_to_me: RwSignal::new(false),
            expires_within_days: RwSignal::new(None),
        }
    }

    fn load(self, q: &ContractListQuery) {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        self.q.set(text(&q.q));
        self.title.set(text(&q.title));
        self.number.set(text(&q.contract_number));
        self.counterparty.set(text(&q.counterparty));
        self.department
            .set(q.department_id.map(|d| d.to_string()).unwrap_or_default());
        self.states.set(q.state.clone());
        self.from.set(text(&q.concluded_from));
        self.to.set(text(&q.concluded_to));
        self.min.set(number(q.amount_min));
        self.max.set(number(q.amount_max));
        self.sort.set(q.sort);
        self.created_by_me.set(q.created_by_me);
        self.returned_to_me.set(q.returned_to_me);
        self.expires_within_days.set(q.expires_within_days);
    }

    fn query(self) -> ContractListQuery {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let amount = |s: RwSignal<String>| amount_digits(&s.get_untracked()).parse().ok();
        ContractListQuery {
            q: text(self.q),
            title: text(self.title),
            contract_number: text(self.number),
            counterparty: text(self.counterparty),
            department_id: Uuid::parse_str(&self.department.get_untracked()).ok(),
            state: self.states.get_untracked(),
            concluded_from: text(self.from),
            concluded_to: text(self.to),
            amount_min: amount(self.min),
            amount_max: amount(self.max),
            sort: self.sort.get_untracked(),
            created_by_me: self.created_by_me.get_untracked(),
            returned_to_me: self.returned_to_me.get_untracked(),
            expires_within_days: self.expires_within_days.get_untracked(),
            ..ContractListQuery::default()
        }
    }
}

/// Whether any filter besides the free text is set (the 詳細な条件 panel opens).
fn any_detail(q: &ContractListQuery) -> bool {
    q.title.is_some()
        || q.contract_number.is_some()
        || q.counterparty.is_some()
        || q.department_id.is_some()
        || !q.state.is_empty()
        || q.concluded_from.is_some()
        || q.concluded_to.is_some()
        || q.amount_min.is_some()
        || q.amount_max.is_some()
}

/// The contract list.
#[component]
pub fn ContractsPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(query_of));
    let filters = Filters::new();
    Effect::new(move || query.with(|q| filters.load(q)));

    let contracts = LocalResource::new(move || {
        let q = query.get();
        async move { api::contracts::list(&q, PER_PAGE).await }
    });
    let departments = LocalResource::new(api::departments::list_all);
    // 一括ダウンロード: the contracts ticked on this page.
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let zip_url = RwSignal::new(None::<String>);
    let zip = Action::new_local(move |ids: &Vec<Uuid>| api::contracts::archive_many(ids.clone()));
    Effect::new(move || {
        if let Some(Ok(url)) = zip.value().get() {
            if let Some(old) = zip_url.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            zip_url.set(Some(url.clone()));
            save_as(&url, "contracts.zip");
        }
    });
    on_cleanup(move || {
        if let Some(old) = zip_url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
    });
    Effect::new(move || {
        query.track();
        selected.set(Vec::new());
    });

    let nav = navigate.clone();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        nav(&href_of(&filters.query()), Default::default());
    };
    let nav = navigate.clone();
    let clear = move |_| nav("/contracts", Default::default());
    let nav = navigate.clone();
    let resort = move |ev: leptos::ev::Event| {
        filters
            .sort
            .set(ContractSort::parse(&event_target_value(&ev)));
        let mut q = query.get_untracked();
        q.sort = filters.sort.get_untracked();
        q.page = None;
        nav(&href_of(&q), Default::default());
    };

    let state_boxes = ContractState::ALL
        .iter()
        .map(|&s| {
            let id = format!("f-state-{}", s.as_str());
            view! {
                <div class="check">
                    <input
                        type="checkbox"
                        id=id.clone()
                        prop:checked=move || filters.states.with(|v| v.contains(&s))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            filters.states.update(|v| {
                                v.retain(|x| *x != s);
                                if on {
                                    v.push(s);
                                }
                            });
                        }
                    />
                    <label for=id>{move || i.state(s)}</label>
                </div>
            }
        })
        .collect_view();

    view! {
        <div class="page-head">
            <h1>{i.tr(K::ContractsTitle)}</h1>
            <Show when=move || session.can(Permission::CreateContracts)>
                <A href="/contracts/new" attr:class="btn btn-primary">
                    {i.tr(K::NavContractNew)}
                </A>
            </Show>
        </div>
        <p class="lead">{i.tr(K::ContractsLead)}</p>
        // The start page's task filters have no field in the form: shown here, each removable.
        {move || {
            let q = query.get();
            let mut chips = Vec::new();
            if q.created_by_me {
                chips.push((K::DashMine, ContractListQuery { created_by_me: false, page: None, ..q.clone() }));
            }
            if q.returned_to_me {
                chips.push((K::DashReturned, ContractListQuery { returned_to_me: false, page: None, ..q.clone() }));
            }
            if q.expires_within_days.is_some() {
                chips.push((K::DashExpiring, ContractListQuery { expires_within_days: None, page: None, ..q.clone() }));
            }
            (!chips.is_empty()).then(|| view! {
                <ul class="filter-chips">
                    {chips.into_iter().map(|(label, without)| view! {
                        <li class="filter-chip">
                            <span>{i.tr(label)}</span>
                            <A href=href_of(&without) attr:class="filter-chip-remove" attr:aria-label=move || i.t(K::FilterRemove) attr:title=move || i.t(K::FilterRemove)>"×"</A>
                        </li>
                    }).collect_view()}
                </ul>
            })
        }}
        <form class="card filters" role="search" on:submit=search>
            <div class="search-bar">
                <div class="field field-grow">
                    <label for="f-q">{i.tr(K::ContractSearchLabel)}</label>
                    <input id="f-q" type="search" bind:value=filters.q />
                </div>
                <button type="submit" class="btn btn-primary">{i.tr(K::Search)}</button>
            </div>
            <details prop:open=move || query.with(any_detail)>
                <summary>{i.tr(K::MoreFilters)}</summary>
                <div class="filter-grid">
                    <div class="field">
                        <label for="f-title">{i.tr(K::ContractTitle)}</label>
                        <input id="f-title" type="text" bind:value=filters.title />
                    </div>
                    <div class="field">
                        <label for="f-number">{i.tr(K::ContractNumber)}</label>
                        <input id="f-number" type="text" bind:value=filters.number />
                    </div>
                    <div class="field">
                        <label for="f-counterparty">{i.tr(K::Counterparty)}</label>
                        <input id="f-counterparty" type="text" bind:value=filters.counterparty />
                    </div>
                    <div class="field">
                        <label for="f-department">{i.tr(K::Department)}</label>
                        <select id="f-department" on:change=move |ev| filters.department.set(event_target_value(&ev))>
                            <option value="" selected=move || filters.department.get().is_empty()>
                                {i.tr(K::AnyDepartment)}
                            </option>
                            {move || {
                                departments
                                    .get()
                                    .and_then(Result::ok)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|d| {
                                        let id = d.id.to_string();
                                        let id2 = id.clone();
                                        view! {
                                            <option value=id selected=move || filters.department.get() == id2>
                                                {d.name}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                    <div class="field">
                        <label for="f-from">{i.tr(K::ConcludedFrom)}</label>
                        <input id="f-from" type="date" bind:value=filters.from />
                    </div>
                    <div class="field">
                        <label for="f-to">{i.tr(K::ConcludedTo)}</label>
                        <input id="f-to" type="date" bind:value=filters.to />
                    </div>
                    <div class="field">
                        <label for="f-min">{i.tr(K::AmountMin)}</label>
                        <input id="f-min" type="text" inputmode="numeric" bind:value=filters.min />
                    </div>
                    <div class="field">
                        <label for="f-max">{i.tr(K::AmountMax)}</label>
                        <input id="f-max" type="text" inputmode="numeric" bind:value=filters.max />
                    </div>
                </div>
                <fieldset class="choices states">
                    <legend>{i.tr(K::StatesLegend)}</legend>
                    {state_boxes}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary">{i.tr(K::Search)}</button>
                    <button type="button" class="btn" on:click=clear>{i.tr(K::ClearFilters)}</button>
                </div>
            </details>
        </form>
        <div class="list-tools">
            <a class="btn" href=move || api::contracts::csv_url(&query.get()) download="">
                {i.tr(K::ExportCsv)}
            </a>
            <button
                type="button"
                class="btn"
                disabled=move || selected.with(Vec::is_empty) || zip.pending().get()
                on:click=move |_| {
                    zip.dispatch(selected.get_untracked());
                }
            >
                {i.tr(K::BulkZip)}
                {move || selected.with(|v| (!v.is_empty()).then(|| format!("（{}）", v.len())))}
            </button>
            {move || zip.value().get().and_then(Result::err).map(|p| view! { <ProblemMessage problem=p /> })}
            <span class="spacer"></span>
            <label for="f-sort">{i.tr(K::SortLabel)}</label>
            <select id="f-sort" on:change=resort>
                {SORTS
                    .iter()
                    .map(|&(v, k)| {
                        view! {
                            <option
                                value=v.as_str()
                                selected=move || filters.sort.get().unwrap_or_default() == v
                            >
                                {i.tr(k)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match contracts.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoContracts)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let shown = list.items.len();
                        let rows = list
                            .items
                            .into_iter()
                            .map(|c| {
                                let href = format!("/contracts/{}", c.id);
                                let id = c.id;
                                let pick_label = format!("{} {}", c.contract_number, c.title);
                                view! {
                                    <tr>
                                        <td class="pick">
                                            <input
                                                type="checkbox"
                                                aria-label=move || format!("{} {}", i.t(K::SelectContract), pick_label)
                                                prop:checked=move || selected.with(|v| v.contains(&id))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|v| {
                                                        v.retain(|x| *x != id);
                                                        if on {
                                                            v.push(id);
                                                        }
                                                    });
                                                }
                                            />
                                        </td>
                                        <td data-label=i.tr(K::ContractNumber) class="mono">{c.contract_number}</td>
                                        <td data-label=i.tr(K::ContractTitle) class="wrap">
                                            <A href=href>{c.title}</A>
                                        </td>
                                        <td data-label=i.tr(K::Counterparty) class="wrap">{c.counterparty_name}</td>
                                        <td data-label=i.tr(K::AmountShort) class="num">{yen_opt(c.amount_yen)}</td>
                                        <td data-label=i.tr(K::Status)><StateBadge state=c.state /></td>
                                        <td data-label=i.tr(K::ConcludedOn)>
                                            {c.concluded_on.as_deref().map(date_ja).unwrap_or_default()}
                                        </td>
                                        <td data-label=i.tr(K::UpdatedAt)>{jst(&c.updated_at)}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        let page = RwSignal::new(query.get_untracked().page.unwrap_or(1).max(1));
                        let nav = use_navigate();
                        Effect::new(move |prev: Option<u32>| {
                            let p = page.get();
                            if prev.is_some_and(|prev| prev != p) {
                                let mut q = query.get_untracked();
                                q.page = Some(p);
                                nav(&href_of(&q), Default::default());
                            }
                            p
                        });
                        view! {
                            <div class="table-wrap">
                                <table class="list stack contracts">
                                    <thead>
                                        <tr>
                                            <th scope="col" class="pick"><span class="visually-hidden">{i.tr(K::SelectContract)}</span></th>
                                            <th scope="col">{i.tr(K::ContractNumber)}</th>
                                            <th scope="col">{i.tr(K::ContractTitle)}</th>
                                            <th scope="col">{i.tr(K::Counterparty)}</th>
                                            <th scope="col" class="num">{i.tr(K::AmountShort)}</th>
                                            <th scope="col">{i.tr(K::Status)}</th>
                                            <th scope="col">{i.tr(K::ConcludedOn)}</th>
                                            <th scope="col">{i.tr(K::UpdatedAt)}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <Pager page=page per_page=PER_PAGE total=list.total shown=shown />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Saves an object URL as a file, as a click on a download link would.
fn save_as(url: &str, file_name: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(url);
        a.set_download(file_name);
        a.click();
    }
}
