//! Logging in, the logged-in user and their own account (password, TOTP).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::users::UserView;
use crate::access::Permission;

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
    /// The service seals with the development key (not trusted outside this installation): the
    /// staff pages show a warning.
    #[serde(default)]
    pub development_seal: bool,
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
