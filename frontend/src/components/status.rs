//! Small labels: a user's state, a department's state.

use leptos::prelude::*;
use shared::dto::UserView;

use crate::format::is_future;
use crate::i18n::{K, use_i18n};

/// 有効 / 無効 / ロック中 for a user.
#[component]
pub fn UserStatus(user: UserView) -> impl IntoView {
    let i = use_i18n();
    let locked = user.locked_until.as_deref().is_some_and(is_future);
    let (class, key) = if user.disabled {
        ("badge badge-off", K::StatusDisabled)
    } else if locked {
        ("badge badge-warn", K::StatusLocked)
    } else {
        ("badge badge-on", K::StatusActive)
    };
    view! { <span class=class>{i.tr(key)}</span> }
}
