//! The verifier's findings and certificates, in the API's terms.

use pades::{Coverage, PadesError, SignatureKind, ValidationContext};
use shared::dto::{CertificateInfoView, SignatureCheckView, TimestampCheckView, VerificationView};
use x509_cert::Certificate;
use x509_cert::der::Encode;

use crate::clock;

/// Subject, validity and fingerprint of a certificate.
pub fn certificate_info(cert: &Certificate, now: clock::Millis) -> CertificateInfoView {
    let tbs = cert.tbs_certificate();
    let unix_ms = |t: &x509_cert::time::Time| t.to_unix_duration().as_millis() as i64;
    let not_after = unix_ms(&tbs.validity().not_after);
    CertificateInfoView {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial_number: tbs
            .serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        not_before: clock::rfc3339(unix_ms(&tbs.validity().not_before)),
        not_after: clock::rfc3339(not_after),
        days_left: (not_after - now.0).div_euclid(86_400_000),
        sha256: cert.to_der().map(|d| hex_sha256(&d)).unwrap_or_default(),
    }
}

/// Runs the service's own verifier over `pdf` and says what it found, in the API's terms.
pub fn verify(pdf: &[u8], trust: &ValidationContext) -> Result<VerificationView, PadesError> {
    view_of(pdf, pades::verify(pdf, trust)?)
}

/// [`verify`] for anonymous callers: the reader gives up after `deadline`.
pub fn verify_within(
    pdf: &[u8],
    trust: &ValidationContext,
    deadline: std::time::Duration,
) -> Result<VerificationView, PadesError> {
    let limits = pades::ReadLimits {
        max_time: deadline,
        ..Default::default()
    };
    view_of(pdf, pades::verify_with_limits(pdf, trust, &limits)?)
}

fn view_of(
    pdf: &[u8],
    statuses: Vec<pades::SignatureStatus>,
) -> Result<VerificationView, PadesError> {
    let signatures: Vec<SignatureCheckView> = statuses
        .into_iter()
        .map(|s| SignatureCheckView {
            valid: s.is_ok(),
            field_name: s.field_name,
            kind: match s.kind {
                SignatureKind::Signature => "signature",
                SignatureKind::DocumentTimestamp => "document_timestamp",
            }
            .into(),
            sub_filter: s.sub_filter,
            intact: s.intact,
            signature_valid: s.valid,
            trusted: s.trusted,
            coverage: match s.coverage {
                Coverage::EntireFile => "entire_file",
                Coverage::EntireRevision => "entire_revision",
                Coverage::Partial => "partial",
            }
            .into(),
            signer: s.signer_subject,
            reason: s.reason,
            timestamp: s.timestamp.map(|t| TimestampCheckView {
                time: clock::rfc3339(t.gen_time_unix.saturating_mul(1000)),
                tsa: t.tsa_subject,
                serial: t.serial_hex,
            }),
            modifications: s.modifications,
            problems: s.problems,
        })
        .collect();
    Ok(VerificationView {
        sha256: hex_sha256(pdf),
        all_valid: !signatures.is_empty() && signatures.iter().all(|s| s.valid),
        signatures,
    })
}

/// Lower-case hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}
