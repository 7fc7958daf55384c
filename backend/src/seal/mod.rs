//! The service's seal: the key it signs with, the time-stamp authority, where revocation data
//! comes from, the trust roots its own verifier uses, and the stamp font. `pades` does the PDF
//! work; this module only chooses its inputs.
//!
//! With nothing configured the seal is the **development PKI** in `<data_dir>/pki` (generated on
//! first start, named 「開発用・信頼しないでください」) and its built-in TSA, called in-process. Its
//! certificates point their OCSP / CRL / CA-issuer URLs at `<public_url>/pki/…`, which the web
//! server answers ([`DevPkiEndpoints`]), so any validator can fetch them; the service itself
//! answers them in-process ([`SealKit::revocation`]) and needs no network for B-LT / B-LTA.
//!
//! With a seal key configured ([`SealKeySource`]: a PKCS#12 file, PEM files or a key in a
//! PKCS#11 token) the service signs with it, time-stamps with the configured TSAs, fetches
//! revocation data over HTTP, and `/pki/…` is not answered.
//!
//! - [`files`]: sealing files on disk in memory that does not grow with their size, and making
//!   a batch of outputs durable at once;
//! - [`kit`]: the key, TSA and revocation sources ([`SealKit`]);
//! - [`key_source`]: where a seal key comes from and the checks it passes ([`load`]);
//! - [`pkcs11`]: a key in a PKCS#11 token ([`Pkcs11Signer`]);
//! - [`wording`]: the contract's words on a seal — the `/Reason` naming who instructed the seal
//!   ([`SealInstruction`]), the standard stamp ([`standard_stamp`]) and the Japanese messages of
//!   the engine's errors ([`message_ja`]);
//! - [`report`]: the verifier's findings and certificates in the API's terms;
//! - [`keyring`]: the seal keys over time (import, activate, retire), in the database;
//! - [`service`]: what seals now — the active key and the TSA list, resolved per seal job, and
//!   the verifier's trust roots over every key ever used ([`SealService`]).

pub mod files;
pub mod key_source;
pub mod keyring;
pub mod kit;
pub mod pkcs11;
pub mod report;
pub mod service;
pub mod tsas;
pub mod wording;

pub use key_source::{SealKeyError, SealKeySource, load, trust_anchor};
pub use kit::{DevPkiEndpoints, RevocationSource, SealKit, TsaSource, dev_pki_dir};
pub use pkcs11::{Pkcs11Reference, Pkcs11Signer};
pub use report::{
    certificate_info, hex_sha256, level_name, verify, verify_mapped, verify_online, verify_within,
};
pub use service::{ActiveSeal, SealService};
pub use wording::{
    RouteApproval, SealInstruction, SendingInstruction, japanese_font, limit_label_ja, message_ja,
    problem_of_refused_pdf, standard_stamp,
};

/// The path under which the development PKI's HTTP endpoints are mounted.
pub const DEV_PKI_PATH: &str = "/pki";

/// The name the service signs under (`/Name`, and the stamp's second line).
pub const SEAL_NAME: &str = "立会 電子契約サービス";
