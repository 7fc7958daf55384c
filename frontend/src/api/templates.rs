//! `/templates` and `/bulk-sends`: document templates (ひな形) and bulk sending (一括送信).

use gloo_net::http::Method;
use shared::contract::DocumentRole;
use shared::dto::{
    BulkSendView, ContractView, TemplateContractRequest, TemplateRequest, TemplateView,
};
use shared::problem::Problem;
use uuid::Uuid;

use super::{encode, get, post_file, send};

/// `GET /templates`: those the user may see.
pub async fn list() -> Result<Vec<TemplateView>, Problem> {
    get("/templates").await
}

/// `POST /templates`.
pub async fn create(req: &TemplateRequest) -> Result<TemplateView, Problem> {
    send(Method::POST, "/templates", req).await
}

/// `PUT /templates/{id}`.
pub async fn update(id: Uuid, req: &TemplateRequest) -> Result<TemplateView, Problem> {
    send(Method::PUT, &format!("/templates/{id}"), req).await
}

/// `POST /templates/{id}/documents?role=…&file_name=…` with the file as the body.
pub async fn upload(
    id: Uuid,
    role: DocumentRole,
    file: &web_sys::File,
) -> Result<TemplateView, Problem> {
    let path = format!(
        "/templates/{id}/documents?role={}&file_name={}",
        role.as_str(),
        encode(&file.name())
    );
    post_file(&path, "application/octet-stream", file).await
}

/// `POST /templates/{id}/contracts`: 「ひな形から作成」.
pub async fn create_contract(
    id: Uuid,
    req: &TemplateContractRequest,
) -> Result<ContractView, Problem> {
    send(Method::POST, &format!("/templates/{id}/contracts"), req).await
}

/// `POST /bulk-sends?template_id=…` with the CSV as the body.
pub async fn bulk_send(template: Uuid, file: &web_sys::File) -> Result<BulkSendView, Problem> {
    let path = format!(
        "/bulk-sends?template_id={template}&file_name={}",
        encode(&file.name())
    );
    post_file(&path, "text/csv", file).await
}

/// `GET /bulk-sends/{id}`: the progress.
pub async fn bulk_get(id: Uuid) -> Result<BulkSendView, Problem> {
    get(&format!("/bulk-sends/{id}")).await
}
