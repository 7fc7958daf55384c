//! 合意締結証明書 (completion certificate): the Japanese PDF that states what was agreed, by whom,
//! how each party was verified, and what happened when (issue 5, item 6).
//!
//! Pure: a [`CompletionCertificate`] in, PDF bytes out. No database, no HTTP, no clock and no
//! randomness: the same input gives the same bytes, so a retried sealing job draws the same
//! certificate. Formatting dates (和暦 or not) is the caller's; sealing the result is `seal` /
//! `pades`'s.
//!
//! The PDF is written with `pdf-writer`: A4 portrait, one embedded **subset of IPAexGothic**
//! ([`crate::seal::japanese_font_bytes`]) as a Type0 font over a CIDFontType2 with Identity-H
//! encoding, `/CIDToGIDMap /Identity` over the subset's glyph ids, `/W` widths and a `/ToUnicode`
//! CMap so the text can be searched and extracted (ISO 32000-1 §9.7.4, §9.7.6, §9.10.3). Text is
//! wrapped by measuring glyph advances: between any two CJK characters or at spaces, never inside
//! a Latin word unless it is longer than the line, never before closing punctuation (行頭禁則) or
//! after an opening bracket (行末禁則). Tables break across pages and repeat their header row.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
pub use shared::contract::DocumentRole;

/// Everything the completion certificate shows. Strings are shown as given (the caller formats
/// dates, e.g. `2026年11月25日 14:05 JST` or `令和8年11月25日`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionCertificate {
    /// 団体名: the issuing tenant (the city), e.g. `立会市`.
    pub tenant_name: String,
    /// 契約番号, e.g. `R8-000123`.
    pub contract_number: String,
    /// 件名.
    pub title: String,
    /// 所属: the department in charge, e.g. `総務部 契約課`.
    pub department: String,
    /// 契約相手方: the counterparty organisation.
    pub counterparty: String,
    /// 契約金額 (税込) in yen; `None` when the contract has no amount.
    pub amount_yen: Option<i64>,
    /// 契約期間, when the contract has one.
    pub contract_period: Option<ContractPeriod>,
    /// 契約締結日, formatted, e.g. `令和8年11月25日`.
    pub concluded_on: String,
    /// The sealed documents, the main document first.
    pub documents: Vec<CertifiedDocument>,
    /// The parties that agreed, in the order they agreed.
    pub parties: Vec<AgreedParty>,
    /// 承認ルート: the internal approval decisions, in order (empty when none was required).
    pub approvals: Vec<ApprovalRecord>,
    /// 経過記録: the contract's events, oldest first.
    pub events: Vec<TimelineEvent>,
    /// The public verification URL, `<public_url>/v/{public id}`.
    pub verification_url: String,
    /// 発行日時 in Unix seconds: shown in JST, and the PDF's creation date.
    pub issued_at_unix: i64,
    /// Subject of the service's seal certificate, e.g. `CN=Tachiai 電子署名, O=…`.
    pub seal_subject: String,
    /// タイムスタンプ: the time-stamp authority's name.
    pub tsa_name: String,
}

/// 契約期間: from and to, formatted, e.g. `令和8年4月1日` and `令和9年3月31日`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractPeriod {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
}

/// How the certificate names a document's role (主文書 or 添付ファイル; the service's own files
/// are listed under their names, should one ever be certified).
fn role_label(role: DocumentRole) -> &'static str {
    match role {
        DocumentRole::Main => "主文書",
        DocumentRole::Attachment => "添付ファイル",
        DocumentRole::Sealed => "署名済み文書",
        DocumentRole::Certificate => "合意締結証明書",
    }
}

/// One document (文書) as uploaded and as sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifiedDocument {
    /// The file name as uploaded, e.g. `業務委託契約書.pdf`.
    pub file_name: String,
    /// 主文書 or 添付ファイル.
    pub role: DocumentRole,
    /// Size of the original upload in bytes.
    pub size_bytes: u64,
    /// Number of pages, when known.
    pub pages: Option<u32>,
    /// Lower-case hex SHA-256 of the original upload.
    pub original_sha256: String,
    /// Lower-case hex SHA-256 of the sealed file; `None` for a file that was not sealed.
    pub sealed_sha256: Option<String>,
}

