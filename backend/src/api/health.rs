//! `GET /api/v1/health`: liveness and which database and schema are in use.

use actix_web::web;
use shared::dto::HealthView;
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
