//! Retention and disposition (保存期間・廃棄): a contract's retention years and legal hold, the
//! 廃棄候補 and the disposition requests.

use gloo_net::http::Method;
use shared::dto::{
    ContractView, CreateDispositionRequest, DispositionCandidateView, DispositionDecisionRequest,
    DispositionView, LegalHoldRequest, RetentionOverrideRequest,
};
use shared::problem::Problem;
use uuid::Uuid;

use super::{delete, get, send};

/// `PUT /contracts/{id}/retention`.
pub async fn set_years(id: Uuid, years: u32) -> Result<ContractView, Problem> {
    send(
        Method::PUT,
        &format!("/contracts/{id}/retention"),
        &RetentionOverrideRequest { years },
    )
    .await
}

/// `PUT /contracts/{id}/legal-hold`.
pub async fn hold(id: Uuid, reason: String) -> Result<ContractView, Problem> {
    send(
        Method::PUT,
        &format!("/contracts/{id}/legal-hold"),
        &LegalHoldRequest { reason },
    )
    .await
}

/// `DELETE /contracts/{id}/legal-hold`.
pub async fn release(id: Uuid) -> Result<ContractView, Problem> {
    delete(&format!("/contracts/{id}/legal-hold")).await
}

/// `GET /dispositions/candidates`.
pub async fn candidates() -> Result<Vec<DispositionCandidateView>, Problem> {
    get("/dispositions/candidates").await
}

/// `GET /dispositions`.
pub async fn requests() -> Result<Vec<DispositionView>, Problem> {
    get("/dispositions").await
}

/// `POST /dispositions`.
pub async fn request(req: &CreateDispositionRequest) -> Result<DispositionView, Problem> {
    send(Method::POST, "/dispositions", req).await
}

/// What a second administrator (or the requester) does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 承認する.
    Approve,
    /// 却下する.
    Reject,
    /// 取り消す (the requester).
    Cancel,
}

/// `POST /dispositions/{id}/approve|reject|cancel`.
pub async fn decide(
    id: Uuid,
    decision: Decision,
    comment: String,
) -> Result<DispositionView, Problem> {
    let verb = match decision {
        Decision::Approve => "approve",
        Decision::Reject => "reject",
        Decision::Cancel => "cancel",
    };
    send(
        Method::POST,
        &format!("/dispositions/{id}/{verb}"),
        &DispositionDecisionRequest { comment },
    )
    .await
}

/// `GET /settings/retention`.
pub async fn rule() -> Result<shared::records::RetentionRule, Problem> {
    get("/settings/retention").await
}

/// `PUT /settings/retention`.
pub async fn set_rule(
    req: &shared::dto::RetentionRuleRequest,
) -> Result<shared::records::RetentionRule, Problem> {
    send(Method::PUT, "/settings/retention", req).await
}
