//! 契約の新規作成 / 編集. The draft is created first (basic data only); then each part is
//! saved on its own as the clerk goes: the PDF uploads the moment it is chosen, recipients and
//! the approval route have their own 保存 buttons. Validation runs the `shared` parsers first
//! and shows the server's field errors under the same fields.
//!
//! One file per step: [`basic`] (with [`custom_fields`] and [`stamp`]), [`documents`],
//! [`recipients`], [`route`].

mod basic;
mod custom_fields;
mod documents;
mod recipients;
mod route;
mod stamp;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::contract::{ContractAction, ContractState};
use shared::dto::{DepartmentView, OrganizationView};
use shared::problem::{Problem, ProblemCode};
use uuid::Uuid;

use crate::api;
use crate::components::form::{Loading, ProblemMessage};
use crate::i18n::{K, use_i18n};

use basic::BasicForm;
use documents::DocumentsEditor;
use recipients::RecipientsEditor;
use route::RouteEditor;
pub(crate) use route::approver_candidates;

/// What the basic form needs besides the contract: departments and the address book.
#[derive(Clone)]
struct Lookups {
    departments: Vec<DepartmentView>,
    organizations: Vec<OrganizationView>,
}

async fn lookups() -> Result<Lookups, Problem> {
    let departments = api::departments::list_all().await?;
    let organizations = api::organizations::list(1, 500, "", false)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    Ok(Lookups {
        departments,
        organizations,
    })
}

/// 契約の新規作成: the basic data; saving creates the draft and opens its edit page.
#[component]
pub fn ContractNewPage() -> impl IntoView {
    let i = use_i18n();
    let data = LocalResource::new(lookups);
    view! {
        <p class="back">
            <A href="/contracts">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::ContractNewTitle)}</h1>
        // A plain link: the form lives in the templates bundle (a full page load).
        <p>
            <a href="/contracts/from-template">{i.tr(K::FromTemplateTitle)}</a>
        </p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <BasicForm lookups=l contract=None docs=None /> }.into_any(),
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// 契約の編集: every part of a draft (or of a contract pending approval, which editing
/// returns to draft).
#[component]
pub fn ContractEditPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let created = query.with_untracked(|q| q.get("created").is_some());
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let id = id.ok_or_else(|| Problem::new(ProblemCode::NotFound))?;
            let c = api::contracts::get_one(id).await?;
            Ok::<_, Problem>((c, lookups().await?))
        }
    });
    view! {
        <p class="back">
            <A href="/contracts">{i.tr(K::BackToList)}</A>
        </p>
        <h1>{i.tr(K::ContractEditTitle)}</h1>
        {created.then(|| view! { <div class="alert alert-success" role="status">{i.tr(K::DraftCreated)}</div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok((c, _)) if !c.allowed_actions.contains(&ContractAction::Edit) => {
                        let href = format!("/contracts/{}", c.id);
                        view! {
                            <div class="alert alert-warn" role="status">{i.tr(K::NotEditable)}</div>
                            <p><A href=href attr:class="btn">{i.tr(K::ToDetail)}</A></p>
                        }
                            .into_any()
                    }
                    Ok((c, l)) => {
                        let href = format!("/contracts/{}", c.id);
                        let pending = c.state == ContractState::PendingApproval;
                        // Shared by the stamp's page preview and the documents step.
                        let docs = RwSignal::new(c.documents.clone());
                        view! {
                            {pending.then(|| view! { <div class="alert alert-warn" role="status">{i.tr(K::EditResetsApproval)}</div> })}
                            <BasicForm lookups=l contract=Some(c.clone()) docs=Some(docs) />
                            <DocumentsEditor contract_id=c.id docs=docs />
                            <RecipientsEditor contract=c.clone() />
                            <RouteEditor contract=c.clone() />
                            <div class="card next-step">
                                <p>{i.tr(K::ToDetailHint)}</p>
                                <A href=href attr:class="btn btn-primary">{i.tr(K::ToDetail)}</A>
                            </div>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// A trimmed text, `None` when blank.
fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}
