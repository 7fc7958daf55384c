//! The JSON bodies of `/api/v1`. Requests end in `Request` and refuse unknown fields;
//! responses end in `View`. Database rows are never serialised to clients: the server maps
//! them into these.
//!
//! Times are RFC 3339 strings in UTC (`2026-04-01T05:00:00Z`); the browser shows them in JST.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Permission, Role};

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    /// The embedded default.
    Sqlite,
    /// The scale-out choice.
    Postgres,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthView {
    /// Always `ok` when the database answered.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: String,
    /// The database in use.
    pub database: DatabaseKind,
    /// The newest applied migration, e.g. `20261125000000`.
    pub schema_version: String,
    /// The server's version.
    pub version: String,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items on all pages.
    pub total: u64,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// 団体コード.
    #[cfg_attr(feature = "openapi", schema(example = "dev"))]
    pub tenant_code: String,
    /// ログインID.
    #[cfg_attr(feature = "openapi", schema(example = "admin"))]
    pub login_id: String,
    /// パスワード.
    pub password: String,
    /// The 6-digit TOTP code, when the answer was `totp_required`.
    #[serde(default)]
    pub totp_code: Option<String>,
}

/// The tenant (団体) a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantView {
    /// Tenant ID.
    pub id: Uuid,
    /// 団体コード.
    pub code: String,
    /// 団体名, e.g. 〇〇市.
    pub name: String,
    /// Show dates in the Japanese era (令和8年4月1日).
    pub japanese_era: bool,
}

/// The logged-in user, with what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeView {
    /// The user.
    pub user: UserView,
    /// Their tenant.
    pub tenant: TenantView,
    /// Effective permissions (roles ∪ grants).
    pub permissions: Vec<Permission>,
    /// The tenant requires TOTP and this user has none yet: only the account page works.
    pub totp_setup_required: bool,
}

/// Answer to a successful login and to `GET /api/v1/auth/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Who is logged in.
    pub me: MeView,
    /// Send this in the `X-CSRF-Token` header of every state-changing request.
    pub csrf_token: String,
    /// When the session ends at the latest.
    pub expires_at: String,
}

/// `POST /api/v1/account/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password, to confirm.
    pub current_password: String,
    /// The new password (policy: 12+ characters, letters and digits, not the login ID).
    pub new_password: String,
}

/// `POST /api/v1/account/totp/setup`: a new secret to scan; not active until confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetupView {
    /// Base32 secret for manual entry.
    pub secret: String,
    /// `otpauth://totp/...` URI for a QR code.
    pub otpauth_uri: String,
}

/// `POST /api/v1/account/totp/enable`: confirms the secret with a first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpEnableRequest {
    /// A current 6-digit code from the authenticator.
    pub code: String,
}

/// `POST /api/v1/account/totp/disable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpDisableRequest {
    /// The current password, to confirm.
    pub current_password: String,
}

/// A staff user (利用者).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    /// User ID.
    pub id: Uuid,
    /// ログインID.
    pub login_id: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 所属.
    pub department_id: Option<Uuid>,
    /// 役割.
    pub roles: Vec<Role>,
    /// 個別権限 granted on top of the roles.
    pub grants: Vec<Permission>,
    /// Disabled users cannot log in; users are never deleted.
    pub disabled: bool,
    /// Whether TOTP is set up.
    pub totp_enabled: bool,
    /// Locked after failed logins until this time.
    pub locked_until: Option<String>,
    /// Must change the password at next login (after an admin reset).
    pub must_change_password: bool,
    /// Last successful login.
    pub last_login_at: Option<String>,
    /// Created.
    pub created_at: String,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// ログインID, unique within the tenant.
    pub login_id: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 所属.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// At least one role.
    pub roles: Vec<Role>,
    /// Extra permissions.
    #[serde(default)]
    pub grants: Vec<Permission>,
    /// The initial password; when absent the server generates one and returns it once.
    #[serde(default)]
    pub password: Option<String>,
}

/// `PUT /api/v1/users/{id}`: replaces the editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 所属.
    #[serde(default)]
    pub department_id: Option<Uuid>,
    /// At least one role.
    pub roles: Vec<Role>,
    /// Extra permissions.
    #[serde(default)]
    pub grants: Vec<Permission>,
}

