//! Tachiai's browser apps: Leptos client-side SPAs that talk only to the JSON API under
//! `/api/v1`, using the DTOs, permission model and validators of the `shared` crate.
//!
//! Three bundles are built from this library (Trunk, see the root `Trunk.toml`), so that no
//! one downloads code for pages they do not open:
//! - `frontend` (`src/main.rs`, `index.html`): the staff app (home, contracts, approvals);
//! - `admin` (`src/bin/admin.rs`, `admin.html`): users, departments, address book, settings,
//!   audit log and the own account, with the same shell (see `app.rs`);
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

/// Starts the public pages (signing, verification).
pub fn start_public() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(public::PublicApp);
}
