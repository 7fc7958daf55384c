//! A JSON body the client may leave out. actix's `Option<Json<T>>` also turns a malformed or
//! wrongly typed body into `None`, so a request the OpenAPI document forbids would pass as one
//! without a body; here an empty body or JSON `null` is `None` and any other body must be valid
//! JSON of `T` (refused as `Json` refuses it: `malformed_request`, `unsupported_media_type` …).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

/// `Some(body)` when the request has one.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let chunked = headers.contains_key(header::TRANSFER_ENCODING);
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if !chunked && length.unwrap_or(0) == 0 {
            return Box::pin(async { Ok(OptionalJson(None)) });
        }
        // JSON `null` is no body too, as the document's `oneOf [T, null]` says.
        let body = web::Json::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJson(body.await?.into_inner())) })
    }
}
