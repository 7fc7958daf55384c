//! Records management dates: the fiscal year (年度, April–March) a contract belongs to, and the
//! day its retention period (保存期間) ends.
//!
//! Japanese public records count retention from **April 1 of the fiscal year after** the event
//! (公文書等の管理に関する法律施行令 第8条; most cities' 文書管理規程 follow it): a contract
//! concluded on 2026-05-10 or on 2027-02-01 (both 2026年度) with 10 years is kept from
//! 2027-04-01 through 2037-03-31. Some cities count from the day itself instead
//! ([`RetentionConvention::Anniversary`]). Pure functions, shared by the server (export,
//! disposition) and the browser app (showing 保存期限).

use serde::{Deserialize, Serialize};

use crate::validate::{ValidationError, iso_date};

/// A calendar date (proleptic Gregorian), ordered by (year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` (as [`iso_date`] checks it).
    pub fn parse(s: &str) -> Result<Date, ValidationError> {
        let s = iso_date(s)?;
        let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        Ok(Date {
            year: n(0..4) as i32,
            month: n(5..7),
            day: n(8..10),
        })
    }

    /// The number of days in this date's month.
    fn days_in_month(year: i32, month: u32) -> u32 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        match month {
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 31,
        }
    }

    /// The same month and day `years` later; 29 February becomes 28 February in a common year.
    pub fn plus_years(self, years: u32) -> Date {
        let year = self.year + years as i32;
        Date {
            year,
            month: self.month,
            day: self.day.min(Date::days_in_month(year, self.month)),
        }
    }

    /// The fiscal year (年度) the date falls in: April–March, named by the year of its April.
    pub fn fiscal_year(self) -> i32 {
        if self.month >= 4 {
            self.year
        } else {
            self.year - 1
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The first and last day of fiscal year `fy` (年度): `fy`-04-01 through (`fy`+1)-03-31.
pub fn fiscal_year_range(fy: i32) -> (Date, Date) {
    (
        Date {
            year: fy,
            month: 4,
            day: 1,
        },
        Date {
            year: fy + 1,
            month: 3,
            day: 31,
        },
    )
}

/// Fiscal year `fy` in the Japanese era: its name, the initial contract numbers use, and the
/// year of the era. FY2019 is 令和元年度 (its April was still 平成 31, but documents name the
/// year by the era it mostly lies in); years before 平成 have none here.
pub fn fiscal_year_era(fy: i32) -> Option<(&'static str, char, i32)> {
    const ERAS: [(&str, char, i32); 2] = [("令和", 'R', 2019), ("平成", 'H', 1989)];
    ERAS.iter()
        .find(|(_, _, first)| fy >= *first)
        .map(|&(name, initial, first)| (name, initial, fy - first + 1))
}

/// `令和8年度`, `令和元年度`, `平成30年度`.
pub fn fiscal_year_era_ja(fy: i32) -> Option<String> {
    let (name, _, n) = fiscal_year_era(fy)?;
    Some(match n {
        1 => format!("{name}元年度"),
        n => format!("{name}{n}年度"),
    })
}

/// `2026年度（令和8年度）`: the fiscal year as city documents name it.
pub fn fiscal_year_label_ja(fy: i32) -> String {
    match fiscal_year_era_ja(fy) {
        Some(era) => format!("{fy}年度（{era}）"),
        None => format!("{fy}年度"),
    }
}

/// How a retention period is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RetentionConvention {
    /// From April 1 of the fiscal year after the event (公文書の例: 翌年度の4月1日起算).
    #[default]
    FiscalYear,
    /// From the event's own day: kept until the same day `years` later.
    Anniversary,
}

impl RetentionConvention {
    /// Every convention.
    pub const ALL: [RetentionConvention; 2] = [
        RetentionConvention::FiscalYear,
        RetentionConvention::Anniversary,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionConvention::FiscalYear => "fiscal_year",
            RetentionConvention::Anniversary => "anniversary",
        }
    }

    /// Parses the stored name; unknown text is `None`, never a default.
    pub fn parse(s: &str) -> Option<RetentionConvention> {
        RetentionConvention::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Which event starts a contract's retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RetentionBasis {
    /// 契約締結日.
    #[default]
    ConcludedOn,
    /// 契約期間の終了日 when the contract has one (and it is later), else 契約締結日.
    PeriodEnd,
}

impl RetentionBasis {
    /// Every basis.
    pub const ALL: [RetentionBasis; 2] = [RetentionBasis::ConcludedOn, RetentionBasis::PeriodEnd];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionBasis::ConcludedOn => "concluded_on",
            RetentionBasis::PeriodEnd => "period_end",
        }
    }

    /// Parses the stored name; unknown text is `None`, never a default.
    pub fn parse(s: &str) -> Option<RetentionBasis> {
        RetentionBasis::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// The event date retention counts from: see [`RetentionBasis`]. `None` before conclusion.
pub fn retention_start_event(
    basis: RetentionBasis,
    concluded_on: Option<Date>,
    period_end: Option<Date>,
) -> Option<Date> {
    let concluded = concluded_on?;
    Some(match (basis, period_end) {
        (RetentionBasis::PeriodEnd, Some(end)) if end > concluded => end,
        _ => concluded,
    })
}

/// The last day the contract must be kept (保存期限): after it, it may be disposed of.
pub fn retention_end(event: Date, years: u32, convention: RetentionConvention) -> Date {
    match convention {
        // April 1 of FY+1 starts the period; `years` years later, the day before: March 31.
        RetentionConvention::FiscalYear => Date {
            year: event.fiscal_year() + 1 + years as i32,
            month: 3,
            day: 31,
        },
        RetentionConvention::Anniversary => event.plus_years(years),
    }
}

/// A tenant's retention rule (保存期間の設定): the default years of a new contract, how the
/// period is counted and from which event. A contract may override the years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionRule {
    /// 保存年限 of a new contract, years (1–100).
    pub default_years: u32,
    /// 起算方法: the fiscal-year convention (翌年度4月1日起算) or the anniversary.
    pub convention: RetentionConvention,
    /// 起算日: 契約締結日 or 契約期間の終了日.
    pub basis: RetentionBasis,
}

