//! 月次利用状況報告 (monthly usage report).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/v1/reports/monthly/{yyyy-mm}`: one month of a tenant's use, per department
/// (所属), with a total. Counts are of what happened within the month in JST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReportView {
    /// The month, `YYYY-MM` (JST calendar month).
    pub month: String,
    /// 団体名.
    pub tenant_name: String,
    /// The first instant of the month (00:00 JST on the 1st), RFC 3339 UTC.
    pub from: String,
    /// The first instant of the next month (exclusive), RFC 3339 UTC.
    pub until: String,
    /// When the figures were computed, RFC 3339 UTC.
    pub generated_at: String,
    /// `true` when the month is not over yet: the figures are so far, and the storage is now.
    pub partial: bool,
    /// `true` when these are the figures the monthly job stored (and mailed); `false` when
    /// computed on request.
    pub stored: bool,
    /// One row per department with anything to count, by name; contracts and staff without a
    /// department last (`department_id` `null`, named 所属なし).
    pub rows: Vec<MonthlyReportRowView>,
    /// 合計: the tenant's figures (active staff counted once, whatever their department).
    pub total: MonthlyReportRowView,
}

/// One department's figures for the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReportRowView {
    /// The department; `null` for 所属なし and for the total.
    pub department_id: Option<Uuid>,
    /// 所属名 (所属なし, 合計).
    pub department: String,
    /// 作成: contracts created in the month.
    pub created: i64,
    /// 送信: contracts sent in the month (a contract sent again after correction counts once).
    pub sent: i64,
    /// 締結: contracts concluded in the month.
    pub concluded: i64,
    /// 却下: contracts a counterparty declined in the month.
    pub declined: i64,
    /// 期限切れ: contracts whose answer deadline passed in the month.
    pub expired: i64,
    /// 取消: contracts cancelled in the month.
    pub cancelled: i64,
    /// 送信先: counterparty recipients of the contracts sent in the month.
    pub recipients: i64,
    /// 利用職員数: staff of the department who did anything recorded in the operation log.
    pub active_users: i64,
    /// 保存容量: bytes of the contracts' files kept at the end of the month (now, while the
    /// month is not over).
    pub storage_bytes: i64,
    /// 電子署名: seals the service made in the month (at sending, at each agreement, on the
    /// completion certificate).
    pub seals: i64,
    /// タイムスタンプ: time-stamp tokens obtained in the month (one per seal, two document
    /// timestamps at each conclusion, one per long-term renewal).
    pub timestamps: i64,
}
