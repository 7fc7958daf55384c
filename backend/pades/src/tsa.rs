//! The built-in RFC 3161 time-stamp authority: [`BuiltinTsa::respond`] turns a DER
//! `TimeStampReq` into a DER `TimeStampResp` (RFC 3161 §2.4), so the web server can serve it over
//! HTTP as `application/timestamp-query` → `application/timestamp-reply` (§3.4). Tokens are CMS
//! SignedData over a TSTInfo with ESS signing-certificate-v2 (RFC 5816) and verify with
//! `openssl ts -verify`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::asn1::{
    Accuracy, MessageImprint, PkiStatus, PkiStatusInfo, TimeStampReq, TimeStampResp, TstInfo, oid,
    uint_from_be,
};
use crate::error::PadesError;
use crate::signer::{LocalKeySigner, Signer};
use crate::tsp::{TimeStamper, build_request, token_from_response};

/// The default policy of the built-in TSA (a development OID under the private-enterprise arc
/// used by the project's test PKI).
pub const BUILTIN_TSA_POLICY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.2");

/// PKIFailureInfo bits (RFC 3161 §2.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FailInfo {
    BadAlg = 0,
    BadRequest = 2,
    BadDataFormat = 5,
    UnacceptedPolicy = 15,
    UnacceptedExtension = 16,
    SystemFailure = 25,
}

/// An RFC 3161 TSA with its own key and certificate (EKU critical `id-kp-timeStamping`).
pub struct BuiltinTsa {
    signer: LocalKeySigner,
    policy: ObjectIdentifier,
    counter: AtomicU64,
}

impl std::fmt::Debug for BuiltinTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinTsa")
            .field("policy", &self.policy.to_string())
            .finish_non_exhaustive()
    }
}

impl BuiltinTsa {
    /// A TSA signing with `signer`, whose certificate must carry the critical
    /// `id-kp-timeStamping` EKU (checked on every token it issues, as clients do).
    pub fn new(signer: LocalKeySigner) -> Result<Self, PadesError> {
        Ok(BuiltinTsa {
            signer,
            policy: BUILTIN_TSA_POLICY,
            counter: AtomicU64::new(0),
        })
    }

