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
