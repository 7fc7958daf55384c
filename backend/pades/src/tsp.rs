//! RFC 3161 time-stamp client: trait [`TimeStamper`] and [`HttpTimeStamper`] (a list of TSA URLs
//! with failover). Every response is checked before use (status, message imprint, nonce, the TSA
//! certificate's critical `id-kp-timeStamping` EKU, its validity at `genTime`, every issuer the
//! token carries having signed the certificate below it and being valid then, the token's CMS
//! signature): fail closed.

#[cfg(feature = "http")]
use std::time::Duration;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::OctetString;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::asn1::{
    MessageImprint, PkiStatus, TimeStampReq, TimeStampResp, TstInfo, oid, uint_from_be,
};
use crate::error::PadesError;
use crate::signer::verify_signature;

/// Something that returns a verified RFC 3161 `TimeStampToken` (pyHanko's `TimeStamper`).
pub trait TimeStamper {
    /// Returns the DER `TimeStampToken` (a CMS ContentInfo, RFC 3161 §2.4.2) over the SHA-256
    /// `digest`, already verified against the request.
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError>;
}

/// What a verified token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampInfo {
    /// `genTime` as UNIX seconds.
    pub gen_time_unix: i64,
    /// Serial number of the token, hex.
    pub serial_hex: String,
    /// Subject of the TSA certificate.
    pub tsa_subject: String,
}

/// An RFC 3161 client over HTTP (`application/timestamp-query`, RFC 3161 §3.4) that tries each URL
/// in turn, `attempts` times each, and returns the first token that verifies.
#[cfg(feature = "http")]
#[derive(Clone, Debug)]
pub struct HttpTimeStamper {
    urls: Vec<String>,
    attempts: u32,
    timeout: Duration,
}

#[cfg(feature = "http")]
impl HttpTimeStamper {
    /// A client for `urls` (tried in order), 2 attempts per URL, 15 s timeout per request.
    pub fn new<I, S>(urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        HttpTimeStamper {
            urls: urls.into_iter().map(Into::into).collect(),
            attempts: 2,
            timeout: Duration::from_secs(15),
        }
    }

    /// Sets the number of attempts per URL (at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Sets the timeout of one HTTP request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn post(&self, url: &str, body: &[u8]) -> Result<Vec<u8>, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .build()
            .into();
        let mut resp = agent
            .post(url)
            .header("Content-Type", "application/timestamp-query")
            .send(body)
            .map_err(|e| e.to_string())?;
        resp.body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .map_err(|e| e.to_string())
    }
}

#[cfg(feature = "http")]
impl TimeStamper for HttpTimeStamper {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        if self.urls.is_empty() {
            return Err(PadesError::Timestamp {
                reason: "no TSA URL configured".into(),
            });
        }
        let mut failures = Vec::new();
        for url in &self.urls {
            for attempt in 1..=self.attempts {
                let (req, nonce) = build_request(digest)?;
                let result = self
                    .post(url, &req)
                    .map_err(|e| format!("HTTP: {e}"))
                    .and_then(|resp| {
                        token_from_response(&resp, digest, &nonce).map_err(|e| e.to_string())
                    });
                match result {
                    Ok((token, _)) => return Ok(token),
                    Err(e) => failures.push(format!("{url} (attempt {attempt}): {e}")),
                }
            }
        }
        Err(PadesError::Timestamp {
            reason: failures.join("; "),
        })
    }
}

/// A DER `TimeStampReq` for a SHA-256 digest with a random 64-bit nonce and `certReq` TRUE;
/// returns the request and the nonce's DER integer content.
#[cfg_attr(
    not(any(feature = "http", feature = "dev-pki")),
    allow(dead_code, reason = "the RFC 3161 clients are behind features")
)]
pub(crate) fn build_request(digest: &[u8; 32]) -> Result<(Vec<u8>, Vec<u8>), PadesError> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| PadesError::crypto(format!("random: {e}")))?;
    nonce[0] |= 0x01; // never all-zero
    let nonce = uint_from_be(&nonce)?;
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: crate::cms_build::sha256_alg(),
            hashed_message: OctetString::new(digest.to_vec())?,
        },
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    };
    Ok((req.to_der()?, nonce.as_bytes().to_vec()))
}

fn ts_err(reason: impl Into<String>) -> PadesError {
    PadesError::Timestamp {
        reason: reason.into(),
    }
}

