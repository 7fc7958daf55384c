//! Display formats: times from the API (RFC 3339, UTC) shown in JST as the glossary asks;
//! dates in the Japanese era (令和8年4月1日) when the tenant's `japanese_era` setting is on.

use leptos::prelude::{ArcRwSignal, Get, GetUntracked, Set};

thread_local! {
    /// Whether dates are shown in the Japanese era: the tenant's `japanese_era`, set from the
    /// session. A signal, so that views showing dates follow when the session arrives.
    static JAPANESE_ERA: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Shows dates in the Japanese era (or not) from now on: `Session::set` passes the tenant's
/// `japanese_era`, `Session::clear` false.
pub fn set_japanese_era(on: bool) {
    JAPANESE_ERA.with(|s| {
        if s.get_untracked() != on {
            s.set(on);
        }
    });
}

/// A calendar date as the tenant wants it: `2026年4月1日`, or `令和8年4月1日` in the era.
fn ymd(y: i32, m: u32, d: u32) -> String {
    if JAPANESE_ERA.with(|s| s.get()) {
        wareki(y, m, d)
    } else {
        format!("{y}年{m}月{d}日")
    }
}

/// A date in the Japanese era: `2026-04-01` → `令和8年4月1日`, the first year as 元年
/// (`令和元年5月1日`). 令和 from 2019-05-01, 平成 from 1989-01-08, 昭和 from 1926-12-25;
/// earlier dates stay in the Western calendar.
pub fn wareki(y: i32, m: u32, d: u32) -> String {
    const ERAS: [(&str, (i32, u32, u32)); 3] = [
        ("令和", (2019, 5, 1)),
        ("平成", (1989, 1, 8)),
        ("昭和", (1926, 12, 25)),
    ];
    match ERAS.iter().find(|(_, start)| (y, m, d) >= *start) {
        Some((name, (first, _, _))) => {
            let n = y - first + 1;
            if n == 1 {
                format!("{name}元年{m}月{d}日")
            } else {
                format!("{name}{n}年{m}月{d}日")
            }
        }
        None => format!("{y}年{m}月{d}日"),
    }
}

/// `2026-04-01T05:00:00Z` → `2026年4月1日 14:00` (JST). Unparseable text is shown as given.
pub fn jst(rfc3339: &str) -> String {
    let ms = js_sys::Date::parse(rfc3339);
    if ms.is_nan() {
        return rfc3339.to_owned();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms + 9.0 * 3_600_000.0));
    format!(
        "{} {:02}:{:02}",
        ymd(
            d.get_utc_full_year() as i32,
            d.get_utc_month() + 1,
            d.get_utc_date()
        ),
        d.get_utc_hours(),
        d.get_utc_minutes()
    )
}

/// The time now in JST as `HH:MM` (e.g. when a draft was saved).
pub fn now_hm() -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        js_sys::Date::now() + 9.0 * 3_600_000.0,
    ));
    format!("{:02}:{:02}", d.get_utc_hours(), d.get_utc_minutes())
}

/// Whether an RFC 3339 time lies in the future (e.g. a lockout that is still active).
pub fn is_future(rfc3339: &str) -> bool {
    let ms = js_sys::Date::parse(rfc3339);
    !ms.is_nan() && ms > js_sys::Date::now()
}

/// `1234000` → `1,234,000円` (契約金額 as the glossary writes it).
pub fn yen(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    if amount < 0 {
        out.push('-');
    }
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push('円');
    out
}

/// An optional amount; empty when unset.
pub fn yen_opt(amount: Option<i64>) -> String {
    amount.map(yen).unwrap_or_default()
}

/// `2026-04-01` → `2026年4月1日` (or `令和8年4月1日`). Other text is shown as given.
pub fn date_ja(iso: &str) -> String {
    let mut parts = iso.get(..10).unwrap_or(iso).splitn(3, '-');
    match (
        parts.next().and_then(|y| y.parse::<i32>().ok()),
        parts.next().and_then(|m| m.parse::<u32>().ok()),
        parts.next().and_then(|d| d.parse::<u32>().ok()),
    ) {
        (Some(y), Some(m), Some(d)) => ymd(y, m, d),
        _ => iso.to_owned(),
    }
}

/// 契約期間: `2026年4月1日～2027年3月31日`; one side may be open.
pub fn period_ja(start: Option<&str>, end: Option<&str>) -> String {
    match (start, end) {
        (None, None) => String::new(),
        (s, e) => format!(
            "{}～{}",
            s.map(date_ja).unwrap_or_default(),
            e.map(date_ja).unwrap_or_default()
        ),
    }
}

/// An optional RFC 3339 time in JST; empty when unset.
pub fn jst_opt(rfc3339: Option<&str>) -> String {
    rfc3339.map(jst).unwrap_or_default()
}

/// A file size: `532 KB`, `1.2 MB`.
pub fn bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    if n < 1024.0 {
        format!("{n} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.0} KB", n / 1024.0)
    } else {
        format!("{:.1} MB", n / 1024.0 / 1024.0)
    }
}

/// Digits of an amount typed with separators or 円 (`1,234,000円` → `1234000`).
pub fn amount_digits(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ',' | '，' | '円' | ' ' | '　'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wareki;

    #[test]
    fn reiwa_from_may_2019() {
        assert_eq!(wareki(2026, 4, 1), "令和8年4月1日");
        assert_eq!(wareki(2019, 5, 1), "令和元年5月1日");
        assert_eq!(wareki(2019, 12, 31), "令和元年12月31日");
        assert_eq!(wareki(2020, 1, 1), "令和2年1月1日");
    }

    #[test]
    fn heisei_and_showa_before() {
        assert_eq!(wareki(2019, 4, 30), "平成31年4月30日");
        assert_eq!(wareki(1989, 1, 8), "平成元年1月8日");
        assert_eq!(wareki(1989, 1, 7), "昭和64年1月7日");
        assert_eq!(wareki(1926, 12, 25), "昭和元年12月25日");
        assert_eq!(wareki(1926, 12, 24), "1926年12月24日");
    }
}
