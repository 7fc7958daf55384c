//! The visible, printable seal stamp: a widget whose normal appearance (`/AP /N`, ISO 32000-1
//! §12.5.5) is a form XObject (§8.10) with a frame, text lines in an embedded font subset
//! ([`crate::font`]) and optionally a QR code (pyHanko's `TextStampStyle` / `QRStampStyle`).
//! What the lines say is the caller's.

use pdf_writer::{Content, Name, Str};

use crate::error::PadesError;
use crate::font::{FontSubset, TrueTypeFont};
use crate::object::{Dict, ObjRef, Object, Stream};
use crate::write::{IncrementalWriter, deflate, real};

/// How a stamp looks (pyHanko's `TextStampStyle` / `QRStampStyle`): colours as DeviceRGB
/// components in `0.0..=1.0`.
#[derive(Clone, Debug, PartialEq)]
pub struct StampStyle {
    /// The background filling the rectangle.
    pub background: [f32; 3],
    /// The frame around the rectangle.
    pub border: [f32; 3],
    /// Width of the frame in points.
    pub border_width: f32,
    /// The first text line (the stamp's heading).
    pub heading_text: [f32; 3],
    /// The other text lines.
    pub text: [f32; 3],
    /// The largest font size in points (lines shrink to fit the rectangle).
    pub max_font_size: f32,
}

impl Default for StampStyle {
    /// A red frame and heading on white, dark-grey text: a seal's colours.
    fn default() -> Self {
        StampStyle {
            background: [1.0, 1.0, 1.0],
            border: [0.78, 0.08, 0.08],
            border_width: 1.2,
            heading_text: [0.78, 0.08, 0.08],
            text: [0.1, 0.1, 0.1],
            max_font_size: 14.0,
        }
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
    /// Payload of the QR code drawn at the right (e.g. a verification URL), if any.
    pub qr_payload: Option<String>,
    /// The font the text is drawn with.
    pub font: TrueTypeFont,
    /// Colours and sizes.
    pub style: StampStyle,
}

impl VisibleStamp {
    /// A stamp with `lines` on `page` at `rect`, in the default [`StampStyle`], without a QR code.
    pub fn new(font: TrueTypeFont, page: u32, rect: [f64; 4], lines: Vec<String>) -> Self {
        VisibleStamp {
            page,
            rect,
            lines,
            qr_payload: None,
            font,
            style: StampStyle::default(),
        }
    }

    /// Adds a QR code of `payload` at the right.
    pub fn qr(mut self, payload: impl Into<String>) -> Self {
        self.qr_payload = Some(payload.into());
        self
    }

    /// Sets the style.
    pub fn style(mut self, style: StampStyle) -> Self {
        self.style = style;
        self
    }

    /// Writes the font and the appearance form XObject; returns the form's reference.
    pub(crate) fn write_appearance(
        &self,
        w: &mut IncrementalWriter<'_>,
    ) -> Result<ObjRef, PadesError> {
        let [_, _, width, height] = self.rect;
        if !(width.is_finite() && height.is_finite() && width >= 20.0 && height >= 20.0) {
            return Err(stamp_err("stamp rectangle too small (at least 20 × 20 pt)"));
        }
        let (width, height) = (width as f32, height as f32);
        let style = &self.style;
        let mut glyphs = self.font.accumulator()?;

        // Layout: QR square at the right, text at the left, sized to fit.
        let pad = 4.0;
        let qr = match &self.qr_payload {
            Some(p) => Some(
                qrcode::QrCode::with_error_correction_level(p.as_bytes(), qrcode::EcLevel::M)
                    .map_err(|e| stamp_err(format!("QR code: {e}")))?,
            ),
            None => None,
        };
        let qr_side = if qr.is_some() {
            (height - 2.0 * pad).min(width * 0.4)
        } else {
            0.0
        };
        let text_w = width - qr_side - if qr.is_some() { 3.0 } else { 2.0 } * pad;
        let n = self.lines.len().max(1) as f32;
        let mut size = ((height - 2.0 * pad) / (n * 1.25)).min(style.max_font_size);
        let mut encoded = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            encoded.push(glyphs.encode(line)?);
            let units = glyphs.width(line, 1000.0);
            if units > 0.0 {
                size = size.min(text_w * 1000.0 / units);
            }
        }

