//! The verifier's verdict on a PDF, for staff and the public verification page.

use serde::{Deserialize, Serialize};

/// The verdict of the service's own verifier on a PDF: every signature and document timestamp,
/// oldest first (`tachiai pdf verify --json`, the public verification page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationView {
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// At least one signature, and every one of them valid.
    pub all_valid: bool,
    /// Each signature and document timestamp.
    pub signatures: Vec<SignatureCheckView>,
}

/// One signature or document timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignatureCheckView {
    /// Signature field name.
    pub field_name: String,
    /// `signature` or `document_timestamp`.
    pub kind: String,
    /// `/SubFilter`, e.g. `ETSI.CAdES.detached`.
    pub sub_filter: String,
    /// Intact, valid, trusted, covering a whole revision, unmodified since.
    pub valid: bool,
    /// The signed bytes are unchanged.
    pub intact: bool,
    /// The cryptographic signature verifies.
    pub signature_valid: bool,
    /// The signer's certificate chains to a trusted root.
    pub trusted: bool,
    /// `entire_file`, `entire_revision` or `partial`.
    pub coverage: String,
    /// Subject of the signer's (or the TSA's) certificate.
    pub signer: Option<String>,
    /// What the signature records about itself (`/Reason`): for this service's seals, who
    /// agreed, their organisation and e-mail, how they were verified and when.
    pub reason: Option<String>,
    /// The RFC 3161 time (signature timestamp, or the document timestamp itself).
    pub timestamp: Option<TimestampCheckView>,
    /// Changes by later revisions that a signature does not allow.
    pub modifications: Vec<String>,
    /// Why a check failed (English, from the verifier).
    pub problems: Vec<String>,
    /// PAdES baseline level reached (ETSI EN 319 142-1): `B-B`, `B-T`, `B-LT` or `B-LTA`;
    /// none for document timestamps and for signatures that are not intact PAdES signatures.
    #[serde(default)]
    pub pades_level: Option<String>,
    /// Long-term validation: is the validation data in the file, covered by a later document
    /// timestamp?
    #[serde(default)]
    pub ltv: LtvCheckView,
    /// Revocation of each certificate of the signer's chain and of its timestamp's TSA chain
    /// (trust anchors excepted), from the OCSP responses and CRLs in the file.
    #[serde(default)]
    pub revocation: Vec<RevocationCheckView>,
}

/// The long-term validation verdict of one signature or document timestamp.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LtvCheckView {
    /// Every certificate of the chains has usable revocation data in the file.
    pub data_in_file: bool,
    /// ... all of it covered by a later document timestamp, and the signature valid.
    pub complete: bool,
    /// What is missing.
    pub missing: Vec<LtvMissingView>,
}

/// One missing piece of validation data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LtvMissingView {
    /// `timestamp` (no verified time), `revocation` (no OCSP response or CRL in the file for
    /// `subject`), `not_covered` (the data for `subject` was added after the newest document
    /// timestamp) or `document_timestamp` (no document timestamp after this one).
    pub kind: String,
    /// The certificate concerned.
    pub subject: Option<String>,
}

/// The revocation check of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationCheckView {
    /// Subject of the certificate.
    pub subject: String,
    /// The certificate is in a timestamp's TSA chain (not the signer's).
    pub timestamp_chain: bool,
    /// `good`, `revoked` (at or before the signing time: the signature is invalid),
    /// `revoked_later` (after the signing time), `unknown` (the responder does not know it) or
    /// `missing` (no usable data).
    pub status: String,
    /// Revocation time, RFC 3339 UTC, when revoked.
    pub revoked_at: Option<String>,
    /// `ocsp` or `crl`, when data was used.
    pub source: Option<String>,
    /// Where that data was: `dss` (the document's security store), `signature` (inside the
    /// signature) or `online` (fetched while verifying; never on the public endpoint).
    pub origin: Option<String>,
    /// When the OCSP response or CRL was issued (`thisUpdate`), RFC 3339 UTC.
    pub issued_at: Option<String>,
    /// Embedded data about this certificate that was refused, and why (English).
    pub refused: Vec<String>,
}

/// A verified RFC 3161 time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimestampCheckView {
    /// `genTime`, RFC 3339 UTC.
    pub time: String,
    /// Subject of the TSA certificate.
    pub tsa: String,
    /// Serial number of the token, hex.
    pub serial: String,
}

/// `POST /api/v1/verify` (public): the verifier's verdict and whether this service issued the
/// file (its SHA-256 matches a sealed file or completion certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicVerificationView {
    /// The verdict on every signature and timestamp.
    pub verification: VerificationView,
    /// The file is one this service issued, byte for byte.
    pub issued_by_this_service: bool,
    /// 契約番号, when issued by this service.
    pub contract_number: Option<String>,
    /// 契約締結日, when issued by this service and concluded.
    pub concluded_on: Option<String>,
    /// `sealed` (the signed contract) or `certificate` (合意締結証明書).
    pub document_role: Option<crate::contract::DocumentRole>,
    /// When the file is not one this service issued but was made from one (e.g. rewritten by
    /// a sanitising gateway, 無害化装置): which, and how to get the original. Names only what
    /// the public page `/v/{public_id}` shows.
    #[serde(default)]
    pub derived_from: Option<DerivedFromView>,
}

/// The file a rewritten PDF was made from (see [`PublicVerificationView::derived_from`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DerivedFromView {
    /// 契約番号 of the contract the original belongs to.
    pub contract_number: String,
    /// 契約締結日, when concluded.
    pub concluded_on: Option<String>,
    /// `sealed` (the signed contract) or `certificate` (合意締結証明書).
    pub document_role: crate::contract::DocumentRole,
    /// How the original was recognised.
    pub matched_by: DerivationEvidence,
    /// What became of the original's signatures in this file.
    pub signatures: SignatureLoss,
    /// The contract's public page (`/v/{public_id}`), where its number, conclusion date and seal
    /// status can be checked; the original itself comes from the city (or, for staff, the
    /// contract's page).
    pub verification_path: String,
    /// The verdict in one paragraph, Japanese.
    pub message_ja: String,
    /// The verdict in one paragraph, English.
    pub message_en: String,
}

/// How a rewritten PDF was tied to the sealed file it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DerivationEvidence {
    /// A signature of the sealed file is still in this one (copied unchanged by the rewrite).
    Signature,
    /// The file's `/ID` is that of this contract's sealed file and of no other contract's
    /// (PDF writers keep it across re-saves): likely, not certain.
    FileId,
}

/// What a rewrite did to the original's signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignatureLoss {
    /// Still in the file, but no longer valid: the signed bytes were changed.
    Broken,
    /// No signature is left in the file.
    Removed,
    /// They still verify: the original's bytes are all there and something was appended to
    /// them (an incremental update; see each signature's `modifications`).
    Intact,
}

/// `GET /api/v1/public/contracts/{public_id}` (the QR code's target): only the contract number,
/// the conclusion date and the seal status, nothing of the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicContractView {
    /// 契約番号.
    pub contract_number: String,
    /// 契約締結日.
    pub concluded_on: Option<String>,
    /// The contract is concluded and its seal (signature + timestamp) is on the file.
    pub sealed: bool,
    /// 状態.
    pub state: crate::contract::ContractState,
    /// 廃棄日 (YYYY-MM-DD, JST) when the record was disposed of after its retention period.
    #[serde(default)]
    pub disposed_on: Option<String>,
}
