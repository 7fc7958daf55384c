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

/// One key of the seal keyring (電子署名鍵). Keys are never deleted: a retired key's
/// certificates stay trusted by the verifier, so every seal it made keeps verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealKeyView {
    /// The key's ID.
    pub id: String,
    /// 名称, e.g. `2027年度 電子署名鍵`.
    pub label: String,
    /// Where the private key is: `pkcs12` or `pem` (encrypted in the database) or `pkcs11` (an HSM).
    pub kind: String,
    /// `standby` (登録済み), `active` (使用中: seals now) or `retired` (廃止: never seals again).
    pub state: String,
    /// The seal certificate.
    pub certificate: CertificateInfoView,
    /// Its issuers, nearest first.
    pub chain: Vec<CertificateInfoView>,
    /// The HSM reference, for `pkcs11`.
    pub pkcs11: Option<Pkcs11ReferenceView>,
    /// When it was imported (RFC 3339).
    pub created_at: String,
    /// Who imported it (login ID, or `operator` for the command line).
    pub created_by: String,
    /// When it was last activated.
    pub activated_at: Option<String>,
    /// When it was retired.
    pub retired_at: Option<String>,
    /// How many seals it has made.
    pub seals: i64,
}

/// Where a PKCS#11 key is (never the PIN itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pkcs11ReferenceView {
    /// The PKCS#11 module (shared library) path.
    pub module: String,
    /// The token's label.
    pub token_label: String,
    /// The private key's label (CKA_LABEL).
    pub key_label: String,
    /// The file holding the user PIN, on the server.
    pub pin_file: String,
}

/// `GET /api/v1/seal/keys`: the keyring, and what seals when it is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealKeyringView {
    /// Every key, newest first.
    pub keys: Vec<SealKeyView>,
    /// The active key's ID; none: the fallback seals.
    pub active_id: Option<String>,
    /// What seals when no key is active: `configured` (the key in the configuration) or
    /// `development` (the generated development PKI).
    pub fallback: String,
}

/// The private key of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SealKeyMaterial {
    /// A PKCS#12 (.p12 / .pfx) file with its password.
    Pkcs12 {
        /// The file, base64.
        pkcs12_base64: String,
        /// Its password.
        password: String,
    },
    /// A PEM private key, its certificate and the chain.
    Pem {
        /// `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`.
        key_pem: String,
        /// The seal certificate.
        certificate_pem: String,
        /// The issuing CA certificates (intermediates and root).
        chain_pem: String,
    },
    /// A key inside an HSM token (PKCS#11), by reference, with its certificate and chain.
    Pkcs11 {
        /// The PKCS#11 module path on the server.
        module: String,
        /// The token's label.
        token_label: String,
        /// The private key's label.
        key_label: String,
        /// The file holding the user PIN, on the server.
        pin_file: String,
        /// The seal certificate.
        certificate_pem: String,
        /// The issuing CA certificates.
        chain_pem: String,
    },
}

/// `POST /api/v1/seal/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportSealKeyRequest {
    /// 名称 (1–100 characters).
    pub label: String,
    /// The key.
    pub material: SealKeyMaterial,
}

/// One time-stamp authority (タイムスタンプ局) and its health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TsaView {
    /// The entry's ID (none for the configured list and the built-in TSA).
    pub id: Option<String>,
    /// The RFC 3161 URL (`builtin` for the development TSA).
    pub url: String,
    /// Place in the failover order, from 1.
    pub position: u32,
    /// When a token from it last verified (RFC 3339).
    pub last_success_at: Option<String>,
    /// When it last failed.
    pub last_error_at: Option<String>,
    /// Why it last failed.
    pub last_error: Option<String>,
    /// Its certificate's subject, from the last token.
    pub certificate_subject: Option<String>,
    /// Its certificate's expiry (RFC 3339).
    pub certificate_not_after: Option<String>,
    /// Days until then (negative once expired).
    pub certificate_days_left: Option<i64>,
}

/// `GET /api/v1/seal/tsas`: the TSAs in failover order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TsaListView {
    /// `database` (the list edited here), `configured` (`tsa_urls`, used while that list is
    /// empty) or `builtin` (the development PKI's TSA).
    pub source: String,
    /// In order.
    pub tsas: Vec<TsaView>,
}

/// `POST /api/v1/seal/tsas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddTsaRequest {
    /// The RFC 3161 URL (http or https).
    pub url: String,
    /// Place in the order, from 1 (default: last).
    #[serde(default)]
    pub position: Option<u32>,
}

/// `PUT /api/v1/seal/tsas/{id}/position`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveTsaRequest {
    /// The new place, from 1.
    pub position: u32,
}
