//! Rows as stored. These never leave the server: `workflow` maps them into `shared::dto` views.
//!
//! Enums are stored as TEXT and typed here: a row is parsed once, as it is read
//! (`deserialize_as = String`, then `TryFrom`), so a value this version does not know fails
//! the query (an internal error) instead of passing for a default. Rows with such fields are
//! inserted and saved by value (`serialize_as` has no borrowed form).

use diesel::prelude::*;
use shared::contract::{
    ApprovalDecision, ApprovalRule, ContractState, DocumentRole, RecipientOrder, RecipientState,
};

use super::schema::{
    api_tokens, approval_decisions, approval_route_templates, approval_steps, audit_events,
    contacts, contracts, departments, documents, login_failures, organizations, recipients,
    sessions, tenants, users,
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
    pub approval_required: bool,
    pub contract_number_pattern: String,
    pub retention_years: i32,
    pub link_expiry_days: i32,
    pub japanese_era: bool,
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
    /// The id of the key whose HMAC `hash` is; NULL for events sealed before the key existed
    /// (plain SHA-256).
    pub key_id: Option<String>,
}

/// A contract (契約). `None` is inserted as NULL (no column has another default): SQLite can
/// then insert many rows in one statement, and PostgreSQL `COPY` them.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contracts)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Contract {
    pub id: String,
    pub tenant_id: String,
    pub public_id: String,
    pub contract_number: String,
    pub title: String,
    pub department_id: Option<String>,
    pub organization_id: Option<String>,
    pub counterparty_name: String,
    pub amount_yen: Option<i64>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub concluded_on: Option<String>,
    pub retention_years: i32,
    pub notes: String,
    pub custom_fields: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub state: ContractState,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub recipient_order: RecipientOrder,
    pub allow_forwarding: bool,
    pub message: String,
    pub stamp: Option<String>,
    pub approval_round: i32,
    pub expires_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub concluded_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A stored file of a contract. `None` is inserted as NULL (see [`Contract`]).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents, treat_none_as_default_value = false)]
pub struct Document {
    pub id: String,
    pub tenant_id: String,
    pub contract_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: DocumentRole,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub page_count: Option<i32>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub removed_at: Option<i64>,
}

/// One step of a contract's approval route.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = approval_steps)]
pub struct ApprovalStep {
    pub id: String,
    pub tenant_id: String,
    pub contract_id: String,
    pub position: i32,
    pub name: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub rule: ApprovalRule,
    pub approver_ids: String,
}

/// An approval route template; `steps` is the JSON of `Vec<shared::dto::ApprovalStepRequest>`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = approval_route_templates)]
#[diesel(treat_none_as_null = true)]
pub struct RouteTemplate {
    pub id: String,
    pub tenant_id: String,
    pub department_id: Option<String>,
    pub name: String,
    pub steps: String,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An approver's decision.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = approval_decisions)]
pub struct ApprovalDecisionRow {
    pub id: String,
    pub tenant_id: String,
    pub contract_id: String,
    pub step_id: String,
    pub round: i32,
    pub user_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub decision: ApprovalDecision,
    pub comment: String,
    pub at: i64,
}

/// A counterparty recipient.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = recipients)]
#[diesel(treat_none_as_null = true)]
pub struct Recipient {
    pub id: String,
    pub tenant_id: String,
    pub contract_id: String,
    pub position: i32,
    pub organization_name: String,
    pub name: String,
    pub email: String,
    pub access_code_hash: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub state: RecipientState,
    pub link_token_hash: Option<String>,
    pub link_expires_at: Option<i64>,
    pub otp_hash: Option<String>,
    pub otp_expires_at: Option<i64>,
    pub otp_failures: i32,
    pub locked_until: Option<i64>,
    pub session_token_hash: Option<String>,
    pub session_expires_at: Option<i64>,
    pub notified_at: Option<i64>,
    pub viewed_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub agreed_at: Option<i64>,
    pub declined_at: Option<i64>,
    pub decline_reason: Option<String>,
    pub forwarded_from: Option<String>,
    pub sealed_document_id: Option<String>,
    pub forwarded_at: Option<i64>,
    pub action_ip: Option<String>,
    pub action_user_agent: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub auto_reminded_at: Option<i64>,
    /// Locks of the current link for wrong codes; beyond the lock steps the link is closed.
    pub code_locks: i32,
    /// SMS verification (SMS認証): the mobile number in E.164; `None`: no SMS step.
    pub sms_phone: Option<String>,
    /// SHA-256 of the pending SMS code.
    pub sms_code_hash: Option<String>,
    pub sms_code_expires_at: Option<i64>,
    /// When the current session confirmed the SMS code (cleared with every new session).
    pub sms_verified_at: Option<i64>,
    /// Start of the hour whose SMS sends are counted in `sms_sends`.
    pub sms_window_started_at: Option<i64>,
    pub sms_sends: i32,
}

/// An API token of an integrator (`Authorization: Bearer tachiai_…`). Only the secret's
/// SHA-256 is stored; `scopes` is a comma list of permission names, as `users.grants`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Recipient {
    /// A recipient who has been sent nothing yet (state `waiting`, no link, no code).
    #[allow(clippy::too_many_arguments)]
    pub fn waiting(
        tenant_id: &str,
        contract_id: &str,
        position: i32,
        organization_name: String,
        name: String,
        email: String,
        access_code_hash: Option<String>,
        now: i64,
    ) -> Recipient {
        Recipient {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant_id.to_owned(),
            contract_id: contract_id.to_owned(),
            position,
            organization_name,
            name,
            email,
            access_code_hash,
            state: RecipientState::Waiting,
            link_token_hash: None,
            link_expires_at: None,
            otp_hash: None,
            otp_expires_at: None,
            otp_failures: 0,
            locked_until: None,
            session_token_hash: None,
            session_expires_at: None,
            notified_at: None,
            viewed_at: None,
            verified_at: None,
            agreed_at: None,
            declined_at: None,
            decline_reason: None,
            forwarded_from: None,
            sealed_document_id: None,
            forwarded_at: None,
            action_ip: None,
            action_user_agent: None,
            created_at: now,
            updated_at: now,
            auto_reminded_at: None,
            code_locks: 0,
            sms_phone: None,
            sms_code_hash: None,
            sms_code_expires_at: None,
            sms_verified_at: None,
            sms_window_started_at: None,
            sms_sends: 0,
        }
    }
}

