//! The routers of the logged-in bundles: which page answers which path. Nothing else
//! lives here.
//!
//! The staff app (`index.html`) has the daily pages: home, contracts, approvals. The editor
//! (`editor.html`) writes a contract: new, and a draft's edit page. The administration bundle
//! (`admin.html`) has the pages an administrator uses now and then: users, departments,
//! address book, route templates; the settings bundle (`settings.html`) the organisation's
//! settings and the own account; the records bundle (`records.html`) the audit log, notices,
//! retention, reports and exports. All share the
//! shell (header, menu); a path of another bundle (`shared::bundle`) is opened with a full
//! page load (the server answers it with that bundle's HTML), so links between them need no
//! special care.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::components::form::Loading;
use crate::components::shell::Shell;
use crate::i18n::I18n;
use crate::pages::dispositions::DispositionsPage;
use crate::pages::{
    account::AccountPage,
    address_book::AddressBookPage,
    approvals::ApprovalsPage,
    audit::AuditPage,
    contract_detail::ContractDetailPage,
    contract_edit::{ContractEditPage, ContractNewPage},
    contracts::ContractsPage,
    departments::DepartmentsPage,
    home::HomePage,
    login::LoginPage,
    not_found::NotFoundPage,
    organization_edit::OrganizationEditPage,
    organization_new::OrganizationNewPage,
    reports::ReportsPage,
    route_templates::RouteTemplatesPage,
    settings::SettingsPage,
    trust::TrustGuidePage,
    user_edit::UserEditPage,
    user_new::UserNewPage,
    users::UsersPage,
};
// Maintenance notices (お知らせ).
use crate::pages::notices::NoticesPage;
// Records management: the fiscal-year export.
use crate::pages::exports::ExportsPage;
// Webhooks (Webhook 通知).
use crate::pages::webhooks::WebhooksPage;
// Document templates (ひな形) and bulk sending (一括送信).
use crate::pages::templates::{ContractFromTemplatePage, TemplatesPage};
use crate::session::Session;
use shared::bundle::Bundle;

/// The staff app's root.
#[component]
pub fn App() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Staff /> }>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("contracts") view=ContractsPage />
                    // The editor's page, which `contracts/:id` would take.
                    <Route path=path!("contracts/new") view=|| view! { <Elsewhere here=Bundle::Staff /> } />
                    // The templates bundle's page, which `contracts/:id` would take too.
                    <Route path=path!("contracts/from-template") view=|| view! { <Elsewhere here=Bundle::Staff /> } />
                    <Route path=path!("contracts/:id") view=ContractDetailPage />
                    <Route path=path!("approvals") view=ApprovalsPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The administration bundle's root.
#[component]
pub fn AdminApp() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Admin /> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("users/new") view=UserNewPage />
                    <Route path=path!("users/:id") view=UserEditPage />
                    <Route path=path!("departments") view=DepartmentsPage />
                    <Route path=path!("address-book") view=AddressBookPage />
                    <Route path=path!("address-book/new") view=OrganizationNewPage />
                    <Route path=path!("address-book/:id") view=OrganizationEditPage />
                    <Route path=path!("route-templates") view=RouteTemplatesPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The editor's root: a new contract and a draft's edit page.
#[component]
pub fn EditorApp() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Editor /> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("contracts/new") view=ContractNewPage />
                    <Route path=path!("contracts/:id/edit") view=ContractEditPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The templates bundle's root: document templates (ひな形), a draft from one, bulk sending.
#[component]
pub fn TemplatesApp() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Templates /> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("templates") view=TemplatesPage />
                    <Route path=path!("contracts/from-template") view=ContractFromTemplatePage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The settings bundle's root: the organisation's settings, its webhooks and the own account.
#[component]
pub fn SettingsApp() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Settings /> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("settings/trust") view=TrustGuidePage />
                    <Route path=path!("account") view=AccountPage />
                    // Webhooks (Webhook 通知).
                    <Route path=path!("webhooks") view=WebhooksPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The records bundle's root: audit log, notices, retention, reports, exports.
#[component]
pub fn RecordsApp() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=|| view! { <Elsewhere here=Bundle::Records /> }>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("audit-log") view=AuditPage />
                    // Maintenance notices (お知らせ).
                    <Route path=path!("notices") view=NoticesPage />
                    <Route path=path!("dispositions") view=DispositionsPage />
                    <Route path=path!("reports") view=ReportsPage />
                    // Records management: the fiscal-year export.
                    <Route path=path!("exports") view=ExportsPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// A path this bundle (`here`) has no page for: when another bundle has it, load it from the
/// server; else the 404 page.
#[component]
fn Elsewhere(here: Bundle) -> impl IntoView {
    let routed = use_location();
    let path = routed.pathname.get_untracked();
    let search = routed.search.get_untracked();
    if Bundle::for_path(&path) != here {
        if let Some(l) = web_sys::window().map(|w| w.location()) {
            let target = match search.trim_start_matches('?') {
                "" => path.clone(),
                query => format!("{path}?{query}"),
            };
            // When the router has already put this URL into the history, replace that entry.
            let _ = if l.pathname().ok().as_deref() == Some(path.as_str()) {
                l.replace(&target)
            } else {
                l.assign(&target)
            };
        }
        view! { <div class="boot"><Loading /></div> }.into_any()
    } else {
        view! { <NotFoundPage /> }.into_any()
    }
}
