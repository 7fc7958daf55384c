//! Verification for anyone, without login: `POST /verify` (a PDF in the body) and
//! `GET /public/contracts/{public_id}` (the QR code's target).

use gloo_net::http::Method;
use shared::dto::{PublicContractView, PublicVerificationView};
use shared::problem::Problem;

use super::{Watch, decode, encode, post_file, request};

/// `POST /verify`: the verifier's verdict on `file` (sent as `application/pdf`).
pub async fn verify(file: &web_sys::File) -> Result<PublicVerificationView, Problem> {
    post_file("/verify", "application/pdf", file).await
}

/// `GET /public/contracts/{public_id}`.
pub async fn contract(public_id: &str) -> Result<PublicContractView, Problem> {
    let path = format!("/public/contracts/{}", encode(public_id));
    decode(request(Method::GET, &path, None, Watch::Quiet).await?).await
}
