//! Display formats: times from the API (RFC 3339, UTC) shown in JST as the glossary asks.

/// `2026-04-01T05:00:00Z` → `2026年4月1日 14:00` (JST). Unparseable text is shown as given.
pub fn jst(rfc3339: &str) -> String {
    let ms = js_sys::Date::parse(rfc3339);
    if ms.is_nan() {
        return rfc3339.to_owned();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms + 9.0 * 3_600_000.0));
    format!(
        "{}年{}月{}日 {:02}:{:02}",
        d.get_utc_full_year(),
        d.get_utc_month() + 1,
        d.get_utc_date(),
        d.get_utc_hours(),
        d.get_utc_minutes()
    )
}

/// Whether an RFC 3339 time lies in the future (e.g. a lockout that is still active).
pub fn is_future(rfc3339: &str) -> bool {
    let ms = js_sys::Date::parse(rfc3339);
    !ms.is_nan() && ms > js_sys::Date::now()
}
