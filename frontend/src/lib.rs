//! Tachiai's browser apps: Leptos client-side SPAs that talk only to the JSON API under
//! `/api/v1`, using the DTOs, permission model and validators of the `shared` crate.
//!
//! Two bundles are built from this library (Trunk, see the root `Trunk.toml`):
//! - `frontend` (`src/main.rs`, `index.html`): the staff app, behind a login;
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

/// Starts the public pages (signing, verification).
pub fn start_public() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(public::PublicApp);
}
