//! Time as the server stores it: Unix milliseconds, shown as RFC 3339 UTC on the wire.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time in Unix milliseconds (the stored form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Millis(pub i64);

impl Millis {
    /// The current time.
    pub fn now() -> Millis {
        Millis((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// This time plus `minutes`.
    pub fn plus_minutes(self, minutes: i64) -> Millis {
        Millis(self.0 + minutes * 60_000)
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-04-01T05:00:00.000Z`.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A stored time in Japanese Standard Time (+09:00), the calendar of contracts and fiscal years.
pub fn jst(ms: i64) -> OffsetDateTime {
    let offset = time::UtcOffset::from_hms(9, 0, 0).expect("+09:00 is a valid offset");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// The JST calendar date of a stored time, `YYYY-MM-DD` (契約締結日).
pub fn jst_date(ms: i64) -> String {
    let t = jst(ms);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The JST calendar day of a stored time, as the records rules count (年度, 保存期限).
pub fn jst_day(ms: i64) -> shared::records::Date {
    let t = jst(ms);
    shared::records::Date {
        year: t.year(),
        month: u32::from(u8::from(t.month())),
        day: u32::from(t.day()),
    }
}

/// The start (00:00 JST) of a checked `YYYY-MM-DD` date, as Unix milliseconds.
pub fn jst_day_start(date: &str) -> Option<i64> {
    let n = |r: std::ops::Range<usize>| date.get(r)?.parse::<i32>().ok();
    let month = time::Month::try_from(u8::try_from(n(5..7)?).ok()?).ok()?;
    let day =
        time::Date::from_calendar_date(n(0..4)?, month, u8::try_from(n(8..10)?).ok()?).ok()?;
    let offset = time::UtcOffset::from_hms(9, 0, 0).ok()?;
    let t = day.midnight().assume_offset(offset);
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Japanese Standard Time as people read it, e.g. `2026年11月25日 14:05 JST` (the stamp, mails and
/// the completion certificate).
pub fn jst_text(unix_seconds: i64) -> String {
    let t = jst(unix_seconds.saturating_mul(1000));
    format!(
        "{}年{}月{}日 {:02}:{:02} JST",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jst_days_start_at_nine_utc_the_day_before() {
        let ms = jst_day_start("2026-04-01").unwrap();
        assert_eq!(jst_date(ms), "2026-04-01");
        assert_eq!(jst_date(ms - 1), "2026-03-31");
        assert_eq!(ms % 86_400_000, 15 * 3_600_000);
        assert_eq!(jst_day_start("2026-02-30"), None);
    }

    #[test]
    fn formats_jst() {
        assert_eq!(jst_text(1_775_019_600), "2026年4月1日 14:00 JST");
    }

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_775_019_600_123), "2026-04-01T05:00:00.123Z");
    }
}