    /// Uses `policy` as the TSA policy (`TSTInfo.policy`).
    pub fn with_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policy = policy;
        self
    }

    /// Answers one DER `TimeStampReq` with a DER `TimeStampResp`. A malformed or unsupported
    /// request gets a `rejection` response with its PKIFailureInfo, never a panic.
    pub fn respond(&self, request_der: &[u8]) -> Vec<u8> {
        self.respond_at(request_der, SystemTime::now())
    }

    /// As [`BuiltinTsa::respond`], with `genTime` = `now` (an explicit clock: a renewal run
    /// "as of" another instant, tests that travel in time).
    pub fn respond_at(&self, request_der: &[u8], now: SystemTime) -> Vec<u8> {
        match self.try_respond(request_der, now) {
            Ok(resp) => resp,
            Err((fail, text)) => rejection(fail, text),
        }
    }

    fn try_respond(
        &self,
        request_der: &[u8],
        now: SystemTime,
    ) -> Result<Vec<u8>, (FailInfo, &'static str)> {
        let req = TimeStampReq::from_der(request_der)
            .map_err(|_| (FailInfo::BadDataFormat, "request is not a DER TimeStampReq"))?;
        if req.version != 1 {
            return Err((FailInfo::BadRequest, "unsupported request version"));
        }
        let hash_len = match req.message_imprint.hash_algorithm.oid {
            oid::SHA256 => Sha256::output_size(),
            oid::SHA384 => Sha384::output_size(),
            oid::SHA512 => Sha512::output_size(),
            _ => {
                return Err((
                    FailInfo::BadAlg,
                    "hash algorithm not supported (SHA-2 only)",
                ));
            }
        };
        if req.message_imprint.hashed_message.as_bytes().len() != hash_len {
            return Err((
                FailInfo::BadDataFormat,
                "hash length does not match its algorithm",
            ));
        }
        if req.req_policy.is_some_and(|p| p != self.policy) {
            return Err((FailInfo::UnacceptedPolicy, "requested policy not supported"));
        }
        if req.extensions.is_some() {
            return Err((FailInfo::UnacceptedExtension, "extensions not supported"));
        }
        let system = |_| (FailInfo::SystemFailure, "internal error");
        // Serial: 8 random bytes and a process-local counter, unique per token (RFC 3161 §2.4.2).
        let mut serial = [0u8; 16];
        getrandom::fill(&mut serial[..8])
            .map_err(|_| (FailInfo::SystemFailure, "no randomness"))?;
        serial[8..].copy_from_slice(&self.counter.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        serial[0] |= 0x01;
        let tst = TstInfo {
            version: 1,
            policy: self.policy,
            message_imprint: MessageImprint {
                hash_algorithm: req.message_imprint.hash_algorithm.clone(),
                hashed_message: req.message_imprint.hashed_message.clone(),
            },
            serial_number: uint_from_be(&serial).map_err(system)?,
            gen_time: GeneralizedTime::from_system_time(now).map_err(system)?,
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: None,
            extensions: None,
        };
        let tst_der = tst.to_der().map_err(system)?;
        let digest = Sha256::digest(&tst_der);
        let token = crate::cms_build::build_signed_data(
            &self.signer,
            oid::TST_INFO,
            Some(&tst_der),
            &digest,
            Vec::new(),
            req.cert_req,
            &|_| Ok(Vec::new()),
        )
        .map_err(|_| (FailInfo::SystemFailure, "signing failed"))?;
        let token_ci = cms::content_info::ContentInfo::from_der(&token).map_err(system)?;
        let resp = TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Granted,
                status_string: None,
                fail_info: None,
            },
            time_stamp_token: Some(token_ci),
        };
        resp.to_der().map_err(system)
    }

    /// The TSA certificate.
    pub fn certificate(&self) -> &x509_cert::Certificate {
        self.signer.certificate()
    }

    /// This TSA answering as of `now` instead of the system clock.
    pub fn at(&self, now: SystemTime) -> BuiltinTsaAt<'_> {
        BuiltinTsaAt { tsa: self, now }
    }
}

/// A [`BuiltinTsa`] whose tokens carry a fixed `genTime` ([`BuiltinTsa::at`]).
#[derive(Debug)]
pub struct BuiltinTsaAt<'a> {
    tsa: &'a BuiltinTsa,
    now: SystemTime,
}

impl TimeStamper for BuiltinTsaAt<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        let (req, nonce) = build_request(digest)?;
        let resp = self.tsa.respond_at(&req, self.now);
        token_from_response(&resp, digest, &nonce).map(|(token, _)| token)
    }
}

fn rejection(fail: FailInfo, text: &str) -> Vec<u8> {
    let bit = fail as usize;
    let mut bytes = vec![0u8; bit / 8 + 1];
    bytes[bit / 8] = 0x80 >> (bit % 8);
    let unused = (7 - bit % 8) as u8;
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Rejection,
            status_string: Some(vec![text.to_string()]),
            fail_info: BitString::new(unused, bytes).ok(),
        },
        time_stamp_token: None,
    };
    // Encoding these fixed values cannot fail; fall back to a minimal hand-checked rejection.
    resp.to_der()
        .unwrap_or_else(|_| vec![0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02])
}

impl TimeStamper for BuiltinTsa {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        let (req, nonce) = build_request(digest)?;
        let resp = self.respond(&req);
        token_from_response(&resp, digest, &nonce).map(|(token, _)| token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_requests_get_a_rejection_not_a_panic() {
        let resp = rejection(FailInfo::BadDataFormat, "x");
        let parsed = TimeStampResp::from_der(&resp).unwrap();
        assert_eq!(parsed.status.status, PkiStatus::Rejection);
    }
}