        let mut content = Content::new();
        content.save_state();
        content.set_fill_rgb(
            style.background[0],
            style.background[1],
            style.background[2],
        );
        content.rect(0.0, 0.0, width, height);
        content.fill_nonzero();
        content.restore_state();
        content.save_state();
        content.set_stroke_rgb(style.border[0], style.border[1], style.border[2]);
        content.set_line_width(style.border_width);
        let inset = style.border_width / 2.0;
        content.rect(
            inset,
            inset,
            width - style.border_width,
            height - style.border_width,
        );
        content.stroke();
        content.restore_state();
        content.begin_text();
        let line_h = size * 1.25;
        let top = height - pad - (height - 2.0 * pad - n * line_h).max(0.0) / 2.0;
        for (i, cids) in encoded.iter().enumerate() {
            let y = top - line_h * (i as f32 + 1.0) + (line_h - size) / 2.0 + size * 0.12;
            let [r, g, b] = if i == 0 {
                style.heading_text
            } else {
                style.text
            };
            content.set_fill_rgb(r, g, b);
            content.set_font(Name(b"F1"), size);
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, pad, y]);
            content.show(Str(cids));
        }
        content.end_text();
        if let Some(code) = &qr {
            let modules = code.width();
            let quiet = 2usize;
            let m = qr_side / (modules + 2 * quiet) as f32;
            let x0 = width - pad - qr_side;
            let y0 = (height - qr_side) / 2.0;
            content.save_state();
            content.set_fill_gray(0.0);
            for (idx, color) in code.to_colors().iter().enumerate() {
                if *color == qrcode::Color::Dark {
                    let (col, row) = (idx % modules, idx / modules);
                    let x = x0 + (col + quiet) as f32 * m;
                    let y = y0 + qr_side - (row + quiet + 1) as f32 * m;
                    content.rect(x, y, m, m);
                }
            }
            content.fill_nonzero();
            content.restore_state();
        }

        let font_ref = write_font(w, &glyphs.finish()?)?;

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
                real(f64::from(width)),
                real(f64::from(height)),
            ]),
        );
        form.set(b"Resources", Object::Dict(res));
        form.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
        w.put(
            form_ref,
            &Object::Stream(Stream {
                dict: form,
                data: deflate(&content.finish())?,
            }),
        );
        Ok(form_ref)
    }
}

fn stamp_err(reason: impl std::fmt::Display) -> PadesError {
    PadesError::Stamp {
        reason: reason.to_string(),
    }
}

/// Writes the Type0 font of `subset` and its descendants; returns the Type0 font's reference.
fn write_font(w: &mut IncrementalWriter<'_>, subset: &FontSubset) -> Result<ObjRef, PadesError> {
    let name = || Object::Name(subset.base_font.clone().into_bytes());
    let num = |v: f32| Object::Int(v.round() as i64);

    let file_ref = w.alloc();
    let mut ff = Dict::default();
    ff.set(b"Length1", Object::Int(subset.font_file.len() as i64));
    ff.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
    w.put(
        file_ref,
        &Object::Stream(Stream {
            dict: ff,
            data: deflate(&subset.font_file)?,
        }),
    );

    let desc_ref = w.alloc();
    let mut fd = Dict::default();
    fd.set(b"Type", Object::Name(b"FontDescriptor".to_vec()));
    fd.set(b"FontName", name());
    fd.set(b"Flags", Object::Int(4));
    fd.set(
        b"FontBBox",
        Object::Array(subset.bbox.iter().map(|v| num(*v)).collect()),
    );
    fd.set(b"ItalicAngle", Object::Int(0));
    fd.set(b"Ascent", num(subset.ascent));
    fd.set(b"Descent", num(subset.descent));
    fd.set(b"CapHeight", num(subset.cap_height));
    fd.set(b"StemV", Object::Int(80));
    fd.set(b"FontFile2", Object::Ref(file_ref));
    w.put(desc_ref, &Object::Dict(fd));

    let cid_ref = w.alloc();
    let mut cid = Dict::default();
    cid.set(b"Type", Object::Name(b"Font".to_vec()));
    cid.set(b"Subtype", Object::Name(b"CIDFontType2".to_vec()));
    cid.set(b"BaseFont", name());
    let mut info = Dict::default();
    info.set(b"Registry", Object::Str(b"Adobe".to_vec()));
    info.set(b"Ordering", Object::Str(b"Identity".to_vec()));
    info.set(b"Supplement", Object::Int(0));
    cid.set(b"CIDSystemInfo", Object::Dict(info));
    cid.set(b"FontDescriptor", Object::Ref(desc_ref));
    cid.set(b"DW", Object::Int(1000));
    let mut widths = Vec::new();
    for (first, run) in subset.width_runs() {
        widths.push(Object::Int(i64::from(first)));
        widths.push(Object::Array(run.into_iter().map(num).collect()));
    }
    cid.set(b"W", Object::Array(widths));
    cid.set(b"CIDToGIDMap", Object::Name(b"Identity".to_vec()));
    w.put(cid_ref, &Object::Dict(cid));

    let tu_ref = w.alloc();
    let mut tu = Dict::default();
    tu.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
    w.put(
        tu_ref,
        &Object::Stream(Stream {
            dict: tu,
            data: deflate(&subset.to_unicode_cmap())?,
        }),
    );

    let font_ref = w.alloc();
    let mut t0 = Dict::default();
    t0.set(b"Type", Object::Name(b"Font".to_vec()));
    t0.set(b"Subtype", Object::Name(b"Type0".to_vec()));
    t0.set(b"BaseFont", name());
    t0.set(b"Encoding", Object::Name(b"Identity-H".to_vec()));
    t0.set(
        b"DescendantFonts",
        Object::Array(vec![Object::Ref(cid_ref)]),
    );
    t0.set(b"ToUnicode", Object::Ref(tu_ref));
    w.put(font_ref, &Object::Dict(t0));
    Ok(font_ref)
}
