//! How files leave the API: `Content-Disposition: attachment` with the real (Japanese) name in
//! `filename*` (RFC 6266 / 5987) and an ASCII fallback, and CSV exports.
//!
//! Stored files (contract documents, the contract ZIP, fiscal-year exports) go out through
//! [`exact_file`], made to survive a sanitising gateway (無害化装置) and to be checkable after
//! it: a strong `ETag` that is the file's SHA-256, `Repr-Digest` (RFC 9530) and, for a whole
//! body, `Content-Digest`, `Cache-Control: no-transform`, the exact `Content-Length`, no
//! content coding whatever `Accept-Encoding` says, `If-None-Match` (304), `If-Match` (412) and
//! one byte range (206; not with an `If-Range` that is not our strong `ETag`).

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

/// What a stored file is sent as.
pub struct ExactFile {
    /// The open file (may be unlinked already).
    pub file: std::fs::File,
    /// SHA-256 of its bytes, computed when they were written (content-addressed blobs, the
    /// export's row) or just now (the contract ZIP): never assumed.
    pub sha256: [u8; 32],
    /// `Content-Type`.
    pub content_type: String,
    /// `Content-Disposition: attachment` with this (Japanese) name.
    pub file_name: String,
    /// Its ASCII fallback.
    pub ascii_name: String,
}

/// Bytes read per chunk while streaming a file.
const CHUNK: usize = 64 * 1024;

/// `sha-256=:<base64>:` (RFC 9530 `Repr-Digest` / `Content-Digest`).
pub fn digest_field(sha256: &[u8; 32]) -> String {
    format!("sha-256=:{}:", data_encoding::BASE64.encode(sha256))
}

/// The file's strong entity tag: its SHA-256 in lower-case hex, quoted.
fn entity_tag(sha256: &[u8; 32]) -> header::EntityTag {
    header::EntityTag::new_strong(data_encoding::HEXLOWER.encode(sha256))
}

/// Parses a stored lower-case hex SHA-256.
pub fn sha256_of_hex(hex: &str) -> Option<[u8; 32]> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .ok()?
        .try_into()
        .ok()
}

/// SHA-256 of a file from its start (then rewound), for bytes that have no stored digest.
pub fn hash_file(file: &mut std::fs::File) -> std::io::Result<[u8; 32]> {
    use sha2::Digest;
    use std::io::{Read, Seek};
    file.rewind()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    file.rewind()?;
    Ok(h.finalize().into())
}

/// The byte-exact download of `f` (see the module's documentation). A whole body is hashed
/// again while it is sent: when the bytes on disk no longer match the digest the headers
/// announced, the transfer is cut off (the client sees an incomplete download, never a
/// complete-looking wrong file) and the mismatch is logged.
pub fn exact_file(req: &actix_web::HttpRequest, f: ExactFile) -> HttpResponse {
    use actix_web::HttpMessage;
    use actix_web::http::StatusCode;
    let etag = entity_tag(&f.sha256);
    let len = f.file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::ETAG, etag.to_string()))
        .insert_header(("Repr-Digest", digest_field(&f.sha256)))
        // No intermediary may recompress, re-render or otherwise rewrite the bytes; nothing
        // is kept in a cache (the privacy rule of every API answer).
        .insert_header((header::CACHE_CONTROL, "no-store, no-transform"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, f.content_type.clone()))
        .insert_header(attachment(&f.file_name, f.ascii_name.clone()));
    // Conditional requests (RFC 9110 13.2.2): If-Match first, then If-None-Match.
    if let Some(header::IfMatch::Items(tags)) = req.get_header::<header::IfMatch>()
        && !tags.iter().any(|t| t.strong_eq(&etag))
    {
        return res.status(StatusCode::PRECONDITION_FAILED).finish();
    }
    match req.get_header::<header::IfNoneMatch>() {
        Some(header::IfNoneMatch::Any) => return res.status(StatusCode::NOT_MODIFIED).finish(),
        Some(header::IfNoneMatch::Items(tags)) if tags.iter().any(|t| t.weak_eq(&etag)) => {
            return res.status(StatusCode::NOT_MODIFIED).finish();
        }
        _ => {}
    }
    let mut range = None;
    let if_range_ok = match req.get_header::<header::IfRange>() {
        None => true,
        Some(header::IfRange::EntityTag(t)) => t.strong_eq(&etag),
        Some(header::IfRange::Date(_)) => false,
    };
    if req.method() == actix_web::http::Method::GET
        && if_range_ok
        && let Some(header::Range::Bytes(specs)) = req.get_header::<header::Range>()
    {
        // One range is served; several (multipart/byteranges) get the whole file.
        if let [spec] = specs.as_slice() {
            match spec.to_satisfiable_range(len) {
                Some((start, end)) => range = Some((start, end)),
                None => {
                    return res
                        .status(StatusCode::RANGE_NOT_SATISFIABLE)
                        .insert_header((header::CONTENT_RANGE, format!("bytes */{len}")))
                        .finish();
                }
            }
        }
    }
    let (start, count, expect) = match range {
        Some((start, end)) => {
            res.status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")));
            (start, end - start + 1, None)
        }
        None => {
            // The whole representation is the content: both digests are the same.
            res.insert_header(("Content-Digest", digest_field(&f.sha256)));
            (0, len, Some(f.sha256))
        }
    };
    res.body(actix_web::body::SizedStream::new(
        count,
        file_stream(f.file, start, count, expect),
    ))
}

