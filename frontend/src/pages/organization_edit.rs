//! 取引先の編集: the organisation, アーカイブ, and its contacts (担当者).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::access::Permission;
use shared::dto::{ContactRequest, ContactView, OrganizationRequest, OrganizationView};
use shared::problem::{Problem, ProblemCode};
use uuid::Uuid;

use crate::api;
use crate::components::form::{CheckField, FormMessages, FormState, Loading, ProblemMessage};
use crate::components::org_form::{ContactFields, ContactFormFields, OrgFields, OrgFormFields};
use crate::i18n::{K, use_i18n};
use crate::session::use_session;

/// The organisation page.
#[component]
pub fn OrganizationEditPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let reload = RwSignal::new(0u32);
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let org = LocalResource::new(move || {
        reload.track();
        let id = id();
        async move {
            let id = id.ok_or_else(|| Problem::new(ProblemCode::NotFound))?;
            api::organizations::get_one(id).await
        }
    });
    // Lives outside the reloaded organisation, so it survives the refetch after a change.
    let notice: RwSignal<Option<K>> = RwSignal::new(
        query
            .with_untracked(|q| q.get("created").is_some())
            .then_some(K::OrgCreated),
    );
    view! {
        <p class="back">
            <A href="/address-book">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::OrgEditTitle)}</h1>
        {move || {
            notice
                .get()
                .map(|k| view! { <div class="alert alert-success" role="status">{i.tr(k)}</div> })
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match org.await {
                    Ok(o) => view! { <Organization org=o reload=reload notice=notice /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Organization(
    org: OrganizationView,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<K>>,
) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let can_edit = session.can(Permission::ManageAddressBook);
    let contacts = org.contacts.clone();
    let org_id = org.id;

    let main = if can_edit {
        view! { <EditOrganization org=org.clone() notice=notice /> }.into_any()
    } else {
        view! { <ReadOnlyOrganization org=org.clone() /> }.into_any()
    };
    let contact_list = if contacts.is_empty() {
        view! { <p class="empty">{i.tr(K::NoContacts)}</p> }.into_any()
    } else {
        view! {
            <ul class="contact-list" role="list">
                {contacts
                    .into_iter()
                    .map(|c| view! { <Contact contact=c can_edit=can_edit reload=reload notice=notice /> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {main}
        <section class="card" aria-labelledby="contacts-title">
            <h2 id="contacts-title">{i.tr(K::Contacts)}</h2>
            {contact_list}
            {can_edit.then(|| view! { <AddContact org_id=org_id reload=reload notice=notice /> })}
        </section>
    }
}

#[component]
fn ReadOnlyOrganization(org: OrganizationView) -> impl IntoView {
    let i = use_i18n();
    view! {
        <p class="hint">{i.tr(K::ReadOnlyNote)}</p>
        <dl class="facts card">
            <dt>{i.tr(K::OrgName)}</dt>
            <dd>{org.name.clone()}</dd>
            <dt>{i.tr(K::OrgKana)}</dt>
            <dd>{org.name_kana.clone().unwrap_or_default()}</dd>
            <dt>{i.tr(K::Address)}</dt>
            <dd>{org.address.clone().unwrap_or_default()}</dd>
            <dt>{i.tr(K::Phone)}</dt>
            <dd>{org.phone.clone().unwrap_or_default()}</dd>
            <dt>{i.tr(K::Notes)}</dt>
            <dd class="pre">{org.notes.clone().unwrap_or_default()}</dd>
        </dl>
    }
}

#[component]
fn EditOrganization(org: OrganizationView, notice: RwSignal<Option<K>>) -> impl IntoView {
    let i = use_i18n();
    let id = org.id;
    let form = FormState::new();
    let fields = OrgFields::new(Some(&org));
    let archived = RwSignal::new(org.archived);
    let save = Action::new_local(move |req: &OrganizationRequest| {
        let req = req.clone();
        async move { api::organizations::update(id, &req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(o)) => {
            archived.set(o.archived);
            form.reset();
            notice.set(Some(K::Saved));
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(req) = fields.request(form, archived.get_untracked()) {
            save.dispatch(req);
        }
    };
    let toggle_archive = move |_| {
        if let Some(req) = fields.request(form, !archived.get_untracked()) {
            save.dispatch(req);
        }
    };
    view! {
        <Show when=move || archived.get()>
            <div class="alert alert-info" role="status">{i.tr(K::ArchivedNote)}</div>
        </Show>
        <FormMessages form=form />
        <form class="card form" on:submit=submit novalidate>
            <OrgFormFields fields=fields form=form />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                </button>
                <button type="button" class="btn" disabled=move || save.pending().get() on:click=toggle_archive>
                    {move || if archived.get() { i.t(K::Unarchive) } else { i.t(K::Archive) }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn Contact(
    contact: ContactView,
    can_edit: bool,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<K>>,
) -> impl IntoView {
    let i = use_i18n();
    let editing = RwSignal::new(false);
    let label_id = format!("contact-{}", contact.id);
    let details = [
        contact.division.clone(),
        contact.title.clone(),
        contact.phone.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("　");
    let c2 = contact.clone();
    view! {
        <li class="contact">
            <div class="contact-row">
                <div>
                    <span class="contact-name" id=label_id.clone()>{contact.name.clone()}</span>
                    {contact.archived.then(|| view! { <span class="badge badge-off">{i.tr(K::Archived)}</span> })}
                    <span class="sub wrap">{contact.email.clone()}</span>
                    <span class="sub">{details}</span>
                </div>
                {can_edit
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-small"
                                aria-expanded=move || editing.get().to_string()
                                aria-describedby=label_id.clone()
                                on:click=move |_| editing.update(|e| *e = !*e)
                            >
                                {i.tr(K::Edit)}
                            </button>
                        }
                    })}
            </div>
            <Show when=move || editing.get()>
                <EditContact contact=c2.clone() reload=reload editing=editing notice=notice />
            </Show>
        </li>
    }
}

#[component]
fn EditContact(
    contact: ContactView,
    reload: RwSignal<u32>,
    editing: RwSignal<bool>,
    notice: RwSignal<Option<K>>,
) -> impl IntoView {
    let i = use_i18n();
    let id = contact.id;
    let form = FormState::new();
    let fields = ContactFields::new(Some(&contact));
    let save = Action::new_local(move |req: &ContactRequest| {
        let req = req.clone();
        async move { api::organizations::update_contact(id, &req).await }
    });
    Effect::new(move || match save.value().get() {
        Some(Ok(_)) => {
            editing.set(false);
            notice.set(Some(K::Saved));
            reload.update(|n| *n += 1);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(req) = fields.request(form) {
            save.dispatch(req);
        }
    };
    view! {
        <form class="inline-editor form" on:submit=submit novalidate aria-label=i.tr(K::ContactEdit)>
            <FormMessages form=form />
            <ContactFormFields fields=fields form=form prefix=format!("contact-{id}") />
            <CheckField id=format!("contact-{id}-archived") label=K::ContactArchived checked=fields.archived />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { i.t(K::Saving) } else { i.t(K::Save) }}
                </button>
                <button type="button" class="btn" on:click=move |_| editing.set(false)>
                    {i.tr(K::Close)}
                </button>
            </div>
        </form>
    }
}

#[component]
fn AddContact(org_id: Uuid, reload: RwSignal<u32>, notice: RwSignal<Option<K>>) -> impl IntoView {
    let i = use_i18n();
    let form = FormState::new();
    let fields = ContactFields::new(None);
    let add = Action::new_local(move |req: &ContactRequest| {
        let req = req.clone();
        async move { api::organizations::add_contact(org_id, &req).await }
    });
    Effect::new(move || match add.value().get() {
        Some(Ok(_)) => {
            fields.clear();
            notice.set(Some(K::ContactAdded));
            reload.update(|n| *n += 1);
        }
        Some(Err(p)) => form.fail(p),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(req) = fields.request(form) {
            add.dispatch(req);
        }
    };
    view! {
        <form class="form sub-form" on:submit=submit novalidate aria-labelledby="contact-add-title">
            <h3 id="contact-add-title">{i.tr(K::ContactAdd)}</h3>
            <FormMessages form=form />
            <ContactFormFields fields=fields form=form prefix="new-contact".to_owned() />
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                    {move || if add.pending().get() { i.t(K::Saving) } else { i.t(K::Add) }}
                </button>
            </div>
        </form>
    }
}
