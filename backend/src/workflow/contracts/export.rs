//! The contract list as CSV (仕様 5-(18)) for Excel in Japan: UTF-8 with a byte-order mark,
//! CRLF line ends, RFC 4180 quoting, Japanese headers. The same filters and visibility as
//! `GET /contracts`; at most [`MAX_ROWS`] rows; audited as `contract.exported`.
//!
//! Formula injection (CSV injection): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return would be evaluated by a spreadsheet, so it is written with a leading `'`.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::ContractListQuery;

use super::DepartmentNames;
use super::list::filter_for;
use crate::clock::Millis;
use crate::db::queries::contracts::{self as query, ContractFilter, Planned};
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;

/// The most rows one export holds; narrow the filters for more. The file is streamed in
/// keyset batches, so memory does not grow with it.
pub const MAX_ROWS: usize = 1_000_000;

/// Rows read per batch (one short query each).
const BATCH_ROWS: u32 = 2_000;

/// The column headers.
pub const HEADERS: [&str; 8] = [
    "契約番号",
    "件名",
    "相手方",
    "所属",
    "金額",
    "状態",
    "契約締結日",
    "更新日時",
];

/// A finished export, whole in memory (the audit log's, which is bounded).
#[derive(Debug)]
pub struct CsvExport {
    /// The file: BOM, header line, one line per row.
    pub bytes: Vec<u8>,
    /// Rows written.
    pub rows: usize,
    /// More rows matched than the export holds.
    pub truncated: bool,
    /// The name to offer, e.g. `操作ログ_20261125.csv` (JST date).
    pub file_name: String,
}

/// An export being streamed: [`CsvStream::head`], then [`CsvStream::next_batch`] until it
/// returns `None`. Each batch is its own short read (keyset pagination after the previous
/// batch's last row), so a contract changed while the file is written may appear in its new
/// place or be left out, as in a list paged through by hand.
#[derive(Debug)]
pub struct CsvStream {
    tenant_id: String,
    /// Planned once: the batches read through the same index.
    planned: Planned,
    department_names: DepartmentNames,
    /// Contracts the file holds (counted before the first row).
    pub rows: usize,
    /// More contracts matched than [`MAX_ROWS`].
    pub truncated: bool,
    /// The name to offer, e.g. `契約一覧_20261125.csv` (JST date).
    pub file_name: String,
    written: usize,
}

/// `GET /contracts.csv`: checks, counts and audits the export; the rows follow from
/// [`CsvStream::next_batch`].
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id))]
pub fn export_csv(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &ContractListQuery,
) -> WorkflowResult<CsvStream> {
    actor.require(conn, Permission::ViewContracts)?;
    let (filter, sort) = filter_for(conn, actor, q)?;
    let department_names = DepartmentNames::load(conn, &actor.tenant_id)?;
    let matched = query::count_up_to(conn, &actor.tenant_id, &filter, MAX_ROWS as i64 + 1)?;
    let rows = (matched as usize).min(MAX_ROWS);
    let truncated = matched as usize > MAX_ROWS;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        actor.audit(
            conn,
            AuditAction::ContractsExported,
            None,
            json!({
                "format": "csv",
                "rows": rows,
                "truncated": truncated,
                "filters": {
                    "q": q.q, "title": q.title, "contract_number": q.contract_number,
                    "counterparty": q.counterparty, "department_id": q.department_id,
                    "states": q.state.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "concluded_from": q.concluded_from, "concluded_to": q.concluded_to,
                    "amount_min": q.amount_min, "amount_max": q.amount_max, "sort": q.sort,
                },
            }),
        )
    })?;
    let planned = query::plan(
        conn,
        &actor.tenant_id,
        &ContractFilter {
            after: None,
            ..filter
        },
        sort,
    )?;
    Ok(CsvStream {
        tenant_id: actor.tenant_id.clone(),
        planned,
        department_names,
        rows,
        truncated,
        file_name: format!("契約一覧_{}.csv", jst_date_compact(Millis::now().0)),
        written: 0,
    })
}

impl CsvStream {
    /// The byte-order mark and the header line.
    pub fn head(&self) -> Vec<u8> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        write_record(&mut out, HEADERS);
        out
    }

    /// The next lines of the file, `None` after the last.
    pub fn next_batch(&mut self, conn: &mut AnyConnection) -> WorkflowResult<Option<Vec<u8>>> {
        let left = self.rows.saturating_sub(self.written);
        if left == 0 {
            return Ok(None);
        }
        let take = (left as u32).min(BATCH_ROWS);
        let batch = query::page_after(conn, &self.tenant_id, &self.planned, take)?;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        if !self.planned.continue_after(last) {
            // Without a keyset order there is no next batch: this one is the file.
            self.rows = self.written + batch.len();
        }
        let mut out = Vec::with_capacity(batch.len() * 160);
        for c in &batch {
            let department = self.department_names.of(c).unwrap_or_default();
            let amount = c.amount_yen.map(|a| a.to_string()).unwrap_or_default();
            write_record(
                &mut out,
                [
                    c.contract_number.as_str(),
                    c.title.as_str(),
                    c.counterparty_name.as_str(),
                    department.as_str(),
                    amount.as_str(),
                    c.state.label_ja(),
                    c.concluded_on.as_deref().unwrap_or(""),
                    jst_datetime(c.updated_at).as_str(),
                ],
            );
        }
        self.written += batch.len();
        Ok(Some(out))
    }
}

/// One CSV line (RFC 4180), CRLF-terminated.
pub(crate) fn write_record<'a>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_cell(out, cell);
    }
    out.extend_from_slice(b"\r\n");
}

/// A cell: defused against formula injection, quoted when it holds `"`, `,`, CR or LF.
pub(crate) fn write_cell(out: &mut Vec<u8>, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains(['"', ',', '\r', '\n']);
    if quote {
        out.push(b'"');
    }
    if formula {
        out.push(b'\'');
    }
    if quote {
        out.extend_from_slice(value.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

/// `2026-11-25 15:04:05` in JST, which Excel reads as a date and time.
pub(crate) fn jst_datetime(ms: i64) -> String {
    let t = crate::clock::jst(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `20261125` in JST.
pub(crate) fn jst_date_compact(ms: i64) -> String {
    let t = crate::clock::jst(ms);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut out = Vec::new();
        write_record(&mut out, cells.iter().copied());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cells_are_quoted_per_rfc_4180() {
        assert_eq!(line(&["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(
            line(&["株式会社\"テスト\"", "1,000"]),
            "\"株式会社\"\"テスト\"\"\",\"1,000\"\r\n"
        );
        assert_eq!(line(&["二行\r\n目"]), "\"二行\r\n目\"\r\n");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(
            line(&[
                "=HYPERLINK(\"http://x\")",
                "+1",
                "-1",
                "@SUM(A1)",
                "\tx",
                "a=b"
            ]),
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-1,'@SUM(A1),'\tx,a=b\r\n"
        );
    }

    #[test]
    fn times_are_written_in_jst() {
        // 2026-04-01T05:00:00Z is 14:00 JST.
        assert_eq!(jst_datetime(1_775_019_600_000), "2026-04-01 14:00:00");
        assert_eq!(jst_date_compact(1_775_019_600_000), "20260401");
    }
}
