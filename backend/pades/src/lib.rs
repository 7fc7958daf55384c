//! # pades — the sealing engine of Tachiai (立会)
//!
//! Bytes and metadata in, bytes and a report out: this crate knows nothing of contracts or
//! databases.
//!
//! * [`inspect`] reads any well-formed PDF lazily and refuses what cannot be sealed
//!   ([`PadesError::NotPdf`], [`PadesError::Damaged`], [`PadesError::Encrypted`],
//!   [`PadesError::CertifiedNoChanges`]).
//! * Every reading of an input works within a [`ReadLimits`] budget (decompressed bytes,
//!   objects, cross-reference entries, nesting, time); a file that asks for more is refused
//!   with [`PadesError::TooComplex`]. [`inspect_with_limits`], [`verify_with_limits`] and
//!   [`PdfSigner::read_limits`] take stricter limits.
//! * [`PdfSigner`] seals by **incremental update** (ISO 32000-1 §7.5.6) with a PAdES signature
//!   (ETSI EN 319 142-1, SubFilter `ETSI.CAdES.detached`), B-B or B-T with an RFC 3161 signature
//!   timestamp from a [`TimeStamper`].
//!
//! ```no_run
//! # fn main() -> Result<(), pades::PadesError> {
//! let signer = pades::LocalKeySigner::from_pkcs12(&std::fs::read("seal.p12").unwrap(), "pw")?;
//! let tsa = pades::HttpTimeStamper::new(["http://127.0.0.1:8790/tsa"]);
//! let meta = pades::SignatureMetadata {
//!     reason: Some("Approved by the board".into()),
//!     ..Default::default()
//! };
//! let original = std::fs::read("contract.pdf").unwrap();
//! let signed = pades::PdfSigner::new(&signer, &meta).timestamper(&tsa).sign(&original)?;
//! assert!(signed.bytes().starts_with(&original));
//! # Ok(()) }
//! ```
//!
//! Features (both on by default): `http` — [`HttpTimeStamper`] and [`HttpRevocationFetcher`]
//! (`ureq`); `dev-pki` — [`DevPki`] and [`BuiltinTsa`], an untrusted development PKI and an
//! in-process time-stamp authority. Without `http`, B-LT and B-LTA need a
//! [`PdfSigner::revocation_fetcher`]. `mmap` (off by default) — `MappedPdf`: a file sealed,
//! renewed and verified in place, in memory that does not grow with its size; the crate's only
//! `unsafe` code (the mapping) lives in that module.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod archive;
mod asn1;
mod cms_build;
#[cfg(feature = "dev-pki")]
mod devpki;
mod document;
mod encrypt;
mod error;
mod filters;
mod font;
mod inspect;
mod limits;
mod ltv;
#[cfg(feature = "mmap")]
mod mapped;
mod marks;
mod object;
mod pkcs12;
mod revocation;
mod sign;
mod signer;
mod source;
mod stamp;
mod time;
#[cfg(feature = "dev-pki")]
mod tsa;
mod tsp;
mod verify;
mod write;

pub use archive::{ArchiveTimestamp, newest_archive_timestamp};
pub use cms_build::build_cades_detached;
#[cfg(feature = "dev-pki")]
pub use devpki::{DevCa, DevPki, DevPkiOptions};
pub use document::XrefKind;
pub use error::PadesError;
pub use font::{FontSubset, GlyphAccumulator, TrueTypeFont, UsedGlyph};
pub use inspect::{DocMdpPermission, PdfInfo, SignatureFieldInfo, inspect, inspect_with_limits};
pub use limits::{LimitKind, ReadLimits};
#[cfg(feature = "http")]
pub use ltv::HttpRevocationFetcher;
pub use ltv::{Dss, RevocationFetcher, renew, renew_at, renew_file_at};
#[cfg(feature = "mmap")]
pub use mapped::{MappedPdf, copy_file, start_writeback, sync_filesystem};
pub use marks::{PdfMarks, marks_with_limits};
pub use revocation::{CertRevocation, RevocationCheck, RevocationKind, RevocationOrigin};
pub use sign::{
    DocumentTimeStamper, PadesLevel, PdfSigner, PreparedDocument, SignatureMetadata,
    SignatureReport, SignedDocument, SigningPlan,
};
pub use signer::{LocalKeySigner, SignatureAlgorithm, Signer, verify_with_certificate};
pub use source::{PdfFile, PdfSource};
pub use stamp::{StampStyle, VisibleStamp};
#[cfg(feature = "dev-pki")]
pub use tsa::{BUILTIN_TSA_POLICY, BuiltinTsa, BuiltinTsaAt};
#[cfg(feature = "http")]
pub use tsp::HttpTimeStamper;
pub use tsp::{TimeStamper, TimestampInfo, timestamp_certificate, verify_timestamp_token};
pub use verify::{
    Coverage, LtvGap, LtvVerdict, SignatureKind, SignatureStatus, ValidationContext,
    certificate_issued_by, verify, verify_detached, verify_online, verify_source,
    verify_with_limits,
};

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}
