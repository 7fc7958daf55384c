//! The OpenAPI schema of a raw file body (an upload, a download): `type: string, format:
//! binary`, which generated clients read as a file; `Vec<u8>` would document an array of
//! integers, which the server neither sends nor accepts.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// A raw file, as `#[utoipa::path(request_body(content = inline(Binary), …))]` or a
/// response `body = inline(Binary)`.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}
