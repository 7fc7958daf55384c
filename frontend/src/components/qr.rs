//! A QR code drawn as inline SVG (no script, no image request), for the TOTP set-up URI.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// The QR code of `text`, with `label` as its accessible name. Renders nothing if the text
/// does not fit in a QR code.
#[component]
pub fn QrCodeSvg(text: String, label: String) -> impl IntoView {
    let qr = QrCode::encode_text(&text, QrCodeEcc::Medium).ok()?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut d = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                d.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    Some(view! {
        <svg
            class="qr"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {size} {size}")
            shape-rendering="crispEdges"
            xmlns="http://www.w3.org/2000/svg"
        >
            <rect width="100%" height="100%" fill="#ffffff"></rect>
            <path d=d fill="#000000"></path>
        </svg>
    })
}
