//! Webhook 通知先 (`/webhooks`): a tenant administrator (`manage_webhooks`) registers the
//! endpoints of other systems and the events they get, sees each signing secret once (at
//! registration and rotation), and reads the delivery log with a 再送 button per delivery.

use leptos::prelude::*;
use shared::dto::{
    WebhookDeliveryView, WebhookEndpointRequest, WebhookEndpointView, WebhookSecretView,
};
use shared::problem::Problem;
use shared::webhook::{DeliveryState, WebhookEvent};
use uuid::Uuid;

use crate::api;
use crate::components::form::{
    FormMessages, FormState, GroupError, Loading, ProblemMessage, TextField,
};
use crate::format;
use crate::i18n::{I18n, K, use_i18n};

/// What a row's buttons do.
#[derive(Clone)]
enum Change {
    Toggle(WebhookEndpointView),
    Rotate(Uuid),
    Delete(Uuid),
}

/// The page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let secret: RwSignal<Option<WebhookSecretView>> = RwSignal::new(None);
    let shown_log: RwSignal<Option<Uuid>> = RwSignal::new(None);
    let list = LocalResource::new(move || {
        reload.track();
        api::webhooks::list()
    });
    let change = Action::new_local(move |c: &Change| {
        let c = c.clone();
        async move {
            match c {
                Change::Toggle(e) => {
                    let req = WebhookEndpointRequest {
                        url: e.url,
                        description: e.description,
                        events: e.events,
                        active: !e.active,
                    };
                    api::webhooks::update(e.id, &req).await.map(|_| None)
                }
                Change::Rotate(id) => api::webhooks::rotate(id).await.map(Some),
                Change::Delete(id) => {
                    let deleted = api::webhooks::delete(id).await;
                    if deleted.is_ok() && shown_log.get_untracked() == Some(id) {
                        shown_log.set(None);
                    }
                    deleted.map(|_| None)
                }
            }
        }
    });
    let change_problem = RwSignal::new(None);
    Effect::new(move || match change.value().get() {
        Some(Ok(new_secret)) => {
            change_problem.set(None);
            if new_secret.is_some() {
                secret.set(new_secret);
            }
            reload.update(|n| *n += 1);
        }
        Some(Err(p)) => change_problem.set(Some(p)),
        None => {}
    });
    view! {
        <h1>{i.tr(K::WebhooksTitle)}</h1>
        <p class="lead">{i.tr(K::WebhooksLead)}</p>
        {move || secret.get().map(|s| view! { <SecretOnce shown=s /> })}
        <NewEndpoint on_created=Callback::new(move |s: WebhookSecretView| {
            secret.set(Some(s));
            reload.update(|n| *n += 1);
        }) />
        <section class="card" aria-labelledby="webhook-list">
            <h2 id="webhook-list">{i.tr(K::WebhookList)}</h2>
            <p class="hint">{i.tr(K::WebhookRotateHint)}</p>
            {move || change_problem.get().map(|p| view! { <ProblemMessage problem=p /> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(items) if items.is_empty() => {
                            view! { <p class="empty">{i.tr(K::WebhookNone)}</p> }.into_any()
                        }
                        Ok(items) => view! {
                            <ul class="rows" role="list">
                                {items.into_iter().map(|e| endpoint_row(i, e, change, shown_log)).collect_view()}
                            </ul>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
        </section>
        {move || shown_log.get().map(|id| view! { <DeliveryLog endpoint=id /> })}
    }
}

/// The secret of a new or rotated endpoint, shown this once.
#[component]
fn SecretOnce(shown: WebhookSecretView) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card secret-once" role="status" aria-labelledby="webhook-secret">
            <h2 id="webhook-secret">{i.tr(K::WebhookSecretTitle)}</h2>
            <p>{i.tr(K::WebhookSecretOnce)}</p>
            <p>{i.tr(K::WebhookSecretFor)} ": " {shown.endpoint.url}</p>
            <p><code class="secret" data-testid="webhook-secret">{shown.secret}</code></p>
        </section>
    }
}

/// The label of an enum's `labels()` in the current language.
fn label(i: I18n, (ja, en): (&'static str, &'static str)) -> &'static str {
    i.pick(ja, en)
}

fn events_text(i: I18n, events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| label(i, e.labels()))
        .collect::<Vec<_>>()
        .join("、")
}

fn endpoint_row(
    i: I18n,
    e: WebhookEndpointView,
    change: Action<Change, Result<Option<WebhookSecretView>, Problem>>,
    shown_log: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let id = e.id;
    let toggled = e.clone();
    let active = e.active;
    let events = e.events.clone();
    let badge = if active { "badge badge-ok" } else { "badge" };
    view! {
        <li class="webhook">
            <p>
                <strong class="webhook-url">{e.url.clone()}</strong>
                " "
                <span class=badge>
                    {i.tr(if active { K::WebhookActive } else { K::WebhookInactive })}
                </span>
            </p>
            {(!e.description.is_empty()).then(|| view! { <p>{e.description.clone()}</p> })}
            <p class="hint">{move || events_text(i, &events)}</p>
            <p class="actions">
                <button type="button" class="btn btn-quiet" on:click=move |_| shown_log.set(Some(id))>
                    {i.tr(K::WebhookShowLog)}
                </button>
                " "
                {change_button(i, change, if active { K::WebhookDisable } else { K::WebhookEnable }, "btn", Change::Toggle(toggled), None)}
                " "
                {change_button(i, change, K::WebhookRotate, "btn", Change::Rotate(id), None)}
                " "
                {change_button(i, change, K::WebhookDelete, "btn btn-danger", Change::Delete(id), Some(K::WebhookDeleteConfirm))}
            </p>
        </li>
    }
}

