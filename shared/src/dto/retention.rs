//! Retention and disposition (保存期間・廃棄, 仕様 5-(21)): the tenant's rule, a contract's legal
//! hold (廃棄保留) and tombstone, the disposition candidates (廃棄候補) and the two-person
//! disposition requests (廃棄申請).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::{ContractState, DocumentRole};
use crate::records::{RetentionBasis, RetentionConvention};

/// `PUT /api/v1/settings/retention`: the tenant's retention rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionRuleRequest {
    /// 保存年限 of a new contract, 1–100 years.
    pub default_years: u32,
    /// 起算方法: `fiscal_year` (翌年度4月1日起算) or `anniversary`.
    pub convention: RetentionConvention,
    /// 起算日: `concluded_on` (契約締結日) or `period_end` (契約期間の終了日).
    pub basis: RetentionBasis,
}

/// `PUT /api/v1/contracts/{id}/retention`: this contract's own retention years (保存期間).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionOverrideRequest {
    /// 保存期間, 1–100 years.
    pub years: u32,
}

/// `PUT /api/v1/contracts/{id}/legal-hold`: hold the contract (廃棄保留).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LegalHoldRequest {
    /// 理由, e.g. the lawsuit or the audit that needs the contract (1–2,000 characters).
    pub reason: String,
}

/// A contract's legal hold (廃棄保留・訴訟ホールド).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegalHoldView {
    /// 理由.
    pub reason: String,
    /// Who set it.
    pub set_by: Uuid,
    /// Their name.
    pub set_by_name: String,
    /// When, RFC 3339.
    pub set_at: String,
}

/// One deleted file of a disposed contract: its hash stays, so a copy can still be matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisposedFileView {
    /// Which file it was.
    pub role: DocumentRole,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
}

/// The tombstone (廃棄記録) of a disposed contract: what remains after its files and personal
/// data were deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisposalView {
    /// 契約番号.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// The state before disposal (締結済み, 取消, …).
    pub prior_state: ContractState,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// 契約期間 from.
    pub period_start: Option<String>,
    /// 契約期間 to.
    pub period_end: Option<String>,
    /// 保存期間 (years).
    pub retention_years: i32,
    /// 保存期限 (YYYY-MM-DD).
    pub retention_end: String,
    /// The deleted files' hashes.
    pub files: Vec<DisposedFileView>,
    /// The disposition request.
    pub request_id: Uuid,
    /// 申請者.
    pub requested_by_name: String,
    /// 申請日時, RFC 3339.
    pub requested_at: String,
    /// 承認者 (the second administrator).
    pub approved_by_name: String,
    /// 廃棄日時, RFC 3339.
    pub disposed_at: String,
}

/// A contract whose retention period has ended and that is not held (廃棄候補).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispositionCandidateView {
    /// Contract id.
    pub id: Uuid,
    /// 契約番号.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// 所属名.
    pub department_name: Option<String>,
    /// 状態.
    pub state: ContractState,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// 保存期間 (years).
    pub retention_years: i32,
    /// 保存期限 (YYYY-MM-DD), before today.
    pub retention_end: String,
    /// The pending disposition request that contains it, if any.
    pub pending_request_id: Option<Uuid>,
}

/// `POST /api/v1/dispositions`: request the disposition of candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateDispositionRequest {
    /// The contracts (1–200), each a candidate.
    pub contract_ids: Vec<Uuid>,
    /// 理由 (1–2,000 characters), e.g. 「令和8年度 保存期間満了分」.
    pub reason: String,
}

/// `POST /api/v1/dispositions/{id}/approve|reject|cancel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DispositionDecisionRequest {
    /// コメント (up to 2,000 characters).
    #[serde(default)]
    pub comment: String,
}

/// Where a disposition request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DispositionState {
    /// 承認待ち.
    Pending,
    /// 承認済み (the contracts were disposed of).
    Approved,
    /// 却下.
    Rejected,
    /// 取消 (by the requester).
    Cancelled,
}

impl DispositionState {
    /// Every value.
    pub const ALL: [DispositionState; 4] = [
        DispositionState::Pending,
        DispositionState::Approved,
        DispositionState::Rejected,
        DispositionState::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DispositionState::Pending => "pending",
            DispositionState::Approved => "approved",
            DispositionState::Rejected => "rejected",
            DispositionState::Cancelled => "cancelled",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<DispositionState> {
        DispositionState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            DispositionState::Pending => "承認待ち",
            DispositionState::Approved => "廃棄済み",
            DispositionState::Rejected => "却下",
            DispositionState::Cancelled => "取消",
        }
    }
}

/// One contract of a disposition request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispositionItemView {
    /// Contract id.
    pub id: Uuid,
    /// 契約番号.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// 状態 now.
    pub state: ContractState,
}

/// A disposition request (廃棄申請).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispositionView {
    /// Id.
    pub id: Uuid,
    /// 状態.
    pub state: DispositionState,
    /// 理由.
    pub reason: String,
    /// 申請者.
    pub requested_by: Uuid,
    /// 申請者名.
    pub requested_by_name: String,
    /// 申請日時, RFC 3339.
    pub requested_at: String,
    /// 承認者・却下者・取消者.
    pub decided_by_name: Option<String>,
    /// When it was decided, RFC 3339.
    pub decided_at: Option<String>,
    /// コメント.
    pub comment: String,
    /// The contracts.
    pub contracts: Vec<DispositionItemView>,
    /// The viewing administrator requested it (so may cancel it, not approve it).
    pub requested_by_me: bool,
}
