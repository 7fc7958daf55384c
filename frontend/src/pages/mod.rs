//! One module per route; each page owns its resources and actions.

pub mod account;
pub mod address_book;
pub mod api_tokens;
pub mod approvals;
pub mod audit;
pub mod contract_detail;
pub mod contract_edit;
pub mod contracts;
pub mod departments;
pub mod home;
pub mod login;
pub mod not_found;
pub mod organization_edit;
pub mod organization_new;
pub mod route_templates;
pub mod settings;
pub mod signing;
pub mod trust;
pub mod user_edit;
pub mod user_new;
pub mod users;
pub mod verify;
// Maintenance notices (お知らせ).
pub mod notices;
// Retention and disposition:
pub mod contract_retention;
pub mod dispositions;
pub mod retention_settings;
// Monthly usage report (月次利用状況報告).
pub mod reports;
// Records management: the fiscal-year export.
pub mod exports;
// Webhooks (Webhook 通知).
pub mod webhooks;
// Document templates (ひな形) and bulk sending (一括送信).
pub mod templates;
// Network zones (ネットワークゾーン).
pub mod network_zones;
