//! The bulk-send CSV as Japanese Excel saves it: UTF-8 (with or without a BOM) or Shift_JIS
//! (CP932), RFC 4180 quoting, a header line of Japanese column names (English aliases
//! accepted). Pure: bytes in, rows with their line numbers out.

use shared::dto::SlotValues;
use shared::dto::TemplateContractRequest;
use shared::validate::ValidationError;

/// The most data rows one bulk send takes.
pub const MAX_ROWS: usize = 2_000;

/// A column of the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// 相手方名: the counterparty, also the first recipient's organisation.
    Counterparty,
    /// 担当者名: the first recipient's name.
    ContactName,
    /// メールアドレス: the first recipient's address.
    Email,
    /// 件名 (default: the template's).
    Title,
    /// 金額 in yen.
    Amount,
    /// 契約期間開始.
    PeriodStart,
    /// 契約期間終了.
    PeriodEnd,
    /// 備考.
    Notes,
    /// メッセージ (the request mail's).
    Message,
}

impl Column {
    /// Every column: its Japanese name, its English aliases, whether it is required.
    const ALL: [(Column, &'static str, &'static [&'static str], bool); 9] = [
        (
            Column::Counterparty,
            "相手方名",
            &["counterparty_name", "counterparty"],
            true,
        ),
        (
            Column::ContactName,
            "担当者名",
            &["name", "contact_name"],
            true,
        ),
        (
            Column::Email,
            "メールアドレス",
            &["email", "e-mail", "mail"],
            true,
        ),
        (Column::Title, "件名", &["title", "subject"], false),
        (Column::Amount, "金額", &["amount", "amount_yen"], false),
        (
            Column::PeriodStart,
            "契約期間開始",
            &["period_start"],
            false,
        ),
        (Column::PeriodEnd, "契約期間終了", &["period_end"], false),
        (Column::Notes, "備考", &["notes"], false),
        (Column::Message, "メッセージ", &["message"], false),
    ];

    /// The Japanese column name (used in the error report).
    pub fn name(self) -> &'static str {
        Column::ALL
            .iter()
            .find(|c| c.0 == self)
            .map(|c| c.1)
            .unwrap_or_default()
    }

    fn of_header(h: &str) -> Option<Column> {
        let h = h.trim().trim_start_matches('\u{feff}').trim();
        Column::ALL
            .iter()
            .find(|(_, ja, en, _)| *ja == h || en.iter().any(|e| e.eq_ignore_ascii_case(h)))
            .map(|c| c.0)
    }

    /// The column a field of a contract made from a template comes from.
    pub fn of_field(field: &str) -> Option<Column> {
        Some(match field {
            "title" => Column::Title,
            "counterparty_name" | "recipients[0].organization_name" => Column::Counterparty,
            "recipients[0].name" => Column::ContactName,
            "recipients[0].email" => Column::Email,
            "amount_yen" => Column::Amount,
            "period_start" => Column::PeriodStart,
            "period_end" => Column::PeriodEnd,
            "notes" => Column::Notes,
            "message" => Column::Message,
            _ => return None,
        })
    }
}

/// Why a file was refused before its rows were looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Neither UTF-8 nor Shift_JIS, first at this line; or a quote left open from this line.
    Encoding { line: usize },
    /// Required columns missing from the header line (Japanese names).
    MissingColumns(Vec<&'static str>),
    /// No data rows, or more than [`MAX_ROWS`].
    RowCount(usize),
}

/// One data row: its line and its values as a template contract request, with the field
/// errors found while reading it (a number that is not one).
#[derive(Debug, Clone)]
pub struct Row {
    /// The line it starts on (the header is line 1).
    pub line: usize,
    /// The values.
    pub values: TemplateContractRequest,
    /// Cells that could not be read.
    pub errors: Vec<(Column, ValidationError)>,
}

/// Decodes the file: valid UTF-8 (a BOM dropped) as it is; a file with a UTF-8 BOM that is not
/// valid UTF-8 is refused at its first bad line; anything else is decoded as Shift_JIS (CP932),
/// line by line, and refused at the first line that is not valid Shift_JIS either.
pub fn decode(bytes: &[u8]) -> Result<String, FileError> {
    let line_of = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.strip_prefix('\u{feff}').unwrap_or(s).to_owned()),
        Err(e) if bytes.starts_with(b"\xEF\xBB\xBF") => {
            return Err(FileError::Encoding {
                line: line_of(e.valid_up_to()),
            });
        }
        Err(_) => {}
    }
    // In Shift_JIS no second byte is a line feed, so lines can be decoded one by one.
    let mut out = String::with_capacity(bytes.len() * 3 / 2);
    for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(line) {
            Some(s) => out.push_str(&s),
            None => return Err(FileError::Encoding { line: i + 1 }),
        }
    }
    Ok(out)
}

/// RFC 4180 records with the line each starts on; blank lines are skipped. A quote still open
/// at the end is refused at the line it opened.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, FileError> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut start_line = 1;
    let mut field = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut at_record_start = true;
    while let Some(c) = chars.next() {
        if at_record_start {
            start_line = line;
            at_record_start = false;
        }
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                fields.push(std::mem::take(&mut field));
                out.push((start_line, std::mem::take(&mut fields)));
                line += 1;
                at_record_start = true;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(FileError::Encoding { line: start_line });
    }
    if !at_record_start {
        fields.push(field);
        out.push((start_line, fields));
    }
    out.retain(|(_, f)| f.iter().any(|v| !v.trim().is_empty()));
    Ok(out)
}

