//! 承認待ち: the contracts whose current approval step the user is an approver of, with
//! 承認 and 差し戻し right here.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::contract::ContractAction;
use shared::dto::ContractView;
use shared::problem::Problem;

use crate::api;
use crate::components::form::{Loading, ProblemMessage};
use crate::format::{period_ja, yen_opt};
use crate::i18n::{K, use_i18n};
use crate::pages::contract_detail::ActionBar;

const INBOX_ACTIONS: &[ContractAction] = &[ContractAction::Approve, ContractAction::Reject];

/// The contracts waiting for this user's approval, each with its facts (for the buttons),
/// read side by side (the browser runs up to six at once).
async fn waiting_for_me() -> Result<Vec<ContractView>, Problem> {
    let list = api::contracts::awaiting_my_approval(100).await?;
    futures_util::future::try_join_all(
        list.items
            .into_iter()
            .map(|c| api::contracts::get_one(c.id)),
    )
    .await
}

/// The approval inbox.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let notice = RwSignal::new(false);
    let items = LocalResource::new(move || {
        reload.track();
        waiting_for_me()
    });
    let done = Callback::new(move |_: (ContractAction, ContractView)| {
        notice.set(true);
        reload.update(|n| *n += 1);
    });
    view! {
        <h1>{i.tr(K::ApprovalsTitle)}</h1>
        <p class="lead">{i.tr(K::ApprovalsLead)}</p>
        <Show when=move || notice.get()>
            <div class="alert alert-success" role="status">{i.tr(K::ActionDone)}</div>
        </Show>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match items.await {
                    Err(p) => view! { <ProblemMessage problem=p /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">{i.tr(K::NoApprovals)}</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="inbox" role="list">
                                {list
                                    .into_iter()
                                    .map(|c| {
                                        let href = format!("/contracts/{}", c.id);
                                        let (number, title, counterparty, creator) = (
                                            c.contract_number.clone(),
                                            c.title.clone(),
                                            c.counterparty_name.clone(),
                                            c.created_by_name.clone(),
                                        );
                                        let period = period_ja(c.period_start.as_deref(), c.period_end.as_deref());
                                        let amount = yen_opt(c.amount_yen);
                                        let step = c
                                            .approval_steps
                                            .iter()
                                            .find(|s| !s.complete)
                                            .map(|s| s.name.clone())
                                            .unwrap_or_default();
                                        view! {
                                            <li class="card inbox-item">
                                                <p class="contract-number mono">{number}</p>
                                                <h2><A href=href>{title}</A></h2>
                                                <dl class="facts">
                                                    {[
                                                        (K::Counterparty, counterparty),
                                                        (K::Amount, amount),
                                                        (K::Period, period),
                                                        (K::Step, step),
                                                        (K::CreatedBy, creator),
                                                    ]
                                                        .into_iter()
                                                        .filter(|(_, v)| !v.is_empty())
                                                        .map(|(k, v)| view! {
                                                            <dt>{i.tr(k)}</dt>
                                                            <dd>{v}</dd>
                                                        })
                                                        .collect_view()}
                                                </dl>
                                                <ActionBar contract=c done=done only=INBOX_ACTIONS />
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
