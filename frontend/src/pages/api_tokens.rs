//! APIトークン (on the account page): the user's tokens for integrators; issuing one shows its
//! secret once, revoking one stops it at once.

use leptos::prelude::*;
use shared::access::Permission;
use shared::dto::{ApiTokenView, CreateApiTokenRequest, CreatedApiTokenView};
use shared::problem::{FieldError, Problem};
use shared::validate::{Name, ValidationError};
use uuid::Uuid;

use crate::api;
use crate::components::form::{
    FormMessages, FormState, GroupError, Loading, ProblemMessage, TextField,
};
use crate::format::{jst, jst_opt};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// Validity choices in days; `0`: no expiry.
const EXPIRY_DAYS: [u32; 4] = [30, 90, 365, 0];

/// The tokens, the form that issues one, and the secret just issued.
#[component]
pub fn ApiTokensSection() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let form = FormState::new();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<Permission>::new());
    let expiry = RwSignal::new(90u32);
    let issued = RwSignal::new(None::<CreatedApiTokenView>);
    let tokens = LocalResource::new(api::api_tokens::list);
    let create = Action::new_local(move |req: &CreateApiTokenRequest| {
        let req = req.clone();
        async move { api::api_tokens::create(&req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(t)) => {
            issued.set(Some(t));
            name.set(String::new());
            scopes.set(Vec::new());
            form.reset();
            tokens.refetch();
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let revoke = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api::api_tokens::revoke(id).await }
    });
    let revoke_error = RwSignal::new(None::<Problem>);
    Effect::new(move || match revoke.value().get() {
        Some(Ok(_)) => {
            revoke_error.set(None);
            tokens.refetch();
        }
        Some(Err(p)) => revoke_error.set(Some(p)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        let checked = match Name::parse(&name.get_untracked()) {
            Ok(v) => v.into_inner(),
            Err(e) => {
                errors.push(FieldError {
                    field: "name".to_owned(),
                    code: e,
                });
                String::new()
            }
        };
        let chosen = scopes.get_untracked();
        if chosen.is_empty() {
            errors.push(FieldError {
                field: "scopes".to_owned(),
                code: ValidationError::EmptySelection,
            });
        }
        if !errors.is_empty() {
            form.fail(Problem::validation(errors));
            return;
        }
        issued.set(None);
        let days = expiry.get_untracked();
        create.dispatch(CreateApiTokenRequest {
            name: checked,
            scopes: Permission::ALL
                .into_iter()
                .filter(|p| chosen.contains(p))
                .collect(),
            expires_in_days: (days > 0).then_some(days),
        });
    };
    let own = move || session.me().map(|m| m.permissions).unwrap_or_default();

    view! {
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">{i.tr(K::TokensTitle)}</h2>
            <p class="hint">{i.tr(K::TokensHint)}</p>
            {move || issued.get().map(|t| view! {
                <div class="alert alert-warn token-secret" role="alert">
                    <p><strong>{i.tr(K::TokenShownOnce)}</strong></p>
                    <label for="token-secret">{move || format!("{}（{}）", i.t(K::TokenSecret), t.token.name)}</label>
                    <textarea
                        id="token-secret"
                        class="mono token-secret-value"
                        rows="2"
                        readonly
                        prop:value=t.secret.clone()
                        on:focus=move |ev| {
                            // Select the whole secret for copying (HTMLTextAreaElement.select()).
                            if let Some(el) = ev.target()
                                && let Ok(f) = js_sys::Reflect::get(&el, &"select".into())
                                && let Some(f) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&f)
                            {
                                let _ = f.call0(&el);
                            }
                        }
                    ></textarea>
                    <p class="hint">{i.tr(K::TokenCopyHint)}</p>
                    <button type="button" class="btn btn-small" on:click=move |_| issued.set(None)>
                        {i.tr(K::TokenSecretDone)}
                    </button>
                </div>
            })}
            <h3>{i.tr(K::TokenIssue)}</h3>
            <FormMessages form=form />
            <form class="form" on:submit=submit novalidate>
                <TextField id="token-name" field="name" label=K::TokenName value=name form=form required=true hint=K::TokenNameHint />
                <fieldset class="choices" aria-describedby="token-scopes-error">
                    <legend>{i.tr(K::TokenScopes)}</legend>
                    {move || {
                        own()
                            .into_iter()
                            .map(|p| {
                                let id = format!("scope-{}", p.as_str());
                                view! {
                                    <div class="check">
                                        <input
                                            type="checkbox"
                                            id=id.clone()
                                            prop:checked=move || scopes.with(|v| v.contains(&p))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                scopes.update(|v| {
                                                    v.retain(|x| *x != p);
                                                    if on {
                                                        v.push(p);
                                                    }
                                                });
                                            }
                                        />
                                        <label for=id>{move || i.permission(p)}</label>
                                    </div>
                                }
                            })
                            .collect_view()
                    }}
                    <GroupError form=form field="scopes" id="token-scopes-error" />
                </fieldset>
                <div class="field">
                    <label for="token-expiry">{i.tr(K::TokenExpiry)}</label>
                    <select id="token-expiry" on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse() {
                            expiry.set(d);
                        }
                    }>
                        {EXPIRY_DAYS
                            .iter()
                            .map(|&d| view! {
                                <option value=d.to_string() selected=d == 90>
                                    {move || match (d, i.lang()) {
                                        (0, _) => i.t(K::TokenNoExpiry).to_owned(),
                                        (d, crate::i18n::Lang::Ja) => format!("{d}日"),
                                        (d, crate::i18n::Lang::En) => format!("{d} days"),
                                    }}
                                </option>
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { i.t(K::Saving) } else { i.t(K::TokenIssueButton) }}
                    </button>
                </div>
            </form>
            <h3>{i.tr(K::TokenList)}</h3>
            {move || revoke_error.get().map(|p| view! { <ProblemMessage problem=p /> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(page) if page.items.is_empty() => {
                            view! { <p class="empty">{i.tr(K::NoTokens)}</p> }.into_any()
                        }
                        Ok(page) => {
                            let rows = page.items.into_iter().map(|t| view! { <TokenRow token=t revoke=revoke /> }).collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="list stack tokens">
                                        <thead>
                                            <tr>
                                                <th scope="col">{i.tr(K::TokenName)}</th>
                                                <th scope="col">{i.tr(K::TokenScopes)}</th>
                                                <th scope="col">{i.tr(K::TokenCreated)}</th>
                                                <th scope="col">{i.tr(K::TokenLastUsed)}</th>
                                                <th scope="col">{i.tr(K::TokenExpiresAt)}</th>
                                                <th scope="col">{i.tr(K::Status)}</th>
                                                <th scope="col"><span class="visually-hidden">{i.tr(K::TokenRevoke)}</span></th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokenRow(
    token: ApiTokenView,
    revoke: Action<Uuid, Result<ApiTokenView, Problem>>,
) -> impl IntoView {
    let i = use_i18n();
    let id = token.id;
    let scopes = token.scopes.clone();
    let (class, key) = if token.revoked_at.is_some() {
        ("badge badge-off", K::TokenRevoked)
    } else if token.active {
        ("badge badge-on", K::StatusActive)
    } else {
        ("badge badge-off", K::TokenExpired)
    };
    let label = token.name.clone();
    let active = token.active;
    let last = token.last_used_at.clone();
    view! {
        <tr>
            <td data-label=i.tr(K::TokenName)>{token.name.clone()}</td>
            <td data-label=i.tr(K::TokenScopes) class="wrap">
                {move || scopes.iter().map(|p| i.permission(*p)).collect::<Vec<_>>().join("、")}
            </td>
            <td data-label=i.tr(K::TokenCreated)>{jst(&token.created_at)}</td>
            <td data-label=i.tr(K::TokenLastUsed)>
                {move || last.as_deref().map(jst).unwrap_or_else(|| i.t(K::Never).to_owned())}
            </td>
            <td data-label=i.tr(K::TokenExpiresAt)>
                {match token.expires_at.as_deref() {
                    Some(e) => jst_opt(Some(e)).into_any(),
                    None => view! { {i.tr(K::TokenNoExpiry)} }.into_any(),
                }}
            </td>
            <td data-label=i.tr(K::Status)><span class=class>{i.tr(key)}</span></td>
            <td>
                {active.then(|| view! {
                    <button
                        type="button"
                        class="btn btn-small btn-danger"
                        aria-label=move || format!("{}：{}", i.t(K::TokenRevoke), label)
                        disabled=move || revoke.pending().get()
                        on:click=move |_| {
                            if confirm(i.t(K::TokenConfirmRevoke)) {
                                revoke.dispatch(id);
                            }
                        }
                    >
                        {i.tr(K::TokenRevoke)}
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Asks the browser's confirmation dialog.
fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}
