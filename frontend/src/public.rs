//! The public bundle's root: which page answers which path, without a router (each public
//! page is reached by a full page load: a mail link, a QR code, a bookmark), and the frame
//! the public pages share: the brand and the language switch, no menu, no account.

use leptos::prelude::*;

use crate::i18n::{I18n, K, use_i18n};
use crate::pages::signing::SigningPage;
use crate::pages::trust::PublicTrustPage;
use crate::pages::verify::{PublicContractPage, VerifyPage};

/// The page for a path of the public bundle.
enum PublicRoute {
    /// `/sign/{token}`.
    Sign(String),
    /// `/verify`.
    Verify,
    /// `/v/{public_id}`.
    Contract(String),
    /// `/trust`: trusting the seal, checking a contract on an LGWAN PC.
    Trust,
    /// Anything else.
    Unknown,
}

impl PublicRoute {
    fn of(path: &str) -> PublicRoute {
        let path = path.trim_end_matches('/');
        if let Some(token) = path.strip_prefix("/sign/").filter(|t| !t.contains('/')) {
            PublicRoute::Sign(decode(token))
        } else if path == "/verify" {
            PublicRoute::Verify
        } else if path == "/trust" {
            PublicRoute::Trust
        } else if let Some(id) = path.strip_prefix("/v/").filter(|t| !t.contains('/')) {
            PublicRoute::Contract(decode(id))
        } else {
            PublicRoute::Unknown
        }
    }
}

fn decode(segment: &str) -> String {
    js_sys::decode_uri_component(segment)
        .map(String::from)
        .unwrap_or_else(|_| segment.to_owned())
}

/// The public bundle's root component.
#[component]
pub fn PublicApp() -> impl IntoView {
    I18n::provide();
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    match PublicRoute::of(&path) {
        PublicRoute::Sign(token) => view! { <SigningPage token=token /> }.into_any(),
        PublicRoute::Verify => view! { <VerifyPage /> }.into_any(),
        PublicRoute::Trust => view! { <PublicTrustPage /> }.into_any(),
        PublicRoute::Contract(id) => view! { <PublicContractPage public_id=id /> }.into_any(),
        PublicRoute::Unknown => {
            let i = use_i18n();
            view! {
                <PublicFrame>
                    <h1>{i.tr(K::ErrorTitle)}</h1>
                    <p>{i.tr(K::PublicNotFound)}</p>
                </PublicFrame>
            }
            .into_any()
        }
    }
}

/// The header (brand, language switch) and the one-column main area of a public page.
#[component]
pub fn PublicFrame(children: Children) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="sign-page">
            <header class="sign-header">
                <span class="brand-name">{i.tr(K::AppName)}</span>
                <button
                    type="button"
                    class="btn btn-quiet"
                    aria-label=i.tr(K::LanguageSwitchLabel)
                    on:click=move |_| i.toggle()
                >
                    {i.tr(K::LanguageSwitch)}
                </button>
            </header>
            <main id="main" class="sign-main">{children()}</main>
        </div>
    }
}
