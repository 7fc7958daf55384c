//! `GET /api/v1/dashboard`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::contracts::ContractSummaryView;

/// `GET /api/v1/dashboard`: the start page of a staff user (仕様 5-(17)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardView {
    /// Contracts created by me, per state (every state, zeros included).
    pub mine: Vec<StateCountView>,
    /// Contracts of my department, per state; `None` when I belong to no department.
    pub my_department: Option<Vec<StateCountView>>,
    /// Contracts waiting for my approval now (I am an approver of the current step and have
    /// not approved it yet).
    pub pending_approvals: DashboardListView,
    /// My drafts (下書き), newest first.
    pub drafts: DashboardListView,
    /// My drafts that came back to me: rejected (差し戻し) in the current approval round, or
    /// recalled from the counterparty (sent back).
    pub returned: DashboardListView,
    /// Sent contracts I can see whose answer deadline is within 7 days, soonest first.
    pub expiring: DashboardListView,
    /// The 20 newest events on contracts I can see, newest first.
    pub recent_events: Vec<ContractEventView>,
    /// Archive timestamp renewal (長期署名の延長) of the tenant's concluded contracts; only for
    /// administrators (`manage_settings`), `None` for everyone else.
    #[serde(default)]
    pub archive_renewal: Option<ArchiveRenewalView>,
}

/// How the renewal of the concluded contracts' archive timestamps stands (長期署名の延長).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchiveRenewalView {
    /// Files whose renewal is due within 30 days (renewed automatically).
    pub due_soon: u64,
    /// Files whose last renewal attempt failed (retried automatically).
    pub failing: u64,
    /// Files whose renewal was given up: an administrator must act (`tachiai ltv status`).
    pub gave_up: u64,
}

/// How many contracts are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateCountView {
    /// 状態.
    pub state: crate::contract::ContractState,
    /// 件数.
    #[cfg_attr(feature = "openapi", schema(example = 3))]
    pub count: u64,
}

/// The first contracts of a dashboard list, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardListView {
    /// At most 50.
    pub items: Vec<ContractSummaryView>,
    /// All that match.
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub total: u64,
}

/// An audit event on a contract, as the dashboard shows it (no address, agent or hash: the
/// operation log has those, for `view_audit_log`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractEventView {
    /// Position in the tenant's audit chain.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who, readable: a login ID, `token:<name>` for an API token, a counterparty's e-mail.
    #[cfg_attr(feature = "openapi", schema(example = "tanaka"))]
    pub actor_label: String,
    /// What, e.g. `contract.approved`.
    #[cfg_attr(feature = "openapi", schema(example = "contract.approved"))]
    pub action: String,
    /// `success` or `failure`.
    pub result: String,
    /// The contract.
    pub contract_id: Uuid,
    /// 契約番号.
    #[cfg_attr(feature = "openapi", schema(example = "R8-000123"))]
    pub contract_number: String,
    /// 件名.
    pub title: String,
}
