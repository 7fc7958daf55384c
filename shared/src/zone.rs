//! Network zones (ネットワークゾーン): where a tenant's staff may log in from, and which public
//! URL a mail's reader can reach. A city's staff work on LGWAN (the closed inter-government
//! network, reached through an LGWAN-ASP connection); its counterparties on the internet.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::{UnknownStoredValue, stored_enum};
use crate::validate::ValidationError;

stored_enum! {
    /// A network the service is reached from.
    pub enum Zone {
        /// LGWAN-ASP: the closed network of Japanese local governments.
        Lgwan = "lgwan",
        /// インターネット.
        Internet = "internet",
    }
}

impl Zone {
    /// The Japanese label and the English one.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Zone::Lgwan => ("LGWAN-ASP", "LGWAN-ASP"),
            Zone::Internet => ("インターネット", "Internet"),
        }
    }

    /// The zone whose public URL staff mails link to first (LGWAN), then the other.
    pub const STAFF_ORDER: [Zone; 2] = [Zone::Lgwan, Zone::Internet];
}

/// Most address blocks one zone may list.
pub const MAX_BLOCKS_PER_ZONE: usize = 100;

/// A zone's public URL as stored: `https://host[:port]` (or `http://`), no path, query or
/// user; a trailing `/` is dropped. It is compared with the browser's `Origin` header as is,
/// so it must be an origin.
pub fn parse_public_url(raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim().trim_end_matches('/');
    if s.is_empty() {
        return Err(ValidationError::Required);
    }
    if s.len() > 200 {
        return Err(ValidationError::TooLong);
    }
    let host = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or(ValidationError::InvalidPublicUrl)?;
    let ok = !host.is_empty()
        && !host.starts_with(':')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(ValidationError::InvalidPublicUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_origins() {
        assert_eq!(
            parse_public_url(" https://Keiyaku.example.lg.jp/ ").unwrap(),
            "https://keiyaku.example.lg.jp"
        );
        assert!(parse_public_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_public_url("https://[2001:db8::1]:8443").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https://a/b",
            "https://a?x",
            "https://u@a",
            "keiyaku.example",
        ] {
            assert_eq!(
                parse_public_url(bad),
                Err(ValidationError::InvalidPublicUrl),
                "{bad}"
            );
        }
        assert_eq!(parse_public_url(" "), Err(ValidationError::Required));
        assert_eq!(Zone::parse("lgwan"), Some(Zone::Lgwan));
        assert_eq!(Zone::parse("LGWAN"), None);
    }
}
