//! The visible, printable seal stamp (spec 5-(9)): a widget whose normal appearance (`/AP /N`,
//! ISO 32000-1 §12.5.5) is a form XObject with a red frame, text lines in an **embedded subset of
//! a Japanese TrueType font** (Type0 / CIDFontType2 / Identity-H with `/ToUnicode`, §9.7, §9.10.3)
//! and a QR code of the verification URL.
//!
//! The font is not shipped with the crate: the caller passes its bytes (e.g. IPAexGothic from
//! Debian's `fonts-ipaexfont-gothic`, IPA Font License v1.0, which lets an embedded subset travel
//! with the document; or Noto Sans JP, SIL OFL 1.1).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use crate::error::PadesError;
use crate::object::{Dict, ObjRef, Object, Stream};
use crate::write::IncrementalWriter;

/// A TrueType font (`glyf` outlines) used for stamps; parsed once, subset per stamp.
#[derive(Clone)]
pub struct StampFont {
    data: Arc<Vec<u8>>,
    index: u32,
    name: String,
}

impl std::fmt::Debug for StampFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StampFont")
            .field("name", &self.name)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl PartialEq for StampFont {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
            && (Arc::ptr_eq(&self.data, &other.data) || self.data == other.data)
    }
}

fn font_err(reason: impl std::fmt::Display) -> PadesError {
    PadesError::Stamp {
        reason: reason.to_string(),
    }
}

impl StampFont {
    /// A TrueType font (or face `index` of a collection) with TrueType outlines.
    pub fn from_bytes(data: Vec<u8>, index: u32) -> Result<Self, PadesError> {
        let face = ttf_parser::Face::parse(&data, index).map_err(font_err)?;
        if face.tables().glyf.is_none() {
            return Err(font_err(
                "only TrueType-outline fonts (glyf) are supported for stamps",
            ));
        }
        let name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "StampFont".into())
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>();
        Ok(StampFont {
            data: Arc::new(data),
            index,
            name,
        })
    }

    /// Reads a font file (see [`StampFont::from_bytes`]).
    pub fn from_file(path: &std::path::Path, index: u32) -> Result<Self, PadesError> {
        let data = std::fs::read(path).map_err(|source| PadesError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(data, index)
    }

    fn face(&self) -> Result<ttf_parser::Face<'_>, PadesError> {
        ttf_parser::Face::parse(&self.data, self.index).map_err(font_err)
    }
}

/// A visible stamp: where it goes and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct VisibleStamp {
    /// 1-based page number.
    pub page: u32,
    /// `[x, y, width, height]` in PDF points from the page's lower-left corner.
    pub rect: [f64; 4],
    /// Text lines, top to bottom.
    pub lines: Vec<String>,
    /// Payload of the QR code drawn at the right (the verification URL), if any.
    pub qr_payload: Option<String>,
    /// The font the text is drawn with.
    pub font: StampFont,
}

impl VisibleStamp {
    /// The standard Tachiai stamp: 電子署名済, the signer (service) name, the contract number, the
    /// date and time in JST, the verification URL, and a QR code of the URL.
    pub fn standard(
        font: StampFont,
        page: u32,
        rect: [f64; 4],
        signer_name: &str,
        contract_number: &str,
        signed_at_jst: &str,
        verify_url: &str,
    ) -> Self {
        VisibleStamp {
            page,
            rect,
            lines: vec![
                "電子署名済".into(),
                signer_name.into(),
                format!("契約番号 {contract_number}"),
                signed_at_jst.into(),
                verify_url.into(),
            ],
            qr_payload: Some(verify_url.into()),
            font,
        }
    }

