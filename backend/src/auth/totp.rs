//! TOTP (RFC 6238) with HMAC-SHA1, 30-second steps and 6 digits: what every authenticator
//! app (Google Authenticator, Microsoft Authenticator, IIJ SmartKey…) supports.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Steps of clock drift accepted either side.
pub const WINDOW: i64 = 1;

/// A new 160-bit secret, base32 (RFC 4648, no padding) as authenticator apps expect.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    data_encoding::BASE32_NOPAD.encode(&bytes)
}

/// The `otpauth://` URI for a QR code.
pub fn otpauth_uri(secret: &str, issuer: &str, account: &str) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// HOTP (RFC 4226) value of `counter`, truncated to 6 digits.
fn hotp(key: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    bin % 1_000_000
}

/// Checks `code` at `unix_seconds` within the drift window. Returns the matched step, which
/// the caller stores so that the same code cannot be used twice; steps at or before
/// `last_step` are refused.
pub fn verify(
    secret_b32: &str,
    code: u32,
    unix_seconds: i64,
    last_step: Option<i64>,
) -> Option<i64> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .ok()?;
    let now_step = unix_seconds.div_euclid(STEP_SECONDS);
    (now_step - WINDOW..=now_step + WINDOW)
        .filter(|&step| step >= 0 && last_step.is_none_or(|last| step > last))
        .find(|&step| hotp(&key, step as u64) == code)
}

/// The code for `unix_seconds` (tests and the CLI use it).
pub fn code_at(secret_b32: &str, unix_seconds: i64) -> Option<u32> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .ok()?;
    Some(hotp(&key, unix_seconds.div_euclid(STEP_SECONDS) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows, last 6 of the 8 digits.
    #[test]
    fn rfc6238_test_vectors() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        for (t, expected) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
        ] {
            assert_eq!(code_at(&secret, t), Some(expected), "t={t}");
        }
    }

    #[test]
    fn codes_verify_once_within_the_window() {
        let s = new_secret();
        let t = 1_800_000_000;
        let code = code_at(&s, t).unwrap();
        let step = verify(&s, code, t + 29, None).expect("same step");
        assert_eq!(verify(&s, code, t, Some(step)), None, "replay is refused");
        assert!(
            verify(&s, code, t + 95, None).is_none(),
            "three steps later"
        );
        assert!(verify(&s, (code + 1) % 1_000_000, t, None).is_none());
    }

    #[test]
    fn otpauth_uri_escapes_names() {
        let u = otpauth_uri("ABC", "Tachiai 立会", "dev:admin");
        assert!(
            u.starts_with("otpauth://totp/Tachiai%20%E7%AB%8B%E4%BC%9A:dev%3Aadmin?secret=ABC")
        );
    }
}
