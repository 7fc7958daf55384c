//! Tenant settings (設定) and the seal in use.

use serde::{Deserialize, Serialize};

/// Tenant settings (設定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantSettingsView {
    /// 団体名.
    pub name: String,
    /// 団体コード (fixed).
    pub code: String,
    /// Every user must use TOTP.
    pub require_totp: bool,
    /// Minutes without activity before a session ends.
    pub session_idle_minutes: u32,
    /// Hours after login when a session ends regardless of activity.
    pub session_absolute_hours: u32,
    /// Contracts must pass the internal approval route before they are sent (仕様 5-(15)).
    pub approval_required: bool,
    /// 契約番号の形式: `{fy}` 令和の年度 (8), `{fyyyy}` 西暦の年度 (2026), `{seq:N}` N 桁の連番.
    #[cfg_attr(feature = "openapi", schema(example = "R{fy}-{seq:6}"))]
    pub contract_number_pattern: String,
    /// Default retention of a new contract (保存年限), years.
    pub retention_years: u32,
    /// How long a counterparty's link (and so the answer deadline) lasts after sending, days.
    pub link_expiry_days: u32,
    /// Show dates in the Japanese era (令和8年4月1日) instead of 2026年4月1日.
    pub japanese_era: bool,
}

/// `PUT /api/v1/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantSettingsRequest {
    /// 団体名.
    pub name: String,
    /// Every user must use TOTP.
    pub require_totp: bool,
    /// 5–480 minutes.
    pub session_idle_minutes: u32,
    /// 1–24 hours.
    pub session_absolute_hours: u32,
    /// Contracts must pass the internal approval route before they are sent.
    pub approval_required: bool,
    /// 契約番号の形式 (1–40 characters, must contain `{seq}` or `{seq:N}`).
    pub contract_number_pattern: String,
    /// 1–100 years.
    pub retention_years: u32,
    /// 1–90 days.
    pub link_expiry_days: u32,
    /// 和暦表示.
    pub japanese_era: bool,
}

/// A certificate, as an administrator checks it (subject, validity, fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateInfoView {
    /// Subject (RFC 4514 string).
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Serial number, hex.
    pub serial_number: String,
    /// 有効期間の開始.
    pub not_before: String,
    /// 有効期限.
    pub not_after: String,
    /// Days until `not_after` (negative once expired).
    pub days_left: i64,
    /// SHA-256 fingerprint of the DER, hex.
    pub sha256: String,
}

/// `GET /api/v1/seal`: the service's seal and time-stamp authority in use (仕様: 電子署名・
/// タイムスタンプの有効期限の確認).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealInfoView {
    /// The seal is the generated development PKI (not trusted outside this installation).
    pub development: bool,
    /// The seal (signing) certificate.
    pub signer: CertificateInfoView,
    /// Its issuers, nearest first.
    pub chain: Vec<CertificateInfoView>,
    /// `builtin` (the development TSA, in-process) or `http` (RFC 3161 TSAs, with failover).
    pub tsa_source: String,
    /// The TSA URLs in order, for `http`.
    pub tsa_urls: Vec<String>,
    /// The built-in TSA's certificate (an external TSA's shows in each token).
    pub tsa_certificate: Option<CertificateInfoView>,
}
