//! Raw request bodies (file uploads, the bulk-send CSV, the idempotency fingerprint), read whole
//! within a byte budget.

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use shared::problem::ProblemCode;

/// The whole body: `payload_too_large` past `limit` bytes, `malformed_request` when the
/// connection breaks.
pub async fn read_limited(
    mut payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    limit: u64,
) -> Result<Vec<u8>, ProblemCode> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ProblemCode::MalformedRequest)?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ProblemCode::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
