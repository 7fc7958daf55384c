//! # pades — the sealing engine of Tachiai (立会)
//!
//! Bytes and metadata in, bytes and a report out: this crate knows nothing of contracts or
//! databases. It reads any well-formed PDF lazily ([`inspect`]), and seals it by **incremental
//! update** (ISO 32000-1 §7.5.6) with a PAdES signature (ETSI EN 319 142-1, SubFilter
//! `ETSI.CAdES.detached`) and an RFC 3161 signature timestamp (PAdES B-T).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(dead_code)] // temporary: the writer (next commit) uses the reader internals

mod document;
mod encrypt;
mod error;
mod filters;
mod inspect;
mod object;

pub use document::XrefKind;
pub use error::PadesError;
pub use inspect::{DocMdpPermission, PdfInfo, SignatureFieldInfo, inspect};
