//! Which files a contract may carry, told by their content and not by what the uploader says.
//!
//! An attachment is served back from the service's own origin, so a file the browser would run
//! (HTML, SVG, JavaScript) must never get in: the uploader's `Content-Type` is ignored, the
//! extension must be on a short list, and the first bytes must be what that extension promises.
//! Downloads take their media type from the same list ([`FileType::media_type`]), so even a row
//! stored before this check is served as something a browser only saves.

use shared::problem::ProblemCode;

/// The kinds of file a contract may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// `.pdf`.
    Pdf,
    /// `.png`.
    Png,
    /// `.jpg`, `.jpeg`.
    Jpeg,
    /// `.gif`.
    Gif,
    /// `.tif`, `.tiff` (scanned documents).
    Tiff,
    /// `.docx` (Office Open XML, a ZIP inside).
    Docx,
    /// `.xlsx`.
    Xlsx,
    /// `.pptx`.
    Pptx,
    /// `.doc` (the OLE2 compound file of older Office).
    Doc,
    /// `.xls`.
    Xls,
    /// `.ppt`.
    Ppt,
    /// `.odt` (OpenDocument, a ZIP inside).
    Odt,
    /// `.ods`.
    Ods,
    /// `.odp`.
    Odp,
    /// `.txt`: text without NUL bytes and without markup at its start.
    Text,
    /// `.csv`: as `.txt`.
    Csv,
    /// `.zip`.
    Zip,
}

/// The extensions accepted, for messages and the UI (`accept=`).
pub const ALLOWED_EXTENSIONS: &[&str] = &[
    "pdf", "png", "jpg", "jpeg", "gif", "tif", "tiff", "docx", "xlsx", "pptx", "doc", "xls", "ppt",
    "odt", "ods", "odp", "txt", "csv", "zip",
];

/// Why a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileTypeError {
    /// The extension is not on the list (or there is none).
    NotAllowed,
    /// The content is not what the extension says (an HTML page named `.txt`, a script as `.png`).
    Mismatch,
}

impl From<FileTypeError> for ProblemCode {
    fn from(e: FileTypeError) -> ProblemCode {
        match e {
            FileTypeError::NotAllowed => ProblemCode::AttachmentTypeNotAllowed,
            FileTypeError::Mismatch => ProblemCode::AttachmentTypeMismatch,
        }
    }
}

/// Every type, for looking one up by its media type.
const ALL: [FileType; 17] = [
    FileType::Pdf,
    FileType::Png,
    FileType::Jpeg,
    FileType::Gif,
    FileType::Tiff,
    FileType::Docx,
    FileType::Xlsx,
    FileType::Pptx,
    FileType::Doc,
    FileType::Xls,
    FileType::Ppt,
    FileType::Odt,
    FileType::Ods,
    FileType::Odp,
    FileType::Text,
    FileType::Csv,
    FileType::Zip,
];

const ZIP_MAGIC: &[&[u8]] = &[b"PK\x03\x04", b"PK\x05\x06"];
const OLE2_MAGIC: &[&[u8]] = &[b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"];

impl FileType {
    /// The type an extension promises (case-insensitive, without the dot).
    pub fn from_extension(ext: &str) -> Option<FileType> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "pdf" => FileType::Pdf,
            "png" => FileType::Png,
            "jpg" | "jpeg" => FileType::Jpeg,
            "gif" => FileType::Gif,
            "tif" | "tiff" => FileType::Tiff,
            "docx" => FileType::Docx,
            "xlsx" => FileType::Xlsx,
            "pptx" => FileType::Pptx,
            "doc" => FileType::Doc,
            "xls" => FileType::Xls,
            "ppt" => FileType::Ppt,
            "odt" => FileType::Odt,
            "ods" => FileType::Ods,
            "odp" => FileType::Odp,
            "txt" => FileType::Text,
            "csv" => FileType::Csv,
            "zip" => FileType::Zip,
            _ => return None,
        })
    }

    /// The type of a file named `file_name` with these bytes, or why it is refused.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Result<FileType, FileTypeError> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .ok_or(FileTypeError::NotAllowed)?;
        let t = FileType::from_extension(ext).ok_or(FileTypeError::NotAllowed)?;
        if t.content_matches(bytes) {
            Ok(t)
        } else {
            Err(FileTypeError::Mismatch)
        }
    }

    /// The media type a download of this type is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Tiff => "image/tiff",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileType::Doc => "application/msword",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Ppt => "application/vnd.ms-powerpoint",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileType::Odp => "application/vnd.oasis.opendocument.presentation",
            FileType::Text => "text/plain",
            FileType::Csv => "text/csv",
            FileType::Zip => "application/zip",
        }
    }

    /// The media type to serve a stored file with: its own if it is one of ours, else
    /// `application/octet-stream` (rows stored before types were checked).
    pub fn safe_media_type(stored: &str) -> &'static str {
        ALL.into_iter()
            .map(FileType::media_type)
            .find(|t| *t == stored)
            .unwrap_or("application/octet-stream")
    }

    fn content_matches(self, bytes: &[u8]) -> bool {
        let starts = |magics: &[&[u8]]| magics.iter().any(|m| bytes.starts_with(m));
        match self {
            // Readers accept the header anywhere in the first 1024 bytes (ISO 32000-1 §7.5.2).
            FileType::Pdf => bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-"),
            FileType::Png => starts(&[b"\x89PNG\r\n\x1a\n"]),
            FileType::Jpeg => starts(&[b"\xFF\xD8\xFF"]),
            FileType::Gif => starts(&[b"GIF87a", b"GIF89a"]),
            FileType::Tiff => starts(&[b"II*\x00", b"MM\x00*"]),
            FileType::Docx
            | FileType::Xlsx
            | FileType::Pptx
            | FileType::Odt
            | FileType::Ods
            | FileType::Odp
            | FileType::Zip => starts(ZIP_MAGIC),
            FileType::Doc | FileType::Xls | FileType::Ppt => starts(OLE2_MAGIC),
            FileType::Text | FileType::Csv => is_plain_text(bytes),
        }
    }
}

