//! The maintenance and outage banner (メンテナンス・障害のお知らせ, 仕様 6-(6)) shown on every
//! staff page and on the counterparty's signing page. Props in, no fetching. The title and text
//! are plain text, rendered as text nodes (never as HTML); an outage is announced as an alert,
//! the rest as polite status messages; the colours follow the kind.

use leptos::prelude::*;
use shared::dto::NoticeBannerView;

use crate::format;
use crate::i18n::{K, use_i18n};

/// The notices, most urgent first as the server sorted them; nothing when there are none.
#[component]
pub fn NoticeBanner(notices: Vec<NoticeBannerView>) -> impl IntoView {
    let i = use_i18n();
    (!notices.is_empty()).then(|| {
        view! {
            <section class="notice-banners" aria-label=i.tr(K::NoticesLabel)>
                {notices.into_iter().map(notice_item).collect_view()}
            </section>
        }
    })
}

fn notice_item(n: NoticeBannerView) -> impl IntoView {
    let i = use_i18n();
    let kind = n.kind;
    let class = format!("notice notice-{}", kind.as_str());
    let role = if kind.is_urgent() { "alert" } else { "status" };
    let when = if n.active {
        K::NoticeNow
    } else {
        K::NoticeUpcoming
    };
    let period = format!(
        "{} 〜 {}",
        format::jst(&n.starts_at),
        format::jst(&n.ends_at)
    );
    view! {
        <div class=class role=role>
            <p class="notice-head">
                <span class="notice-kind">{move || i.pick(kind.label_ja(), kind.label_en())}</span>
                <span class="notice-when">{i.tr(when)}</span>
                <strong class="notice-title">{n.title}</strong>
            </p>
            <p class="notice-period">
                <span class="visually-hidden">{i.tr(K::NoticePeriod)}</span>
                {period}
            </p>
            <p class="notice-text">{n.text}</p>
        </div>
    }
}
