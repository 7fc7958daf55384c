//! The bounds of the `page` and `per_page` query parameters, shared by every list: the OpenAPI
//! document states them (`minimum`/`maximum`) and the server refuses a value outside them
//! instead of clamping it, so what a client may send is what the document says.

use serde::{Deserialize, Deserializer};

/// The largest `per_page`.
pub const MAX_PER_PAGE: u32 = 500;
/// The largest `page` (far beyond any list; keeps the offset within the database's integers).
pub const MAX_PAGE: u32 = 1_000_000;

/// `true` when `value` is a page number the lists accept.
pub fn page_in_range(value: u32) -> bool {
    (1..=MAX_PAGE).contains(&value)
}

/// `true` when `value` is a page size the lists accept.
pub fn per_page_in_range(value: u32) -> bool {
    (1..=MAX_PER_PAGE).contains(&value)
}

fn bounded<'de, D: Deserializer<'de>>(
    d: D,
    name: &str,
    ok: fn(u32) -> bool,
    max: u32,
) -> Result<Option<u32>, D::Error> {
    match Option::<u32>::deserialize(d)? {
        Some(v) if !ok(v) => Err(serde::de::Error::custom(format_args!(
            "{name} must be between 1 and {max}"
        ))),
        v => Ok(v),
    }
}

/// `#[serde(default, deserialize_with = "page")]`: a `page` outside `1..=MAX_PAGE` is an error.
pub fn page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    bounded(d, "page", page_in_range, MAX_PAGE)
}

/// `#[serde(default, deserialize_with = "per_page")]`: a `per_page` outside
/// `1..=MAX_PER_PAGE` is an error.
pub fn per_page<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    bounded(d, "per_page", per_page_in_range, MAX_PER_PAGE)
}
