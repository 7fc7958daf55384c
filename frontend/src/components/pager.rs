//! Previous/next navigation for a paged list.

use leptos::prelude::*;

use crate::i18n::{K, use_i18n};

/// Shows "全N件中 a～b件" and buttons to move between pages.
#[component]
pub fn Pager(
    /// The current page (1-based); the buttons change it.
    page: RwSignal<u32>,
    /// Items per page.
    per_page: u32,
    /// Items on all pages.
    total: u64,
    /// Items on this page.
    shown: usize,
) -> impl IntoView {
    let i = use_i18n();
    let pages = total.div_ceil(u64::from(per_page.max(1))).max(1);
    let current = page.get_untracked();
    let at_first = current <= 1;
    let at_last = u64::from(current) >= pages;
    view! {
        <nav class="pager" aria-label=i.tr(K::Pagination)>
            <p class="pager-info">{move || i.page_range(total, current, per_page, shown)}</p>
            <div class="pager-buttons">
                <button
                    type="button"
                    class="btn"
                    disabled=at_first
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
                >
                    {i.tr(K::Prev)}
                </button>
                <button
                    type="button"
                    class="btn"
                    disabled=at_last
                    on:click=move |_| page.update(|p| *p += 1)
                >
                    {i.tr(K::Next)}
                </button>
            </div>
        </nav>
    }
}
