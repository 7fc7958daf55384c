//! Contracts: the draft's fields, the page staff see, lists and the archive download.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::approval::ApprovalStepView;
use super::recipients::RecipientView;
use crate::validate::ValidationError;

/// Where the visible stamp goes on the signed PDF (points from the page's lower-left corner).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StampPlacement {
    /// 1-based page.
    pub page: u32,
    /// Left edge.
    pub x: f64,
    /// Bottom edge.
    pub y: f64,
    /// Width (at least 120 pt).
    pub width: f64,
    /// Height (at least 40 pt).
    pub height: f64,
}

impl StampPlacement {
    /// The narrowest stamp that stays readable (points).
    pub const MIN_WIDTH: f64 = 120.0;
    /// The lowest stamp that stays readable (points).
    pub const MIN_HEIGHT: f64 = 40.0;
    /// How far from the page's lower-left corner an edge may lie (points; beyond any paper).
    pub const MAX_EXTENT: f64 = 5000.0;

    /// The one rule for a stamp's page, size and place, checked by the form and the server.
    pub fn check(&self) -> Result<(), ValidationError> {
        let StampPlacement {
            page,
            x,
            y,
            width,
            height,
        } = *self;
        let ok = page >= 1
            && [x, y, width, height]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
            && width >= Self::MIN_WIDTH
            && height >= Self::MIN_HEIGHT
            && x + width <= Self::MAX_EXTENT
            && y + height <= Self::MAX_EXTENT;
        if ok {
            Ok(())
        } else {
            Err(ValidationError::OutOfRange)
        }
    }
}

/// `POST /api/v1/contracts` (a new draft) and `PUT /api/v1/contracts/{id}` (edit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    /// 件名.
    pub title: String,
    /// 契約番号; empty: generated from the tenant's pattern at creation (kept on edit).
    #[serde(default)]
    pub contract_number: Option<String>,
    /// 所属 (department).
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// 相手方 from the address book.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// 相手方の名称. Always present: `null` (or blank) only together with `organization_id`,
    /// whose name is then used; a draft with neither is refused (422, `counterparty_name`).
    // Deserialised without serde's missing-`Option` default, so an absent key is refused as
    // the document's `required` says.
    #[serde(deserialize_with = "Option::deserialize")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub counterparty_name: Option<String>,
    /// 契約金額 in yen.
    #[serde(default)]
    pub amount_yen: Option<i64>,
    /// 契約期間 from (YYYY-MM-DD).
    #[serde(default)]
    pub period_start: Option<String>,
    /// 契約期間 to (YYYY-MM-DD).
    #[serde(default)]
    pub period_end: Option<String>,
    /// 保存期間 in years; default from the tenant's settings.
    #[serde(default)]
    pub retention_years: Option<i32>,
    /// 備考.
    #[serde(default)]
    pub notes: Option<String>,
    /// Tenant-defined fields (項目名 → 値).
    #[serde(default)]
    pub custom_fields: std::collections::BTreeMap<String, String>,
    /// Recipients one after another (`sequential`) or all at once (`parallel`).
    #[serde(default = "default_recipient_order")]
    pub recipient_order: crate::contract::RecipientOrder,
    /// Recipients may forward (転送) to a colleague.
    #[serde(default)]
    pub allow_forwarding: bool,
    /// The message in the request mail.
    #[serde(default)]
    pub message: Option<String>,
    /// A visible stamp; none: invisible signatures.
    #[serde(default)]
    pub stamp: Option<StampPlacement>,
}

fn default_recipient_order() -> crate::contract::RecipientOrder {
    crate::contract::RecipientOrder::Sequential
}

/// A comment with a decision (差し戻し, 取消 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// コメント.
    #[serde(default)]
    pub comment: String,
}

/// A stored file of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    /// Id.
    pub id: Uuid,
    /// Which file it is.
    pub role: crate::contract::DocumentRole,
    /// ファイル名.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Pages (PDF).
    pub page_count: Option<i32>,
    /// Uploaded / made at.
    pub created_at: String,
}

