//! Approval routes (決裁ルート): a contract's steps, templates and the approvers to choose from.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One step of `PUT /api/v1/contracts/{id}/approval-route`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalStepRequest {
    /// 段階名, e.g. 課長決裁.
    pub name: String,
    /// `any`: one approval suffices; `all`: every approver.
    pub rule: crate::contract::ApprovalRule,
    /// The approvers (users of the tenant with the approve permission).
    pub approver_ids: Vec<Uuid>,
}

/// `PUT /api/v1/contracts/{id}/approval-route`: the whole route, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalRouteRequest {
    /// Steps in order.
    pub steps: Vec<ApprovalStepRequest>,
}

/// An approval route template (決裁ルートのひな形): a department's usual route, copied into a
/// contract's route when staff choose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteTemplateView {
    /// Id.
    pub id: Uuid,
    /// 名称, e.g. 「契約課 標準（課長→部長）」.
    pub name: String,
    /// The department it is meant for; `None` for every department.
    pub department_id: Option<Uuid>,
    /// 所属名.
    pub department_name: Option<String>,
    /// Steps in order, as `PUT /contracts/{id}/approval-route` takes them.
    pub steps: Vec<ApprovalStepRequest>,
    /// No longer offered.
    pub archived: bool,
    /// 更新日時.
    pub updated_at: String,
}

/// `POST /api/v1/route-templates`, `PUT /api/v1/route-templates/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RouteTemplateRequest {
    /// 名称.
    pub name: String,
    /// The department it is meant for; `None` for every department.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// 1–10 steps.
    pub steps: Vec<ApprovalStepRequest>,
    /// No longer offered (kept for the record).
    #[serde(default)]
    pub archived: bool,
}

/// One approver in a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproverView {
    /// User id.
    pub user_id: Uuid,
    /// 氏名.
    pub name: String,
    /// Their decision in the current round.
    pub decision: Option<crate::contract::ApprovalDecision>,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub decided_at: Option<String>,
}

/// One step of a contract's approval route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalStepView {
    /// Id.
    pub id: Uuid,
    /// Order (1-based).
    pub position: i32,
    /// 段階名.
    pub name: String,
    /// any / all.
    pub rule: crate::contract::ApprovalRule,
    /// Approvers and their decisions.
    pub approvers: Vec<ApproverView>,
    /// This step has approved (in the current round).
    pub complete: bool,
}

/// A user who can approve contracts (`GET /api/v1/approvers`), for choosing an approval route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproverOption {
    /// User id.
    pub id: Uuid,
    /// 氏名.
    pub name: String,
    /// 所属名.
    pub department_name: Option<String>,
}
