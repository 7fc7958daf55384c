//! Tachiai's browser app: a Leptos client-side SPA that talks only to the JSON API under
//! `/api/v1`, using the DTOs, permission model and validators of the `shared` crate.
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod format;
mod i18n;
mod pages;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
