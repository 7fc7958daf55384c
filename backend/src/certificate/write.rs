//! Writing: the PDF file (catalog, pages, the embedded font subset, document information).

use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::layout::{Doc, PAGE_H, PAGE_W};
use super::text::one_line;
use super::{CertificateError, CompletionCertificate};

/// The document information of a PDF drawn here (ISO 32000-1 §14.3.3) and its file identifier.
pub(super) struct DocInfo {
    pub(super) title: String,
    pub(super) author: String,
    pub(super) subject: String,
    /// `/CreationDate` and `/ModDate`, shown in JST.
    pub(super) issued_unix: i64,
    /// What the stable `/ID` is derived from: the same input, the same identifier.
    pub(super) id_seed: String,
}

impl Doc<'_> {
    /// Writes the certificate: running header and footer, then the file.
    pub(super) fn finish(
        mut self,
        cert: &CompletionCertificate,
    ) -> Result<Vec<u8>, CertificateError> {
        self.decorate(cert);
        self.write(&DocInfo {
            title: format!("合意締結証明書 {}", one_line(&cert.contract_number)),
            author: one_line(&cert.tenant_name),
            subject: one_line(&cert.title),
            issued_unix: cert.issued_at_unix,
            id_seed: format!(
                "{}\n{}\n{}",
                cert.contract_number, cert.verification_url, cert.issued_at_unix
            ),
        })
    }

    /// Writes the PDF: catalog, pages, the font subset and the document information. Every
    /// document drawn with [`Doc`] (the certificate, the monthly report) is written here, with
    /// the one embedded font subset.
    pub(super) fn write(self, info: &DocInfo) -> Result<Vec<u8>, CertificateError> {
        let Doc { font, pages, .. } = self;

        let subset = font
            .glyphs
            .finish()
            .map_err(|e| CertificateError::Font(e.to_string()))?;
        let base_font = subset.base_font.as_bytes();

        let mut next = 0;
        let mut alloc = || {
            next += 1;
            Ref::new(next)
        };
        let catalog_id = alloc();
        let tree_id = alloc();
        let info_id = alloc();
        let type0_id = alloc();
        let cid_id = alloc();
        let descriptor_id = alloc();
        let file_id = alloc();
        let cmap_id = alloc();
        let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

        let mut pdf = Pdf::new();
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id).lang(TextStr("ja"));
        catalog.viewer_preferences().display_doc_title(true);
        catalog.finish();
        pdf.pages(tree_id)
            .kids(page_ids.iter().map(|(p, _)| *p))
            .count(page_ids.len() as i32);
        for (content, (page_id, content_id)) in pages.into_iter().zip(&page_ids) {
            let mut page = pdf.page(*page_id);
            page.parent(tree_id)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(*content_id);
            page.resources().fonts().pair(Name(b"F1"), type0_id);
            page.finish();
            let data = deflate(&content.finish())?;
            pdf.stream(*content_id, &data).filter(Filter::FlateDecode);
        }

        // The font (ISO 32000-1 §9.7.4 CIDFontType2, §9.7.6 Type0, §9.8 descriptor).
        pdf.type0_font(type0_id)
            .base_font(Name(base_font))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor_id)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = cid.widths();
        for (first, run) in subset.width_runs() {
            widths.consecutive(first, run);
        }
        widths.finish();
        cid.finish();
        let [x0, y0, x1, y1] = subset.bbox;
        pdf.font_descriptor(descriptor_id)
            .name(Name(base_font))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(x0, y0, x1, y1))
            .italic_angle(0.0)
            .ascent(subset.ascent)
            .descent(subset.descent)
            .cap_height(subset.cap_height)
            .stem_v(80.0)
            .font_file2(file_id);
        let compressed = deflate(&subset.font_file)?;
        pdf.stream(file_id, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.font_file.len() as i32);

        // §9.10.3: CID → Unicode, so the text can be extracted and searched.
        let cmap = deflate(&subset.to_unicode_cmap())?;
        pdf.stream(cmap_id, &cmap).filter(Filter::FlateDecode);

        let issued = jst_date(info.issued_unix);
        pdf.document_info(info_id)
            .title(TextStr(&info.title))
            .author(TextStr(&info.author))
            .subject(TextStr(&info.subject))
            .creator(TextStr("Tachiai"))
            .producer(TextStr("Tachiai"))
            .creation_date(issued)
            .modified_date(issued);
        // A stable file identifier: the same document, the same /ID.
        let id = sha256(info.id_seed.as_bytes())[..16].to_vec();
        pdf.set_file_id((id.clone(), id));
        Ok(pdf.finish())
    }
}

pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

pub(super) fn deflate(data: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

/// `/CreationDate` in JST (+09'00).
pub(super) fn jst_date(unix: i64) -> Date {
    let jst = time::UtcOffset::from_hms(9, 0, 0).expect("+09:00 is a valid offset");
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(jst);
    Date::new(t.year().clamp(0, 9999) as u16)
        .month(u8::from(t.month()))
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(9)
        .utc_offset_minute(0)
}
