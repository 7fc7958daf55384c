//! The router: which page answers which path. Nothing else lives here.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::components::shell::Shell;
use crate::i18n::I18n;
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
    settings::SettingsPage,
    user_edit::UserEditPage,
    user_new::UserNewPage,
    users::UsersPage,
};
use crate::session::Session;

/// The application root.
#[component]
pub fn App() -> impl IntoView {
    I18n::provide();
    Session::provide();
    view! {
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("contracts") view=ContractsPage />
                    <Route path=path!("contracts/new") view=ContractNewPage />
                    <Route path=path!("contracts/:id") view=ContractDetailPage />
                    <Route path=path!("contracts/:id/edit") view=ContractEditPage />
                    <Route path=path!("approvals") view=ApprovalsPage />
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("users/new") view=UserNewPage />
                    <Route path=path!("users/:id") view=UserEditPage />
                    <Route path=path!("departments") view=DepartmentsPage />
                    <Route path=path!("address-book") view=AddressBookPage />
                    <Route path=path!("address-book/new") view=OrganizationNewPage />
                    <Route path=path!("address-book/:id") view=OrganizationEditPage />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("audit-log") view=AuditPage />
                    <Route path=path!("account") view=AccountPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
