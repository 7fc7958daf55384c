//! When a file's archive timestamp must be renewed: the newest document timestamp (or, before
//! the first one, the newest signature's timestamp), its `genTime`, its TSA certificate's end
//! and the digest algorithm of its imprint (ETSI EN 319 142-1 §5.5: a B-LTA file stays
//! verifiable while its newest timestamp is; renew before the TSA certificate expires or the
//! hash algorithm weakens).

use std::rc::Rc;

use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::asn1::oid;
use crate::document::Document;
use crate::error::PadesError;
use crate::inspect::Analysis;
use crate::limits::Budget;

/// The timestamp that keeps a file verifiable today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveTimestamp {
    /// `true` for a document timestamp (`/DocTimeStamp`), `false` for the signature timestamp
    /// of the newest signature (a B-T/B-LT file without any document timestamp).
    pub document_timestamp: bool,
    /// `genTime`, UNIX seconds.
    pub gen_time_unix: i64,
    /// Subject of the TSA certificate.
    pub tsa_subject: String,
    /// The TSA certificate's `notAfter`, UNIX seconds.
    pub tsa_not_after_unix: i64,
    /// The digest algorithm of the message imprint: `SHA-256`, `SHA-384` or `SHA-512`.
    pub digest_algorithm: &'static str,
}

/// The newest archive timestamp of `pdf` (see [`ArchiveTimestamp`]). Fails when the file has
/// no signature, or its newest signature carries no timestamp.
pub fn newest_archive_timestamp(pdf: &[u8]) -> Result<ArchiveTimestamp, PadesError> {
    let budget = Budget::default_for(pdf);
    let result = Document::open_with(pdf, Rc::clone(&budget)).and_then(|doc| {
        let analysis = Analysis::run(&doc)?;
        crate::ltv::newest_signature_cms(&doc, &analysis)
    });
    let cms_der = budget.settle(result)?;
    let ci = cms::content_info::ContentInfo::from_der(&cms_der)?;
    let sd: cms::signed_data::SignedData = ci.content.decode_as()?;
    let (token, document_timestamp) = if sd.encap_content_info.econtent_type == oid::TST_INFO {
        (cms_der.clone(), true)
    } else {
        let token = sd
            .signer_infos
            .0
            .iter()
            .flat_map(|si| si.unsigned_attrs.iter().flat_map(|a| a.iter()))
            .filter(|a| a.oid == oid::TIME_STAMP_TOKEN)
            .find_map(|a| a.values.iter().next().and_then(|v| v.to_der().ok()))
            .ok_or_else(|| PadesError::Damaged {
                reason: "the newest signature has no timestamp (PAdES B-B)".into(),
            })?;
        (token, false)
    };
    let (tst, info) = crate::tsp::verify_token(&token)?;
    let certs = crate::ltv::certificates_in_cms(&token)?;
    let tsa: &Certificate = certs
        .iter()
        .find(|c| c.tbs_certificate().subject().to_string() == info.tsa_subject)
        .ok_or_else(|| PadesError::Damaged {
            reason: "the timestamp does not carry its TSA certificate".into(),
        })?;
    let not_after = tsa
        .tbs_certificate()
        .validity()
        .not_after
        .to_unix_duration()
        .as_secs();
    let digest_algorithm = match tst.message_imprint.hash_algorithm.oid {
        oid::SHA256 => "SHA-256",
        oid::SHA384 => "SHA-384",
        oid::SHA512 => "SHA-512",
        other => {
            return Err(PadesError::Damaged {
                reason: format!("timestamp imprint with an unknown digest algorithm {other}"),
            });
        }
    };
    Ok(ArchiveTimestamp {
        document_timestamp,
        gen_time_unix: info.gen_time_unix,
        tsa_subject: info.tsa_subject,
        tsa_not_after_unix: i64::try_from(not_after).unwrap_or(i64::MAX),
        digest_algorithm,
    })
}
