//! Text: the font's glyphs and measures, line breaking (禁則), and how values are written
//! (amounts, user agents, empty fields).

use pades::{GlyphAccumulator, TrueTypeFont};

use super::CertificateError;

/// `1234567` → `1,234,567円` (docs/glossary.md: amounts with thousands separators and 円).
pub fn format_yen(yen: i64) -> String {
    format!("{}円", group_thousands(yen))
}

pub(super) fn group_thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A short, readable form of a `User-Agent` header: `Chrome 131 / Windows`. Unknown agents are
/// cut to 60 characters; an empty header is `—`.
pub fn short_user_agent(ua: &str) -> String {
    let ua = ua.trim();
    if ua.is_empty() {
        return "—".into();
    }
    let version_after = |marker: &str| -> Option<String> {
        let rest = &ua[ua.find(marker)? + marker.len()..];
        let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some(major)
    };
    let browser = [
        ("Edg/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
    ]
    .iter()
    .find_map(|(marker, name)| version_after(marker).map(|v| format!("{name} {v}")))
    .or_else(|| {
        ua.contains("Safari/")
            .then(|| version_after("Version/").map(|v| format!("Safari {v}")))
            .flatten()
    });
    let os = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{} / {o}", b.trim_end()),
        (Some(b), None) => b.trim_end().to_string(),
        _ => {
            let mut short: String = ua.chars().take(60).collect();
            if ua.chars().count() > 60 {
                short.push('…');
            }
            short
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The font: measuring, and the glyphs actually drawn (`pades`' accumulator, shared with the stamp).

/// Shown for a character the font lacks (げた記号, the Japanese typesetter's placeholder).
pub(super) const MISSING: char = '〓';

pub(super) struct Font<'a> {
    pub(super) glyphs: GlyphAccumulator<'a>,
}

impl<'a> Font<'a> {
    pub(super) fn new(font: &'a TrueTypeFont) -> Result<Self, CertificateError> {
        let glyphs = font
            .accumulator()
            .map_err(|e| CertificateError::Font(e.to_string()))?
            .replace_missing_with(MISSING);
        Ok(Font { glyphs })
    }

    /// The advance of `c` in 1/1000 em (that of 〓 when the font lacks `c`).
    fn advance(&mut self, c: char) -> f32 {
        self.glyphs.advance(c).unwrap_or(0.0)
    }

    /// Width of `text` at `size` points.
    pub(super) fn width(&mut self, text: &str, size: f32) -> f32 {
        self.glyphs.width(text, size)
    }

    /// The 2-byte CIDs (Identity-H) of `text`; records the glyphs for the subset.
    pub(super) fn encode(&mut self, text: &str) -> Vec<u8> {
        // With a replacement every character has a glyph: encoding cannot fail.
        self.glyphs.encode(text).unwrap_or_default()
    }

    /// The first line of `text` at `size` points, cut with `…` when it is wider than `max`.
    pub(super) fn fit(&mut self, text: &str, size: f32, max: f32) -> String {
        let ellipsis = self.width("…", size);
        let mut lines = self.wrap(text, size, max - ellipsis);
        if lines.len() > 1 {
            lines[0].push('…');
        }
        lines.swap_remove(0)
    }

    /// Breaks `text` into lines no wider than `max` at `size` points (see the module doc).
    pub(super) fn wrap(&mut self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in clean(text).split('\n') {
            self.wrap_paragraph(paragraph, size, max, &mut lines);
        }
        lines
    }

    pub(super) fn wrap_paragraph(
        &mut self,
        text: &str,
        size: f32,
        max: f32,
        lines: &mut Vec<String>,
    ) {
        let space = self.width(" ", size);
        let mut line = String::new();
        let mut line_w = 0.0;
        let mut pending_space = false;
        for token in tokens(text) {
            let Token::Unit(unit) = token else {
                pending_space = !line.is_empty();
                continue;
            };
            let w = self.width(&unit, size);
            let sp = if pending_space { space } else { 0.0 };
            if line_w + sp + w <= max {
                if pending_space {
                    line.push(' ');
                }
                line.push_str(&unit);
                line_w += sp + w;
            } else if w <= max {
                lines.push(std::mem::take(&mut line));
                line_w = w;
                line.push_str(&unit);
            } else {
                // Longer than a line (a hash, a URL): break between characters.
                if pending_space && line_w + sp < max {
                    line.push(' ');
                    line_w += sp;
                }
                for c in unit.chars() {
                    let cw = self.advance(c) * size / 1000.0;
                    if line_w + cw > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
            pending_space = false;
        }
        lines.push(line);
    }
}

/// Control characters out, tabs to spaces, variation selectors dropped (the font has no
/// variation sequences; the base character is drawn).
pub(super) fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{200B}'..='\u{200D}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

pub(super) enum Token {
    /// A break opportunity (ASCII white space).
    Space,
    /// Text that stays on one line.
    Unit(String),
}

/// Characters that must not start a line (行頭禁則).
pub(super) fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '］'
            | '｝'
            | '〉'
            | '》'
            | '・'
            | '：'
            | '；'
            | '！'
            | '？'
            | 'ー'
            | '～'
            | '…'
            | '々'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ':'
            | ';'
    )
}

/// Characters that must not end a line (行末禁則).
pub(super) fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '〔' | '［' | '｛' | '〈' | '《' | '(' | '[' | '{'
    )
}

/// Latin-script characters, kept together as words.
pub(super) fn is_latin(c: char) -> bool {
    (c.is_ascii_graphic() || ('\u{00A0}'..'\u{0250}').contains(&c)) && !c.is_whitespace()
}

pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut raw: Vec<Token> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            if !word.is_empty() {
                raw.push(Token::Unit(std::mem::take(&mut word)));
            }
            if !matches!(raw.last(), Some(Token::Space)) {
                raw.push(Token::Space);
            }
        } else if is_latin(c) {
            word.push(c);
        } else {
            if !word.is_empty() {
                raw.push(Token::Unit(std::mem::take(&mut word)));
            }
            raw.push(Token::Unit(c.to_string()));
        }
    }
    if !word.is_empty() {
        raw.push(Token::Unit(word));
    }
    // Glue: a closing mark to what precedes it, what follows an opening bracket to the bracket.
    let mut out: Vec<Token> = Vec::with_capacity(raw.len());
    for token in raw {
        match (token, out.last_mut()) {
            (Token::Unit(u), Some(Token::Unit(prev)))
                if u.chars().next().is_some_and(no_line_start)
                    || prev.chars().last().is_some_and(no_line_end) =>
            {
                prev.push_str(&u);
            }
            (token, _) => out.push(token),
        }
    }
    out
}

