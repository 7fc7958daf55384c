//! お知らせの管理 (`/notices`): a tenant administrator (`manage_notices`) publishes maintenance
//! and outage notices for the tenant's staff and counterparties, and withdraws them. The times
//! are typed in Japan Standard Time and sent with their offset.

use leptos::prelude::*;
use shared::dto::{NoticeRequest, NoticeView};
use shared::notice::{NoticeKind, NoticeText, NoticeTitle};
use uuid::Uuid;

use crate::api;
use crate::components::form::{
    FormMessages, FormState, Loading, ProblemMessage, TextField, check_field,
};
use crate::format;
use crate::i18n::{K, use_i18n};

/// `2026-12-20T22:00` (a `datetime-local` value, read as JST) → RFC 3339 with `+09:00`;
/// anything else is sent as typed, for the server to refuse with its code.
fn jst_input(v: &str) -> String {
    match v.len() {
        16 => format!("{v}:00+09:00"),
        19 => format!("{v}+09:00"),
        _ => v.to_owned(),
    }
}

/// A stored RFC 3339 time as a `datetime-local` value in JST, `2026-12-20T22:00`.
fn jst_value(rfc3339: &str) -> String {
    let ms = js_sys::Date::parse(rfc3339);
    if ms.is_nan() {
        return String::new();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms + 9.0 * 3_600_000.0));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_utc_full_year(),
        d.get_utc_month() + 1,
        d.get_utc_date(),
        d.get_utc_hours(),
        d.get_utc_minutes()
    )
}