/// Answer to creating a user or resetting a password: the one-time initial password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCredentialView {
    /// The user.
    pub user: UserView,
    /// Shown once; the user must change it at first login. Absent when the admin chose it.
    pub initial_password: Option<String>,
}

/// A department (所属); departments form a tree through `parent_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentView {
    /// Department ID.
    pub id: Uuid,
    /// The parent (部 of a 課); `null` at the top.
    pub parent_id: Option<Uuid>,
    /// 所属名.
    pub name: String,
    /// 所属コード, optional, as used by the city's financial system.
    pub code: Option<String>,
    /// Inactive departments are kept for history but not offered for new users.
    pub active: bool,
}

/// `POST /api/v1/departments` and `PUT /api/v1/departments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    /// 所属名.
    pub name: String,
    /// The parent department.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// 所属コード.
    #[serde(default)]
    pub code: Option<String>,
    /// Defaults to active.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A counterparty organisation in the address book (取引先).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationView {
    /// Organisation ID.
    pub id: Uuid,
    /// 名称, e.g. 株式会社テスト商事.
    pub name: String,
    /// 名称（カナ）.
    pub name_kana: Option<String>,
    /// 住所.
    pub address: Option<String>,
    /// 電話番号.
    pub phone: Option<String>,
    /// 備考.
    pub notes: Option<String>,
    /// Archived entries are hidden from pickers but kept.
    pub archived: bool,
    /// Contacts of this organisation.
    pub contacts: Vec<ContactView>,
}

/// `POST /api/v1/organizations` and `PUT /api/v1/organizations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    /// 名称.
    pub name: String,
    /// 名称（カナ）.
    #[serde(default)]
    pub name_kana: Option<String>,
    /// 住所.
    #[serde(default)]
    pub address: Option<String>,
    /// 電話番号.
    #[serde(default)]
    pub phone: Option<String>,
    /// 備考.
    #[serde(default)]
    pub notes: Option<String>,
    /// Archive or restore.
    #[serde(default)]
    pub archived: bool,
}

/// A person at a counterparty organisation (相手方の担当者).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    /// Contact ID.
    pub id: Uuid,
    /// The organisation.
    pub organization_id: Uuid,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 部署.
    pub division: Option<String>,
    /// 役職.
    pub title: Option<String>,
    /// 電話番号.
    pub phone: Option<String>,
    /// Archived contacts are hidden from pickers but kept.
    pub archived: bool,
}

/// `POST /api/v1/organizations/{id}/contacts` and `PUT /api/v1/contacts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 部署.
    #[serde(default)]
    pub division: Option<String>,
    /// 役職.
    #[serde(default)]
    pub title: Option<String>,
    /// 電話番号.
    #[serde(default)]
    pub phone: Option<String>,
    /// Archive or restore.
    #[serde(default)]
    pub archived: bool,
}

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

/// One entry of the operation log (操作ログ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who (user ID), if a user acted.
    pub actor_id: Option<Uuid>,
    /// Who, readable: login ID, `system`, or a counterparty's e-mail.
    pub actor_label: String,
    /// Client IP address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// What, e.g. `user.create`.
    pub action: String,
    /// Kind of object acted on, e.g. `user`.
    pub target_type: Option<String>,
    /// The object's ID.
    pub target_id: Option<String>,
    /// `success` or `failure`.
    pub result: String,
    /// Action-specific details.
    pub details: serde_json::Value,
    /// SHA-256 (hex) of this event over its canonical encoding, chained to the previous one.
    pub hash: String,
}

/// `GET /api/v1/audit-events/verify`: the result of walking the tenant's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChainView {
    /// No break was found.
    pub intact: bool,
    /// Events checked.
    pub events_checked: u64,
    /// The first break, if any.
    pub first_break: Option<AuditChainBreakView>,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChainBreakView {
    /// Sequence number of the first event that does not fit.
    pub seq: i64,
    /// `edited`, `deleted` or `inserted`.
    pub kind: String,
}

/// The verdict of the service's own verifier on a PDF: every signature and document timestamp,
/// oldest first (`tachiai pdf verify --json`, the public verification page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationView {
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// At least one signature, and every one of them valid.
    pub all_valid: bool,
    /// Each signature and document timestamp.
    pub signatures: Vec<SignatureCheckView>,
}