/// A party (当事者) that agreed to the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreedParty {
    /// 組織名.
    pub organisation: String,
    /// 氏名, family name first.
    pub name: String,
    /// メールアドレス.
    pub email: String,
    /// 本人確認方法, e.g. `メールアドレス確認（ワンタイムパスワード）`.
    pub verification_method: String,
    /// The IP address the agreement came from.
    pub ip_address: String,
    /// The browser's `User-Agent` header as received; the certificate shows a short form
    /// ([`short_user_agent`]).
    pub user_agent: String,
    /// 同意日時, formatted in JST.
    pub agreed_at: String,
    /// A remark shown with the party, e.g. `山田 太郎 様から転送`.
    pub note: Option<String>,
}

/// 承認 or 差し戻し.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalDecision {
    /// 承認.
    Approved,
    /// 差し戻し.
    SentBack,
}

impl ApprovalDecision {
    fn label(self) -> &'static str {
        match self {
            ApprovalDecision::Approved => "承認",
            ApprovalDecision::SentBack => "差し戻し",
        }
    }
}

/// One decision on the internal approval route (承認ルート).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRecord {
    /// 承認ステップ name, e.g. `課長決裁`.
    pub step: String,
    /// 承認者, e.g. `契約課 佐藤 一郎`.
    pub approver: String,
    /// 承認 or 差し戻し.
    pub decision: ApprovalDecision,
    /// When, formatted in JST.
    pub decided_at: String,
    /// コメント (always present for a send-back).
    pub comment: Option<String>,
}

/// One line of the 経過記録.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    /// 日時, formatted in JST.
    pub at: String,
    /// 操作者, e.g. `契約課 田中 花子` or `株式会社立会建設 山田 太郎 様`.
    pub actor: String,
    /// 操作, in Japanese, e.g. `相手方が合意しました`.
    pub action: String,
}

/// Why the certificate could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The embedded font could not be read or subset.
    #[error("completion certificate font: {0}")]
    Font(String),
    /// Compressing a stream failed.
    #[error("completion certificate: compressing a stream: {0}")]
    Compress(#[from] std::io::Error),
}

/// Draws the completion certificate with the server's Japanese font.
pub fn render(cert: &CompletionCertificate) -> Result<Vec<u8>, CertificateError> {
    render_with_font(cert, crate::seal::japanese_font_bytes(), 0)
}

/// Draws the completion certificate with face `index` of the TrueType font `font_data`
/// (TrueType outlines; a subset is embedded).
pub fn render_with_font(
    cert: &CompletionCertificate,
    font_data: &[u8],
    index: u32,
) -> Result<Vec<u8>, CertificateError> {
    let font = Font::parse(font_data, index)?;
    let mut doc = Doc::new(font);
    draw(&mut doc, cert);
    doc.finish(cert)
}

/// `1234567` → `1,234,567円` (GLOSSARY: amounts with thousands separators and 円).
pub fn format_yen(yen: i64) -> String {
    format!("{}円", group_thousands(yen))
}

fn group_thousands(n: impl Into<i128>) -> String {
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
// Page geometry (PDF points; A4 = 210 × 297 mm) and type sizes.

const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
/// 20 mm.
const MARGIN: f32 = 56.693;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const TOP: f32 = PAGE_H - MARGIN;
/// Content stops here; the footer lives below.
const BOTTOM: f32 = MARGIN + 36.0;
const BODY: f32 = 8.5;
/// Line box height in tables.
const LINE: f32 = BODY * 1.5;
const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;
const HEADING: f32 = 11.5;
/// Height taken by a section heading below other content: 10 pt of space, the title, the rule.
const HEADING_H: f32 = 10.0 + HEADING + 11.0;

const INK: f32 = 0.0;
const GREY_TEXT: f32 = 0.35;
const RULE: f32 = 0.55;
const LABEL_FILL: f32 = 0.93;
const HEAD_FILL: f32 = 0.85;

// ---------------------------------------------------------------------------------------------
// The font: glyph lookup and measuring, and the glyphs actually drawn (for the subset).

/// Shown for a character the font lacks (げた記号, the Japanese typesetter's placeholder).
const MISSING: char = '〓';

struct Font<'a> {
    data: &'a [u8],
    index: u32,
    face: ttf_parser::Face<'a>,
    units_per_em: f32,
    /// char → (original glyph id, advance in 1/1000 em).
    lookup: HashMap<char, (u16, f32)>,
    remapper: subsetter::GlyphRemapper,
    /// CID (= subset glyph id) → (the character it stands for, advance in 1/1000 em).
    used: BTreeMap<u16, (char, f32)>,
    postscript_name: String,
}

