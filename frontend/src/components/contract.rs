//! Small pieces of the contract pages: state badges and the facts list of a contract.

use leptos::prelude::*;
use shared::contract::{ContractState, DocumentRole, RecipientState};

use crate::i18n::{I18n, K, use_i18n};

/// The badge of a contract state, e.g. 「承認待ち」.
#[component]
pub fn StateBadge(state: ContractState) -> impl IntoView {
    let i = use_i18n();
    let class = format!("badge state state-{}", state.as_str());
    view! { <span class=class>{move || i.state(state)}</span> }
}

/// The badge of a recipient's state, e.g. 「合意済み」.
#[component]
pub fn RecipientBadge(state: RecipientState) -> impl IntoView {
    let i = use_i18n();
    let class = format!("badge rstate rstate-{}", state.as_str());
    view! { <span class=class>{move || i.recipient_state(state)}</span> }
}

/// A document's role in words: 契約書, 電子署名済み契約書, 合意締結証明書, 添付ファイル.
pub fn role_label(i: I18n, role: DocumentRole) -> &'static str {
    match role {
        DocumentRole::Main => i.t(K::RoleMain),
        DocumentRole::Attachment => i.t(K::RoleAttachment),
        DocumentRole::Sealed => i.t(K::RoleSealed),
        DocumentRole::Certificate => i.t(K::RoleCertificate),
    }
}