/// A contract with everything staff see on its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractView {
    /// Id.
    pub id: Uuid,
    /// The public id of the QR code's `/v/{public_id}`.
    pub public_id: String,
    /// 契約番号.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// 所属.
    pub department_id: Option<Uuid>,
    /// 所属名.
    pub department_name: Option<String>,
    /// 相手方 (address book).
    pub organization_id: Option<Uuid>,
    /// 相手方の名称.
    pub counterparty_name: String,
    /// 契約金額 (yen).
    pub amount_yen: Option<i64>,
    /// 契約期間 from.
    pub period_start: Option<String>,
    /// 契約期間 to.
    pub period_end: Option<String>,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// 保存期間 (years).
    pub retention_years: i32,
    /// 備考.
    pub notes: String,
    /// Tenant-defined fields.
    pub custom_fields: std::collections::BTreeMap<String, String>,
    /// 状態.
    pub state: crate::contract::ContractState,
    /// sequential / parallel.
    pub recipient_order: crate::contract::RecipientOrder,
    /// 転送可.
    pub allow_forwarding: bool,
    /// The message in the request mail.
    pub message: String,
    /// The visible stamp.
    pub stamp: Option<StampPlacement>,
    /// Approval round (increments at each submission).
    pub approval_round: i32,
    /// 回答期限.
    pub expires_at: Option<String>,
    /// 送信日時.
    pub sent_at: Option<String>,
    /// 締結日時.
    pub concluded_at: Option<String>,
    /// 作成者.
    pub created_by: Uuid,
    /// 作成者名.
    pub created_by_name: String,
    /// 作成日時.
    pub created_at: String,
    /// 更新日時.
    pub updated_at: String,
    /// Files.
    pub documents: Vec<DocumentView>,
    /// Recipients in order.
    pub recipients: Vec<RecipientView>,
    /// Approval route.
    pub approval_steps: Vec<ApprovalStepView>,
    /// What happened to it, oldest first (at most the first 1,000 events).
    pub timeline: Vec<TimelineEntryView>,
    /// What the workflow rules know (the browser app runs the same rules on it).
    pub facts: crate::contract::ContractFacts,
    /// The buttons this user may use.
    pub allowed_actions: Vec<crate::contract::ContractAction>,
    /// Why the service's seal on this contract is not made yet, when a seal job has failed;
    /// `None` while sealing goes well (or there is nothing to seal).
    pub seal_trouble: Option<SealTroubleView>,
    /// 保存期限 (YYYY-MM-DD): the last day it must be kept; `None` while it is open.
    #[serde(default)]
    pub retention_end: Option<String>,
    /// 廃棄保留 (legal hold), when set.
    #[serde(default)]
    pub legal_hold: Option<super::LegalHoldView>,
    /// The tombstone, when the contract was disposed of (its files and personal data are gone).
    #[serde(default)]
    pub disposal: Option<super::DisposalView>,
}

/// A seal job of the contract that failed (送信時・合意時の電子署名、締結処理).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealTroubleView {
    /// `true`: the service gave up (a permanent failure, or the attempts ran out) and an
    /// administrator must act; `false`: it tries again at `next_attempt_at`.
    pub gave_up: bool,
    /// Why, in Japanese, e.g. 「失効情報を取得できなかったため、長期署名を中止しました（…）。」.
    pub reason_ja: String,
    /// The technical message (English), as the job recorded it.
    pub detail: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// The last failure (RFC 3339).
    pub failed_at: String,
    /// The next attempt (RFC 3339), unless it gave up.
    pub next_attempt_at: Option<String>,
}

/// A contract in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractSummaryView {
    /// Id.
    pub id: Uuid,
    /// 契約番号.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// 相手方.
    pub counterparty_name: String,
    /// 所属.
    pub department_id: Option<Uuid>,
    /// 所属名.
    pub department_name: Option<String>,
    /// 契約金額.
    pub amount_yen: Option<i64>,
    /// 状態.
    pub state: crate::contract::ContractState,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// 回答期限 (while sent).
    pub expires_at: Option<String>,
    /// 更新日時.
    pub updated_at: String,
}

/// One entry of a contract's timeline (経過), from the operation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntryView {
    /// Position in the tenant's audit chain.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who, readable: a login ID, `token:<name>`, a counterparty's e-mail, `system`.
    pub actor_label: String,
    /// Who, as people read it: the user's 氏名, or a counterparty's 氏名（組織名）; `None`
    /// for the service itself, an API token, or a user or recipient no longer found.
    #[serde(default)]
    pub actor_name: Option<String>,
    /// What, e.g. `contract.approved` (labels: `shared::audit::AuditAction`).
    pub action: String,
    /// `success` or `failure`.
    pub result: String,
    /// The comment or reason given with it (差し戻し, 却下, 取消 …).
    pub comment: Option<String>,
}

/// `POST /api/v1/contracts/archive`: several contracts in one ZIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// The contracts (at most 200).
    pub ids: Vec<Uuid>,
}
