//! Query functions, one module per table. Each takes `&mut AnyConnection` and, for tenant
//! data, the `tenant_id`: a row of another tenant is simply not found.

pub mod api_tokens;
pub mod approvals;
pub mod audit_events;
pub mod contacts;
pub mod contracts;
pub mod departments;
pub mod documents;
pub mod login_failures;
pub mod organizations;
pub mod recipients;
pub mod route_templates;
pub mod sessions;
pub mod tenants;
pub mod users;
// Backups and restores (the database as a whole).
pub mod backup;
// Maintenance notices (お知らせ).
pub mod notices;
// Retention and disposition:
pub mod retention;
// Monthly usage report (月次利用状況報告).
pub mod reports;
// Idempotency keys and rate limits.
pub mod idempotency_keys;
pub mod tenant_rate_limits;
// Demonstration data (tachiai admin seed).
pub mod seed;
// Webhooks (Webhook 通知).
pub mod webhooks;
// Document templates (ひな形) and bulk sending (一括送信).
pub mod bulk_sends;
pub mod templates;
// Network zones (ネットワークゾーン).
pub mod network_zones;

/// `LIMIT`/`OFFSET` of a 1-based page.
pub fn page_bounds(page: u32, per_page: u32) -> (i64, i64) {
    let page = page.max(1);
    (
        i64::from(per_page),
        i64::from(page - 1) * i64::from(per_page),
    )
}

/// A `LIKE` pattern matching `q` anywhere, with `%`, `_` and `\` escaped.
pub fn contains_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
