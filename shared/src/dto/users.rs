//! Staff users (利用者) and their administration.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Permission, Role};

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