pub(super) fn one_line(text: &str) -> String {
    clean(text).replace('\n', " ")
}

pub(super) fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".into()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_is_grouped_by_thousands() {
        assert_eq!(format_yen(0), "0円");
        assert_eq!(format_yen(999), "999円");
        assert_eq!(format_yen(1_000), "1,000円");
        assert_eq!(format_yen(1_234_567), "1,234,567円");
        assert_eq!(format_yen(-1_234), "-1,234円");
        assert_eq!(format_yen(i64::MIN), "-9,223,372,036,854,775,808円");
    }

    #[test]
    fn user_agents_are_shortened_to_browser_and_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                      (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(short_user_agent(chrome), "Chrome 131 / Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, \
                    like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86";
        assert_eq!(short_user_agent(edge), "Edge 131 / Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(short_user_agent(safari), "Safari 18 / iOS");
        assert_eq!(short_user_agent(""), "—");
        let odd = "x".repeat(80);
        assert_eq!(short_user_agent(&odd).chars().count(), 61);
    }

    fn font() -> Font<'static> {
        static FONT: std::sync::LazyLock<TrueTypeFont> =
            std::sync::LazyLock::new(|| crate::seal::japanese_font().unwrap());
        Font::new(&FONT).unwrap()
    }

    #[test]
    fn japanese_wraps_between_characters_and_keeps_closing_marks() {
        let mut f = font();
        let lines = f.wrap("あいうえおかきくけこ、さしすせそ。", 10.0, 100.0);
        // 10 pt full-width glyphs: ten to a 100 pt line, but 、 may not start one, so こ moves
        // down with it.
        assert_eq!(lines, vec!["あいうえおかきくけ", "こ、さしすせそ。"]);
        for line in &lines {
            assert!(!line.starts_with('、') && !line.starts_with('。'));
        }
    }

    #[test]
    fn latin_words_stay_together_and_long_ones_are_split() {
        let mut f = font();
        let lines = f.wrap(
            "verify at https://tachiai.example.jp/v/abc please",
            8.0,
            90.0,
        );
        assert!(
            lines.iter().all(|l| f.width(l, 8.0) <= 90.0 + 0.01),
            "{lines:?}"
        );
        // The URL is longer than a line: it starts after "at" and breaks between characters.
        assert!(lines[0].starts_with("verify at h"), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some("please"));
        let hash = "0123456789abcdef".repeat(4);
        let lines = f.wrap(&hash, 8.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), hash);
    }

    #[test]
    fn newlines_start_new_lines_and_controls_vanish() {
        let mut f = font();
        assert_eq!(
            f.wrap("一行目\n二行目\u{7}", 8.0, 400.0),
            vec!["一行目", "二行目"]
        );
        assert_eq!(f.wrap("", 8.0, 400.0), vec![""]);
    }

    #[test]
    fn a_character_the_font_lacks_is_drawn_as_geta() {
        let mut f = font();
        // U+1F600 (an emoji) is not in IPAexGothic.
        let cids = f.encode("\u{1F600}");
        assert_eq!(cids.len(), 2);
        assert_eq!(f.width("\u{1F600}", 10.0), f.width("〓", 10.0));
        let subset = f.glyphs.finish().unwrap();
        assert_eq!(subset.glyphs.len(), 1);
        assert_eq!(subset.glyphs[0].unicode, MISSING);
    }
}
