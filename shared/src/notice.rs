//! Maintenance and outage notices (メンテナンス・障害のお知らせ, 仕様 6-(6)): what a notice is,
//! the rules for its title and text, and when a banner shows it. Pure: the caller passes the
//! time, so the browser and the server decide the same way.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validate::ValidationError;

/// What a notice announces. Stored and sent as [`NoticeKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 計画メンテナンス: the service will be unavailable in the announced window; mailed to the
    /// tenants' administrators in advance.
    Planned,
    /// 障害: something is broken now.
    Outage,
    /// 復旧: an outage is over.
    Recovered,
}

impl NoticeKind {
    /// Every kind, in display order.
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Planned,
        NoticeKind::Outage,
        NoticeKind::Recovered,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Planned => "planned",
            NoticeKind::Outage => "outage",
            NoticeKind::Recovered => "recovered",
        }
    }

    /// Parses the stored name; unknown text is an error, never a default.
    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            NoticeKind::Planned => "計画メンテナンス",
            NoticeKind::Outage => "障害",
            NoticeKind::Recovered => "復旧",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            NoticeKind::Planned => "Planned maintenance",
            NoticeKind::Outage => "Outage",
            NoticeKind::Recovered => "Recovered",
        }
    }

    /// Whether a banner interrupts (`role="alert"`): only an outage does; the others are
    /// polite status messages.
    pub fn is_urgent(self) -> bool {
        self == NoticeKind::Outage
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for NoticeKind {
    type Error = crate::contract::UnknownStoredValue;

    /// Reads a stored row: unknown text fails the query instead of passing for a default.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NoticeKind::parse(&s).ok_or(crate::contract::UnknownStoredValue {
            kind: "NoticeKind",
            value: s,
        })
    }
}

impl From<NoticeKind> for String {
    fn from(k: NoticeKind) -> String {
        k.as_str().to_owned()
    }
}

/// Who a notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeScope {
    /// サービス全体: every tenant and every counterparty (published by the operator).
    Service,
    /// One tenant (団体): its staff and its contracts' counterparties.
    Tenant,
}

/// The longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// The longest text, in characters.
pub const TEXT_MAX: usize = 2000;
/// A banner shows a notice from this long before it starts (7 days).
pub const BANNER_LEAD_MS: i64 = 7 * 86_400_000;
/// Planned maintenance is mailed again this long before it starts (24 hours).
pub const REMINDER_LEAD_MS: i64 = 86_400_000;
/// The longest window a notice may cover (90 days): a banner is for news, not a standing text.
pub const PERIOD_MAX_MS: i64 = 90 * 86_400_000;
/// At most this many notices are shown at once (the most urgent first).
pub const BANNER_MAX: usize = 5;

/// A notice's title (件名): one line, plain text, 1–[`TITLE_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeTitle(String);

impl NoticeTitle {
    /// Trims, then refuses empty, too long, and any control character (line breaks included).
    pub fn parse(raw: &str) -> Result<NoticeTitle, ValidationError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        if s.chars().count() > TITLE_MAX {
            return Err(ValidationError::TooLong);
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::InvalidCharacters);
        }
        Ok(NoticeTitle(s.to_owned()))
    }

    /// The checked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The checked text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A notice's text (本文): plain text (shown escaped, never as HTML), line breaks allowed,
/// 1–[`TEXT_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText(String);

impl NoticeText {
    /// Normalises line breaks to `\n`, trims, then refuses empty, too long, and control
    /// characters other than the line break and tab.
    pub fn parse(raw: &str) -> Result<NoticeText, ValidationError> {
        let s = raw.replace("\r\n", "\n").replace('\r', "\n");
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        if s.chars().count() > TEXT_MAX {
            return Err(ValidationError::TooLong);
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ValidationError::InvalidCharacters);
        }
        Ok(NoticeText(s.to_owned()))
    }

    /// The checked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The checked text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Why a notice's window is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// The end is before the start.
    EndBeforeStart,
    /// The end has already passed: nobody would ever see it.
    EndInPast,
    /// Longer than [`PERIOD_MAX_MS`].
    TooLong,
}