/// Full-width digits and separators as Excel may write them, made ASCII.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '，' => ',',
            '／' => '/',
            '－' => '-',
            c => c,
        })
        .collect()
}

/// 金額: digits, optionally with thousands separators, a leading ¥ or a trailing 円.
fn amount(s: &str) -> Result<i64, ValidationError> {
    let s = ascii_digits(s);
    let s = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('円');
    let digits: String = s.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ValidationError::InvalidCharacters);
    }
    digits.parse().map_err(|_| ValidationError::OutOfRange)
}

/// A date as Excel writes it (`2026/4/1`) made `2026-04-01`; anything else is left for the
/// contract's own check.
fn date(s: &str) -> String {
    let s = ascii_digits(s.trim());
    let parts: Vec<&str> = s.split('/').collect();
    if let [y, m, d] = parts[..]
        && y.len() == 4
        && [y, m, d]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && m.len() <= 2
        && d.len() <= 2
    {
        return format!("{y}-{m:0>2}-{d:0>2}");
    }
    s
}

/// Reads the header and the rows (at most [`MAX_ROWS`]); unknown columns are ignored.
pub fn parse(bytes: &[u8]) -> Result<Vec<Row>, FileError> {
    let text = decode(bytes)?;
    let mut records = records(&text)?.into_iter();
    let header: Vec<Option<Column>> = records
        .next()
        .map(|(_, h)| h.iter().map(|c| Column::of_header(c)).collect())
        .unwrap_or_default();
    let missing: Vec<&'static str> = Column::ALL
        .iter()
        .filter(|(c, _, _, required)| *required && !header.contains(&Some(*c)))
        .map(|c| c.1)
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    let rows: Vec<(usize, Vec<String>)> = records.collect();
    if rows.is_empty() || rows.len() > MAX_ROWS {
        return Err(FileError::RowCount(rows.len()));
    }
    Ok(rows
        .into_iter()
        .map(|(line, cells)| {
            let mut values = TemplateContractRequest::default();
            let mut slot = SlotValues::default();
            let mut errors = Vec::new();
            for (col, cell) in header.iter().zip(cells) {
                let Some(col) = col else { continue };
                let cell = cell.trim().to_owned();
                if cell.is_empty() {
                    continue;
                }
                match col {
                    Column::Counterparty => {
                        values.counterparty_name = Some(cell.clone());
                        slot.organization_name = Some(cell);
                    }
                    Column::ContactName => slot.name = Some(cell),
                    Column::Email => slot.email = Some(cell),
                    Column::Title => values.title = Some(cell),
                    Column::Amount => match amount(&cell) {
                        Ok(a) => values.amount_yen = Some(a),
                        Err(e) => errors.push((*col, e)),
                    },
                    Column::PeriodStart => values.period_start = Some(date(&cell)),
                    Column::PeriodEnd => values.period_end = Some(date(&cell)),
                    Column::Notes => values.notes = Some(cell),
                    Column::Message => values.message = Some(cell),
                }
            }
            values.recipients = vec![slot];
            Row {
                line,
                values,
                errors,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_shift_jis_decode_alike() {
        let text = "相手方名,担当者名\n株式会社テスト,山田\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), text);
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!bad);
        assert_eq!(decode(&sjis).unwrap(), text);
    }

    #[test]
    fn broken_bytes_are_refused_at_their_line() {
        let mut bytes = encoding_rs::SHIFT_JIS.encode("a,b\nc,d\n").0.into_owned();
        bytes.extend_from_slice(b"e,\xFF\xFE\n");
        assert_eq!(decode(&bytes), Err(FileError::Encoding { line: 3 }));
        let bom = b"\xEF\xBB\xBFa\nb\n\xE3\x81\n".to_vec();
        assert_eq!(decode(&bom), Err(FileError::Encoding { line: 3 }));
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines_and_lines_are_counted() {
        let recs = records("a,b\r\n\"x,1\",\"say \"\"hi\"\"\nthere\"\n\nlast,\n").unwrap();
        assert_eq!(
            recs,
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["x,1".into(), "say \"hi\"\nthere".into()]),
                (5, vec!["last".into(), "".into()]),
            ]
        );
        assert_eq!(records("a\n\"open\n"), Err(FileError::Encoding { line: 2 }));
    }

    #[test]
    fn amounts_and_dates_as_excel_writes_them() {
        assert_eq!(amount("1,234,000"), Ok(1_234_000));
        assert_eq!(amount("￥５００円"), Ok(500));
        assert_eq!(amount("12a"), Err(ValidationError::InvalidCharacters));
        assert_eq!(date("2026/4/1"), "2026-04-01");
        assert_eq!(date("2026-04-01"), "2026-04-01");
    }

    #[test]
    fn missing_columns_are_named_and_english_aliases_count() {
        assert_eq!(
            parse("相手方名,email\nA,a@example.jp\n".as_bytes()).unwrap_err(),
            FileError::MissingColumns(vec!["担当者名"])
        );
        let rows =
            parse("counterparty_name,Name,EMAIL,金額\nA社,山田,a@example.jp,1000\n".as_bytes())
                .unwrap();
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].values.amount_yen, Some(1000));
        assert_eq!(
            rows[0].values.recipients[0].email.as_deref(),
            Some("a@example.jp")
        );
    }
}
