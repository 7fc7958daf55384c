//! `GET /api/v1/health`: the database answers, and which database and schema are in use; its
//! split for orchestrators: `/health/live` (the process answers) and `/health/ready` (it can
//! serve: database, storage, TSA; see [`crate::readiness`]).

use actix_web::{HttpResponse, web};
use shared::dto::{HealthView, LivenessView, ReadinessView};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::db;
use crate::startup::AppState;

/// Answers 200 once the database answers.
#[utoipa::path(get, path = "/api/v1/health", tag = "system",
    responses((status = 200, body = HealthView),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn health(state: web::Data<AppState>) -> ApiResult<web::Json<HealthView>> {
    let view = state
        .run(|conn| {
            Ok(HealthView {
                status: "ok".to_owned(),
                database: db::kind(conn),
                schema_version: db::schema_version(conn)?,
                version: env!("CARGO_PKG_VERSION").to_owned(),
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// Liveness: the process answers. Nothing else is checked (no database), so a restart is
/// never triggered by a database or TSA outage.
#[utoipa::path(get, path = "/api/v1/health/live", tag = "system",
    responses((status = 200, body = LivenessView)))]
pub async fn live() -> web::Json<LivenessView> {
    web::Json(LivenessView {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Readiness: the database answers, the blob storage takes a write and a TSA is reachable;
/// 503 with the same body names the check that failed. Checked at most every few seconds.
#[utoipa::path(get, path = "/api/v1/health/ready", tag = "system",
    responses((status = 200, body = ReadinessView),
              (status = 503, description = "A check failed (see `checks`).", body = ReadinessView)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let view = state
        .readiness
        .check(crate::readiness::Probes {
            pool: state.pool.clone(),
            blobs: state.blobs.clone(),
            seal: state.seal_service.clone(),
        })
        .await;
    let mut res = if view.status == "ok" {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.json(view)
}
