//! Document templates (ひな形) and bulk sending from CSV (一括送信).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::contracts::StampPlacement;
use crate::contract::{DocumentRole, RecipientOrder};

/// The contract fields a template fills in (each may be changed per contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateFields {
    /// 件名 (default).
    #[serde(default)]
    pub title: Option<String>,
    /// 相手方の名称 (default).
    #[serde(default)]
    pub counterparty_name: Option<String>,
    /// 契約金額 in yen (default).
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
    pub custom_fields: BTreeMap<String, String>,
    /// Recipients one after another (`sequential`) or all at once (`parallel`).
    #[serde(default = "sequential")]
    pub recipient_order: RecipientOrder,
    /// Recipients may forward (転送) to a colleague.
    #[serde(default)]
    pub allow_forwarding: bool,
    /// The message in the request mail.
    #[serde(default)]
    pub message: Option<String>,
    /// 印影の位置: a visible stamp; none: invisible signatures.
    #[serde(default)]
    pub stamp: Option<StampPlacement>,
}

fn sequential() -> RecipientOrder {
    RecipientOrder::Sequential
}

impl Default for TemplateFields {
    fn default() -> Self {
        TemplateFields {
            title: None,
            counterparty_name: None,
            amount_yen: None,
            period_start: None,
            period_end: None,
            retention_years: None,
            notes: None,
            custom_fields: BTreeMap::new(),
            recipient_order: RecipientOrder::Sequential,
            allow_forwarding: false,
            message: None,
            stamp: None,
        }
    }
}

/// One counterparty slot of a template (送付先の枠, e.g. 受注者), in signing order. What the
/// template leaves empty is filled per contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipientSlot {
    /// 役割 shown to staff, e.g. 受注者.
    pub label: String,
    /// 組織名, when the template gives it.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// 氏名, when the template gives it.
    #[serde(default)]
    pub name: Option<String>,
    /// メールアドレス, when the template gives it.
    #[serde(default)]
    pub email: Option<String>,
}

/// `POST /api/v1/templates` and `PUT /api/v1/templates/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// ひな形の名称.
    pub name: String,
    /// 所属: the department whose staff use it; none: every department (needs
    /// `view_all_departments`).
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// The approval route template (決裁ルートのひな形) copied into each contract.
    #[serde(default)]
    pub route_template_id: Option<Uuid>,
    /// Field defaults.
    #[serde(default)]
    pub fields: TemplateFields,
    /// Counterparty slots in signing order (at most 20).
    #[serde(default)]
    pub recipient_slots: Vec<RecipientSlot>,
    /// Archived templates are not offered any more.
    #[serde(default)]
    pub archived: bool,
}

/// A file of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateDocumentView {
    /// Id.
    pub id: Uuid,
    /// Main PDF or attachment.
    pub role: DocumentRole,
    /// ファイル名.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Pages (main PDF).
    pub page_count: Option<i32>,
}

/// A document template (ひな形).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    /// Id.
    pub id: Uuid,
    /// ひな形の名称.
    pub name: String,
    /// 所属; none: every department.
    pub department_id: Option<Uuid>,
    /// 所属名.
    pub department_name: Option<String>,
    /// The approval route template.
    pub route_template_id: Option<Uuid>,
    /// Its name.
    pub route_template_name: Option<String>,
    /// Field defaults.
    pub fields: TemplateFields,
    /// Counterparty slots in signing order.
    pub recipient_slots: Vec<RecipientSlot>,
    /// The current files (main PDF first).
    pub documents: Vec<TemplateDocumentView>,
    /// Archived.
    pub archived: bool,
    /// Last change.
    pub updated_at: String,
}

/// One slot's values for a contract made from a template (empty: the template's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlotValues {
    /// 組織名.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// 氏名.
    #[serde(default)]
    pub name: Option<String>,
    /// メールアドレス.
    #[serde(default)]
    pub email: Option<String>,
}

/// `POST /api/v1/templates/{id}/contracts`: a draft from the template; what is given here
/// replaces the template's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateContractRequest {
    /// 件名.
    #[serde(default)]
    pub title: Option<String>,
    /// 契約番号; empty: generated.
    #[serde(default)]
    pub contract_number: Option<String>,
    /// 相手方の名称.
    #[serde(default)]
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
    /// 備考.
    #[serde(default)]
    pub notes: Option<String>,
    /// The message in the request mail.
    #[serde(default)]
    pub message: Option<String>,
    /// Tenant-defined fields, added to (or replacing) the template's.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    /// One entry per slot, in the template's order (missing entries: the template's values).
    #[serde(default)]
    pub recipients: Vec<SlotValues>,
}

/// Where a bulk send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkSendState {
    /// Rows are still being created and sent.
    Running,
    /// Every row was handled (sent, submitted for approval, or failed).
    Done,
}

/// One row of a bulk send that could not be created or sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkSendFailureView {
    /// The CSV line (the header is line 1).
    pub line: i32,
    /// The problem code.
    pub code: crate::problem::ProblemCode,
    /// Why, in Japanese.
    pub message_ja: String,
    /// Why, in English.
    pub message_en: String,
}

/// A bulk send (一括送信) and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkSendView {
    /// Id.
    pub id: Uuid,
    /// The template.
    pub template_id: Uuid,
    /// Its name.
    pub template_name: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Running or done.
    pub state: BulkSendState,
    /// Rows (one contract each).
    pub total: i64,
    /// Contracts created so far.
    pub created: i64,
    /// Contracts sent to their counterparties.
    pub sent: i64,
    /// Contracts submitted for approval (the template has a route; staff send after approval).
    pub submitted: i64,
    /// Rows that failed.
    pub failed: i64,
    /// The failed rows.
    pub failures: Vec<BulkSendFailureView>,
    /// 登録日時.
    pub created_at: String,
}