/// Checks a `TimeStampResp` against the request and returns the token's DER and what it says.
#[cfg_attr(
    not(any(feature = "http", feature = "dev-pki")),
    allow(dead_code, reason = "the RFC 3161 clients are behind features")
)]
pub(crate) fn token_from_response(
    resp_der: &[u8],
    digest: &[u8; 32],
    nonce: &[u8],
) -> Result<(Vec<u8>, TimestampInfo), PadesError> {
    let resp = TimeStampResp::from_der(resp_der)
        .map_err(|e| ts_err(format!("response is not a TimeStampResp: {e}")))?;
    match resp.status.status {
        PkiStatus::Granted | PkiStatus::GrantedWithMods => {}
        other => {
            let text = resp.status.status_string.unwrap_or_default().join(" ");
            return Err(ts_err(format!("TSA refused the request: {other:?} {text}")));
        }
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| ts_err("granted response without a token"))?;
    let token_der = token.to_der()?;
    let (tst, info) = verify_token(&token_der)?;
    if tst.message_imprint.hash_algorithm.oid != oid::SHA256
        || tst.message_imprint.hashed_message.as_bytes() != digest
    {
        return Err(ts_err("token's message imprint does not match the request"));
    }
    match &tst.nonce {
        Some(n) if n.as_bytes() == nonce => {}
        _ => return Err(ts_err("token's nonce does not match the request")),
    }
    Ok((token_der, info))
}

/// Verifies a `TimeStampToken` on its own: a SignedData over a TSTInfo, signed by a certificate in
/// the token whose only extended key usage is `id-kp-timeStamping`, marked critical
/// (RFC 3161 §2.3), valid at the token's `genTime`, whose issuers in the token (as far as it
/// carries them) each signed the certificate below and were valid then, with a valid CMS
/// signature (RFC 5652 §5.6). Trust in the chain's root is the validator's business.
pub fn verify_timestamp_token(token_der: &[u8]) -> Result<TimestampInfo, PadesError> {
    verify_token(token_der).map(|(_, info)| info)
}

pub(crate) fn verify_token(token_der: &[u8]) -> Result<(TstInfo, TimestampInfo), PadesError> {
    let ci = ContentInfo::from_der(token_der).map_err(|e| ts_err(format!("token: {e}")))?;
    if ci.content_type != oid::SIGNED_DATA {
        return Err(ts_err("token is not SignedData"));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| ts_err(format!("token: {e}")))?;
    if sd.encap_content_info.econtent_type != oid::TST_INFO {
        return Err(ts_err("token does not hold a TSTInfo"));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| ts_err("token without content"))?;
    let tst_octets: OctetString = econtent.decode_as()?;
    let tst =
        TstInfo::from_der(tst_octets.as_bytes()).map_err(|e| ts_err(format!("TSTInfo: {e}")))?;
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| ts_err("token has no SignerInfo"))?;
    let certs: Vec<Certificate> = sd
        .certificates
        .as_ref()
        .map(|cs| {
            cs.0.iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let tsa_cert = certs
        .iter()
        .find(|c| signer_matches(&si.sid, c))
        .ok_or_else(|| ts_err("TSA certificate missing from the token (certReq was set)"))?;
    check_tsa_eku(tsa_cert)?;
    let gen_time = tst.gen_time.to_unix_duration().as_secs() as i64;
    check_tsa_chain(tsa_cert, &certs, gen_time)?;
    let signed_attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| ts_err("token SignerInfo without signed attributes"))?;
    let mut md_ok = false;
    let mut ct_ok = false;
    for a in signed_attrs.iter() {
        if a.oid == oid::MESSAGE_DIGEST {
            let v: OctetString = a
                .values
                .iter()
                .next()
                .ok_or_else(|| ts_err("empty message-digest"))?
                .decode_as()?;
            let expected = match si.digest_alg.oid {
                oid::SHA256 => Sha256::digest(tst_octets.as_bytes()).to_vec(),
                oid::SHA384 => sha2::Sha384::digest(tst_octets.as_bytes()).to_vec(),
                oid::SHA512 => sha2::Sha512::digest(tst_octets.as_bytes()).to_vec(),
                other => return Err(ts_err(format!("token digest {other} not supported"))),
            };
            md_ok = v.as_bytes() == expected.as_slice();
        } else if a.oid == oid::CONTENT_TYPE {
            let v: der::asn1::ObjectIdentifier = a
                .values
                .iter()
                .next()
                .ok_or_else(|| ts_err("empty content-type"))?
                .decode_as()?;
            ct_ok = v == oid::TST_INFO;
        }
    }
    if !md_ok || !ct_ok {
        return Err(ts_err("token's signed attributes do not match its TSTInfo"));
    }
    verify_signature(
        tsa_cert.tbs_certificate().subject_public_key_info(),
        &si.signature_algorithm,
        &si.digest_alg,
        &signed_attrs.to_der()?,
        si.signature.as_bytes(),
    )
    .map_err(|e| ts_err(format!("token signature: {e}")))?;
    let info = TimestampInfo {
        gen_time_unix: tst.gen_time.to_unix_duration().as_secs() as i64,
        serial_hex: crate::write::hex(tst.serial_number.as_bytes()),
        tsa_subject: tsa_cert.tbs_certificate().subject().to_string(),
    };
    Ok((tst, info))
}

