//! `Tachiai-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 with the endpoint's
//! secret over `"<t>.<body>"`, one `v1` per secret that signs (two while a rotated secret
//! overlaps). The receiver's side of the check is [`verify`] (and docs/webhooks.md).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Tachiai-Signature";
/// The event ID header's name.
pub const EVENT_ID_HEADER: &str = "Tachiai-Event-Id";
/// How far a receiver lets `t` be from its own clock.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Hex HMAC-SHA256 of `"<t>.<body>"` under `secret`.
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
}

/// The header value: `t=…` then one `v1=…` per secret, in the order given.
pub fn header(secrets: &[&[u8]], t: i64, body: &[u8]) -> String {
    let mut value = format!("t={t}");
    for s in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(s, t, body));
    }
    value
}

/// Why a receiver refuses a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `t` or no `v1`.
    Malformed,
    /// `t` is more than [`TOLERANCE_SECONDS`] from the receiver's clock (a replay).
    Stale,
    /// No `v1` matches the secret (forged, or the body was changed).
    Mismatch,
}

/// The receiver's check: `t` within the tolerance of `now` and some `v1` equal, in constant
/// time, to the HMAC under `secret`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64) -> Result<(), Refusal> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v.to_owned()),
            _ => {}
        }
    }
    let t = t.ok_or(Refusal::Malformed)?;
    if candidates.is_empty() {
        return Err(Refusal::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Stale);
    }
    for c in candidates {
        let Ok(given) = data_encoding::HEXLOWER_PERMISSIVE.decode(c.as_bytes()) else {
            continue;
        };
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err(Refusal::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let body = br#"{"id":"e1"}"#;
        let h = header(&[b"old", b"new"], 1_700_000_000, body);
        assert!(h.starts_with("t=1700000000,v1="));
        assert_eq!(h.matches("v1=").count(), 2);
        assert_eq!(verify(b"old", &h, body, 1_700_000_100), Ok(()));
        assert_eq!(verify(b"new", &h, body, 1_700_000_100), Ok(()));
        assert_eq!(
            verify(b"other", &h, body, 1_700_000_100),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify(b"new", &h, br#"{"id":"e2"}"#, 1_700_000_100),
            Err(Refusal::Mismatch)
        );
        assert_eq!(verify(b"new", &h, body, 1_700_000_301), Err(Refusal::Stale));
        assert_eq!(verify(b"new", "v1=00", body, 0), Err(Refusal::Malformed));
        // Known answer, computed with Python's hmac module.
        assert_eq!(
            sign(b"whsec_test", 1, b"{}"),
            "7500d5d4be4b3ef07af1fe56f7d522d135cdaa7530de557e67cc1049c52de094"
        );
    }
}