/// A button that dispatches `c`, after the browser's confirmation of `ask` if given.
fn change_button(
    i: I18n,
    change: Action<Change, Result<Option<WebhookSecretView>, Problem>>,
    text: K,
    class: &'static str,
    c: Change,
    ask: Option<K>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class=class
            disabled=move || change.pending().get()
            on:click=move |_| {
                if ask.is_none_or(|k| confirm(i.t(k))) {
                    change.dispatch(c.clone());
                }
            }
        >
            {i.tr(text)}
        </button>
    }
}

/// The registration form.
#[component]
fn NewEndpoint(on_created: Callback<WebhookSecretView>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let events: RwSignal<Vec<WebhookEvent>> = RwSignal::new(vec![
        WebhookEvent::ContractSent,
        WebhookEvent::ContractConcluded,
    ]);
    let save = Action::new_local(move |req: &WebhookEndpointRequest| {
        let req = req.clone();
        async move { api::webhooks::create(&req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(s)) => {
            form.succeed(K::WebhookRegistered);
            url.set(String::new());
            description.set(String::new());
            on_created.run(s);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        if events.with_untracked(Vec::is_empty) {
            errors.push(("events", shared::validate::ValidationError::EmptySelection));
        }
        if form.check(errors) {
            save.dispatch(WebhookEndpointRequest {
                url: url.get_untracked().trim().to_owned(),
                description: description.get_untracked(),
                events: events.get_untracked(),
                active: true,
            });
        }
    };
    view! {
        <section class="card" aria-labelledby="webhook-new">
            <h2 id="webhook-new">{i.tr(K::WebhookNew)}</h2>
            <FormMessages form=form />
            <form on:submit=submit novalidate>
                <TextField id="webhook-url" field="url" label=K::WebhookUrl value=url form=form kind="url" inputmode="url" hint=K::WebhookUrlHint required=true />
                <TextField id="webhook-description" field="description" label=K::WebhookDescription value=description form=form />
                <fieldset class="choices" aria-describedby="events-error">
                    <legend>{i.tr(K::WebhookEvents)}</legend>
                    {WebhookEvent::ALL
                        .iter()
                        .copied()
                        .map(|e| {
                            let id = format!("event-{}", e.as_str().replace('.', "-"));
                            view! {
                                <div class="check">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        name="events"
                                        value=e.as_str()
                                        prop:checked=move || events.with(|v| v.contains(&e))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            events.update(|v| {
                                                v.retain(|x| *x != e);
                                                if on {
                                                    v.push(e);
                                                }
                                            });
                                        }
                                    />
                                    <label for=id>{move || label(i, e.labels())}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                    <GroupError form=form field="events" id="events-error" />
                </fieldset>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {i.tr(K::WebhookRegister)}
                </button>
            </form>
        </section>
    }
}

/// The delivery log of one endpoint, with a 再送 button per delivery.
#[component]
fn DeliveryLog(endpoint: Uuid) -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let log = LocalResource::new(move || {
        reload.track();
        api::webhooks::deliveries(endpoint)
    });
    let redeliver = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api::webhooks::redeliver(id).await }
    });
    let problem = RwSignal::new(None);
    Effect::new(move || match redeliver.value().get() {
        Some(Ok(_)) => {
            problem.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(p)) => problem.set(Some(p)),
        None => {}
    });
    view! {
        <section class="card" aria-labelledby="webhook-log">
            <h2 id="webhook-log">{i.tr(K::WebhookLog)}</h2>
            {move || problem.get().map(|p| view! { <ProblemMessage problem=p /> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match log.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(page) if page.items.is_empty() => {
                            view! { <p class="empty">{i.tr(K::WebhookLogNone)}</p> }.into_any()
                        }
                        Ok(page) => view! {
                            <ul class="rows" role="list">
                                {page.items.into_iter().map(|d| delivery_row(i, d, redeliver)).collect_view()}
                            </ul>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn delivery_row(
    i: I18n,
    d: WebhookDeliveryView,
    redeliver: Action<Uuid, Result<WebhookDeliveryView, Problem>>,
) -> impl IntoView {
    let id = d.id;
    let (event, state) = (d.event_type, d.state);
    let answer = match (d.last_status, &d.last_error) {
        (Some(s), _) => format!("HTTP {s}"),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    let attempts = d
        .attempts
        .iter()
        .map(|a| {
            let status = a
                .status
                .map_or_else(|| i.t(K::WebhookNoAnswer).to_owned(), |s| s.to_string());
            format!(
                "#{} {} {} {}ms",
                a.attempt,
                format::jst(&a.at),
                status,
                a.duration_ms
            )
        })
        .collect::<Vec<_>>();
    let count = attempts.len();
    let badge = if state == DeliveryState::Delivered {
        "badge badge-ok"
    } else {
        "badge"
    };
    view! {
        <li class=format!("delivery delivery-{}", state.as_str())>
            <p>
                <strong>{move || label(i, event.labels())}</strong>
                " "
                <span class=badge>
                    {move || label(i, state.labels())}
                </span>
                " "
                <span>{format::jst(&d.created_at)}</span>
            </p>
            <p class="hint">{answer}</p>
            <details>
                <summary>{i.tr(K::WebhookAttempts)} " (" {count} ")"</summary>
                <ul>{attempts.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
            </details>
            <p class="hint"><code>{d.event_id.to_string()}</code></p>
            <button
                type="button"
                class="btn"
                disabled=move || redeliver.pending().get()
                on:click=move |_| {
                    redeliver.dispatch(id);
                }
            >
                {i.tr(K::WebhookRedeliver)}
            </button>
        </li>
    }
}

/// Asks the browser's confirmation dialog.
fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}
