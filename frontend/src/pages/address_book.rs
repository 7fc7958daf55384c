//! アドレス帳: counterparty organisations (取引先), searchable and paged.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::access::Permission;

use crate::api;
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pager::Pager;
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

const PER_PAGE: u32 = 50;

/// The address book list.
#[component]
pub fn AddressBookPage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let query = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let include_archived = RwSignal::new(false);
    let page = RwSignal::new(1u32);
    let orgs = LocalResource::new(move || {
        let q = applied.get();
        let all = include_archived.get();
        let p = page.get();
        async move { api::organizations::list(p, PER_PAGE, &q, all).await }
    });
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        applied.set(query.get_untracked());
    };

    view! {
        <div class="page-head">
            <h1>{i.tr(K::AddressBookTitle)}</h1>
            <Show when=move || session.can(Permission::ManageAddressBook)>
                <A href="/address-book/new" attr:class="btn btn-primary">
                    {i.tr(K::OrgAdd)}
                </A>
            </Show>
        </div>
        <p class="lead">{i.tr(K::AddressBookLead)}</p>
        <form class="search-bar" role="search" on:submit=search>
            <div class="field field-grow">
                <label for="org-q">{i.tr(K::OrgSearchLabel)}</label>
                <input id="org-q" type="search" bind:value=query />
            </div>
            <button type="submit" class="btn">{i.tr(K::Search)}</button>
            <div class="check">
                <input
                    type="checkbox"
                    id="include-archived"
                    prop:checked=move || include_archived.get()
                    on:change=move |ev| {
                        page.set(1);
                        include_archived.set(event_target_checked(&ev));
                    }
                />
                <label for="include-archived">{i.tr(K::IncludeArchived)}</label>
            </div>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match orgs.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoOrgs)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let shown = list.items.len();
                        let rows = list
                            .items
                            .into_iter()
                            .map(|o| {
                                let href = format!("/address-book/{}", o.id);
                                let contacts = o.contacts.iter().filter(|c| !c.archived).count();
                                let archived = o.archived;
                                view! {
                                    <tr>
                                        <td data-label=i.tr(K::OrgName)>
                                            <div>
                                                <A href=href>{o.name.clone()}</A>
                                                {o.name_kana.clone().map(|k| view! { <span class="sub">{k}</span> })}
                                            </div>
                                        </td>
                                        <td data-label=i.tr(K::Address) class="wrap">{o.address.clone().unwrap_or_default()}</td>
                                        <td data-label=i.tr(K::Phone)>{o.phone.clone().unwrap_or_default()}</td>
                                        <td data-label=i.tr(K::Contacts) class="num">{contacts}</td>
                                        <td data-label=i.tr(K::Status)>
                                            {archived
                                                .then(|| {
                                                    view! { <span class="badge badge-off">{i.tr(K::Archived)}</span> }
                                                })}
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
                                            <th scope="col">{i.tr(K::OrgName)}</th>
                                            <th scope="col">{i.tr(K::Address)}</th>
                                            <th scope="col">{i.tr(K::Phone)}</th>
                                            <th scope="col">{i.tr(K::Contacts)}</th>
                                            <th scope="col">{i.tr(K::Status)}</th>
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
