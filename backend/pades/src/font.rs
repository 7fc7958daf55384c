//! Embedding a TrueType font as a subset (ISO 32000-1 §9.6.4, §9.7.4 CIDFontType2, §9.7.6
//! Type0, §9.8 descriptor, §9.10.3 ToUnicode): the one path every writer that draws text takes —
//! the visible stamp here, and any other PDF writer through [`FontSubset`].
//!
//! A [`TrueTypeFont`] is parsed once and shared. Each document gets a [`GlyphAccumulator`]
//! (pyHanko's name for the same job): it measures and encodes text as 2-byte CIDs (Identity-H,
//! CID = the glyph's id in the subset, so `/CIDToGIDMap /Identity`), remembers which glyphs were
//! used, and [`GlyphAccumulator::finish`] returns the subset and everything its font
//! dictionaries say (`/BaseFont`, `/W`, the descriptor's metrics, the ToUnicode CMap).
//!
//! No font ships with the crate: the caller passes its bytes (e.g. IPAexGothic, IPA Font
//! License v1.0, which lets an embedded subset travel with the document; or Noto Sans JP,
//! SIL OFL 1.1).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pdf_writer::Name;
use pdf_writer::types::{SystemInfo, UnicodeCmap};

use crate::error::PadesError;

/// A TrueType font (`glyf` outlines), parsed once and subset per document.
#[derive(Clone)]
pub struct TrueTypeFont {
    data: FontBytes,
    index: u32,
    name: String,
}

#[derive(Clone)]
enum FontBytes {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
}

impl FontBytes {
    fn get(&self) -> &[u8] {
        match self {
            FontBytes::Static(b) => b,
            FontBytes::Shared(b) => b,
        }
    }
}

impl std::fmt::Debug for TrueTypeFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrueTypeFont")
            .field("name", &self.name)
            .field("bytes", &self.data.get().len())
            .finish()
    }
}

impl PartialEq for TrueTypeFont {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.data.get(), other.data.get());
        self.index == other.index && (std::ptr::eq(a, b) || a == b)
    }
}

fn font_err(reason: impl std::fmt::Display) -> PadesError {
    PadesError::Stamp {
        reason: reason.to_string(),
    }
}

impl TrueTypeFont {
    /// Face `index` of a TrueType font or collection (TrueType outlines only).
    pub fn from_bytes(data: Vec<u8>, index: u32) -> Result<Self, PadesError> {
        Self::new(FontBytes::Shared(Arc::new(data)), index)
    }

    /// As [`TrueTypeFont::from_bytes`], for a font compiled into the program
    /// (`include_bytes!`): nothing is copied.
    pub fn from_static(data: &'static [u8], index: u32) -> Result<Self, PadesError> {
        Self::new(FontBytes::Static(data), index)
    }

    /// Reads a font file (see [`TrueTypeFont::from_bytes`]).
    pub fn from_file(path: &std::path::Path, index: u32) -> Result<Self, PadesError> {
        let data = std::fs::read(path).map_err(|source| PadesError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(data, index)
    }

    fn new(data: FontBytes, index: u32) -> Result<Self, PadesError> {
        let face = ttf_parser::Face::parse(data.get(), index).map_err(font_err)?;
        if face.tables().glyf.is_none() {
            return Err(font_err(
                "only TrueType-outline fonts (glyf) can be embedded",
            ));
        }
        let name: String = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Ok(TrueTypeFont {
            data,
            index,
            name: if name.is_empty() {
                "EmbeddedFont".into()
            } else {
                name
            },
        })
    }

    /// The PostScript name (ASCII letters and digits only).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the font can draw `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.face().is_ok_and(|f| f.glyph_index(c).is_some())
    }

