//! `/reports/monthly`: 月次利用状況報告 (monthly usage report).

use shared::dto::MonthlyReportView;
use shared::problem::Problem;
use shared::report::ReportMonth;

use super::{BASE, get};

/// `GET /reports/monthly/{month}`: the figures per department.
pub async fn monthly(month: ReportMonth) -> Result<MonthlyReportView, Problem> {
    get(&format!("/reports/monthly/{month}")).await
}

/// The CSV or PDF of `month` (`format`: `csv` or `pdf`; the session cookie authorises it).
pub fn file_url(month: ReportMonth, format: &str) -> String {
    format!("{BASE}/reports/monthly/{month}?format={format}")
}
