//! 取引先の追加; afterwards the edit page, where contacts are added.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::dto::OrganizationRequest;

use crate::api;
use crate::components::form::{FormMessages, FormState};
use crate::components::org_form::{OrgFields, OrgFormFields};
use crate::i18n::{K, use_i18n};

/// The add-organisation page.
#[component]
pub fn OrganizationNewPage() -> impl IntoView {
    let i = use_i18n();
    let navigate = use_navigate();
    let form = FormState::new();
    let fields = OrgFields::new(None);
    let create = Action::new_local(|req: &OrganizationRequest| {
        let req = req.clone();
        async move { api::organizations::create(&req).await }
    });
    Effect::new(move || match create.value().get() {
        Some(Ok(o)) => navigate(
            &format!("/address-book/{}?created=1", o.id),
            Default::default(),
        ),
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(req) = fields.request(form, false) {
            create.dispatch(req);
        }
    };
    view! {
        <p class="back">
            <A href="/address-book">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::OrgNewTitle)}</h1>
        <FormMessages form=form />
        <form class="card form" on:submit=submit novalidate>
            <OrgFormFields fields=fields form=form />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { i.t(K::Saving) } else { i.t(K::Register) }}
                </button>
            </div>
        </form>
    }
}
