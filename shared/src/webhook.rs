//! Webhooks (Webhook 通知): the events a tenant's endpoints subscribe to, the state of a
//! delivery, and the shape rule for an endpoint's URL. Pure: the server resolves and checks
//! addresses; the browser uses the same rule before sending.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::{UnknownStoredValue, stored_enum};

stored_enum! {
    /// What happened to a contract; the `type` of a webhook delivery.
    pub enum WebhookEvent {
        /// 送信: staff sent the contract to its counterparties.
        ContractSent = "contract.sent",
        /// 閲覧: a counterparty opened the document for the first time.
        ContractViewed = "contract.viewed",
        /// 同意: a counterparty agreed.
        ContractAgreed = "contract.agreed",
        /// 拒否: a counterparty declined.
        ContractDeclined = "contract.declined",
        /// 転送: a counterparty forwarded the request to a colleague.
        ContractForwarded = "contract.forwarded",
        /// 締結: every party agreed and the final seal and timestamp are on the file.
        ContractConcluded = "contract.concluded",
        /// 期限切れ: the answer deadline passed.
        ContractExpired = "contract.expired",
        /// 取消: staff cancelled the contract.
        ContractCancelled = "contract.cancelled",
        /// 電子署名: the service sealed an agreement into the file.
        ContractSealed = "contract.sealed",
        /// 長期署名の更新: the archive timestamp of a concluded contract was renewed (LTV).
        ContractRenewed = "contract.renewed",
    }
}

impl WebhookEvent {
    /// The Japanese label and the English one.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            WebhookEvent::ContractSent => ("送信", "Sent"),
            WebhookEvent::ContractViewed => ("相手方の閲覧", "Viewed by a counterparty"),
            WebhookEvent::ContractAgreed => ("相手方の同意", "Agreed by a counterparty"),
            WebhookEvent::ContractDeclined => ("相手方の拒否", "Declined by a counterparty"),
            WebhookEvent::ContractForwarded => ("相手方の転送", "Forwarded by a counterparty"),
            WebhookEvent::ContractConcluded => ("締結", "Concluded"),
            WebhookEvent::ContractExpired => ("期限切れ", "Expired"),
            WebhookEvent::ContractCancelled => ("取消", "Cancelled"),
            WebhookEvent::ContractSealed => ("電子署名の付与", "Sealed"),
            WebhookEvent::ContractRenewed => ("長期署名の更新", "Long-term signature renewed"),
        }
    }
}

stored_enum! {
    /// Where a delivery is.
    pub enum DeliveryState {
        /// Waiting for its first attempt.
        Pending = "pending",
        /// An attempt failed; the next one is scheduled.
        Retrying = "retrying",
        /// The endpoint answered 2xx.
        Delivered = "delivered",
        /// Every attempt failed; given up (can be redelivered by hand).
        Dead = "dead",
    }
}

impl DeliveryState {
    /// The Japanese label and the English one.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            DeliveryState::Pending => ("送信待ち", "Pending"),
            DeliveryState::Retrying => ("再試行待ち", "Retrying"),
            DeliveryState::Delivered => ("配信済み", "Delivered"),
            DeliveryState::Dead => ("配信失敗", "Failed"),
        }
    }
}

/// The longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2000;

/// Why an endpoint URL is refused by its shape (the server also checks where it points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not `http://` or `https://`, no host, too long, or with spaces or user information.
    Malformed,
}

/// Checks the shape of an endpoint URL and returns its host (without brackets for IPv6) and
/// port: `http` or `https`, a host, no user information, no fragment, no whitespace.
pub fn check_url(url: &str) -> Result<(String, u16), UrlProblem> {
    if url.len() > MAX_URL_CHARS || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Malformed);
    }
    let (rest, default_port) = if let Some(r) = url.strip_prefix("https://") {
        (r, 443)
    } else if let Some(r) = url.strip_prefix("http://") {
        (r, 80)
    } else {
        return Err(UrlProblem::Malformed);
    };
    if url.contains('#') {
        return Err(UrlProblem::Malformed);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(UrlProblem::Malformed);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or(UrlProblem::Malformed)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlProblem::Malformed)?),
        };
        (h, port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => default_port,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(UrlProblem::Malformed)?,
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if !host_ok {
        return Err(UrlProblem::Malformed);
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// Joins subscribed events for storage (`contract.sent,contract.agreed`), in display order,
/// once each.
pub fn join_events(events: &[WebhookEvent]) -> String {
    WebhookEvent::ALL
        .iter()
        .filter(|e| events.contains(e))
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses stored events; an unknown name is an error, never skipped.
pub fn parse_events(stored: &str) -> Result<Vec<WebhookEvent>, UnknownStoredValue> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| WebhookEvent::try_from(s.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_http_and_a_host() {
        assert_eq!(
            check_url("https://hooks.example.jp/tachiai?x=1"),
            Ok(("hooks.example.jp".into(), 443))
        );
        assert_eq!(
            check_url("http://127.0.0.1:8099/in"),
            Ok(("127.0.0.1".into(), 8099))
        );
        assert_eq!(check_url("http://[::1]:81/"), Ok(("::1".into(), 81)));
        for bad in [
            "ftp://example.jp/",
            "https://",
            "https://user:pw@example.jp/",
            "https://example.jp:0/",
            "https://example.jp:99999/",
            "https://exa mple.jp/",
            "https://example.jp/#frag",
            "javascript:alert(1)",
            "https://[::1/",
        ] {
            assert_eq!(check_url(bad), Err(UrlProblem::Malformed), "{bad}");
        }
    }

    #[test]
    fn events_round_trip_sorted_and_unknown_names_are_refused() {
        let joined = join_events(&[
            WebhookEvent::ContractAgreed,
            WebhookEvent::ContractSent,
            WebhookEvent::ContractAgreed,
        ]);
        assert_eq!(joined, "contract.sent,contract.agreed");
        assert_eq!(
            parse_events(&joined).unwrap(),
            [WebhookEvent::ContractSent, WebhookEvent::ContractAgreed]
        );
        assert!(parse_events("contract.sent,contract.exploded").is_err());
        for e in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(*e));
        }
    }
}
