//! `/audit-events`: the operation log (操作ログ).

use shared::dto::{AuditChainView, AuditEventView, Page};
use shared::problem::Problem;

use super::{BASE, encode, get};

/// The log's filters (操作, 操作者, 対象, 日時), as kept in the page's URL query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// An action's wire name, e.g. `contract.approved`.
    pub action: String,
    /// A user's id.
    pub actor_id: String,
    /// An object's id, e.g. a contract's.
    pub target_id: String,
    /// From this day (YYYY-MM-DD, JST).
    pub from: String,
    /// Until this day (YYYY-MM-DD, JST).
    pub until: String,
}

impl AuditQuery {
    /// `a=1&b=2` of the filters that are set, values percent-encoded.
    pub fn to_query_string(&self) -> String {
        [
            ("action", &self.action),
            ("actor_id", &self.actor_id),
            ("target_id", &self.target_id),
            ("from", &self.from),
            ("until", &self.until),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// `GET /audit-events`.
pub async fn list(
    query: &AuditQuery,
    page: u32,
    per_page: u32,
) -> Result<Page<AuditEventView>, Problem> {
    let mut path = format!("/audit-events?page={page}&per_page={per_page}");
    let qs = query.to_query_string();
    if !qs.is_empty() {
        path.push('&');
        path.push_str(&qs);
    }
    get(&path).await
}

/// `GET /audit-events.csv` with the same filters (the session cookie authorises it).
pub fn csv_url(query: &AuditQuery) -> String {
    match query.to_query_string() {
        qs if qs.is_empty() => format!("{BASE}/audit-events.csv"),
        qs => format!("{BASE}/audit-events.csv?{qs}"),
    }
}

/// `GET /audit-events/verify`.
pub async fn verify() -> Result<AuditChainView, Problem> {
    get("/audit-events/verify").await
}
