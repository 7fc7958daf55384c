//! `/notices`: maintenance and outage notices (お知らせ) for staff and their management.

use gloo_net::http::Method;
use shared::dto::{NoticeBannersView, NoticeRequest, NoticeView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use super::{get, post_empty, send};

/// `GET /notices/current`: what the banner shows.
pub async fn current() -> Result<NoticeBannersView, Problem> {
    get("/notices/current").await
}

/// `GET /notices`: the tenant's own notices, newest first (one page of 100).
pub async fn list() -> Result<Page<NoticeView>, Problem> {
    get("/notices?per_page=100").await
}

/// `POST /notices`.
pub async fn create(req: &NoticeRequest) -> Result<NoticeView, Problem> {
    send(Method::POST, "/notices", req).await
}

/// `PUT /notices/{id}`.
pub async fn update(id: Uuid, req: &NoticeRequest) -> Result<NoticeView, Problem> {
    send(Method::PUT, &format!("/notices/{id}"), req).await
}

/// `POST /notices/{id}/withdraw`.
pub async fn withdraw(id: Uuid) -> Result<NoticeView, Problem> {
    post_empty(&format!("/notices/{id}/withdraw")).await
}
