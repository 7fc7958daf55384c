//! How files leave the API: `Content-Disposition: attachment` with the real (Japanese) name in
//! `filename*` (RFC 6266 / 5987) and an ASCII fallback, and CSV exports.

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};

use crate::workflow::contracts::export::CsvExport;

/// The file name with everything but printable ASCII (and `"`, `\`) replaced by `_`.
pub fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `attachment; filename="<ascii>"; filename*=UTF-8''<file_name>`.
pub fn attachment(file_name: &str, ascii: String) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// A CSV export as a download, never cached, `X-Tachiai-Truncated: true` when rows were left
/// out. The ASCII fallback name says what it is in English.
pub fn csv_attachment(csv: CsvExport) -> HttpResponse {
    csv_response(&csv.file_name, csv.truncated).body(csv.bytes)
}

/// The headers of a CSV download (the body follows, whole or streamed).
pub fn csv_response(file_name: &str, truncated: bool) -> actix_web::HttpResponseBuilder {
    let ascii = ascii_name(
        &file_name
            .replace("契約一覧", "contracts")
            .replace("操作ログ", "audit-log"),
    );
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(attachment(file_name, ascii));
    if truncated {
        res.insert_header(("X-Tachiai-Truncated", "true"));
    }
    res
}
