//! The fields of an address-book organisation (取引先) and of a contact (担当者), with the
//! same parsers the server applies.

use leptos::prelude::*;
use shared::dto::{ContactRequest, ContactView, OrganizationRequest, OrganizationView};
use shared::validate::{EmailAddress, Name, Text, ValidationError};

use crate::components::form::{FormState, TextField};
use crate::i18n::K;

/// An optional text: empty means absent, otherwise it must parse.
fn optional<T: AsRef<str>>(
    errors: &mut Vec<(&'static str, ValidationError)>,
    field: &'static str,
    raw: &str,
    parse: fn(&str) -> Result<T, ValidationError>,
) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    match parse(raw) {
        Ok(v) => Some(v.as_ref().to_owned()),
        Err(e) => {
            errors.push((field, e));
            None
        }
    }
}

/// The values of an organisation form.
#[derive(Clone, Copy)]
pub struct OrgFields {
    name: RwSignal<String>,
    name_kana: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    notes: RwSignal<String>,
}

impl OrgFields {
    /// Fields filled from an organisation, or empty.
    pub fn new(from: Option<&OrganizationView>) -> Self {
        let s = |f: fn(&OrganizationView) -> Option<String>| {
            RwSignal::new(from.and_then(f).unwrap_or_default())
        };
        OrgFields {
            name: s(|o| Some(o.name.clone())),
            name_kana: s(|o| o.name_kana.clone()),
            address: s(|o| o.address.clone()),
            phone: s(|o| o.phone.clone()),
            notes: s(|o| o.notes.clone()),
        }
    }

    /// Checks the values; on success the request to send.
    pub fn request(self, form: FormState, archived: bool) -> Option<OrganizationRequest> {
        let mut errors = Vec::new();
        let name = match Name::parse(&self.name.get_untracked()) {
            Ok(n) => Some(n.into_inner()),
            Err(e) => {
                errors.push(("name", e));
                None
            }
        };
        let name_kana = optional(
            &mut errors,
            "name_kana",
            &self.name_kana.get_untracked(),
            Name::parse,
        );
        let address = optional(
            &mut errors,
            "address",
            &self.address.get_untracked(),
            Text::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            &self.phone.get_untracked(),
            Name::parse,
        );
        let notes = optional(
            &mut errors,
            "notes",
            &self.notes.get_untracked(),
            Text::parse,
        );
        if !form.check(errors) {
            return None;
        }
        Some(OrganizationRequest {
            name: name?,
            name_kana,
            address,
            phone,
            notes,
            archived,
        })
    }
}

/// 名称, 名称（カナ）, 住所, 電話番号, 備考.
#[component]
pub fn OrgFormFields(fields: OrgFields, form: FormState) -> impl IntoView {
    view! {
        <TextField id="org-name" field="name" label=K::OrgName value=fields.name form=form required=true autocomplete="organization" />
        <TextField id="org-kana" field="name_kana" label=K::OrgKana value=fields.name_kana form=form />
        <TextField id="org-address" field="address" label=K::Address value=fields.address form=form autocomplete="street-address" />
        <TextField id="org-phone" field="phone" label=K::Phone value=fields.phone form=form kind="tel" autocomplete="tel" />
        <TextField id="org-notes" field="notes" label=K::Notes value=fields.notes form=form multiline=true />
    }
}

/// The values of a contact form.
#[derive(Clone, Copy)]
pub struct ContactFields {
    name: RwSignal<String>,
    email: RwSignal<String>,
    division: RwSignal<String>,
    title: RwSignal<String>,
    phone: RwSignal<String>,
    /// Whether the contact is archived.
    pub archived: RwSignal<bool>,
}

impl ContactFields {
    /// Fields filled from a contact, or empty.
    pub fn new(from: Option<&ContactView>) -> Self {
        let s = |f: fn(&ContactView) -> Option<String>| {
            RwSignal::new(from.and_then(f).unwrap_or_default())
        };
        ContactFields {
            name: s(|c| Some(c.name.clone())),
            email: s(|c| Some(c.email.clone())),
            division: s(|c| c.division.clone()),
            title: s(|c| c.title.clone()),
            phone: s(|c| c.phone.clone()),
            archived: RwSignal::new(from.is_some_and(|c| c.archived)),
        }
    }

    /// Empties the fields after an add.
    pub fn clear(self) {
        for s in [self.name, self.email, self.division, self.title, self.phone] {
            s.set(String::new());
        }
        self.archived.set(false);
    }

    /// Checks the values; on success the request to send.
    pub fn request(self, form: FormState) -> Option<ContactRequest> {
        let mut errors = Vec::new();
        let name = match Name::parse(&self.name.get_untracked()) {
            Ok(n) => Some(n.into_inner()),
            Err(e) => {
                errors.push(("name", e));
                None
            }
        };
        let email = match EmailAddress::parse(&self.email.get_untracked()) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(e) => {
                errors.push(("email", e));
                None
            }
        };
        let division = optional(
            &mut errors,
            "division",
            &self.division.get_untracked(),
            Name::parse,
        );
        let title = optional(
            &mut errors,
            "title",
            &self.title.get_untracked(),
            Name::parse,
        );
        let phone = optional(
            &mut errors,
            "phone",
            &self.phone.get_untracked(),
            Name::parse,
        );
        if !form.check(errors) {
            return None;
        }
        Some(ContactRequest {
            name: name?,
            email: email?,
            division,
            title,
            phone,
            archived: self.archived.get_untracked(),
        })
    }
}

/// 氏名, メールアドレス, 部署, 役職, 電話番号. `prefix` keeps element IDs unique when several
/// contact forms are on the page.
#[component]
pub fn ContactFormFields(fields: ContactFields, form: FormState, prefix: String) -> impl IntoView {
    let id = |s: &str| format!("{prefix}-{s}");
    view! {
        <TextField id=id("name") field="name" label=K::Name value=fields.name form=form required=true />
        <TextField id=id("email") field="email" label=K::Email value=fields.email form=form kind="email" required=true />
        <TextField id=id("division") field="division" label=K::Division value=fields.division form=form />
        <TextField id=id("title") field="title" label=K::JobTitle value=fields.title form=form />
        <TextField id=id("phone") field="phone" label=K::Phone value=fields.phone form=form kind="tel" />
    }
}