impl Default for RetentionRule {
    fn default() -> Self {
        RetentionRule {
            default_years: 10,
            convention: RetentionConvention::FiscalYear,
            basis: RetentionBasis::ConcludedOn,
        }
    }
}

/// A contract's 保存期限 under `rule` with its own `years`. A concluded contract counts from
/// [`retention_start_event`]; one that ended without conclusion (却下・取消・期限切れ) has no
/// 締結日 and counts from `ended_on`, the day it reached that state. `None` while the contract
/// is still open (neither date known).
pub fn contract_retention_end(
    rule: RetentionRule,
    years: u32,
    concluded_on: Option<Date>,
    period_end: Option<Date>,
    ended_on: Option<Date>,
) -> Option<Date> {
    let event = retention_start_event(rule.basis, concluded_on, period_end).or(ended_on)?;
    Some(retention_end(event, years, rule.convention))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn stored_names_are_the_wire_names() {
        for c in RetentionConvention::ALL {
            assert_eq!(RetentionConvention::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for b in RetentionBasis::ALL {
            assert_eq!(RetentionBasis::parse(b.as_str()), Some(b));
            assert_eq!(serde_json::to_value(b).unwrap(), b.as_str());
        }
        assert_eq!(RetentionConvention::parse("FiscalYear"), None);
    }

    #[test]
    fn fiscal_years_run_april_to_march() {
        assert_eq!(d("2026-04-01").fiscal_year(), 2026);
        assert_eq!(d("2027-03-31").fiscal_year(), 2026);
        assert_eq!(d("2026-03-31").fiscal_year(), 2025);
        assert_eq!(fiscal_year_range(2026), (d("2026-04-01"), d("2027-03-31")));
        assert_eq!(fiscal_year_label_ja(2026), "2026年度（令和8年度）");
        assert_eq!(fiscal_year_label_ja(2019), "2019年度（令和元年度）");
        assert_eq!(fiscal_year_label_ja(2018), "2018年度（平成30年度）");
        assert_eq!(fiscal_year_label_ja(1989), "1989年度（平成元年度）");
        assert_eq!(fiscal_year_label_ja(1988), "1988年度");
        assert_eq!(fiscal_year_era(2017), Some(("平成", 'H', 29)));
    }

    #[test]
    fn fiscal_year_retention_ends_on_a_march_31() {
        let c = RetentionConvention::FiscalYear;
        assert_eq!(retention_end(d("2026-05-10"), 10, c), d("2037-03-31"));
        assert_eq!(retention_end(d("2027-02-01"), 10, c), d("2037-03-31"));
        assert_eq!(retention_end(d("2026-04-01"), 1, c), d("2028-03-31"));
        assert_eq!(retention_end(d("2026-03-31"), 5, c), d("2031-03-31"));
    }

    #[test]
    fn anniversary_retention_keeps_the_day() {
        let c = RetentionConvention::Anniversary;
        assert_eq!(retention_end(d("2026-05-10"), 10, c), d("2036-05-10"));
        assert_eq!(retention_end(d("2028-02-29"), 1, c), d("2029-02-28"));
        assert_eq!(retention_end(d("2028-02-29"), 4, c), d("2032-02-29"));
    }

    #[test]
    fn the_basis_picks_the_later_period_end() {
        let (c, e) = (Some(d("2026-05-10")), Some(d("2029-03-31")));
        let b = RetentionBasis::PeriodEnd;
        assert_eq!(retention_start_event(b, c, e), e);
        assert_eq!(retention_start_event(b, c, Some(d("2026-01-01"))), c);
        assert_eq!(retention_start_event(b, c, None), c);
        assert_eq!(retention_start_event(RetentionBasis::ConcludedOn, c, e), c);
        assert_eq!(retention_start_event(b, None, e), None);
    }

    #[test]
    fn a_contract_counts_from_its_conclusion_or_else_from_the_day_it_ended() {
        let fy = RetentionRule::default();
        let anniversary = RetentionRule {
            convention: RetentionConvention::Anniversary,
            ..fy
        };
        let by_end = RetentionRule {
            basis: RetentionBasis::PeriodEnd,
            ..fy
        };
        let (c, e) = (Some(d("2026-05-10")), Some(d("2029-06-30")));
        assert_eq!(
            contract_retention_end(fy, 10, c, e, None),
            Some(d("2037-03-31"))
        );
        assert_eq!(
            contract_retention_end(by_end, 10, c, e, None),
            Some(d("2040-03-31"))
        );
        assert_eq!(
            contract_retention_end(anniversary, 5, c, e, None),
            Some(d("2031-05-10"))
        );
        let cancelled = Some(d("2027-03-15"));
        assert_eq!(
            contract_retention_end(fy, 1, None, None, cancelled),
            Some(d("2028-03-31"))
        );
        assert_eq!(
            contract_retention_end(fy, 1, None, e, None),
            None,
            "still open"
        );
    }

    #[test]
    fn dates_print_and_parse_back() {
        assert_eq!(d("2026-04-01").to_string(), "2026-04-01");
        assert!(Date::parse("2026-02-30").is_err());
        assert!(d("2026-04-01") < d("2026-04-02"));
    }
}