/// The certificate that signed a `TimeStampToken` (e.g. to watch its expiry), without checking
/// the token: call [`verify_timestamp_token`] first.
pub fn timestamp_certificate(token_der: &[u8]) -> Result<Certificate, PadesError> {
    let ci = ContentInfo::from_der(token_der).map_err(|e| ts_err(format!("token: {e}")))?;
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| ts_err(format!("token: {e}")))?;
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| ts_err("token has no SignerInfo"))?;
    sd.certificates
        .iter()
        .flat_map(|cs| cs.0.iter())
        .find_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) if signer_matches(&si.sid, c) => {
                Some(c.clone())
            }
            _ => None,
        })
        .ok_or_else(|| ts_err("TSA certificate missing from the token"))
}

fn valid_at(cert: &Certificate, when: i64) -> bool {
    let v = cert.tbs_certificate().validity();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    (nb..=na).contains(&when)
}

/// The TSA certificate is valid at `gen_time`; each issuer the token carries signed the
/// certificate below it and was valid then (a TSA whose certificate had expired, or whose
/// chain was forged, cannot vouch for a time).
fn check_tsa_chain(
    tsa_cert: &Certificate,
    certs: &[Certificate],
    gen_time: i64,
) -> Result<(), PadesError> {
    if !valid_at(tsa_cert, gen_time) {
        return Err(ts_err(format!(
            "TSA certificate {} is not valid at the token's genTime",
            tsa_cert.tbs_certificate().subject()
        )));
    }
    let mut cur = tsa_cert;
    for _ in 0..8 {
        let tbs = cur.tbs_certificate();
        if tbs.subject() == tbs.issuer() {
            break;
        }
        let named: Vec<&Certificate> = certs
            .iter()
            .filter(|c| *c != cur && c.tbs_certificate().subject() == tbs.issuer())
            .collect();
        if named.is_empty() {
            // The token does not carry the issuer: the validator's trust store decides.
            return Ok(());
        }
        let Some(issuer) = named
            .into_iter()
            .find(|c| crate::verify::certificate_issued_by(cur, c))
        else {
            return Err(ts_err(format!(
                "the token's certificate for {} did not issue {}",
                tbs.issuer(),
                tbs.subject()
            )));
        };
        if !valid_at(issuer, gen_time) {
            return Err(ts_err(format!(
                "TSA issuer {} is not valid at the token's genTime",
                issuer.tbs_certificate().subject()
            )));
        }
        cur = issuer;
    }
    Ok(())
}

fn signer_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            &ias.issuer == cert.tbs_certificate().issuer()
                && &ias.serial_number == cert.tbs_certificate().serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| k == *ski),
    }
}

/// RFC 3161 §2.3: exactly one EKU, `id-kp-timeStamping`, and the extension is critical.
pub(crate) fn check_tsa_eku(cert: &Certificate) -> Result<(), PadesError> {
    let (critical, eku) = cert
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .map_err(|e| ts_err(format!("TSA certificate EKU: {e}")))?
        .ok_or_else(|| ts_err("TSA certificate has no extended key usage"))?;
    if !critical {
        return Err(ts_err(
            "TSA certificate's extended key usage is not critical",
        ));
    }
    if eku.0 != [oid::KP_TIME_STAMPING] {
        return Err(ts_err(
            "TSA certificate's extended key usage is not only timeStamping",
        ));
    }
    Ok(())
}
