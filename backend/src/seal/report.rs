//! The verifier's findings and certificates, in the API's terms.

use pades::{
    CertRevocation, Coverage, PadesError, PadesLevel, RevocationKind, RevocationOrigin,
    SignatureKind, ValidationContext,
};
use shared::dto::{
    CertificateInfoView, LtvCheckView, LtvMissingView, RevocationCheckView, SignatureCheckView,
    TimestampCheckView, VerificationView,
};
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
    view_of(hex_sha256(pdf), pades::verify(pdf, trust)?)
}

/// [`verify`] on a memory-mapped file: read in place, its pages handed back as they are
/// hashed, so the memory needed does not grow with the file.
pub fn verify_mapped(
    pdf: &pades::MappedPdf,
    trust: &ValidationContext,
) -> Result<VerificationView, PadesError> {
    use pades::PdfSource;
    use sha2::Digest;
    let statuses = pades::verify_source(pdf, trust, &pades::ReadLimits::default())?;
    let mut h = sha2::Sha256::new();
    for chunk in pdf.bytes().chunks(4 << 20) {
        h.update(chunk);
        pdf.hashed(chunk);
    }
    view_of(data_encoding::HEXLOWER.encode(&h.finalize()), statuses)
}

/// [`verify`], asking the certificates' OCSP responders and CRL distribution points through
/// `fetcher` for what the file does not carry (the CLI's `--online`; never the public endpoint).
pub fn verify_online(
    pdf: &[u8],
    trust: &ValidationContext,
    fetcher: &dyn pades::RevocationFetcher,
) -> Result<VerificationView, PadesError> {
    view_of(
        hex_sha256(pdf),
        pades::verify_online(pdf, trust, &pades::ReadLimits::default(), fetcher)?,
    )
}

/// [`verify`] for anonymous callers: the reader gives up after `deadline`. Revocation and LTV
/// come from the file only (nothing is fetched).
pub fn verify_within(
    pdf: &[u8],
    trust: &ValidationContext,
    deadline: std::time::Duration,
) -> Result<VerificationView, PadesError> {
    let limits = pades::ReadLimits {
        max_time: deadline,
        ..Default::default()
    };
    view_of(
        hex_sha256(pdf),
        pades::verify_with_limits(pdf, trust, &limits)?,
    )
}

fn view_of(
    sha256: String,
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
            pades_level: s.level.map(|l| level_name(l).to_owned()),
            ltv: LtvCheckView {
                data_in_file: s.ltv.data_in_file,
                complete: s.ltv.complete,
                missing: s
                    .ltv
                    .missing
                    .iter()
                    .map(|g| LtvMissingView {
                        kind: g.code().to_owned(),
                        subject: g.subject().map(str::to_owned),
                    })
                    .collect(),
            },
            revocation: s.revocation.iter().map(revocation_view).collect(),
        })
        .collect();
    Ok(VerificationView {
        sha256,
        all_valid: !signatures.is_empty() && signatures.iter().all(|s| s.valid),
        signatures,
    })
}

/// `B-B`, `B-T`, `B-LT`, `B-LTA` (ETSI EN 319 142-1 §6).
pub fn level_name(level: PadesLevel) -> &'static str {
    match level {
        PadesLevel::BB => "B-B",
        PadesLevel::BT => "B-T",
        PadesLevel::BLT => "B-LT",
        PadesLevel::BLTA => "B-LTA",
    }
}

fn revocation_view(c: &pades::RevocationCheck) -> RevocationCheckView {
    let secs = |t: i64| clock::rfc3339(t.saturating_mul(1000));
    let (status, revoked_at) = match c.status {
        CertRevocation::Good => ("good", None),
        CertRevocation::Revoked {
            at,
            before_signing: true,
        } => ("revoked", Some(secs(at))),
        CertRevocation::Revoked { at, .. } => ("revoked_later", Some(secs(at))),
        CertRevocation::Unknown => ("unknown", None),
        CertRevocation::Missing => ("missing", None),
    };
    RevocationCheckView {
        subject: c.subject.clone(),
        timestamp_chain: c.timestamp_chain,
        status: status.to_owned(),
        revoked_at,
        source: c.kind.map(|k| {
            match k {
                RevocationKind::Ocsp => "ocsp",
                RevocationKind::Crl => "crl",
            }
            .to_owned()
        }),
        origin: c.origin.map(|o| {
            match o {
                RevocationOrigin::Dss => "dss",
                RevocationOrigin::Signature => "signature",
                RevocationOrigin::Online => "online",
            }
            .to_owned()
        }),
        issued_at: c.issued_unix.map(secs),
        refused: c.refused.clone(),
    }
}

/// Lower-case hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
}
