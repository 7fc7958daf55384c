//! 月次利用状況報告 (monthly usage report) as a Japanese PDF: a title block, the table of figures
//! per department (所属) with the total, a bar chart of the contracts sent and concluded per
//! department, and what each figure counts.
//!
//! Drawn with the completion certificate's layout and written by the same writer with the same
//! embedded IPAexGothic subset ([`Doc::write`]), so there is one font path for every PDF the
//! service draws. Pure like the certificate: the same figures give the same bytes.

use shared::dto::{MonthlyReportRowView, MonthlyReportView};
use shared::report::{ReportColumn, ReportMonth};

use super::CertificateError;
use super::layout::{
    Align, BODY, CONTENT_W, Doc, GREY_TEXT, INK, MARGIN, PAGE_H, PAGE_W, RULE, TOP, Table, body,
    head, label,
};
use super::text::{Font, group_thousands, one_line};
use super::write::DocInfo;

/// Draws the report with the server's Japanese font.
pub fn render(report: &MonthlyReportView) -> Result<Vec<u8>, CertificateError> {
    let font = crate::seal::japanese_font().map_err(|e| CertificateError::Font(e.to_string()))?;
    render_with_font(report, &font)
}

/// Draws the report with `font` (TrueType outlines; a subset is embedded).
pub fn render_with_font(
    report: &MonthlyReportView,
    font: &pades::TrueTypeFont,
) -> Result<Vec<u8>, CertificateError> {
    let mut doc = Doc::new(Font::new(font)?);
    let month = month_label(&report.month);
    let issued = issued_unix(&report.generated_at);
    title(&mut doc, report, &month, issued);
    figures(&mut doc, report);
    chart(&mut doc, report);
    notes(&mut doc, report);
    footer(&mut doc, &month, &report.tenant_name);
    doc.write(&DocInfo {
        title: format!("月次利用状況報告 {month}"),
        author: one_line(&report.tenant_name),
        subject: format!("{} {month}", one_line(&report.tenant_name)),
        issued_unix: issued,
        id_seed: format!(
            "monthly-report\n{}\n{}\n{}",
            report.tenant_name, report.month, report.generated_at
        ),
    })
}

/// `2026年11月`, or the text as given when it is not a month.
fn month_label(month: &str) -> String {
    ReportMonth::parse(month).map_or_else(|_| month.to_owned(), ReportMonth::label_ja)
}

/// The Unix seconds of an RFC 3339 time (0 when it does not parse).
fn issued_unix(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_or(0, |t| t.unix_timestamp())
}

fn title(doc: &mut Doc<'_>, report: &MonthlyReportView, month: &str, issued: i64) {
    doc.y = TOP - 6.0;
    doc.text_centered(doc.y - 22.0, 20.0, INK, "月次利用状況報告");
    doc.text_centered(doc.y - 38.0, 9.5, GREY_TEXT, "Monthly usage report");
    doc.y -= 52.0;
    let period = if report.partial {
        format!("対象月　{month}（月途中の集計）")
    } else {
        format!("対象月　{month}")
    };
    let lines = [
        format!("団体　{}", one_line(&report.tenant_name)),
        period,
        format!("作成日時　{}", crate::clock::jst_text(issued)),
    ];
    for line in lines {
        let line = doc.font.fit(&line, 9.0, CONTENT_W);
        doc.text(MARGIN, doc.y - 10.0, 9.0, INK, &line);
        doc.y -= 14.0;
    }
    doc.y -= 4.0;
}

/// The short header of a column in the PDF's narrow table.
fn short_label(c: ReportColumn) -> &'static str {
    match c {
        ReportColumn::Created => "作成",
        ReportColumn::Sent => "送信",
        ReportColumn::Concluded => "締結",
        ReportColumn::Declined => "却下",
        ReportColumn::Expired => "期限切れ",
        ReportColumn::Cancelled => "取消",
        ReportColumn::Recipients => "送信先",
        ReportColumn::ActiveUsers => "利用職員",
        ReportColumn::StorageBytes => "保存容量",
        ReportColumn::Seals => "電子署名",
        ReportColumn::Timestamps => "タイムスタンプ",
    }
}

