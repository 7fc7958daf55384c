//! Form fields with labels, hints and per-field errors, and the state a form shares with them.

use leptos::prelude::*;
use shared::problem::{FieldError, Problem};
use shared::validate::ValidationError;

use crate::i18n::{K, use_i18n};

/// What a form shows after an attempt: the problem (banner), the invalid fields, a success
/// notice.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The last problem, shown in a banner above the form.
    pub problem: RwSignal<Option<Problem>>,
    /// The notice after success.
    pub notice: RwSignal<Option<K>>,
    /// Field messages that only the browser checks (e.g. a repeated password that differs).
    local: RwSignal<Vec<(&'static str, K)>>,
}

impl FormState {
    /// A fresh, empty state.
    pub fn new() -> Self {
        FormState {
            problem: RwSignal::new(None),
            notice: RwSignal::new(None),
            local: RwSignal::new(Vec::new()),
        }
    }

    /// Clears problem and notice before a new attempt.
    pub fn reset(self) {
        self.problem.set(None);
        self.notice.set(None);
        self.local.set(Vec::new());
    }

    /// Shows a problem from the server (or from local validation).
    pub fn fail(self, p: Problem) {
        self.notice.set(None);
        self.local.set(Vec::new());
        self.problem.set(Some(p));
    }

    /// The message of one field, if any (reactive).
    pub fn field_message(self, field: &str) -> Option<FieldMessage> {
        self.local
            .with(|l| {
                l.iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, k)| FieldMessage::Text(*k))
            })
            .or_else(|| self.field_error(field).map(FieldMessage::Invalid))
    }

    /// Shows local validation errors the way the server would report them. Returns whether
    /// the list was empty, i.e. the form may be sent.
    pub fn check(self, errors: Vec<(&str, ValidationError)>) -> bool {
        self.check_all(errors, Vec::new())
    }

    /// Like [`FormState::check`], with messages of checks only the browser makes.
    pub fn check_all(
        self,
        errors: Vec<(&str, ValidationError)>,
        local: Vec<(&'static str, K)>,
    ) -> bool {
        self.reset();
        if errors.is_empty() && local.is_empty() {
            return true;
        }
        let errors = errors
            .into_iter()
            .map(|(field, code)| FieldError {
                field: field.to_owned(),
                code,
            })
            .collect();
        self.fail(Problem::validation(errors));
        self.local.set(local);
        false
    }

    /// Shows a success notice.
    pub fn succeed(self, notice: K) {
        self.problem.set(None);
        self.notice.set(Some(notice));
    }

    /// The error of one field (reactive).
    pub fn field_error(self, field: &str) -> Option<ValidationError> {
        self.problem.with(|p| {
            p.as_ref()
                .and_then(|p| p.errors.iter().find(|e| e.field == field).map(|e| e.code))
        })
    }
}

/// What is wrong with a field.
#[derive(Clone, Copy)]
pub enum FieldMessage {
    /// A validation error shared with the server.
    Invalid(ValidationError),
    /// A browser-only message.
    Text(K),
}

fn field_text(i: crate::i18n::I18n, m: FieldMessage) -> &'static str {
    match m {
        FieldMessage::Invalid(e) => i.invalid(e),
        FieldMessage::Text(k) => i.t(k),
    }
}

/// Collects the error of a parse into a list for [`FormState::check`].
pub fn check_field<T>(
    errors: &mut Vec<(&'static str, ValidationError)>,
    field: &'static str,
    result: Result<T, ValidationError>,
) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push((field, e));
            None
        }
    }
}

/// An autosaving form's state: whether the running save is automatic, and how the last
/// automatic one went (the time it was saved, or that it was refused).
#[derive(Clone, Copy)]
pub struct Autosave {
    running: RwSignal<bool>,
    last: RwSignal<Option<Result<String, ()>>>,
    timer: StoredValue<Option<TimeoutHandle>, LocalStorage>,
}