impl<'a> Font<'a> {
    fn parse(data: &'a [u8], index: u32) -> Result<Self, CertificateError> {
        let face = ttf_parser::Face::parse(data, index)
            .map_err(|e| CertificateError::Font(e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(CertificateError::Font(
                "only TrueType-outline (glyf) fonts can be embedded".into(),
            ));
        }
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>();
        Ok(Font {
            data,
            index,
            units_per_em: f32::from(face.units_per_em()),
            face,
            lookup: HashMap::new(),
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
            postscript_name: if postscript_name.is_empty() {
                "JapaneseFont".into()
            } else {
                postscript_name
            },
        })
    }

    /// The glyph and advance for `c`; the font's 〓 (or `.notdef`) when it has none.
    fn glyph(&mut self, c: char) -> (u16, f32) {
        if let Some(g) = self.lookup.get(&c) {
            return *g;
        }
        let gid = self
            .face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index(MISSING))
            .unwrap_or(ttf_parser::GlyphId(0));
        let advance =
            f32::from(self.face.glyph_hor_advance(gid).unwrap_or(0)) * 1000.0 / self.units_per_em;
        self.lookup.insert(c, (gid.0, advance));
        (gid.0, advance)
    }

    /// Width of `text` at `size` points.
    fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size / 1000.0
    }

    /// The 2-byte CIDs (Identity-H) of `text`; records the glyphs for the subset.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (gid, advance) = self.glyph(c);
            let cid = self.remapper.remap(gid);
            let shown = if self.face.glyph_index(c).is_some() {
                c
            } else {
                MISSING
            };
            self.used.entry(cid).or_insert((shown, advance));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// The first line of `text` at `size` points, cut with `…` when it is wider than `max`.
    fn fit(&mut self, text: &str, size: f32, max: f32) -> String {
        let ellipsis = self.width("…", size);
        let mut lines = self.wrap(text, size, max - ellipsis);
        if lines.len() > 1 {
            lines[0].push('…');
        }
        lines.swap_remove(0)
    }

    /// Breaks `text` into lines no wider than `max` at `size` points (see the module doc).
    fn wrap(&mut self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in clean(text).split('\n') {
            self.wrap_paragraph(paragraph, size, max, &mut lines);
        }
        lines
    }

    fn wrap_paragraph(&mut self, text: &str, size: f32, max: f32, lines: &mut Vec<String>) {
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
                    let cw = self.glyph(c).1 * size / 1000.0;
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
fn clean(text: &str) -> String {
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

enum Token {
    /// A break opportunity (ASCII white space).
    Space,
    /// Text that stays on one line.
    Unit(String),
}

/// Characters that must not start a line (行頭禁則).
fn no_line_start(c: char) -> bool {
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
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '〔' | '［' | '｛' | '〈' | '《' | '(' | '[' | '{'
    )
}

/// Latin-script characters, kept together as words.
fn is_latin(c: char) -> bool {
    (c.is_ascii_graphic() || ('\u{00A0}'..'\u{0250}').contains(&c)) && !c.is_whitespace()
}

fn tokens(text: &str) -> Vec<Token> {
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

// ---------------------------------------------------------------------------------------------
// The document being drawn: pages of content and a cursor.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Body,
    Label,
    Head,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

struct Cell {
    text: String,
    span: usize,
    style: Style,
    align: Align,
}

fn body(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        span: 1,
        style: Style::Body,
        align: Align::Left,
    }
}

fn label(text: impl Into<String>) -> Cell {
    Cell {
        style: Style::Label,
        ..body(text)
    }
}

fn head(text: impl Into<String>) -> Cell {
    Cell {
        style: Style::Head,
        ..body(text)
    }
}

impl Cell {
    fn span(mut self, span: usize) -> Self {
        self.span = span;
        self
    }

    fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

type Row = Vec<Cell>;

struct Table {
    title: &'static str,
    /// Column widths; the one given as `0.0` takes what is left of the content width.
    columns: Vec<f32>,
    header: Option<Row>,
    /// Rows kept on one page when they fit on one.
    groups: Vec<Vec<Row>>,
    /// Said instead of the table when it has no rows.
    empty: &'static str,
}

struct LaidCell {
    x: f32,
    w: f32,
    lines: Vec<String>,
    style: Style,
    align: Align,
}

struct LaidRow {
    cells: Vec<LaidCell>,
    lines: usize,
}

fn row_height(lines: usize) -> f32 {
    lines as f32 * LINE + 2.0 * PAD_Y
}

struct Doc<'a> {
    font: Font<'a>,
    pages: Vec<Content>,
    current: usize,
    y: f32,
}

impl<'a> Doc<'a> {
    fn new(font: Font<'a>) -> Self {
        Doc {
            font,
            pages: vec![Content::new()],
            current: 0,
            y: TOP,
        }
    }

    fn page(&mut self) -> &mut Content {
        &mut self.pages[self.current]
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.current = self.pages.len() - 1;
        self.y = TOP;
    }

    /// Draws one line of text with its baseline at `y`.
    fn text(&mut self, x: f32, y: f32, size: f32, gray: f32, text: &str) {
        let bytes = self.font.encode(text);
        let page = &mut self.pages[self.current];
        page.set_fill_gray(gray);
        page.begin_text();
        page.set_font(Name(b"F1"), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }

    fn text_centered(&mut self, y: f32, size: f32, gray: f32, text: &str) {
        let w = self.font.width(text, size);
        self.text((PAGE_W - w) / 2.0, y, size, gray, text);
    }

    fn rule(&mut self, x0: f32, x1: f32, y: f32, width: f32, gray: f32) {
        let page = self.page();
        page.set_stroke_gray(gray);
        page.set_line_width(width);
        page.move_to(x0, y);
        page.line_to(x1, y);
        page.stroke();
    }

    /// Room left above the footer.
    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    /// A wrapped paragraph across the content width.
    fn paragraph(&mut self, text: &str, size: f32, gray: f32) {
        let line_h = size * 1.6;
        for line in self.font.wrap(text, size, CONTENT_W) {
            if self.room() < line_h {
                self.new_page();
            }
            self.text(MARGIN, self.y - size * 1.2, size, gray, &line);
            self.y -= line_h;
        }
    }

    /// A section heading (a bar, the title, a rule); starts a new page unless `keep` more points
    /// fit below it.
    fn heading(&mut self, title: &str, keep: f32) {
        if self.room() < HEADING_H + keep {
            self.new_page();
        }
        // HEADING_H is what this takes: 10 + HEADING + 11 (no space above at the top of a page).
        let top = if self.y < TOP { self.y - 10.0 } else { self.y };
        let baseline = top - HEADING;
        let page = self.page();
        page.set_fill_gray(0.25);
        page.rect(MARGIN, baseline - 1.5, 3.0, HEADING + 1.0);
        page.fill_nonzero();
        self.text(MARGIN + 8.0, baseline, HEADING, INK, title);
        self.rule(MARGIN, PAGE_W - MARGIN, baseline - 5.0, 0.6, RULE);
        self.y = baseline - 11.0;
    }

    fn lay_out(&mut self, columns: &[f32], row: &Row) -> LaidRow {
        let mut x = MARGIN;
        let mut col = 0;
        let mut cells = Vec::with_capacity(row.len());
        for cell in row {
            let spanned = col.min(columns.len())..(col + cell.span).min(columns.len());
            let w: f32 = columns[spanned].iter().sum();
            col += cell.span;
            let size = cell_size(cell.style);
            let lines = self.font.wrap(&cell.text, size, w - 2.0 * PAD_X);
            cells.push(LaidCell {
                x,
                w,
                lines,
                style: cell.style,
                align: cell.align,
            });
            x += w;
        }
        let lines = cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(1)
            .max(1);
        LaidRow { cells, lines }
    }

    /// Draws lines `from..from + count` of `row` at the cursor and moves the cursor down.
    fn draw_row(&mut self, row: &LaidRow, from: usize, count: usize) {
        let top = self.y;
        let h = row_height(count);
        let page = self.page();
        for cell in &row.cells {
            let fill = match cell.style {
                Style::Body => continue,
                Style::Label => LABEL_FILL,
                Style::Head => HEAD_FILL,
            };
            page.set_fill_gray(fill);
            page.rect(cell.x, top - h, cell.w, h);
            page.fill_nonzero();
        }
        page.set_stroke_gray(RULE);
        page.set_line_width(0.5);
        for cell in &row.cells {
            page.rect(cell.x, top - h, cell.w, h);
        }
        page.stroke();
        for cell in &row.cells {
            let size = cell_size(cell.style);
            let gray = if cell.style == Style::Label { 0.2 } else { INK };
            for (i, line) in cell.lines.iter().skip(from).take(count).enumerate() {
                let baseline = top - PAD_Y - i as f32 * LINE - (LINE - size) / 2.0 - size * 0.86;
                let x = match cell.align {
                    Align::Left => cell.x + PAD_X,
                    Align::Right => cell.x + cell.w - PAD_X - self.font.width(line, size),
                    Align::Center => cell.x + (cell.w - self.font.width(line, size)) / 2.0,
                };
                self.text(x, baseline, size, gray, line);
            }
        }
        self.y -= h;
    }

    /// Continues `table` on a new page: a「（続き）」heading and the header row again.
    fn continue_table(&mut self, table: &Table, header: Option<&LaidRow>) {
        self.new_page();
        self.heading(&format!("{}（続き）", table.title), 0.0);
        if let Some(header) = header {
            self.draw_row(header, 0, header.lines);
        }
    }

    /// Draws a row, breaking the page before it, or inside it when it is taller than a page.
    fn draw_row_breaking(&mut self, table: &Table, header: Option<&LaidRow>, row: &LaidRow) {
        let fresh = TOP - BOTTOM - HEADING_H - header.map_or(0.0, |h| row_height(h.lines));
        let fresh_lines = ((fresh - 2.0 * PAD_Y) / LINE).floor().max(1.0) as usize;
        let mut from = 0;
        // Right after a page break the row is split rather than moved again: no endless loop.
        let mut just_broke = false;
        while from < row.lines {
            let left = row.lines - from;
            if row_height(left) <= self.room() + 0.01 {
                self.draw_row(row, from, left);
                return;
            }
            let fit = ((self.room() - 2.0 * PAD_Y) / LINE).floor().max(0.0) as usize;
            if !just_broke && (left <= fresh_lines || fit == 0) {
                self.continue_table(table, header);
                just_broke = true;
                continue;
            }
            let count = fit.clamp(1, left);
            self.draw_row(row, from, count);
            from += count;
            if from < row.lines {
                self.continue_table(table, header);
                just_broke = true;
            }
        }
    }

    fn table(&mut self, table: &Table) {
        if table.groups.is_empty() {
            self.heading(table.title, 20.0);
            self.paragraph(table.empty, BODY, INK);
            self.y -= 4.0;
            return;
        }
        let mut columns = table.columns.clone();
        let fixed: f32 = columns.iter().sum();
        if let Some(flexible) = columns.iter_mut().find(|w| **w == 0.0) {
            *flexible = (CONTENT_W - fixed).max(20.0);
        }
        let header = table.header.as_ref().map(|h| self.lay_out(&columns, h));
        let groups: Vec<Vec<LaidRow>> = table
            .groups
            .iter()
            .map(|g| g.iter().map(|r| self.lay_out(&columns, r)).collect())
            .collect();
        let header_h = header.as_ref().map_or(0.0, |h| row_height(h.lines));
        let first_h = groups
            .first()
            .map_or(0.0, |g| g.iter().map(|r| row_height(r.lines)).sum::<f32>());
        self.heading(table.title, header_h + first_h.min(120.0));
        if let Some(h) = &header {
            self.draw_row(h, 0, h.lines);
        }
        let fresh = TOP - BOTTOM - HEADING_H - header_h;
        for group in &groups {
            let h: f32 = group.iter().map(|r| row_height(r.lines)).sum();
            if h > self.room() && h <= fresh {
                self.continue_table(table, header.as_ref());
            }
            for row in group {
                self.draw_row_breaking(table, header.as_ref(), row);
            }
        }
        self.y -= 4.0;
    }

    /// Running header (pages 2…), footer and page numbers on every page.
    fn decorate(&mut self, cert: &CompletionCertificate) {
        let total = self.pages.len();
        let notice = format!(
            "この証明書は電子契約サービス Tachiai が発行し、電子署名（{}）とタイムスタンプ（{}）を付与しています。",
            one_line(&cert.seal_subject),
            one_line(&cert.tsa_name),
        );
        let verify = format!(
            "検証：PDF閲覧ソフトの署名パネル、または {} で確認できます。",
            cert.verification_url
        );
        let number_w = 48.0;
        let size = 7.0;
        let mut lines = self.font.wrap(&notice, size, CONTENT_W - number_w);
        lines.extend(self.font.wrap(&verify, size, CONTENT_W - number_w));
        lines.truncate(3);
        let running = format!(
            "合意締結証明書　契約番号 {}",
            one_line(&cert.contract_number)
        );
        let running = self.font.fit(&running, 7.5, CONTENT_W);
        for i in 0..total {
            self.current = i;
            let rule_y = MARGIN + 22.0;
            self.rule(MARGIN, PAGE_W - MARGIN, rule_y, 0.5, RULE);
            for (k, line) in lines.iter().enumerate() {
                let y = rule_y - 9.0 - k as f32 * (size * 1.35);
                self.text(MARGIN, y, size, GREY_TEXT, line);
            }
            let number = format!("{} / {}", i + 1, total);
            let w = self.font.width(&number, 8.0);
            self.text(PAGE_W - MARGIN - w, rule_y - 10.0, 8.0, INK, &number);
            if i > 0 {
                let y = PAGE_H - MARGIN + 12.0;
                self.text(MARGIN, y, 7.5, GREY_TEXT, &running);
                self.rule(MARGIN, PAGE_W - MARGIN, y - 4.0, 0.4, RULE);
            }
        }
    }

    /// Writes the PDF: catalog, pages, the font subset and the document information.
    fn finish(mut self, cert: &CompletionCertificate) -> Result<Vec<u8>, CertificateError> {
        self.decorate(cert);
        let Doc { font, pages, .. } = self;

        let subset = subsetter::subset(font.data, font.index, &font.remapper)
            .map_err(|e| CertificateError::Font(format!("subsetting failed: {e}")))?;
        let digest = sha256(&subset);
        let tag: String = digest[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let base_font = format!("{tag}+{}", font.postscript_name);

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
        let face = &font.face;
        let scale = |v: i16| f32::from(v) * 1000.0 / font.units_per_em;
        pdf.type0_font(type0_id)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(base_font.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor_id)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = cid.widths();
        let mut run: Vec<f32> = Vec::new();
        let mut run_start = 0u16;
        for (&c, &(_, w)) in &font.used {
            if !run.is_empty() && c != run_start + run.len() as u16 {
                widths.consecutive(run_start, run.drain(..));
            }
            if run.is_empty() {
                run_start = c;
            }
            run.push(w.round());
        }
        if !run.is_empty() {
            widths.consecutive(run_start, run.drain(..));
        }
        widths.finish();
        cid.finish();
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor_id)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(face.ascender()))
            .descent(scale(face.descender()))
            .cap_height(scale(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(80.0)
            .font_file2(file_id);
        let compressed = deflate(&subset)?;
        pdf.stream(file_id, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        // §9.10.3: CID → Unicode, so the text can be extracted and searched.
        let mut cmap = UnicodeCmap::new(
            Name(b"Adobe-Identity-UCS"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (&c, &(ch, _)) in &font.used {
            cmap.pair(c, ch);
        }
        let cmap = deflate(&cmap.finish())?;
        pdf.stream(cmap_id, &cmap).filter(Filter::FlateDecode);

        let issued = jst_date(cert.issued_at_unix);
        pdf.document_info(info_id)
            .title(TextStr(&format!(
                "合意締結証明書 {}",
                one_line(&cert.contract_number)
            )))
            .author(TextStr(&one_line(&cert.tenant_name)))
            .subject(TextStr(&one_line(&cert.title)))
            .creator(TextStr("Tachiai"))
            .producer(TextStr("Tachiai"))
            .creation_date(issued)
            .modified_date(issued);
        // A stable file identifier: the same certificate, the same /ID.
        let id = sha256(
            format!(
                "{}\n{}\n{}",
                cert.contract_number, cert.verification_url, cert.issued_at_unix
            )
            .as_bytes(),
        )[..16]
            .to_vec();
        pdf.set_file_id((id.clone(), id));
        Ok(pdf.finish())
    }
}

fn cell_size(style: Style) -> f32 {
    match style {
        Style::Body => BODY,
        Style::Label | Style::Head => 8.0,
    }
}

fn one_line(text: &str) -> String {
    clean(text).replace('\n', " ")
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, CertificateError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

/// `/CreationDate` in JST (+09'00).
fn jst_date(unix: i64) -> Date {
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

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".into()
    } else {
        text.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The certificate's content.

fn draw(doc: &mut Doc<'_>, cert: &CompletionCertificate) {
    // Title block.
    doc.y = TOP - 6.0;
    doc.text_centered(doc.y - 22.0, 22.0, INK, "合意締結証明書");
    doc.text_centered(
        doc.y - 40.0,
        9.5,
        GREY_TEXT,
        "Certificate of Agreement and Conclusion",
    );
    doc.y -= 52.0;
    let issued = format!("発行日時　{}", crate::clock::jst_text(cert.issued_at_unix));
    let issuer = format!("発行　{}", one_line(&cert.tenant_name));
    for line in [issuer, issued] {
        let line = doc.font.fit(&line, 8.5, CONTENT_W);
        let w = doc.font.width(&line, 8.5);
        doc.text(PAGE_W - MARGIN - w, doc.y - 9.0, 8.5, INK, &line);
        doc.y -= 13.0;
    }
    doc.y -= 6.0;
    doc.paragraph(
        "下記の契約書について、記載の当事者が本人確認のうえ内容を確認して合意したこと、\
         および本サービスが電子署名とタイムスタンプを付与して締結処理を行ったことを証明します。\
         各文書の SHA-256 ハッシュ値は、アップロードされた原本と電子署名済みのファイルのものです。",
        9.0,
        INK,
    );
    doc.y -= 2.0;

    // 契約の概要.
    let mut summary = vec![
        ("団体名", one_line(&cert.tenant_name)),
        ("契約番号", cert.contract_number.clone()),
        ("件名", cert.title.clone()),
        ("所属", cert.department.clone()),
        ("契約相手方", cert.counterparty.clone()),
        (
            "契約金額（税込）",
            cert.amount_yen.map_or_else(|| "—".into(), format_yen),
        ),
    ];
    summary.push((
        "契約期間",
        cert.contract_period
            .as_ref()
            .map_or_else(|| "—".into(), |p| format!("{}～{}", p.from, p.to)),
    ));
    summary.push(("契約締結日", cert.concluded_on.clone()));
    doc.table(&Table {
        title: "契約の概要",
        columns: vec![110.0, 0.0],
        header: None,
        groups: summary
            .into_iter()
            .map(|(k, v)| vec![vec![label(k), body(or_dash(&v))]])
            .collect(),
        empty: "",
    });

    // 文書.
    doc.table(&Table {
        title: "文書",
        columns: vec![100.0, 0.0, 92.0, 52.0],
        header: Some(vec![
            head("区分"),
            head("ファイル名"),
            head("サイズ").align(Align::Right),
            head("ページ数").align(Align::Right),
        ]),
        groups: cert
            .documents
            .iter()
            .map(|d| {
                vec![
                    vec![
                        body(role_label(d.role)),
                        body(or_dash(&d.file_name)),
                        body(format!("{}バイト", group_thousands(d.size_bytes)))
                            .align(Align::Right),
                        body(d.pages.map_or_else(|| "—".into(), |p| p.to_string()))
                            .align(Align::Right),
                    ],
                    vec![label("SHA-256（原本）"), body(&d.original_sha256).span(3)],
                    vec![
                        label("SHA-256（署名済み）"),
                        body(
                            d.sealed_sha256
                                .clone()
                                .unwrap_or_else(|| "—（署名の対象外）".into()),
                        )
                        .span(3),
                    ],
                ]
            })
            .collect(),
        empty: "文書はありません。",
    });

    // 合意した当事者.
    doc.table(&Table {
        title: "合意した当事者",
        columns: vec![76.0, 170.0, 66.0, 0.0],
        header: None,
        groups: cert
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut rows = vec![
                    vec![head(format!("当事者 {}", i + 1)).span(4)],
                    vec![
                        label("組織名"),
                        body(or_dash(&p.organisation)),
                        label("氏名"),
                        body(or_dash(&p.name)),
                    ],
                    vec![label("メールアドレス"), body(or_dash(&p.email)).span(3)],
                    vec![
                        label("本人確認方法"),
                        body(or_dash(&p.verification_method)).span(3),
                    ],
                    vec![
                        label("同意日時"),
                        body(or_dash(&p.agreed_at)),
                        label("IPアドレス"),
                        body(or_dash(&p.ip_address)),
                    ],
                    vec![
                        label("利用環境"),
                        body(short_user_agent(&p.user_agent)).span(3),
                    ],
                ];
                if let Some(note) = &p.note {
                    rows.push(vec![label("備考"), body(note).span(3)]);
                }
                rows
            })
            .collect(),
        empty: "合意した当事者はいません。",
    });

    // Date columns as wide as their longest date, so that a date stays on one line.
    let date_width = |doc: &mut Doc<'_>, dates: &mut dyn Iterator<Item = &String>| {
        let heading = doc.font.width("日時", 8.0);
        let widest = dates
            .map(|d| doc.font.width(d, BODY))
            .fold(heading, f32::max);
        (widest + 2.0 * PAD_X + 1.0).clamp(60.0, 150.0)
    };

    // 社内承認.
    let decided_w = date_width(doc, &mut cert.approvals.iter().map(|a| &a.decided_at));
    doc.table(&Table {
        title: "社内承認",
        columns: vec![24.0, 72.0, 90.0, 46.0, decided_w, 0.0],
        header: Some(vec![
            head("No.").align(Align::Center),
            head("承認ステップ"),
            head("承認者"),
            head("判断").align(Align::Center),
            head("日時"),
            head("コメント"),
        ]),
        groups: cert
            .approvals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                vec![vec![
                    body((i + 1).to_string()).align(Align::Center),
                    body(or_dash(&a.step)),
                    body(or_dash(&a.approver)),
                    body(a.decision.label()).align(Align::Center),
                    body(or_dash(&a.decided_at)),
                    body(a.comment.as_deref().map_or_else(|| "—".into(), or_dash)),
                ]]
            })
            .collect(),
        empty: "社内承認は行われていません（承認ルートの設定なし）。",
    });

    // 経過記録.
    let at_w = date_width(doc, &mut cert.events.iter().map(|e| &e.at));
    doc.table(&Table {
        title: "経過記録",
        columns: vec![26.0, at_w, 160.0, 0.0],
        header: Some(vec![
            head("No.").align(Align::Center),
            head("日時"),
            head("操作者"),
            head("操作"),
        ]),
        groups: cert
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                vec![vec![
                    body((i + 1).to_string()).align(Align::Center),
                    body(or_dash(&e.at)),
                    body(or_dash(&e.actor)),
                    body(or_dash(&e.action)),
                ]]
            })
            .collect(),
        empty: "記録はありません。",
    });

    // 電子署名と検証.
    doc.table(&Table {
        title: "電子署名と検証",
        columns: vec![110.0, 0.0],
        header: None,
        groups: vec![
            vec![vec![label("電子署名"), body(or_dash(&cert.seal_subject))]],
            vec![vec![label("タイムスタンプ"), body(or_dash(&cert.tsa_name))]],
            vec![vec![
                label("検証用URL"),
                body(or_dash(&cert.verification_url)),
            ]],
        ],
        empty: "",
    });
    doc.paragraph(
        "この証明書自体にも電子署名とタイムスタンプが付与されています。\
         改ざんの有無は、PDF閲覧ソフトの署名パネル、または上記の検証用URLで確認できます。",
        8.5,
        INK,
    );
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
        Font::parse(crate::seal::japanese_font_bytes(), 0).unwrap()
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
    fn odd_and_oversized_input_still_renders() {
        let odd = "\u{0}\u{7}🙂𠮷葛\u{E0100}ｱ\t\r\n（「」）".repeat(40) + &"x".repeat(4000);
        let cert = CompletionCertificate {
            tenant_name: odd.clone(),
            contract_number: odd.clone(),
            title: odd.clone(),
            department: String::new(),
            counterparty: odd.clone(),
            amount_yen: Some(i64::MIN),
            contract_period: Some(ContractPeriod {
                from: odd.clone(),
                to: String::new(),
            }),
            concluded_on: odd.clone(),
            documents: vec![CertifiedDocument {
                file_name: odd.clone(),
                role: DocumentRole::Attachment,
                size_bytes: u64::MAX,
                pages: None,
                original_sha256: odd.clone(),
                sealed_sha256: None,
            }],
            parties: vec![AgreedParty {
                organisation: odd.clone(),
                name: odd.clone(),
                email: odd.clone(),
                verification_method: odd.clone(),
                ip_address: odd.clone(),
                user_agent: odd.clone(),
                agreed_at: odd.clone(),
                note: Some(odd.clone()),
            }],
            approvals: vec![ApprovalRecord {
                step: odd.clone(),
                approver: odd.clone(),
                decision: ApprovalDecision::SentBack,
                decided_at: odd.clone(),
                comment: Some(odd.clone()),
            }],
            events: (0..500)
                .map(|i| TimelineEvent {
                    at: i.to_string(),
                    actor: odd.chars().take(40).collect(),
                    action: String::new(),
                })
                .collect(),
            verification_url: odd.clone(),
            issued_at_unix: i64::MAX,
            seal_subject: odd.clone(),
            tsa_name: odd,
        };
        let pdf = render(&cert).unwrap();
        assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
    }

    #[test]
    fn a_character_the_font_lacks_is_drawn_as_geta() {
        let mut f = font();
        // U+1F600 (an emoji) is not in IPAexGothic.
        let cids = f.encode("\u{1F600}");
        let cid = u16::from_be_bytes([cids[0], cids[1]]);
        assert_eq!(f.used[&cid].0, MISSING);
    }
}