/// Streams `count` bytes of `file` from `start`, read on the blocking pool; with `expect`,
/// fails the stream at the end when the bytes sent do not hash to it.
fn file_stream(
    file: std::fs::File,
    start: u64,
    count: u64,
    expect: Option<[u8; 32]>,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, std::io::Error>> {
    use sha2::Digest;
    struct State {
        file: Option<std::fs::File>,
        left: u64,
        hasher: sha2::Sha256,
        seeked: bool,
    }
    let state = State {
        file: Some(file),
        left: count,
        hasher: sha2::Sha256::new(),
        seeked: false,
    };
    futures_util::stream::unfold(state, move |mut st| async move {
        let mut file = st.file.take()?;
        if st.left == 0 {
            return None;
        }
        let want = st.left.min(CHUNK as u64) as usize;
        let seek = (!st.seeked).then_some(start);
        let read = actix_web::web::block(move || -> std::io::Result<(std::fs::File, Vec<u8>)> {
            use std::io::{Read, Seek, SeekFrom};
            if let Some(s) = seek {
                file.seek(SeekFrom::Start(s))?;
            }
            let mut buf = vec![0u8; want];
            let mut got = 0;
            while got < want {
                let n = file.read(&mut buf[got..])?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                got += n;
            }
            Ok((file, buf))
        })
        .await;
        match read {
            Ok(Ok((file, buf))) => {
                st.seeked = true;
                st.left -= buf.len() as u64;
                st.hasher.update(&buf);
                // The last chunk is held back until the whole body is known to match.
                if st.left == 0
                    && let Some(want) = expect
                    && <[u8; 32]>::from(st.hasher.clone().finalize()) != want
                {
                    tracing::error!(
                        "a stored file no longer matches its SHA-256; the download was cut off"
                    );
                    return Some((Err(std::io::Error::other("stored file changed")), st));
                }
                st.file = Some(file);
                Some((Ok(actix_web::web::Bytes::from(buf)), st))
            }
            Ok(Err(e)) => Some((Err(e), st)),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), st)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_rfc_9530_fields() {
        use sha2::Digest;
        let empty: [u8; 32] = sha2::Sha256::digest(b"").into();
        assert_eq!(
            digest_field(&empty),
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        );
        assert_eq!(
            sha256_of_hex(&data_encoding::HEXLOWER.encode(&empty)),
            Some(empty)
        );
        assert_eq!(sha256_of_hex("abc"), None);
        assert_eq!(
            entity_tag(&empty).to_string(),
            format!("\"{}\"", data_encoding::HEXLOWER.encode(&empty))
        );
    }
}
