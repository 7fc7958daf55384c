//! 月次利用状況報告 (monthly usage report, 仕様 4-(2)エ): the month it covers and the columns it
//! has, in one place for the server (CSV, PDF, the JSON of the API) and the browser app (the
//! table), so that a column is named the same everywhere.
//!
//! A month is a **JST calendar month**: a contract concluded at 2026-03-31 23:30 JST belongs to
//! March, although it is 14:30 UTC that day. The server turns a [`ReportMonth`] into Unix
//! milliseconds; this crate reads no clock.

use std::fmt;

/// A calendar month in Japanese Standard Time, written `YYYY-MM` (e.g. `2026-11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportMonth {
    year: i32,
    month: u8,
}

/// Why a month was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthError {
    /// Not `YYYY-MM` with a month from 01 to 12 and a year from 2000 to 9999.
    Malformed,
    /// The month has not begun yet (in JST).
    InFuture,
}

impl ReportMonth {
    /// The earliest year a report may cover: the service did not exist before it.
    pub const FIRST_YEAR: i32 = 2000;

    /// Parses `YYYY-MM` exactly (four digits, a hyphen, two digits; month 01–12).
    pub fn parse(s: &str) -> Result<ReportMonth, MonthError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return Err(MonthError::Malformed);
        }
        let year: i32 = s[0..4].parse().map_err(|_| MonthError::Malformed)?;
        let month: u8 = s[5..7].parse().map_err(|_| MonthError::Malformed)?;
        ReportMonth::new(year, month).ok_or(MonthError::Malformed)
    }

    /// Parses `YYYY-MM` and refuses a month after `current` (the month it is now in JST).
    pub fn parse_until(s: &str, current: ReportMonth) -> Result<ReportMonth, MonthError> {
        let m = ReportMonth::parse(s)?;
        if m > current {
            return Err(MonthError::InFuture);
        }
        Ok(m)
    }

    /// The month, when `month` is 1–12 and `year` 2000–9999.
    pub fn new(year: i32, month: u8) -> Option<ReportMonth> {
        ((ReportMonth::FIRST_YEAR..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(ReportMonth { year, month })
    }

    /// The year (西暦).
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The month before (January → December of the year before).
    pub fn previous(self) -> ReportMonth {
        if self.month == 1 {
            ReportMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            ReportMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after (December → January of the year after).
    pub fn next(self) -> ReportMonth {
        if self.month == 12 {
            ReportMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            ReportMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// `2026年11月`.
    pub fn label_ja(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for ReportMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One figure of the report, in the order of the CSV, the PDF and the table on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportColumn {
    /// 作成: contracts created (drafts, also by duplicating).
    Created,
    /// 送信: contracts sent to the counterparty.
    Sent,
    /// 締結: contracts concluded.
    Concluded,
    /// 却下: contracts a counterparty declined.
    Declined,
    /// 期限切れ: contracts whose answer deadline passed.
    Expired,
    /// 取消: contracts cancelled.
    Cancelled,
    /// 送信先: counterparty recipients addressed by the contracts sent.
    Recipients,
    /// 利用職員数: staff who did anything recorded in the operation log.
    ActiveUsers,
    /// 保存容量: bytes of the files kept, at the end of the month (or now, for this month).
    StorageBytes,
    /// 電子署名: seals made by the service.
    Seals,
    /// タイムスタンプ: time-stamp tokens obtained.
    Timestamps,
}

impl ReportColumn {
    /// Every column, in order.
    pub const ALL: [ReportColumn; 11] = [
        ReportColumn::Created,
        ReportColumn::Sent,
        ReportColumn::Concluded,
        ReportColumn::Declined,
        ReportColumn::Expired,
        ReportColumn::Cancelled,
        ReportColumn::Recipients,
        ReportColumn::ActiveUsers,
        ReportColumn::StorageBytes,
        ReportColumn::Seals,
        ReportColumn::Timestamps,
    ];

    /// The Japanese header (CSV, PDF, the table).
    pub fn label_ja(self) -> &'static str {
        match self {
            ReportColumn::Created => "作成件数",
            ReportColumn::Sent => "送信件数",
            ReportColumn::Concluded => "締結件数",
            ReportColumn::Declined => "却下件数",
            ReportColumn::Expired => "期限切れ件数",
            ReportColumn::Cancelled => "取消件数",
            ReportColumn::Recipients => "送信先数",
            ReportColumn::ActiveUsers => "利用職員数",
            ReportColumn::StorageBytes => "保存容量（バイト）",
            ReportColumn::Seals => "電子署名数",
            ReportColumn::Timestamps => "タイムスタンプ数",
        }
    }

    /// The English header.
    pub fn label_en(self) -> &'static str {
        match self {
            ReportColumn::Created => "Created",
            ReportColumn::Sent => "Sent",
            ReportColumn::Concluded => "Concluded",
            ReportColumn::Declined => "Declined",
            ReportColumn::Expired => "Expired",
            ReportColumn::Cancelled => "Cancelled",
            ReportColumn::Recipients => "Recipients",
            ReportColumn::ActiveUsers => "Active staff",
            ReportColumn::StorageBytes => "Storage (bytes)",
            ReportColumn::Seals => "Seals",
            ReportColumn::Timestamps => "Timestamps",
        }
    }

    /// This column's figure of `row`.
    pub fn of(self, row: &crate::dto::MonthlyReportRowView) -> i64 {
        match self {
            ReportColumn::Created => row.created,
            ReportColumn::Sent => row.sent,
            ReportColumn::Concluded => row.concluded,
            ReportColumn::Declined => row.declined,
            ReportColumn::Expired => row.expired,
            ReportColumn::Cancelled => row.cancelled,
            ReportColumn::Recipients => row.recipients,
            ReportColumn::ActiveUsers => row.active_users,
            ReportColumn::StorageBytes => row.storage_bytes,
            ReportColumn::Seals => row.seals,
            ReportColumn::Timestamps => row.timestamps,
        }
    }
}

/// The name of the row of contracts and staff without a department.
pub const NO_DEPARTMENT_JA: &str = "所属なし";
/// The name of the total row.
pub const TOTAL_JA: &str = "合計";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_exactly_and_refuse_the_rest() {
        let m = ReportMonth::parse("2026-11").unwrap();
        assert_eq!((m.year(), m.month()), (2026, 11));
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.label_ja(), "2026年11月");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
            "１９９９-01",
            "1999-12",
            "+026-11",
            "2026-+1",
        ] {
            assert_eq!(ReportMonth::parse(bad), Err(MonthError::Malformed), "{bad}");
        }
    }

    #[test]
    fn a_month_after_the_current_one_is_in_the_future() {
        let now = ReportMonth::new(2026, 12).unwrap();
        assert!(ReportMonth::parse_until("2026-12", now).is_ok());
        assert_eq!(
            ReportMonth::parse_until("2027-01", now),
            Err(MonthError::InFuture)
        );
    }

    #[test]
    fn months_wrap_at_the_year() {
        let jan = ReportMonth::new(2027, 1).unwrap();
        assert_eq!(jan.previous().to_string(), "2026-12");
        assert_eq!(jan.previous().next(), jan);
    }
}