/// `1,234` for counts; bytes as `12.3 MB` (1 MB = 1,000,000 bytes; the CSV has the exact bytes).
fn cell_text(c: ReportColumn, row: &MonthlyReportRowView) -> String {
    let n = c.of(row);
    if c != ReportColumn::StorageBytes {
        return group_thousands(n);
    }
    const UNITS: [(i64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "KB")];
    for (size, unit) in UNITS {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} B")
}

fn figures(doc: &mut Doc<'_>, report: &MonthlyReportView) {
    let mut header = vec![head("所属")];
    header.extend(
        ReportColumn::ALL
            .iter()
            .map(|c| head(short_label(*c)).align(Align::Center)),
    );
    let line = |row: &MonthlyReportRowView, total: bool| {
        let name = if total { head } else { label };
        let mut cells = vec![name(row.department.clone())];
        cells.extend(
            ReportColumn::ALL
                .iter()
                .map(|c| body(cell_text(*c, row)).align(Align::Right)),
        );
        vec![cells]
    };
    let mut groups: Vec<_> = report.rows.iter().map(|r| line(r, false)).collect();
    groups.push(line(&report.total, true));
    let mut columns = vec![0.0];
    // Wide enough for each header on one line (8 pt, 4 pt padding), but タイムスタンプ.
    columns.extend(ReportColumn::ALL.iter().map(|c| match c {
        ReportColumn::StorageBytes => 46.0,
        ReportColumn::Expired | ReportColumn::ActiveUsers | ReportColumn::Seals => 42.0,
        ReportColumn::Timestamps => 40.0,
        ReportColumn::Recipients => 34.0,
        _ => 28.0,
    }));
    doc.table(&Table {
        title: "所属別の利用状況",
        columns,
        header: Some(header),
        groups,
        empty: "",
    });
}

/// Light and dark bars: sent and concluded.
const BAR_GRAYS: [(ReportColumn, f32); 2] =
    [(ReportColumn::Sent, 0.72), (ReportColumn::Concluded, 0.3)];

/// A horizontal bar chart: per department, a bar for the contracts sent and one for those
/// concluded, scaled to the largest figure, each labelled with its value.
fn chart(doc: &mut Doc<'_>, report: &MonthlyReportView) {
    const BAR_H: f32 = 7.0;
    const GROUP_H: f32 = 2.0 * BAR_H + 8.0;
    const NAME_W: f32 = 110.0;
    const VALUE_W: f32 = 30.0;
    let largest = report
        .rows
        .iter()
        .flat_map(|r| BAR_GRAYS.iter().map(|(c, _)| c.of(r)))
        .max()
        .unwrap_or(0);
    doc.heading("所属別の送信件数と締結件数", 24.0 + GROUP_H);
    // Legend.
    let mut x = MARGIN;
    for (c, gray) in BAR_GRAYS {
        let y = doc.y;
        let page = doc.page();
        page.set_fill_gray(gray);
        page.rect(x, y - 9.0, 10.0, 7.0);
        page.fill_nonzero();
        let text = short_label(c);
        doc.text(x + 14.0, doc.y - 8.5, BODY, INK, text);
        x += 14.0 + doc.font.width(text, BODY) + 16.0;
    }
    doc.y -= 18.0;
    if largest == 0 {
        doc.paragraph(
            "この月に送信・締結された契約はありません。",
            BODY,
            GREY_TEXT,
        );
        doc.y -= 4.0;
        return;
    }
    let scale = (CONTENT_W - NAME_W - VALUE_W) / largest as f32;
    for row in &report.rows {
        if doc.room() < GROUP_H {
            doc.new_page();
            doc.heading("所属別の送信件数と締結件数（続き）", GROUP_H);
        }
        let top = doc.y;
        let name = doc.font.fit(&row.department, BODY, NAME_W - 6.0);
        doc.text(MARGIN, top - BAR_H - 3.0, BODY, INK, &name);
        for (k, (c, gray)) in BAR_GRAYS.iter().enumerate() {
            let value = c.of(row);
            let y = top - (k as f32 + 1.0) * BAR_H - 1.0;
            let w = value as f32 * scale;
            let page = doc.page();
            page.set_fill_gray(*gray);
            page.rect(MARGIN + NAME_W, y, w.max(0.5), BAR_H - 1.0);
            page.fill_nonzero();
            let text = group_thousands(value);
            doc.text(MARGIN + NAME_W + w + 3.0, y + 1.0, 6.5, INK, &text);
        }
        // The axis, group by group (the chart may continue on the next page).
        let page = doc.page();
        page.set_stroke_gray(RULE);
        page.set_line_width(0.6);
        page.move_to(MARGIN + NAME_W, top);
        page.line_to(MARGIN + NAME_W, top - GROUP_H);
        page.stroke();
        doc.y -= GROUP_H;
    }
    doc.y -= 6.0;
}