/// Text in any of the encodings Japanese offices use (UTF-8, Shift_JIS, EUC-JP; a BOM is fine):
/// no NUL bytes, no other file type's signature, and no markup a browser would render as a page
/// if it ever ignored `nosniff`.
fn is_plain_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return false;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(16)
        .map(u8::to_ascii_lowercase)
        .collect();
    const MARKUP: &[&[u8]] = &[
        b"<!doctype",
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<svg",
        b"<?xml",
        b"<iframe",
        b"<!--",
        b"%pdf-",
    ];
    !MARKUP.iter().any(|m| start.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_the_extension() {
        assert_eq!(
            FileType::detect("見積書.PDF", b"%PDF-1.7\n..."),
            Ok(FileType::Pdf)
        );
        assert_eq!(
            FileType::detect("図面.png", b"\x89PNG\r\n\x1a\nrest"),
            Ok(FileType::Png)
        );
        assert_eq!(
            FileType::detect("仕様書.docx", b"PK\x03\x04rest"),
            Ok(FileType::Docx)
        );
        assert_eq!(
            FileType::detect("名簿.csv", "氏名,所属\n".as_bytes()),
            Ok(FileType::Csv)
        );
        assert_eq!(
            FileType::detect("sjis.txt", b"\x82\xa0\x82\xa2\r\n"),
            Ok(FileType::Text)
        );
        for (name, bytes) in [
            ("page.txt", &b"  <HTML><script>alert(1)</script>"[..]),
            ("page.csv", b"\xEF\xBB\xBF<!DOCTYPE html>"),
            ("x.png", b"<script>alert(1)</script>"),
            ("x.pdf", b"<html>"),
            ("x.txt", b"a\x00b"),
            ("x.docx", b"%PDF-1.4"),
            ("empty.jpg", b""),
        ] {
            assert_eq!(
                FileType::detect(name, bytes),
                Err(FileTypeError::Mismatch),
                "{name}"
            );
        }
        for name in ["page.html", "x.svg", "x.js", "noext", "x.exe", "x."] {
            assert_eq!(
                FileType::detect(name, b"whatever"),
                Err(FileTypeError::NotAllowed),
                "{name}"
            );
        }
    }

    #[test]
    fn stored_types_are_served_only_from_the_list() {
        assert_eq!(
            FileType::safe_media_type("application/pdf"),
            "application/pdf"
        );
        assert_eq!(FileType::safe_media_type("text/csv"), "text/csv");
        assert_eq!(FileType::safe_media_type("text/plain"), "text/plain");
        for t in [
            "text/html",
            "text/javascript",
            "image/svg+xml",
            "text/xml",
            "",
        ] {
            assert_eq!(
                FileType::safe_media_type(t),
                "application/octet-stream",
                "{t}"
            );
        }
        for ext in ALLOWED_EXTENSIONS {
            assert!(FileType::from_extension(ext).is_some(), "{ext}");
        }
    }
}
