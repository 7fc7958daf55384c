//! The operation log (操作ログ): read and verify only. There is no endpoint that changes or
//! deletes an event.

use actix_web::{get, web};
use serde::Deserialize;
use shared::dto::{AuditChainView, AuditEventView, Page};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::db::queries::audit_events::AuditFilter;
use crate::startup::AppState;
use crate::workflow::{PageRequest, audit_log};

/// Filters of the operation log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEventsQuery {
    /// 1-based page (default 1).
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    per_page: Option<u32>,
    /// Only this action, e.g. `user.created`.
    action: Option<String>,
    /// Only events of this user.
    actor_id: Option<Uuid>,
    /// Only events about this object.
    target_id: Option<String>,
}

/// Lists events, newest first (needs `view_audit_log`).
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", params(ListEventsQuery),
    responses((status = 200, body = Page<AuditEventView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListEventsQuery>,
) -> ApiResult<web::Json<Page<AuditEventView>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.page, q.per_page);
    let view = state
        .run(move |conn| {
            let actor_id = q.actor_id.map(|a| a.to_string());
            let filter = AuditFilter {
                action: q.action.as_deref(),
                actor_id: actor_id.as_deref(),
                target_id: q.target_id.as_deref(),
                from: None,
                until: None,
            };
            audit_log::list_events(conn, &actor, &filter, page)
        })
        .await?;
    Ok(web::Json(view))
}

/// Walks the tenant's hash chain and reports the first edited, inserted or deleted event.
#[utoipa::path(get, path = "/api/v1/audit-events/verify", tag = "audit",
    responses((status = 200, body = AuditChainView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/audit-events/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<AuditChainView>> {
    let view = state
        .run(move |conn| audit_log::verify_chain(conn, &actor))
        .await?;
    Ok(web::Json(view))
}