    /// Every character the font has a glyph for (its Unicode `cmap` subtables), in order: what
    /// a caller checks input against before it reaches a document.
    pub fn chars(&self) -> Vec<char> {
        let Ok(face) = self.face() else {
            return Vec::new();
        };
        let mut chars = Vec::new();
        for subtable in face.tables().cmap.iter().flat_map(|c| c.subtables) {
            if subtable.is_unicode() {
                subtable.codepoints(|cp| {
                    if let Some(c) = char::from_u32(cp)
                        && face.glyph_index(c).is_some_and(|g| g.0 != 0)
                    {
                        chars.push(c);
                    }
                });
            }
        }
        chars.sort_unstable();
        chars.dedup();
        chars
    }

    /// A fresh accumulator for one document.
    pub fn accumulator(&self) -> Result<GlyphAccumulator<'_>, PadesError> {
        let face = self.face()?;
        Ok(GlyphAccumulator {
            font: self,
            units_per_em: f32::from(face.units_per_em()),
            face,
            replacement: None,
            lookup: HashMap::new(),
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    fn face(&self) -> Result<ttf_parser::Face<'_>, PadesError> {
        ttf_parser::Face::parse(self.data.get(), self.index).map_err(font_err)
    }
}

/// The glyphs one document draws with a [`TrueTypeFont`]: measures and encodes text, then
/// yields the subset ([`GlyphAccumulator::finish`]).
pub struct GlyphAccumulator<'f> {
    font: &'f TrueTypeFont,
    face: ttf_parser::Face<'f>,
    units_per_em: f32,
    replacement: Option<char>,
    /// char → (original glyph id, advance in 1/1000 em, the character it stands for), or
    /// `None` when the font lacks it and there is no replacement.
    lookup: HashMap<char, Option<(u16, f32, char)>>,
    remapper: subsetter::GlyphRemapper,
    /// CID → (the character it stands for, advance in 1/1000 em).
    used: BTreeMap<u16, (char, f32)>,
}

impl GlyphAccumulator<'_> {
    /// Draws characters the font lacks as `replacement` (e.g. 〓, the Japanese typesetter's
    /// placeholder; `.notdef` when the font lacks that too) instead of refusing them.
    pub fn replace_missing_with(mut self, replacement: char) -> Self {
        self.replacement = Some(replacement);
        self.lookup.clear();
        self
    }

    fn glyph(&mut self, c: char) -> Option<(u16, f32, char)> {
        if let Some(g) = self.lookup.get(&c) {
            return *g;
        }
        let found = match (self.face.glyph_index(c), self.replacement) {
            (Some(gid), _) => Some((gid, c)),
            (None, Some(r)) => Some((
                self.face.glyph_index(r).unwrap_or(ttf_parser::GlyphId(0)),
                r,
            )),
            (None, None) => None,
        };
        let g = found.map(|(gid, shown)| {
            let advance = f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) * 1000.0
                / self.units_per_em;
            (gid.0, advance, shown)
        });
        self.lookup.insert(c, g);
        g
    }

    /// The advance of `c` in 1/1000 em; `None` when the font lacks it (and nothing replaces it).
    pub fn advance(&mut self, c: char) -> Option<f32> {
        self.glyph(c).map(|(_, advance, _)| advance)
    }

    /// The width of `text` at `size` points (characters the font lacks and nothing replaces
    /// count as zero).
    pub fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(c).unwrap_or(0.0))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// `text` as 2-byte CIDs for a `Tj` string (Identity-H); the glyphs join the subset.
    /// Refuses a character the font lacks unless [`GlyphAccumulator::replace_missing_with`].
    pub fn encode(&mut self, text: &str) -> Result<Vec<u8>, PadesError> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (gid, advance, shown) = self
                .glyph(c)
                .ok_or_else(|| font_err(format!("the font has no glyph for `{c}`")))?;
            let cid = self.remapper.remap(gid);
            self.used.entry(cid).or_insert((shown, advance));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        Ok(out)
    }

    /// The subset of the glyphs encoded so far, and what the font dictionaries say about it.
    pub fn finish(self) -> Result<FontSubset, PadesError> {
        let font_file = subsetter::subset(self.font.data.get(), self.font.index, &self.remapper)
            .map_err(|e| font_err(format!("font subsetting failed: {e:?}")))?;
        // §9.6.4: six upper-case letters tagging the subset, here derived from its bytes.
        let tag: String = crate::sha256(&font_file)[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let face = &self.face;
        let scale = |v: i16| f32::from(v) * 1000.0 / self.units_per_em;
        let bbox = face.global_bounding_box();
        Ok(FontSubset {
            base_font: format!("{tag}+{}", self.font.name),
            font_file,
            glyphs: self
                .used
                .iter()
                .map(|(&cid, &(unicode, width))| UsedGlyph {
                    cid,
                    width,
                    unicode,
                })
                .collect(),
            bbox: [
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ],
            ascent: scale(face.ascender()),
            descent: scale(face.descender()),
            cap_height: scale(face.capital_height().unwrap_or(face.ascender())),
        })
    }
}

