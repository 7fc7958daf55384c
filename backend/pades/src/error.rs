//! The one error type of the crate.
//!
//! Every variant is a stable condition the web service can map to a problem code: [`PadesError::code`]
//! is a stable snake_case identifier (a caller keys its own messages on it, e.g. Japanese ones), and
//! `Display` the English text. Input that is refused (not a PDF, damaged, encrypted, certified with
//! no changes permitted) is distinguished from failures of the signing infrastructure (key, TSA).

/// Everything that can go wrong while reading, signing or timestamping.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PadesError {
    /// No `%PDF-` header in the first 1024 bytes (ISO 32000-1 §7.5.2).
    #[error("not a PDF file (no %PDF- header in the first 1024 bytes)")]
    NotPdf,
    /// The file has no usable cross-reference data or trailer; it is never silently repaired.
    #[error("damaged PDF: {reason}")]
    Damaged {
        /// What the reader found wrong.
        reason: String,
    },
    /// The trailer has `/Encrypt` (§7.6). `needs_password` is false when the user password is empty
    /// (the file opens in viewers, but its permissions restrict changes).
    #[error("{}", if *needs_password { "PDF is password-protected/encrypted" } else { "PDF is encrypted (permissions restrict changes)" })]
    Encrypted {
        /// Whether opening the file needs a user password.
        needs_password: bool,
    },
    /// The document has a certification signature with DocMDP `/P 1` (§12.8.2.2): no changes allowed.
    #[error(
        "document is certified with no changes permitted; signing it would invalidate the author's signature"
    )]
    CertifiedNoChanges,
    /// A visible stamp was asked for on a certified document (DocMDP): it would change what the
    /// certifier signed, so only invisible signatures are allowed.
    #[error("document is certified; only an invisible signature can be added")]
    CertifiedNoVisibleStamp,
    /// The visible stamp cannot be drawn (font without a needed glyph, rectangle too small…).
    #[error("visible stamp cannot be drawn: {reason}")]
    Stamp {
        /// What was wrong.
        reason: String,
    },
    /// The requested page does not exist.
    #[error("page {page} does not exist (the document has {count} pages)")]
    PageOutOfRange {
        /// 1-based page number asked for.
        page: u32,
        /// Number of pages in the document.
        count: u32,
    },
    /// The named field exists and is already signed.
    #[error("signature field `{name}` is already signed")]
    FieldAlreadySigned {
        /// Fully qualified field name.
        name: String,
    },
    /// The named field exists but is not a signature field (`/FT /Sig`).
    #[error("field `{name}` exists and is not a signature field")]
    FieldNotSignature {
        /// Fully qualified field name.
        name: String,
    },
    /// Reading the document would exceed a [`crate::ReadLimits`] budget (decompressed data,
    /// objects, cross-reference entries, nesting or time): a hostile or absurdly built file.
    #[error("PDF is too complex to process: the limit on the {limit} was exceeded")]
    TooComplex {
        /// Which budget ran out.
        limit: crate::LimitKind,
    },
    /// A key, certificate or PKCS#12 file could not be used.
    #[error("key or certificate unusable: {reason}")]
    Key {
        /// What was wrong.
        reason: String,
    },
    /// The PKCS#12 MAC did not verify: wrong password (or a corrupted file).
    #[error("PKCS#12 password is wrong (MAC verification failed)")]
    WrongPassword,
    /// No TSA gave a valid timestamp token; nothing was signed (fail closed).
    #[error("no valid timestamp could be obtained: {reason}")]
    Timestamp {
        /// Each URL tried and why it failed.
        reason: String,
    },
    /// Revocation data (CRLs) for B-LT/B-LTA could not be collected; nothing was signed.
    #[error("revocation data unavailable: {reason}")]
    Revocation {
        /// What failed.
        reason: String,
    },
    /// The CMS signature did not fit in the reserved `/Contents` space.
    #[error("signature of {needed} bytes does not fit the {reserved} bytes reserved")]
    SignatureTooLarge {
        /// Size of the DER CMS.
        needed: usize,
        /// Bytes reserved.
        reserved: usize,
    },
    /// A cryptographic or ASN.1 encoding step failed.
    #[error("cryptographic operation failed: {reason}")]
    Crypto {
        /// What failed.
        reason: String,
    },
    /// A file could not be read or written (PKI directories).
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl PadesError {
    /// Stable machine-readable code (snake_case), for problem responses and logs.
    pub fn code(&self) -> &'static str {
        match self {
            PadesError::NotPdf => "not_pdf",
            PadesError::Damaged { .. } => "damaged_pdf",
            PadesError::Encrypted {
                needs_password: true,
            } => "encrypted_pdf",
            PadesError::Encrypted {
                needs_password: false,
            } => "encrypted_pdf_permissions",
            PadesError::CertifiedNoChanges => "certified_no_changes",
            PadesError::CertifiedNoVisibleStamp => "certified_no_visible_stamp",
            PadesError::Stamp { .. } => "stamp_unusable",
            PadesError::PageOutOfRange { .. } => "page_out_of_range",
            PadesError::FieldAlreadySigned { .. } => "field_already_signed",
            PadesError::FieldNotSignature { .. } => "field_not_signature",
            PadesError::TooComplex { .. } => "pdf_too_complex",
            PadesError::Key { .. } => "key_unusable",
            PadesError::WrongPassword => "wrong_password",
            PadesError::Timestamp { .. } => "timestamp_unavailable",
            PadesError::Revocation { .. } => "revocation_unavailable",
            PadesError::SignatureTooLarge { .. } => "signature_too_large",
            PadesError::Crypto { .. } => "crypto_failure",
            PadesError::Io { .. } => "io_error",
        }
    }

    /// Whether the error is about the input document (a 4xx for the uploader), as opposed to
    /// the signing infrastructure.
    pub fn is_input_rejection(&self) -> bool {
        matches!(
            self,
            PadesError::NotPdf
                | PadesError::Damaged { .. }
                | PadesError::Encrypted { .. }
                | PadesError::CertifiedNoChanges
                | PadesError::CertifiedNoVisibleStamp
                | PadesError::PageOutOfRange { .. }
                | PadesError::FieldAlreadySigned { .. }
                | PadesError::FieldNotSignature { .. }
                | PadesError::TooComplex { .. }
        )
    }

    pub(crate) fn crypto(reason: impl std::fmt::Display) -> Self {
        PadesError::Crypto {
            reason: reason.to_string(),
        }
    }

    /// An I/O error on the file being sealed.
    #[cfg(feature = "mmap")]
    pub(crate) fn io(source: std::io::Error) -> Self {
        PadesError::Io {
            path: "the file being sealed".into(),
            source,
        }
    }

    pub(crate) fn key(reason: impl std::fmt::Display) -> Self {
        PadesError::Key {
            reason: reason.to_string(),
        }
    }
}

impl From<der::Error> for PadesError {
    fn from(e: der::Error) -> Self {
        PadesError::crypto(format!("DER: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_distinct_code_and_a_message() {
        let all = [
            PadesError::NotPdf,
            PadesError::Damaged { reason: "x".into() },
            PadesError::Encrypted {
                needs_password: true,
            },
            PadesError::Encrypted {
                needs_password: false,
            },
            PadesError::CertifiedNoChanges,
            PadesError::CertifiedNoVisibleStamp,
            PadesError::Stamp { reason: "x".into() },
            PadesError::PageOutOfRange { page: 3, count: 2 },
            PadesError::FieldAlreadySigned { name: "a".into() },
            PadesError::FieldNotSignature { name: "a".into() },
            PadesError::TooComplex {
                limit: crate::LimitKind::Time,
            },
            PadesError::Key { reason: "x".into() },
            PadesError::WrongPassword,
            PadesError::Timestamp { reason: "x".into() },
            PadesError::SignatureTooLarge {
                needed: 2,
                reserved: 1,
            },
            PadesError::Crypto { reason: "x".into() },
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(PadesError::code).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(!e.to_string().is_empty());
        }
    }
}