/// Checks a window `[starts_at, ends_at]` (Unix milliseconds) as of `now`.
pub fn check_period(starts_at: i64, ends_at: i64, now: i64) -> Result<(), PeriodError> {
    if ends_at < starts_at {
        Err(PeriodError::EndBeforeStart)
    } else if ends_at <= now {
        Err(PeriodError::EndInPast)
    } else if ends_at - starts_at > PERIOD_MAX_MS {
        Err(PeriodError::TooLong)
    } else {
        Ok(())
    }
}

/// Whether a banner shows a notice at `now`: from [`BANNER_LEAD_MS`] before its start until its
/// end.
pub fn is_shown(starts_at: i64, ends_at: i64, now: i64) -> bool {
    ends_at > now && starts_at.saturating_sub(BANNER_LEAD_MS) <= now
}

/// Whether the announced window has begun (実施中) rather than being ahead (予定).
pub fn is_active(starts_at: i64, ends_at: i64, now: i64) -> bool {
    starts_at <= now && now < ends_at
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn kinds_round_trip_by_their_wire_names() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(NoticeKind::parse("maintenance"), None);
        assert!(NoticeKind::Outage.is_urgent() && !NoticeKind::Planned.is_urgent());
    }

    #[test]
    fn titles_are_one_plain_line() {
        assert_eq!(
            NoticeTitle::parse("  定期メンテナンス ").unwrap().as_str(),
            "定期メンテナンス"
        );
        assert_eq!(NoticeTitle::parse(" "), Err(ValidationError::Required));
        assert_eq!(
            NoticeTitle::parse("a\nb"),
            Err(ValidationError::InvalidCharacters)
        );
        assert_eq!(
            NoticeTitle::parse(&"あ".repeat(TITLE_MAX))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            TITLE_MAX
        );
        assert_eq!(
            NoticeTitle::parse(&"あ".repeat(TITLE_MAX + 1)),
            Err(ValidationError::TooLong)
        );
    }

    #[test]
    fn texts_keep_line_breaks_but_no_other_control_characters() {
        assert_eq!(
            NoticeText::parse("一行目\r\n二行目\r").unwrap().as_str(),
            "一行目\n二行目"
        );
        assert_eq!(
            NoticeText::parse("<b>太字</b>").unwrap().as_str(),
            "<b>太字</b>",
            "kept as text, escaped when shown"
        );
        assert_eq!(
            NoticeText::parse("a\u{7}b"),
            Err(ValidationError::InvalidCharacters)
        );
        assert_eq!(
            NoticeText::parse(&"x".repeat(TEXT_MAX + 1)),
            Err(ValidationError::TooLong)
        );
        assert_eq!(NoticeText::parse("\n\n"), Err(ValidationError::Required));
    }

    #[test]
    fn periods_end_after_they_start_in_the_future_and_are_bounded() {
        let now = 100 * DAY;
        assert_eq!(check_period(now + DAY, now + 2 * DAY, now), Ok(()));
        assert_eq!(
            check_period(now + DAY, now + DAY, now),
            Ok(()),
            "an instant is a window"
        );
        assert_eq!(
            check_period(now + 2 * DAY, now + DAY, now),
            Err(PeriodError::EndBeforeStart)
        );
        assert_eq!(
            check_period(now - 2 * DAY, now, now),
            Err(PeriodError::EndInPast)
        );
        assert_eq!(
            check_period(now, now + 91 * DAY, now),
            Err(PeriodError::TooLong)
        );
    }

    #[test]
    fn a_banner_shows_a_week_ahead_until_the_end() {
        let start = 100 * DAY;
        let end = start + DAY;
        assert!(!is_shown(start, end, start - 8 * DAY));
        assert!(is_shown(start, end, start - 7 * DAY));
        assert!(is_shown(start, end, start) && is_active(start, end, start));
        assert!(!is_active(start, end, start - 1));
        assert!(!is_shown(start, end, end) && !is_active(start, end, end));
    }
}
