//! SMS (ショートメッセージ) for the counterparties' second factor (SMS認証,
//! `workflow/sms_verification.rs`): one [`SmsProvider`] trait and one adapter,
//! [`HttpSmsProvider`], for the gateways that take a JSON POST. Configured by
//! `sms_provider_url` and `sms_provider_key` (or `sms_provider_key_file`); without them the
//! service offers no SMS step and refuses a sender who asks for one (`sms_not_configured`).
//!
//! Sending is a bounded synchronous call, not a queued job: the counterparty is waiting on the
//! signing page for a code that lives 10 minutes, so a clear "not sent, try again" at once is
//! worth more than a delivery minutes later after the queue's backoff. The call is bounded: a
//! connect and a total timeout per attempt, one retry after a connection failure or a 5xx/429,
//! and at most [`MAX_IN_FLIGHT`] messages at once per process (the rest are refused at once).

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use shared::validate::MobilePhone;

/// Time to connect to the provider.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Time for one whole exchange with the provider.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(8);
/// Attempts per message (the second only after a connection failure, a 5xx or a 429).
const ATTEMPTS: u32 = 2;
/// Pause before the retry.
const RETRY_PAUSE: Duration = Duration::from_millis(300);
/// Messages being sent at once per process; more are refused (the signing page says "try
/// again"), so a flood of requests cannot hold every blocking thread on a slow provider.
pub const MAX_IN_FLIGHT: usize = 4;
/// The most of a provider's answer read.
const MAX_ANSWER_BYTES: u64 = 4096;

/// Why a message was not sent; one sentence for the log and the audit event.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// [`MAX_IN_FLIGHT`] messages are being sent already.
    #[error("{MAX_IN_FLIGHT} SMS messages are being sent already")]
    Busy,
    /// No connection, a timeout, or a broken exchange.
    #[error("the SMS provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider answered with an error status.
    #[error("the SMS provider answered HTTP {0}")]
    Status(u16),
}

/// Something that delivers a short text to a mobile number.
pub trait SmsProvider: Send + Sync {
    /// Sends `body` to `to`; `Ok` once the provider accepted it.
    fn send(&self, to: &MobilePhone, body: &str) -> Result<(), SmsError>;
}

/// The provider settings: where to POST and the bearer key.
#[derive(Clone)]
pub struct SmsSettings {
    /// `sms_provider_url`.
    pub url: String,
    key: String,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("url", &self.url)
            .field("key", &"(set)")
            .finish()
    }
}

impl SmsSettings {
    /// From `sms_provider_url` and `sms_provider_key` or `sms_provider_key_file`; `None` when
    /// no URL is set (no SMS step).
    pub fn from_settings(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let key = match (get("sms_provider_key"), get("sms_provider_key_file")) {
            (Some(_), Some(_)) => {
                bail!("settings `sms_provider_key` and `sms_provider_key_file`: give only one")
            }
            (Some(k), None) => Some(k),
            (None, Some(file)) => Some(read_key(Path::new(&file))?),
            (None, None) => None,
        };
        let Some(url) = get("sms_provider_url") else {
            if key.is_some() {
                bail!("setting `sms_provider_key`: set `sms_provider_url` too, or neither");
            }
            return Ok(None);
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("setting `sms_provider_url`: `{url}` is not an http(s) URL");
        }
        let key = key.filter(|k| !k.is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "setting `sms_provider_url` needs `sms_provider_key` or `sms_provider_key_file`"
            )
        })?;
        Ok(Some(SmsSettings { url, key }))
    }

    /// The rows `tachiai config list` prints (the key masked).
    pub fn describe(settings: Option<&SmsSettings>) -> Vec<(&'static str, String)> {
        match settings {
            Some(s) => vec![
                ("sms_provider_url", s.url.clone()),
                ("sms_provider_key", "(set)".into()),
            ],
            None => vec![("sms_provider_url", "(none: no SMS verification)".into())],
        }
    }
}

fn read_key(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "setting `sms_provider_key_file`: cannot read {}",
            path.display()
        )
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

/// The adapter for gateways taking `POST {url}` with `Authorization: Bearer {key}` and the
/// JSON body `{"to": "+819012345678", "body": "…"}`; any 2xx is accepted.
pub struct HttpSmsProvider {
    settings: SmsSettings,
    agent: ureq::Agent,
    in_flight: AtomicUsize,
}

impl HttpSmsProvider {
    /// An adapter for `settings`.
    pub fn new(settings: SmsSettings) -> HttpSmsProvider {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent("Tachiai-SMS/1")
            .build();
        HttpSmsProvider {
            settings,
            agent: ureq::Agent::new_with_config(config),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn attempt(&self, body: &[u8]) -> Result<(), SmsError> {
        let auth = format!("Bearer {}", self.settings.key);
        let sent = self
            .agent
            .post(&self.settings.url)
            .header("Content-Type", "application/json")
            .header("Authorization", auth.as_str())
            .send(body);
        match sent {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                // Read a little of the answer so the connection ends cleanly; its content is
                // the provider's business.
                let _ = resp
                    .body_mut()
                    .as_reader()
                    .take(MAX_ANSWER_BYTES)
                    .read_to_end(&mut Vec::new());
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(SmsError::Status(status))
                }
            }
            Err(e) => Err(SmsError::Unreachable(e.to_string())),
        }
    }
}

/// Releases a slot of [`HttpSmsProvider::in_flight`] when the send ends, however it ends.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SmsProvider for HttpSmsProvider {
    fn send(&self, to: &MobilePhone, body: &str) -> Result<(), SmsError> {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return Err(SmsError::Busy);
        }
        let _slot = Slot(&self.in_flight);
        let payload = serde_json::json!({ "to": to.e164(), "body": body }).to_string();
        let mut last = SmsError::Busy;
        for attempt in 1..=ATTEMPTS {
            match self.attempt(payload.as_bytes()) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let retry = match &e {
                        SmsError::Unreachable(_) => true,
                        SmsError::Status(s) => *s >= 500 || *s == 429,
                        SmsError::Busy => false,
                    };
                    tracing::warn!(attempt, error = %e, "SMS not sent");
                    last = e;
                    if !retry {
                        break;
                    }
                    if attempt < ATTEMPTS {
                        std::thread::sleep(RETRY_PAUSE);
                    }
                }
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Option<SmsSettings>> {
        let map: std::collections::BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SmsSettings::from_settings(&|k| map.get(k).cloned())
    }

    #[test]
    fn the_provider_needs_a_url_and_one_key() {
        assert!(settings(&[]).unwrap().is_none());
        let s = settings(&[
            ("sms_provider_url", "https://sms.example.jp/send"),
            ("sms_provider_key", "k"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(s.url, "https://sms.example.jp/send");
        assert!(!format!("{s:?}").contains("\"k\""));
        assert!(settings(&[("sms_provider_url", "https://sms.example.jp/send")]).is_err());
        assert!(settings(&[("sms_provider_key", "k")]).is_err());
        assert!(
            settings(&[
                ("sms_provider_url", "ftp://sms.example.jp"),
                ("sms_provider_key", "k")
            ])
            .is_err()
        );
        assert!(
            settings(&[
                ("sms_provider_url", "https://sms.example.jp/send"),
                ("sms_provider_key", "k"),
                ("sms_provider_key_file", "/nonexistent")
            ])
            .is_err()
        );
    }
}