/// One signature or document timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureCheckView {
    /// Signature field name.
    pub field_name: String,
    /// `signature` or `document_timestamp`.
    pub kind: String,
    /// `/SubFilter`, e.g. `ETSI.CAdES.detached`.
    pub sub_filter: String,
    /// Intact, valid, trusted, covering a whole revision, unmodified since.
    pub valid: bool,
    /// The signed bytes are unchanged.
    pub intact: bool,
    /// The cryptographic signature verifies.
    pub signature_valid: bool,
    /// The signer's certificate chains to a trusted root.
    pub trusted: bool,
    /// `entire_file`, `entire_revision` or `partial`.
    pub coverage: String,
    /// Subject of the signer's (or the TSA's) certificate.
    pub signer: Option<String>,
    /// What the signature records about itself (`/Reason`): for this service's seals, who
    /// agreed, their organisation and e-mail, how they were verified and when.
    pub reason: Option<String>,
    /// The RFC 3161 time (signature timestamp, or the document timestamp itself).
    pub timestamp: Option<TimestampCheckView>,
    /// Changes by later revisions that a signature does not allow.
    pub modifications: Vec<String>,
    /// Why a check failed (English, from the verifier).
    pub problems: Vec<String>,
}

/// A verified RFC 3161 time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimestampCheckView {
    /// `genTime`, RFC 3339 UTC.
    pub time: String,
    /// Subject of the TSA certificate.
    pub tsa: String,
    /// Serial number of the token, hex.
    pub serial: String,
}

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
    /// 相手方の名称, when not from the address book (else taken from it).
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

/// One recipient in `PUT /api/v1/contracts/{id}/recipients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipientRequest {
    /// 組織名.
    pub organization_name: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// アクセスコード, given to the recipient out of band (4–32 characters).
    #[serde(default)]
    pub access_code: Option<String>,
    /// Without a new `access_code`: keep the code this address already has on the contract
    /// (codes are stored hashed, so the app cannot send them back).
    #[serde(default)]
    pub keep_access_code: bool,
}

/// `PUT /api/v1/contracts/{id}/recipients`: the whole list, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecipientsRequest {
    /// Recipients in signing order.
    pub recipients: Vec<RecipientRequest>,
}

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
    /// `main`, `attachment`, `sealed` or `certificate`.
    pub role: String,
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

/// A counterparty recipient as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecipientView {
    /// Id.
    pub id: Uuid,
    /// Order (1-based).
    pub position: i32,
    /// 組織名.
    pub organization_name: String,
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// An access code is required.
    pub has_access_code: bool,
    /// Where they are.
    pub state: crate::contract::RecipientState,
    /// Forwarded from this recipient.
    pub forwarded_from: Option<Uuid>,
    /// 依頼日時.
    pub notified_at: Option<String>,
    /// 閲覧日時 (verified and opened).
    pub verified_at: Option<String>,
    /// 合意日時.
    pub agreed_at: Option<String>,
    /// 却下日時.
    pub declined_at: Option<String>,
    /// 却下理由.
    pub decline_reason: Option<String>,
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

/// An API token (the secret is shown only once, in [`CreatedApiTokenView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenView {
    /// Id.
    pub id: Uuid,
    /// The user the token acts as.
    pub user_id: Uuid,
    /// That user's login ID.
    #[cfg_attr(feature = "openapi", schema(example = "tanaka"))]
    pub login_id: String,
    /// A name to tell tokens apart; the audit log records actions as `token:<name>`.
    #[cfg_attr(feature = "openapi", schema(example = "文書管理システム連携"))]
    pub name: String,
    /// What the token may do, at most: its permissions are the user's current ones
    /// intersected with these.
    pub scopes: Vec<Permission>,
    /// Issued at.
    pub created_at: String,
    /// Last accepted (updated at most once a minute).
    pub last_used_at: Option<String>,
    /// Not accepted from then on; `None`: no expiry.
    pub expires_at: Option<String>,
    /// Revoked at.
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// `POST /api/v1/api-tokens`: a token for the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// A name to tell tokens apart (1–100 characters).
    #[cfg_attr(feature = "openapi", schema(example = "文書管理システム連携"))]
    pub name: String,
    /// A non-empty subset of the user's own permissions.
    pub scopes: Vec<Permission>,
    /// Days until the token expires (1–3650); absent: no expiry.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = 90))]
    pub expires_in_days: Option<u32>,
}

