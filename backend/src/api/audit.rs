//! The operation log (操作ログ): read and verify only. There is no endpoint that changes or
//! deletes an event.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::{AuditChainView, AuditEventView, Page};
use shared::problem::Problem;
use shared::validate::{ValidationError, iso_date};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::download::csv_attachment;
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::clock;
use crate::db::queries::audit_events::AuditFilter;
use crate::startup::AppState;
use crate::workflow::{PageRequest, WorkflowError, audit_log};

/// Filters of the operation log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEventsQuery {
    /// 1-based page (default 1).
    #[serde(default, deserialize_with = "shared::dto::paging::page")]
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    #[serde(default, deserialize_with = "shared::dto::paging::per_page")]
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
    /// Only this action, e.g. `user.created`.
    action: Option<String>,
    /// Only events of this user.
    actor_id: Option<Uuid>,
    /// Only events about this object.
    target_id: Option<String>,
    /// From this day (YYYY-MM-DD, JST, inclusive).
    from: Option<String>,
    /// Until this day (YYYY-MM-DD, JST, inclusive).
    until: Option<String>,
}

/// The checked filters, owned (the workflow call borrows them as an [`AuditFilter`]).
struct EventFilter {
    action: Option<String>,
    actor_id: Option<String>,
    target_id: Option<String>,
    /// From 00:00 JST of `from`.
    from: Option<i64>,
    /// Before 00:00 JST of the day after `until`.
    until: Option<i64>,
}

impl EventFilter {
    fn as_filter(&self) -> AuditFilter<'_> {
        AuditFilter {
            action: self.action.as_deref(),
            actor_id: self.actor_id.as_deref(),
            target_id: self.target_id.as_deref(),
            from: self.from,
            until: self.until,
        }
    }
}

impl ListEventsQuery {
    /// Checks the days (YYYY-MM-DD, JST) and keeps the rest.
    fn into_filter(self) -> ApiResult<(EventFilter, PageRequest)> {
        let day = |field: &str, raw: &Option<String>| -> ApiResult<Option<i64>> {
            match raw.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => iso_date(d)
                    .ok()
                    .and_then(|d| clock::jst_day_start(&d))
                    .map(Some)
                    .ok_or_else(|| {
                        WorkflowError::field(field, ValidationError::InvalidDate).into()
                    }),
            }
        };
        let from = day("from", &self.from)?;
        let until = day("until", &self.until)?.map(|t| t + 86_400_000);
        let filter = EventFilter {
            action: self.action,
            actor_id: self.actor_id.map(|a| a.to_string()),
            target_id: self.target_id,
            from,
            until,
        };
        Ok((filter, PageRequest::new(self.page, self.per_page)))
    }
}

/// Lists events, newest first (needs `view_audit_log`).
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(ListEventsQuery),
    responses((status = 200, body = Page<AuditEventView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListEventsQuery>,
) -> ApiResult<web::Json<Page<AuditEventView>>> {
    let (filter, page) = query.into_inner().into_filter()?;
    let view = state
        .run(move |conn| audit_log::list_events(conn, &actor, &filter.as_filter(), page))
        .await?;
    Ok(web::Json(view))
}

/// The filtered log as CSV for Excel (same filters as the list; `page`/`per_page` ignored),
/// newest first, columns 連番, 日時 (JST), 操作者, IPアドレス, ユーザーエージェント, 操作,
/// 操作コード, 対象種別, 対象ID, 結果, 詳細 (JSON), ハッシュ. At most 100,000 rows, then
/// `X-Tachiai-Truncated: true`. Audited as `audit.exported` (needs `view_audit_log`).
#[utoipa::path(get, path = "/api/v1/audit-events.csv", tag = "audit", params(ListEventsQuery),
    responses((status = 200, content_type = "text/csv", body = String),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn export_csv(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListEventsQuery>,
) -> ApiResult<HttpResponse> {
    let (filter, _) = query.into_inner().into_filter()?;
    let csv = state
        .run(move |conn| audit_log::export_csv(conn, &actor, &filter.as_filter()))
        .await?;
    Ok(csv_attachment(csv))
}

/// Walks the tenant's hash chain and reports the first edited, inserted or deleted event.
#[utoipa::path(get, path = "/api/v1/audit-events/verify", tag = "audit",
    responses((status = 200, body = AuditChainView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<AuditChainView>> {
    let view = state
        .run(move |conn| audit_log::verify_chain(conn, &actor))
        .await?;
    Ok(web::Json(view))
}
