//! Verification for anyone, without login: `POST /verify` (a PDF in the body) and
//! `GET /public/contracts/{public_id}` (the QR code's target).

use gloo_net::http::{Method, RequestBuilder};
use shared::dto::{PublicContractView, PublicVerificationView};
use shared::problem::{Problem, ProblemCode};

use super::{BASE, Watch, decode, encode, problem_from, request};

/// `POST /verify`: the verifier's verdict on `file` (sent as `application/pdf`).
pub async fn verify(file: &web_sys::File) -> Result<PublicVerificationView, Problem> {
    let response = RequestBuilder::new(&format!("{BASE}/verify"))
        .method(Method::POST)
        .header("Accept", "application/json, application/problem+json")
        .header("Content-Type", "application/pdf")
        .body(file)
        .map_err(|_| Problem::new(ProblemCode::MalformedRequest))?
        .send()
        .await
        .map_err(|_| Problem::new(ProblemCode::ServiceUnavailable))?;
    if response.ok() {
        return decode(response).await;
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Err(problem_from(status, &text))
}

/// `GET /public/contracts/{public_id}`.
pub async fn contract(public_id: &str) -> Result<PublicContractView, Problem> {
    let path = format!("/public/contracts/{}", encode(public_id));
    decode(request(Method::GET, &path, None, Watch::Quiet).await?).await
}