// Maintenance notices (お知らせ).
/// A maintenance or outage notice (お知らせ); `tenant_id` is `None` for a service-wide one.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::notices)]
pub struct Notice {
    pub id: String,
    pub tenant_id: Option<String>,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub kind: shared::notice::NoticeKind,
    pub title: String,
    pub body: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub withdrawn_at: Option<i64>,
}

// Idempotency keys and rate limits.
/// The first answer to a POST with an `Idempotency-Key` (see `api::idempotency`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::idempotency_keys)]
pub struct IdempotencyRecord {
    pub tenant_id: String,
    pub principal: String,
    pub method: String,
    pub path: String,
    pub idempotency_key: String,
    pub fingerprint: String,
    pub state: String,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A tenant's own API rate limit.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::tenant_rate_limits)]
pub struct TenantRateLimit {
    pub tenant_id: String,
    pub token_requests_per_minute: i32,
    pub updated_at: i64,
}
// Webhooks (Webhook 通知).
/// A webhook endpoint (通知先). `secret` and `previous_secret` are sealed (`secrets::KeyRing`);
/// `events` is the stored list of `shared::webhook::WebhookEvent` names.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::webhook_endpoints, treat_none_as_null = true)]
pub struct WebhookEndpoint {
    pub id: String,
    pub tenant_id: String,
    pub url: String,
    pub description: String,
    pub events: String,
    pub active: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One event for one endpoint; `body` is the exact JSON posted on every attempt.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::webhook_deliveries, treat_none_as_null = true)]
pub struct WebhookDelivery {
    pub id: String,
    pub tenant_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub event_type: shared::webhook::WebhookEvent,
    pub contract_id: Option<String>,
    pub body: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub state: shared::webhook::DeliveryState,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub delivered_at: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhook_attempts)]
pub struct WebhookAttempt {
    pub id: String,
    pub tenant_id: String,
    pub delivery_id: String,
    pub attempt: i32,
    pub at: i64,
    pub status: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response_excerpt: String,
}

// Document templates (ひな形) and bulk sending (一括送信).
/// A document template (ひな形); `department_id` `None`: every department.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::document_templates)]
#[diesel(treat_none_as_null = true)]
pub struct DocumentTemplate {
    pub id: String,
    pub tenant_id: String,
    pub department_id: Option<String>,
    pub name: String,
    pub route_template_id: Option<String>,
    /// JSON `shared::dto::TemplateFields`.
    pub defaults: String,
    /// JSON `Vec<shared::dto::RecipientSlot>`.
    pub recipient_slots: String,
    pub archived: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A file of a document template.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::template_documents)]
pub struct TemplateDocument {
    pub id: String,
    pub tenant_id: String,
    pub template_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub role: DocumentRole,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub page_count: Option<i32>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub removed_at: Option<i64>,
}

/// A bulk send (一括送信): one accepted CSV file.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::bulk_sends)]
pub struct BulkSend {
    pub id: String,
    pub tenant_id: String,
    pub template_id: String,
    pub file_name: String,
    pub total: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// One CSV line of a bulk send; `state` is a `workflow::bulk_send::RowState`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::bulk_send_rows)]
pub struct BulkSendRow {
    pub bulk_send_id: String,
    pub line: i32,
    pub tenant_id: String,
    /// JSON `shared::dto::TemplateContractRequest`.
    pub input: String,
    pub state: String,
    pub contract_id: Option<String>,
    pub error_code: Option<String>,
    pub error_ja: Option<String>,
    pub error_en: Option<String>,
    pub updated_at: i64,
}
// Network zones (ネットワークゾーン).
/// One network zone of a tenant; `cidrs` is the comma-separated list of address blocks.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::network_zones)]
pub struct NetworkZoneRow {
    pub tenant_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub zone: shared::zone::Zone,
    pub enabled: bool,
    pub cidrs: String,
    pub public_url: Option<String>,
    pub updated_at: i64,
}
