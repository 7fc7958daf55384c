//! Tachiai's browser apps: Leptos client-side SPAs that talk only to the JSON API under
//! `/api/v1`, using the DTOs, permission model and validators of the `shared` crate.
//!
//! Six bundles are built from this library (Trunk, see the root `Trunk.toml`; which path
//! belongs to which: `shared::bundle`), so that no one downloads code for pages they do not
//! open:
//! - `frontend` (`src/main.rs`, `index.html`): the staff app (home, contracts, approvals);
//! - `editor` (`src/bin/editor.rs`, `editor.html`): a new contract and a draft's edit page;
//! - `admin` (`src/bin/admin.rs`, `admin.html`): users, departments, address book and route
//!   templates, with the same shell (see `app.rs`);
//! - `settings` (`src/bin/settings.rs`, `settings.html`): the organisation's settings and the
//!   own account;
//! - `records` (`src/bin/records.rs`, `records.html`): audit log, notices, retention,
//!   reports and exports;
//! - `public` (`src/bin/public.rs`, `public.html`): the pages anyone may open without an
//!   account — the counterparty's signing page (`/sign/{token}`) and the verification pages
//!   (`/verify`, `/v/{public_id}`). Suppliers on phones load only this small bundle.
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod format;
mod i18n;
mod pages;
mod public;
mod session;

/// Starts the staff app.
pub fn start_staff() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

/// Starts the administration pages.
pub fn start_admin() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::AdminApp);
}

/// Starts the editor (a new contract, a draft's edit page).
pub fn start_editor() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::EditorApp);
}

/// Starts the settings pages (the organisation's settings, the own account).
pub fn start_settings() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::SettingsApp);
}

/// Starts the records pages (audit log, notices, retention, reports, exports).
pub fn start_records() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::RecordsApp);
}

/// Starts the document templates (ひな形) and bulk sending (一括送信) pages.
pub fn start_templates() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::TemplatesApp);
}

/// Starts the public pages (signing, verification).
pub fn start_public() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(public::PublicApp);
}
