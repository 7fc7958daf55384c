//! Random tokens and their stored digests. A session token travels in the cookie; the
//! database keeps only its SHA-256, so a leaked database does not open sessions.

use sha2::{Digest, Sha256};

/// 256 random bits, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

/// The stored form of a token: SHA-256, lower-case hex.
pub fn digest(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// A readable initial password: 16 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), with at least one letter and one digit, as the policy requires.
pub fn initial_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    loop {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        // 256 % 56 != 0: drop the biased top of the byte range.
        if bytes.iter().any(|&b| usize::from(b) >= 56 * 4) {
            continue;
        }
        let p: String = bytes
            .iter()
            .map(|&b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
            .collect();
        if p.chars().any(|c| c.is_ascii_digit()) && p.chars().any(|c| c.is_ascii_alphabetic()) {
            return p;
        }
    }
}

/// Constant-time equality of two strings of public length (CSRF tokens).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(digest(&a).len(), 64);
    }

    #[test]
    fn initial_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = initial_password();
            assert!(
                shared::validate::check_password_policy(&p, "admin").is_ok(),
                "{p}"
            );
        }
    }
}
