//! Use-cases: each public function checks who may do it, validates, changes the database in
//! one transaction together with its audit event, and returns a `shared::dto` view.
//! Handlers call exactly one of these; nothing here knows about HTTP.

pub mod accounts;
pub mod actor;
pub mod address_book;
pub mod api_tokens;
pub mod approval_routes;
pub mod archive;
pub mod audit_log;
pub mod contracts;
pub mod departments;
pub mod error;
pub mod expiry;
pub mod ltv;
pub mod purpose;
pub mod seal_keys;
pub mod sealing;
pub mod settings;
pub mod signing;
pub mod sms_verification;
pub mod tenants;
pub mod users;
pub mod verification;
pub mod views;
// Tenant export and import (全データ返却).
pub mod tenant_io;
// Maintenance notices (お知らせ).
pub mod notices;
// Retention and disposition:
pub mod retention;
// Monthly usage report (月次利用状況報告).
pub mod reports;
// Records management: the fiscal-year export (年度別一括出力).
pub mod fiscal_year_export;
// Idempotency keys and rate limits.
pub mod idempotency;
pub mod rate_limits;
// Demonstration data (tachiai admin seed).
pub mod seed;
// Webhooks (Webhook 通知).
pub mod webhooks;
// Document templates (ひな形) and bulk sending from CSV (一括送信).
pub mod bulk_send;
pub mod seal_marks;
pub mod templates;

pub use actor::Actor;
pub use error::{WorkflowError, WorkflowResult};

use shared::dto::Page;

/// A page request, already clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page.
    pub page: u32,
    /// Items per page, 1..=`MAX_PER_PAGE`.
    pub per_page: u32,
}

impl PageRequest {
    /// The largest page size.
    pub const MAX_PER_PAGE: u32 = 500;

    /// Clamps to valid values; defaults to page 1 of 50.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> PageRequest {
        PageRequest {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(50).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    /// Wraps the items of this page.
    pub fn wrap<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total: total.max(0) as u64,
            total_is_capped: false,
            next_cursor: None,
        }
    }
}
// Network zones (ネットワークゾーン).
pub mod network_zones;