/// The notices page.
#[component]
pub fn NoticesPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let editing: RwSignal<Option<NoticeView>> = RwSignal::new(None);
    let list = LocalResource::new(move || {
        reload.track();
        api::notices::list()
    });
    let withdraw = Action::new_local(move |id: &Uuid| {
        let id = *id;
        async move { api::notices::withdraw(id).await }
    });
    let withdraw_problem = RwSignal::new(None);
    Effect::new(move || match withdraw.value().get() {
        Some(Ok(_)) => {
            withdraw_problem.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(p)) => withdraw_problem.set(Some(p)),
        None => {}
    });
    view! {
        <h1>{i.tr(K::NoticesTitle)}</h1>
        <p class="lead">{i.tr(K::NoticesIntro)}</p>
        <NewNotice editing=editing on_saved=Callback::new(move |()| reload.update(|n| *n += 1)) />
        <section class="card notice-list" aria-labelledby="notice-list">
            <h2 id="notice-list">{i.tr(K::NoticeList)}</h2>
            {move || withdraw_problem.get().map(|p| view! { <ProblemMessage problem=p /> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                        Ok(page) if page.items.is_empty() => {
                            view! { <p class="empty">{i.tr(K::NoticeNone)}</p> }.into_any()
                        }
                        Ok(page) => view! {
                            <ul class="rows" role="list">
                                {page.items.into_iter().map(|n| row(n, withdraw, editing)).collect_view()}
                            </ul>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn row(
    n: NoticeView,
    withdraw: Action<Uuid, Result<NoticeView, shared::problem::Problem>>,
    editing: RwSignal<Option<NoticeView>>,
) -> impl IntoView {
    let i = use_i18n();
    let kind = n.kind;
    let state = if n.withdrawn_at.is_some() {
        K::NoticeWithdrawn
    } else if n.shown {
        K::NoticeShown
    } else {
        K::NoticeNotShown
    };
    let can_withdraw = n.withdrawn_at.is_none();
    let id = n.id;
    let stored = n.clone();
    view! {
        <li class=format!("notice notice-{}", kind.as_str())>
            <p class="notice-head">
                <span class="notice-kind">{move || i.pick(kind.label_ja(), kind.label_en())}</span>
                <span class="notice-when">{i.tr(state)}</span>
                <strong class="notice-title">{n.title}</strong>
            </p>
            <p class="notice-period">
                {format!("{} 〜 {}", format::jst(&n.starts_at), format::jst(&n.ends_at))}
            </p>
            <p class="notice-text">{n.text}</p>
            {can_withdraw.then(|| view! {
                <p>
                    <button
                        type="button"
                        class="btn btn-quiet"
                        on:click=move |_| editing.set(Some(stored.clone()))
                    >
                        {i.tr(K::Edit)}
                    </button>
                    " "
                    <button
                        type="button"
                        class="btn"
                        disabled=move || withdraw.pending().get()
                        on:click=move |_| {
                            withdraw.dispatch(id);
                        }
                    >
                        {i.tr(K::NoticeWithdraw)}
                    </button>
                </p>
            })}
        </li>
    }
}

/// The form for a new notice, or for the one being edited (`editing`).
#[component]
fn NewNotice(editing: RwSignal<Option<NoticeView>>, on_saved: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let kind = RwSignal::new(NoticeKind::Planned);
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    // Editing fills the form with the stored notice.
    Effect::new(move || {
        if let Some(n) = editing.get() {
            form.reset();
            kind.set(n.kind);
            starts.set(jst_value(&n.starts_at));
            ends.set(jst_value(&n.ends_at));
            title.set(n.title);
            text.set(n.text);
        }
    });
    let save = Action::new_local(move |(id, req): &(Option<Uuid>, NoticeRequest)| {
        let (id, req) = (*id, req.clone());
        async move {
            match id {
                Some(id) => api::notices::update(id, &req).await,
                None => api::notices::create(&req).await,
            }
        }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => {
            form.succeed(if editing.get_untracked().is_some() {
                K::Saved
            } else {
                K::NoticePublished
            });
            editing.set(None);
            title.set(String::new());
            text.set(String::new());
            on_saved.run(());
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errors = Vec::new();
        check_field(
            &mut errors,
            "title",
            NoticeTitle::parse(&title.get_untracked()),
        );
        check_field(
            &mut errors,
            "text",
            NoticeText::parse(&text.get_untracked()),
        );
        if form.check(errors) {
            let id = editing.with_untracked(|e| e.as_ref().map(|n| n.id));
            save.dispatch((
                id,
                NoticeRequest {
                    kind: kind.get_untracked(),
                    starts_at: jst_input(&starts.get_untracked()),
                    ends_at: jst_input(&ends.get_untracked()),
                    title: title.get_untracked(),
                    text: text.get_untracked(),
                },
            ));
        }
    };
    view! {
        <section class="card" aria-labelledby="notice-new">
            <h2 id="notice-new">{i.tr(K::NoticeNew)}</h2>
            <FormMessages form=form />
            <form on:submit=submit novalidate>
                <div class="field">
                    <label for="notice-kind">{i.tr(K::NoticeKindField)}</label>
                    <select
                        id="notice-kind"
                        name="kind"
                        on:change=move |ev| {
                            if let Some(k) = NoticeKind::parse(&event_target_value(&ev)) {
                                kind.set(k);
                            }
                        }
                    >
                        {NoticeKind::ALL
                            .into_iter()
                            .map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k>
                                    {move || i.pick(k.label_ja(), k.label_en())}
                                </option>
                            })
                            .collect_view()}
                    </select>
                </div>
                <TextField id="notice-starts" field="starts_at" label=K::NoticeStartsAt value=starts form=form kind="datetime-local" hint=K::NoticeTimeHint required=true />
                <TextField id="notice-ends" field="ends_at" label=K::NoticeEndsAt value=ends form=form kind="datetime-local" required=true />
                <TextField id="notice-title" field="title" label=K::NoticeTitleField value=title form=form required=true />
                <TextField id="notice-text" field="text" label=K::NoticeTextField value=text form=form multiline=true required=true />
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || i.t(if editing.get().is_some() { K::Save } else { K::NoticePublish })}
                </button>
            </form>
        </section>
    }
}