fn notes(doc: &mut Doc<'_>, report: &MonthlyReportView) {
    doc.heading("集計の方法", 60.0);
    let storage = if report.partial {
        "保存容量：作成時点で保存している契約のファイル（原本・添付・署名済み文書・証明書）の合計です（月途中のため現在の値）。"
    } else {
        "保存容量：月末時点で保存していた契約のファイル（原本・添付・署名済み文書・証明書）の合計です。"
    };
    let lines = [
        "日付はすべて日本標準時（JST）の暦月で数えています。件数は、その月に操作ログに記録された操作の対象となった契約の数です（同じ契約を月内に再送信しても1件）。",
        "送信先：その月に送信した契約の相手方（転送先を含む）の人数です。利用職員：その月に操作ログに記録された操作を行った職員の数です（職員の所属で集計）。",
        storage,
        "電子署名：サービスが付与した電子署名の数（送信時・合意時・合意締結証明書）。タイムスタンプ：電子署名ごとの署名タイムスタンプ、締結時の文書タイムスタンプ（契約書と証明書）、長期署名の延長の合計です。",
    ];
    for line in lines {
        doc.paragraph(line, 8.0, INK);
        doc.y -= 2.0;
    }
}

fn footer(doc: &mut Doc<'_>, month: &str, tenant: &str) {
    let total = doc.pages.len();
    let running = doc.font.fit(
        &format!("月次利用状況報告　{}　{month}", one_line(tenant)),
        7.5,
        CONTENT_W - 60.0,
    );
    for i in 0..total {
        doc.current = i;
        let rule_y = MARGIN + 22.0;
        doc.rule(MARGIN, PAGE_W - MARGIN, rule_y, 0.5, RULE);
        doc.text(MARGIN, rule_y - 10.0, 7.5, GREY_TEXT, &running);
        let number = format!("{} / {}", i + 1, total);
        let w = doc.font.width(&number, 8.0);
        doc.text(PAGE_W - MARGIN - w, rule_y - 10.0, 8.0, INK, &number);
        if i > 0 {
            let y = PAGE_H - MARGIN + 12.0;
            doc.text(MARGIN, y, 7.5, GREY_TEXT, &running);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, n: i64) -> MonthlyReportRowView {
        MonthlyReportRowView {
            department_id: None,
            department: name.into(),
            created: n,
            sent: n,
            concluded: n / 2,
            declined: 1,
            expired: 0,
            cancelled: 0,
            recipients: 2 * n,
            active_users: 3,
            storage_bytes: n * 1_234_567,
            seals: n,
            timestamps: 2 * n,
        }
    }

    #[test]
    fn many_departments_break_across_pages_and_the_file_is_whole() {
        let rows: Vec<_> = (0..80)
            .map(|i| row(&format!("部署{i}　長い名前の所属「テスト」"), i))
            .collect();
        let report = MonthlyReportView {
            month: "2026-11".into(),
            tenant_name: "立会市".into(),
            from: "2026-10-31T15:00:00Z".into(),
            until: "2026-11-30T15:00:00Z".into(),
            generated_at: "2026-12-01T00:00:00Z".into(),
            partial: false,
            stored: true,
            total: row("合計", 3160),
            rows,
        };
        let pdf = render(&report).unwrap();
        assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
        assert_eq!(
            pdf,
            render(&report).unwrap(),
            "the same figures, the same bytes"
        );
    }

    #[test]
    fn bytes_are_shown_in_decimal_units() {
        let mut r = row("x", 0);
        for (bytes, shown) in [
            (0, "0 B"),
            (999, "999 B"),
            (1_500, "1.5 KB"),
            (12_345_678, "12.3 MB"),
        ] {
            r.storage_bytes = bytes;
            assert_eq!(cell_text(ReportColumn::StorageBytes, &r), shown);
        }
    }
}