/// The answer to `POST /api/v1/api-tokens`: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiTokenView {
    /// The token.
    pub token: ApiTokenView,
    /// The secret for `Authorization: Bearer …`: `tachiai_` and 43 base64url characters
    /// (256 random bits). Only its SHA-256 is stored; it cannot be shown again.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "tachiai_q3J9Xb2kRz0uVwYc8LmN4pS7tA1eH6gD5fK0iO2jQ9w")
    )]
    pub secret: String,
}

/// `GET /api/v1/signing/{token}`: what the counterparty's signing page shows. Before the
/// one-time code is confirmed only who asks whom; the contract's data after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningView {
    /// 団体名 of the sender.
    pub tenant_name: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient's organisation.
    pub recipient_organization: String,
    /// The e-mail address, partly hidden (`ya***@example.co.jp`).
    pub email_hint: String,
    /// An access code must be entered with the one-time code.
    pub access_code_required: bool,
    /// The recipient's state.
    pub state: crate::contract::RecipientState,
    /// This session has confirmed with the code: the fields below are filled.
    pub verified: bool,
    /// 件名.
    pub title: Option<String>,
    /// 契約番号.
    pub contract_number: Option<String>,
    /// 契約金額.
    pub amount_yen: Option<i64>,
    /// The contract's state.
    pub contract_state: Option<crate::contract::ContractState>,
    /// The sender's message.
    pub message: Option<String>,
    /// Forwarding (転送) is allowed.
    pub allow_forwarding: bool,
    /// The current contract PDF (sealed once sealed) and the attachments.
    pub documents: Vec<DocumentView>,
    /// 回答期限.
    pub expires_at: Option<String>,
    /// 契約期間 from (YYYY-MM-DD).
    #[serde(default)]
    pub period_start: Option<String>,
    /// 契約期間 to (YYYY-MM-DD).
    #[serde(default)]
    pub period_end: Option<String>,
}

/// `POST /api/v1/signing/{token}/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningVerifyRequest {
    /// The 6-digit code from the mail.
    pub code: String,
    /// The access code, when the sender set one.
    #[serde(default)]
    pub access_code: Option<String>,
}

/// The confirmed session: send it as `Authorization: Bearer …` on the next requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSessionView {
    /// The session token.
    pub session_token: String,
    /// Valid for this many seconds.
    pub expires_in: u32,
}

/// `POST /api/v1/signing/{token}/agree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningAgreeRequest {
    /// 「内容を確認し、合意します」 was ticked.
    pub consent: bool,
}

/// `POST /api/v1/signing/{token}/decline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningDeclineRequest {
    /// 却下の理由.
    pub reason: String,
}

/// `POST /api/v1/signing/{token}/forward`: 転送 to a colleague.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningForwardRequest {
    /// 氏名.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 組織名 (default: the forwarding recipient's).
    #[serde(default)]
    pub organization_name: Option<String>,
}

/// `POST /api/v1/verify` (public): the verifier's verdict and whether this service issued the
/// file (its SHA-256 matches a sealed file or completion certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicVerificationView {
    /// The verdict on every signature and timestamp.
    pub verification: VerificationView,
    /// The file is one this service issued, byte for byte.
    pub issued_by_this_service: bool,
    /// 契約番号, when issued by this service.
    pub contract_number: Option<String>,
    /// 契約締結日, when issued by this service and concluded.
    pub concluded_on: Option<String>,
    /// `sealed` (the signed contract) or `certificate` (合意締結証明書).
    pub document_role: Option<String>,
}

/// `GET /api/v1/public/contracts/{public_id}` (the QR code's target): only the contract number,
/// the conclusion date and the seal status, nothing of the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicContractView {
    /// 契約番号.
    pub contract_number: String,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// The contract is concluded and its seal (signature + timestamp) is on the file.
    pub sealed: bool,
    /// 状態.
    pub state: crate::contract::ContractState,
}

/// `POST /api/v1/contracts/archive`: several contracts in one ZIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// The contracts (at most 200).
    pub ids: Vec<Uuid>,
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
