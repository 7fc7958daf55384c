//! The frame around every page after login: header (団体名, user, language, logout), the
//! menu of the pages the user may use, and the page itself. Redirects to the login page when
//! there is no session, and to the account page while a password change or TOTP set-up is due.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};
use shared::access::Permission;

use crate::api;
use crate::components::form::Loading;
use crate::components::notice_banner::NoticeBanner;
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// A menu entry: path, label and the permission it needs (none: everyone).
const MENU: &[(&str, K, Option<Permission>)] = &[
    ("/", K::NavHome, None),
    (
        "/contracts",
        K::NavContracts,
        Some(Permission::ViewContracts),
    ),
    (
        "/contracts/new",
        K::NavContractNew,
        Some(Permission::CreateContracts),
    ),
    (
        "/approvals",
        K::NavApprovals,
        Some(Permission::ApproveContracts),
    ),
    ("/users", K::NavUsers, Some(Permission::ManageUsers)),
    (
        "/departments",
        K::NavDepartments,
        Some(Permission::ManageDepartments),
    ),
    (
        "/address-book",
        K::NavAddressBook,
        Some(Permission::ViewAddressBook),
    ),
    ("/audit-log", K::NavAudit, Some(Permission::ViewAuditLog)),
    // Monthly usage report (月次利用状況報告).
    ("/reports", K::NavReports, Some(Permission::ViewReports)),
    (
        "/settings",
        K::NavSettings,
        Some(Permission::ManageSettings),
    ),
    (
        "/route-templates",
        K::NavRouteTemplates,
        Some(Permission::ManageSettings),
    ),
    ("/account", K::NavAccount, None),
    // Maintenance notices (お知らせ).
    ("/notices", K::NavNotices, Some(Permission::ManageNotices)),
    // Retention and disposition:
    (
        "/dispositions",
        K::NavDispositions,
        Some(Permission::DisposeRecords),
    ),
    // Records management: the fiscal-year export.
    ("/exports", K::NavExports, Some(Permission::ExportRecords)),
    // Webhooks (Webhook 通知).
    (
        "/webhooks",
        K::NavWebhooks,
        Some(Permission::ManageWebhooks),
    ),
    // Document templates (ひな形) and bulk sending (一括送信).
    (
        "/templates",
        K::NavDocTemplates,
        Some(Permission::CreateContracts),
    ),
];

/// The logged-in frame; child routes render in its `<main>`.
#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();

    let nav = navigate.clone();
    Effect::new(move || {
        if session.ready.get() && !session.logged_in() {
            nav(
                "/login",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    Effect::new(move || {
        if session.account_only() && location.pathname.get() != "/account" {
            navigate(
                "/account",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    view! {
        <Show
            when=move || session.ready.get() && session.logged_in()
            fallback=|| view! { <div class="boot"><Loading /></div> }
        >
            <Frame />
        </Show>
    }
}

#[component]
fn Frame() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let logout = Action::new_local(|_: &()| api::auth::logout());
    Effect::new(move || {
        // Whatever the server answered, the session is over for this browser.
        if logout.value().get().is_some() {
            session.clear();
        }
    });
    // Maintenance notices (お知らせ): fetched again at each navigation, so a new one shows
    // without a reload; a failure shows no banner rather than an error on every page.
    let location = use_location();
    // Not while only the account page may be used (the API refuses everything else then).
    let notices = LocalResource::new(move || {
        location.pathname.track();
        let account_only = session.account_only();
        async move {
            if account_only {
                return None;
            }
            api::notices::current().await.ok()
        }
    });
    let tenant = move || session.me().map(|m| m.tenant.name).unwrap_or_default();
    let user = move || session.me().map(|m| m.user.name).unwrap_or_default();

    view! {
        <a class="skip-link" href="#main">{i.tr(K::SkipToMain)}</a>
        <header class="app-header">
            <div class="brand">
                <span class="brand-name">{i.tr(K::AppName)}</span>
                <span class="brand-tenant">{tenant}</span>
            </div>
            <div class="header-actions">
                <span class="header-user">
                    <span class="visually-hidden">{i.tr(K::LoggedInAs)}</span>
                    {user}
                </span>
                <button
                    type="button"
                    class="btn btn-quiet"
                    lang=move || if i.t(K::LanguageSwitch) == "English" { "en" } else { "ja" }
                    aria-label=i.tr(K::LanguageSwitchLabel)
                    on:click=move |_| i.toggle()
                >
                    {i.tr(K::LanguageSwitch)}
                </button>
                <button
                    type="button"
                    class="btn btn-quiet"
                    disabled=move || logout.pending().get()
                    on:click=move |_| {
                        logout.dispatch(());
                    }
                >
                    {i.tr(K::Logout)}
                </button>
            </div>
        </header>
        <div class="layout">
            <nav class="side-nav" aria-label=i.tr(K::MainMenu)>
                <ul>
                    {MENU
                        .iter()
                        .map(|&(href, label, need)| {
                            let visible = move || {
                                let allowed = need.is_none_or(|p| session.can(p));
                                let account_only = session.account_only();
                                allowed && (!account_only || href == "/account")
                            };
                            view! {
                                <Show when=visible>
                                    <li>
                                        <A href=href exact=matches!(href, "/" | "/contracts")>
                                            {i.tr(label)}
                                        </A>
                                    </li>
                                </Show>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <main id="main" tabindex="-1">
                <Show when=move || session.development_seal()>
                    <p class="alert alert-warn development-seal" role="note">
                        {i.tr(K::DevelopmentSeal)}
                    </p>
                </Show>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        notices.await.map(|v| view! { <NoticeBanner notices=v.notices /> })
                    })}
                </Transition>
                <Outlet />
            </main>
        </div>
    }
}