    /// Writes the font and the appearance form XObject; returns the form's reference.
    pub(crate) fn write_appearance(
        &self,
        w: &mut IncrementalWriter<'_>,
    ) -> Result<ObjRef, PadesError> {
        let [_, _, width, height] = self.rect;
        if !(width.is_finite() && height.is_finite() && width >= 20.0 && height >= 20.0) {
            return Err(font_err("stamp rectangle too small (at least 20 × 20 pt)"));
        }
        let face = self.font.face()?;
        let upem = f64::from(face.units_per_em());
        // Glyphs used, remapped to a compact subset: CID = new glyph id (CIDToGIDMap /Identity).
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut lines_cids: Vec<Vec<u16>> = Vec::new();
        let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
        let mut widths: BTreeMap<u16, f64> = BTreeMap::new();
        for line in &self.lines {
            let mut cids = Vec::new();
            for ch in line.chars() {
                let gid = face
                    .glyph_index(ch)
                    .ok_or_else(|| font_err(format!("the font has no glyph for `{ch}`")))?;
                let cid = remapper.remap(gid.0);
                let adv = f64::from(face.glyph_hor_advance(gid).unwrap_or(0)) * 1000.0 / upem;
                widths.insert(cid, adv);
                to_unicode.entry(cid).or_insert(ch);
                cids.push(cid);
            }
            lines_cids.push(cids);
        }
        let subset = subsetter::subset(&self.font.data, self.font.index, &remapper)
            .map_err(|e| font_err(format!("font subsetting failed: {e:?}")))?;

        // Layout: QR square at the right, text at the left, sized to fit.
        let pad = 4.0;
        let qr = match &self.qr_payload {
            Some(p) => Some(
                qrcode::QrCode::with_error_correction_level(p.as_bytes(), qrcode::EcLevel::M)
                    .map_err(|e| font_err(format!("QR code: {e}")))?,
            ),
            None => None,
        };
        let qr_side = if qr.is_some() {
            (height - 2.0 * pad).min(width * 0.4)
        } else {
            0.0
        };
        let text_w = width - qr_side - if qr.is_some() { 3.0 } else { 2.0 } * pad;
        let n = self.lines.len().max(1) as f64;
        let mut size: f64 = ((height - 2.0 * pad) / (n * 1.25)).min(14.0);
        for cids in &lines_cids {
            let units: f64 = cids.iter().map(|c| widths[c]).sum();
            if units > 0.0 {
                size = size.min(text_w * 1000.0 / units);
            }
        }
        let mut content = String::new();
        content.push_str(&format!("q 1 1 1 rg 0 0 {width:.2} {height:.2} re f Q\n"));
        content.push_str(&format!(
            "q 0.78 0.08 0.08 RG 1.2 w 0.6 0.6 {:.2} {:.2} re S Q\n",
            width - 1.2,
            height - 1.2
        ));
        content.push_str("BT 0.1 0.1 0.1 rg\n");
        let line_h = size * 1.25;
        let top = height - pad - (height - 2.0 * pad - n * line_h).max(0.0) / 2.0;
        for (i, cids) in lines_cids.iter().enumerate() {
            let y = top - line_h * (i as f64 + 1.0) + (line_h - size) / 2.0 + size * 0.12;
            // The first line (電子署名済) in the stamp's red.
            let color = if i == 0 {
                "0.78 0.08 0.08 rg"
            } else {
                "0.1 0.1 0.1 rg"
            };
            content.push_str(&format!(
                "{color} /F1 {size:.2} Tf 1 0 0 1 {pad:.2} {y:.2} Tm <"
            ));
            for c in cids {
                content.push_str(&format!("{c:04X}"));
            }
            content.push_str("> Tj\n");
        }
        content.push_str("ET\n");
        if let Some(code) = &qr {
            let modules = code.width();
            let quiet = 2usize;
            let m = qr_side / (modules + 2 * quiet) as f64;
            let x0 = width - pad - qr_side;
            let y0 = (height - qr_side) / 2.0;
            content.push_str("q 0 g\n");
            for (idx, color) in code.to_colors().iter().enumerate() {
                if *color == qrcode::Color::Dark {
                    let (col, row) = (idx % modules, idx / modules);
                    let x = x0 + (col + quiet) as f64 * m;
                    let y = y0 + qr_side - (row + quiet + 1) as f64 * m;
                    content.push_str(&format!("{x:.3} {y:.3} {m:.3} {m:.3} re\n"));
                }
            }
            content.push_str("f Q\n");
        }

        // Font objects (§9.7.4, §9.7.6, §9.8, §9.10.3).
        let tag = subset_tag(&subset);
        let base = format!("{tag}+{}", self.font.name);
        let file_ref = w.alloc();
        let mut ff = Dict::default();
        ff.set(b"Length1", Object::Int(subset.len() as i64));
        ff.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
        w.put(
            file_ref,
            &Object::Stream(Stream {
                dict: ff,
                data: deflate(&subset)?,
            }),
        );
        let scale = |v: i16| Object::Int((f64::from(v) * 1000.0 / upem).round() as i64);
        let bbox = face.global_bounding_box();
        let desc_ref = w.alloc();
        let mut fd = Dict::default();
        fd.set(b"Type", Object::Name(b"FontDescriptor".to_vec()));
        fd.set(b"FontName", Object::Name(base.clone().into_bytes()));
        fd.set(b"Flags", Object::Int(4));
        fd.set(
            b"FontBBox",
            Object::Array(vec![
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ]),
        );
        fd.set(b"ItalicAngle", Object::Int(0));
        fd.set(b"Ascent", scale(face.ascender()));
        fd.set(b"Descent", scale(face.descender()));
        fd.set(
            b"CapHeight",
            scale(face.capital_height().unwrap_or(face.ascender())),
        );
        fd.set(b"StemV", Object::Int(80));
        fd.set(b"FontFile2", Object::Ref(file_ref));
        w.put(desc_ref, &Object::Dict(fd));

        let cid_ref = w.alloc();
        let mut cid = Dict::default();
        cid.set(b"Type", Object::Name(b"Font".to_vec()));
        cid.set(b"Subtype", Object::Name(b"CIDFontType2".to_vec()));
        cid.set(b"BaseFont", Object::Name(base.clone().into_bytes()));
        let mut info = Dict::default();
        info.set(b"Registry", Object::Str(b"Adobe".to_vec()));
        info.set(b"Ordering", Object::Str(b"Identity".to_vec()));
        info.set(b"Supplement", Object::Int(0));
        cid.set(b"CIDSystemInfo", Object::Dict(info));
        cid.set(b"FontDescriptor", Object::Ref(desc_ref));
        cid.set(b"DW", Object::Int(1000));
        let mut warr = Vec::new();
        for (c, wd) in &widths {
            warr.push(Object::Int(i64::from(*c)));
            warr.push(Object::Array(vec![Object::Int(wd.round() as i64)]));
        }
        cid.set(b"W", Object::Array(warr));
        cid.set(b"CIDToGIDMap", Object::Name(b"Identity".to_vec()));
        w.put(cid_ref, &Object::Dict(cid));

        let tu_ref = w.alloc();
        w.put(
            tu_ref,
            &Object::Stream(Stream {
                dict: Dict::default(),
                data: to_unicode_cmap(&to_unicode).into_bytes(),
            }),
        );
        let font_ref = w.alloc();
        let mut t0 = Dict::default();
        t0.set(b"Type", Object::Name(b"Font".to_vec()));
        t0.set(b"Subtype", Object::Name(b"Type0".to_vec()));
        t0.set(b"BaseFont", Object::Name(base.into_bytes()));
        t0.set(b"Encoding", Object::Name(b"Identity-H".to_vec()));
        t0.set(
            b"DescendantFonts",
            Object::Array(vec![Object::Ref(cid_ref)]),
        );
        t0.set(b"ToUnicode", Object::Ref(tu_ref));
        w.put(font_ref, &Object::Dict(t0));

        // The appearance form XObject (§8.10).
        let form_ref = w.alloc();
        let mut fonts = Dict::default();
        fonts.set(b"F1", Object::Ref(font_ref));
        let mut res = Dict::default();
        res.set(b"Font", Object::Dict(fonts));
        let mut form = Dict::default();
        form.set(b"Type", Object::Name(b"XObject".to_vec()));
        form.set(b"Subtype", Object::Name(b"Form".to_vec()));
        form.set(
            b"BBox",
            Object::Array(vec![
                Object::Int(0),
                Object::Int(0),
                real(width),
                real(height),
            ]),
        );
        form.set(b"Resources", Object::Dict(res));
        form.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
        w.put(
            form_ref,
            &Object::Stream(Stream {
                dict: form,
                data: deflate(content.as_bytes())?,
            }),
        );
        Ok(form_ref)
    }
}

pub(crate) fn real(v: f64) -> Object {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    Object::Real(s.as_bytes().to_vec())
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, PadesError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).map_err(PadesError::crypto)?;
    enc.finish().map_err(PadesError::crypto)
}

/// Six upper-case letters derived from the subset (§9.6.4 subset tag).
fn subset_tag(subset: &[u8]) -> String {
    crate::sha256(subset)[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// A ToUnicode CMap (§9.10.3) mapping each 2-byte CID to its character (UTF-16BE).
fn to_unicode_cmap(map: &BTreeMap<u16, char>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = map.iter().collect();
    for chunk in entries.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (cid, ch) in chunk {
            let mut buf = [0u16; 2];
            let units: String = ch
                .encode_utf16(&mut buf)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            s.push_str(&format!("<{cid:04X}> <{units}>\n"));
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}