/// One glyph of a subset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UsedGlyph {
    /// Its CID (= its glyph id in the subset).
    pub cid: u16,
    /// Advance in 1/1000 em (`/W`).
    pub width: f32,
    /// The character it draws (ToUnicode).
    pub unicode: char,
}

/// A font subset ready to embed: a Type0 font (`/Encoding /Identity-H`, `/ToUnicode`) over a
/// CIDFontType2 (`/CIDSystemInfo` Adobe-Identity-0, `/CIDToGIDMap /Identity`, `/W`) with a
/// descriptor (`/Flags` 4, symbolic; `/FontFile2`).
#[derive(Clone, Debug, PartialEq)]
pub struct FontSubset {
    /// `/BaseFont` and `/FontName`: subset tag + PostScript name, e.g. `ABCDEF+IPAexGothic`.
    pub base_font: String,
    /// The subset TrueType file for `/FontFile2` (uncompressed; its length is `/Length1`).
    pub font_file: Vec<u8>,
    /// The glyphs used, by CID.
    pub glyphs: Vec<UsedGlyph>,
    /// `/FontBBox` in 1/1000 em.
    pub bbox: [f32; 4],
    /// `/Ascent`.
    pub ascent: f32,
    /// `/Descent`.
    pub descent: f32,
    /// `/CapHeight`.
    pub cap_height: f32,
}

impl FontSubset {
    /// `/W` as runs of consecutive CIDs: (first CID, rounded widths).
    pub fn width_runs(&self) -> Vec<(u16, Vec<f32>)> {
        let mut runs: Vec<(u16, Vec<f32>)> = Vec::new();
        for g in &self.glyphs {
            match runs.last_mut() {
                Some((first, widths))
                    if usize::from(*first) + widths.len() == usize::from(g.cid) =>
                {
                    widths.push(g.width.round());
                }
                _ => runs.push((g.cid, vec![g.width.round()])),
            }
        }
        runs
    }

    /// The ToUnicode CMap (§9.10.3): each CID to its character, so the text can be extracted
    /// and searched.
    pub fn to_unicode_cmap(&self) -> Vec<u8> {
        let mut cmap = UnicodeCmap::new(
            Name(b"Adobe-Identity-UCS"),
            SystemInfo {
                registry: pdf_writer::Str(b"Adobe"),
                ordering: pdf_writer::Str(b"UCS"),
                supplement: 0,
            },
        );
        for g in &self.glyphs {
            cmap.pair(g.cid, g.unicode);
        }
        cmap.finish().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_runs_group_consecutive_cids() {
        let glyph = |cid, width| UsedGlyph {
            cid,
            width,
            unicode: 'a',
        };
        let subset = FontSubset {
            base_font: "AAAAAA+X".into(),
            font_file: Vec::new(),
            glyphs: vec![glyph(1, 500.4), glyph(2, 1000.0), glyph(5, 250.6)],
            bbox: [0.0; 4],
            ascent: 0.0,
            descent: 0.0,
            cap_height: 0.0,
        };
        assert_eq!(
            subset.width_runs(),
            vec![(1, vec![500.0, 1000.0]), (5, vec![251.0])]
        );
    }
}
