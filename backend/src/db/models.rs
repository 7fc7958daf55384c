//! Rows as stored. These never leave the server: `workflow` maps them into `shared::dto` views.

use diesel::prelude::*;

use super::schema::{
    audit_events, contacts, departments, login_failures, organizations, sessions, tenants, users,
};

/// A tenant (団体).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: String,
    pub code: String,
    pub name: String,
    pub require_totp: bool,
    pub session_idle_minutes: i32,
    pub session_absolute_hours: i32,
    pub audit_seq: i64,
    pub audit_head: String,
    pub created_at: i64,
}

/// A department (所属).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: String,
    pub tenant_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub code: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A staff user. `roles` and `grants` are comma-separated names from `shared::access`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub login_id: String,
    pub name: String,
    pub email: String,
    pub department_id: Option<String>,
    pub roles: String,
    pub grants: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A login session; the cookie holds the token, the row only its SHA-256.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub token_hash: String,
    pub tenant_id: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A failed login, kept for per-address throttling.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = login_failures)]
pub struct LoginFailure {
    pub id: String,
    pub ip: String,
    pub at: i64,
}

/// A counterparty organisation (取引先).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A contact person at an organisation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: String,
    pub tenant_id: String,
    pub organization_id: String,
    pub name: String,
    pub email: String,
    pub division: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One audit event, chained by `prev_hash` → `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub tenant_id: String,
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub result: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}
