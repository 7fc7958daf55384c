//! Any path the router does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{K, use_i18n};

/// The 404 page.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i = use_i18n();
    view! {
        <main id="main" class="login-card">
            <h1>{i.tr(K::ErrorTitle)}</h1>
            <p>{i.tr(K::NotFound)}</p>
            <p>
                <A href="/">{i.tr(K::NavHome)}</A>
            </p>
        </main>
    }
}
