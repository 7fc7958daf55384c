//! 利用者: the paged, searchable list of staff accounts.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::department::path_name;
use crate::components::form::{Loading, ProblemMessage};
use crate::components::pager::Pager;
use crate::components::status::UserStatus;
use crate::format::jst;
use crate::i18n::{K, use_i18n};

const PER_PAGE: u32 = 50;

/// The user list.
#[component]
pub fn UsersPage() -> impl IntoView {
    let i = use_i18n();
    let query = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let include_disabled = RwSignal::new(false);
    let page = RwSignal::new(1u32);

    let users = LocalResource::new(move || {
        let q = applied.get();
        let all = include_disabled.get();
        let p = page.get();
        async move { api::users::list(p, PER_PAGE, &q, all).await }
    });
    let departments = LocalResource::new(api::departments::list_all);

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        applied.set(query.get_untracked());
    };

    view! {
        <div class="page-head">
            <h1>{i.tr(K::UsersTitle)}</h1>
            <A href="/users/new" attr:class="btn btn-primary">
                {i.tr(K::UserAdd)}
            </A>
        </div>
        <form class="search-bar" role="search" on:submit=search>
            <div class="field field-grow">
                <label for="user-q">{i.tr(K::UserSearchLabel)}</label>
                <input id="user-q" type="search" bind:value=query />
            </div>
            <button type="submit" class="btn">{i.tr(K::Search)}</button>
            <div class="check">
                <input
                    type="checkbox"
                    id="include-disabled"
                    prop:checked=move || include_disabled.get()
                    on:change=move |ev| {
                        page.set(1);
                        include_disabled.set(event_target_checked(&ev));
                    }
                />
                <label for="include-disabled">{i.tr(K::IncludeDisabled)}</label>
            </div>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let depts = departments.await.unwrap_or_default();
                match users.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoUsers)}</p> }.into_any()
                    }
                    Ok(list) => {
                        let shown = list.items.len();
                        let rows = list
                            .items
                            .into_iter()
                            .map(|u| {
                                let dept = u
                                    .department_id
                                    .map(|d| path_name(&depts, d))
                                    .unwrap_or_default();
                                let roles = u.roles.clone();
                                let href = format!("/users/{}", u.id);
                                let last = u.last_login_at.as_deref().map(jst);
                                let name = u.name.clone();
                                let login_id = u.login_id.clone();
                                let email = u.email.clone();
                                view! {
                                    <tr>
                                        <td data-label=i.tr(K::Name)>
                                            <A href=href>{name}</A>
                                        </td>
                                        <td data-label=i.tr(K::LoginId) class="mono">{login_id}</td>
                                        <td data-label=i.tr(K::Email) class="wrap">{email}</td>
                                        <td data-label=i.tr(K::Department)>{dept}</td>
                                        <td data-label=i.tr(K::Roles)>
                                            {move || {
                                                roles.iter().map(|r| i.role(*r)).collect::<Vec<_>>().join("、")
                                            }}
                                        </td>
                                        <td data-label=i.tr(K::Status)>
                                            <UserStatus user=u />
                                        </td>
                                        <td data-label=i.tr(K::LastLogin)>
                                            {move || last.clone().unwrap_or_else(|| i.t(K::Never).to_owned())}
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
                                            <th scope="col">{i.tr(K::Name)}</th>
                                            <th scope="col">{i.tr(K::LoginId)}</th>
                                            <th scope="col">{i.tr(K::Email)}</th>
                                            <th scope="col">{i.tr(K::Department)}</th>
                                            <th scope="col">{i.tr(K::Roles)}</th>
                                            <th scope="col">{i.tr(K::Status)}</th>
                                            <th scope="col">{i.tr(K::LastLogin)}</th>
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
