//! ホーム: for now who you are and what you may do; the contract dashboard comes with the
//! contract workflow.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::access::Permission;

use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let me = move || session.me();
    let links: [(&str, K, Permission); 5] = [
        ("/users", K::NavUsers, Permission::ManageUsers),
        (
            "/departments",
            K::NavDepartments,
            Permission::ManageDepartments,
        ),
        (
            "/address-book",
            K::NavAddressBook,
            Permission::ViewAddressBook,
        ),
        ("/audit-log", K::NavAudit, Permission::ViewAuditLog),
        ("/settings", K::NavSettings, Permission::ManageSettings),
    ];
    view! {
        <h1>{i.tr(K::HomeTitle)}</h1>
        <p class="lead">{i.tr(K::HomeLead)}</p>
        <section class="card" aria-labelledby="home-you">
            <h2 id="home-you">{i.tr(K::HomeYou)}</h2>
            {move || {
                me()
                    .map(|m| {
                        let roles = m
                            .user
                            .roles
                            .iter()
                            .map(|r| i.role(*r))
                            .collect::<Vec<_>>()
                            .join("、");
                        let perms = m.permissions.clone();
                        view! {
                            <dl class="facts">
                                <dt>{i.tr(K::Tenant)}</dt>
                                <dd>{m.tenant.name.clone()}</dd>
                                <dt>{i.tr(K::Name)}</dt>
                                <dd>{m.user.name.clone()}</dd>
                                <dt>{i.tr(K::LoginId)}</dt>
                                <dd>{m.user.login_id.clone()}</dd>
                                <dt>{i.tr(K::Roles)}</dt>
                                <dd>{roles}</dd>
                                <dt>{i.tr(K::EffectivePermissions)}</dt>
                                <dd>
                                    <ul class="tags">
                                        {perms
                                            .into_iter()
                                            .map(|p| view! { <li>{move || i.permission(p)}</li> })
                                            .collect_view()}
                                    </ul>
                                </dd>
                            </dl>
                        }
                    })
            }}
        </section>
        <section class="card" aria-labelledby="home-pages">
            <h2 id="home-pages">{i.tr(K::HomeShortcuts)}</h2>
            <ul class="shortcut-list">
                {links
                    .into_iter()
                    .map(|(href, label, need)| {
                        view! {
                            <Show when=move || session.can(need)>
                                <li>
                                    <A href=href>{i.tr(label)}</A>
                                </li>
                            </Show>
                        }
                    })
                    .collect_view()}
                <li>
                    <A href="/account">{i.tr(K::NavAccount)}</A>
                </li>
            </ul>
        </section>
    }
}