impl Autosave {
    pub fn new() -> Self {
        let timer = StoredValue::new_local(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(h) = timer.try_get_value().flatten() {
                h.clear();
            }
        });
        Autosave {
            running: RwSignal::new(false),
            last: RwSignal::new(None),
            timer,
        }
    }

    /// Dispatches the request `request` makes to `save` a moment (3 s) after the last change
    /// of the signals `watch` reads (not at start), when there is one (the fields are valid)
    /// and no save is running: what "drafts save as you go" means for a form.
    pub fn watch<I, O>(
        self,
        save: Action<I, O>,
        watch: impl Fn() + 'static,
        request: impl Fn() -> Option<I> + Clone + 'static,
    ) where
        I: Send + Sync + 'static,
        O: Send + Sync + 'static,
    {
        let started = StoredValue::new(false);
        Effect::new(move || {
            watch();
            if !started.get_value() {
                started.set_value(true);
                return;
            }
            self.cancel();
            let request = request.clone();
            let run = move || {
                if let Some(req) = request()
                    && !save.pending().get_untracked()
                {
                    self.running.set(true);
                    save.dispatch(req);
                }
            };
            self.timer.set_value(
                set_timeout_with_handle(run, std::time::Duration::from_millis(3000)).ok(),
            );
        });
    }

    fn cancel(self) {
        if let Some(h) = self.timer.get_value() {
            h.clear();
        }
    }

    /// The save button was pressed: `req` is saved now, not automatically, and a pending
    /// automatic save is dropped.
    pub fn press<I, O>(self, save: Action<I, O>, req: I)
    where
        I: Send + Sync + 'static,
        O: Send + Sync + 'static,
    {
        self.cancel();
        self.running.set(false);
        save.dispatch(req);
    }

    /// Whether a pressed save is running (the button says 処理中です…; an automatic one does not
    /// change the button).
    pub fn pressed_pending<I, O>(self, save: Action<I, O>) -> bool
    where
        I: Send + Sync + 'static,
        O: Send + Sync + 'static,
    {
        save.pending().get() && !self.running.get()
    }

    /// Reports a save's outcome: an automatic one quietly next to the save button (a refusal
    /// only says so; pressing 保存 shows why), a pressed one through the form's messages.
    pub fn report<T>(self, form: FormState, outcome: Option<&Result<T, Problem>>) {
        let auto = self.running.get_untracked();
        match outcome {
            Some(Ok(_)) if auto => self.last.set(Some(Ok(crate::format::now_hm()))),
            Some(Err(_)) if auto => self.last.set(Some(Err(()))),
            Some(Ok(_)) => {
                self.last.set(None);
                form.succeed(K::Saved);
            }
            Some(Err(p)) => form.fail(p.clone()),
            None => {}
        }
    }
}

/// 「下書きを自動保存しました（12:34）」 next to a save button.
#[component]
pub fn AutosaveStatus(autosave: Autosave) -> impl IntoView {
    let i = use_i18n();
    view! {
        <span class="sub autosave-status" role="status">
            {move || match autosave.last.get() {
                Some(Ok(at)) => format!("{}（{at}）", i.t(K::Autosaved)),
                Some(Err(())) => i.t(K::AutosaveFailed).to_owned(),
                None => String::new(),
            }}
        </span>
    }
}

/// The banner with the problem and the success notice of a form.
#[component]
pub fn FormMessages(form: FormState) -> impl IntoView {
    let i = use_i18n();
    view! {
        {move || {
            form.problem
                .get()
                .map(|p| {
                    view! {
                        <div class="alert alert-error" role="alert">
                            {i.problem(&p)}
                        </div>
                    }
                })
        }}
        {move || {
            form.notice
                .get()
                .map(|k| {
                    view! {
                        <div class="alert alert-success" role="status">
                            {i.t(k)}
                        </div>
                    }
                })
        }}
    }
}

/// A problem shown on its own (e.g. a list that failed to load).
#[component]
pub fn ProblemMessage(problem: Problem) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="alert alert-error" role="alert">
            {move || i.problem(&problem)}
        </div>
    }
}

/// "読み込み中です…".
#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! {
        <p class="loading" role="status" aria-live="polite">
            {i.tr(K::Loading)}
        </p>
    }
}

/// A labelled text input bound to a signal, with hint and error.
#[component]
pub fn TextField(
    /// The element ID, unique on the page.
    #[prop(into)]
    id: String,
    /// The API field name whose errors this field shows.
    field: &'static str,
    /// The label.
    label: K,
    /// The value.
    value: RwSignal<String>,
    /// The form whose errors are shown.
    form: FormState,
    /// `type` of the input.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` of the input.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// `inputmode` of the input.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// A hint below the label.
    #[prop(optional)]
    hint: Option<K>,
    /// Marks the field as required.
    #[prop(optional)]
    required: bool,
    /// Makes the field read-only.
    #[prop(optional)]
    readonly: bool,
    /// A text area instead of a one-line input.
    #[prop(optional)]
    multiline: bool,
) -> impl IntoView {
    let i = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let invalid = move || form.field_message(field).is_some().to_string();
    let label_for = id.clone();
    let control = if multiline {
        view! {
            <textarea
                id=id
                name=field
                rows="4"
                aria-invalid=invalid
                aria-describedby=described
                bind:value=value
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                name=field
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                readonly=readonly
                aria-invalid=invalid
                aria-describedby=described
                bind:value=value
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=label_for>
                {i.tr(label)}
                {required.then(|| view! { <span class="req">{i.tr(K::Required)}</span> })}
            </label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{i.tr(h)}</p> })}
            {control}
            <p class="field-error" id=error_id>
                {move || form.field_message(field).map(|m| field_text(i, m))}
            </p>
        </div>
    }
}

/// A labelled checkbox bound to a signal.
#[component]
pub fn CheckField(
    /// The element ID.
    #[prop(into)]
    id: String,
    /// The label.
    label: K,
    /// The value.
    checked: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="check">
            <input type="checkbox" id=id.clone() bind:checked=checked />
            <label for=id>{i.tr(label)}</label>
        </div>
    }
}

/// The errors of a field that has no single input (e.g. a group of checkboxes).
#[component]
pub fn GroupError(form: FormState, field: &'static str, id: &'static str) -> impl IntoView {
    let i = use_i18n();
    view! {
        <p class="field-error" id=id>
            {move || form.field_message(field).map(|m| field_text(i, m))}
        </p>
    }
}
