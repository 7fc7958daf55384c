//! Layout: the page geometry, and the document being drawn (pages, a cursor, headings,
//! paragraphs and tables that break across pages).

use pdf_writer::{Content, Name, Str};

use super::text::Font;

// ---------------------------------------------------------------------------------------------
// Page geometry (PDF points; A4 = 210 × 297 mm) and type sizes.

pub(super) const PAGE_W: f32 = 595.276;
pub(super) const PAGE_H: f32 = 841.89;
/// 20 mm.
pub(super) const MARGIN: f32 = 56.693;
pub(super) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
pub(super) const TOP: f32 = PAGE_H - MARGIN;
/// Content stops here; the footer lives below.
pub(super) const BOTTOM: f32 = MARGIN + 36.0;
pub(super) const BODY: f32 = 8.5;
/// Line box height in tables.
pub(super) const LINE: f32 = BODY * 1.5;
pub(super) const PAD_X: f32 = 4.0;
pub(super) const PAD_Y: f32 = 3.0;
pub(super) const HEADING: f32 = 11.5;
/// Height taken by a section heading below other content: 10 pt of space, the title, the rule.
pub(super) const HEADING_H: f32 = 10.0 + HEADING + 11.0;

pub(super) const INK: f32 = 0.0;
pub(super) const GREY_TEXT: f32 = 0.35;
pub(super) const RULE: f32 = 0.55;
pub(super) const LABEL_FILL: f32 = 0.93;
pub(super) const HEAD_FILL: f32 = 0.85;

// ---------------------------------------------------------------------------------------------
// The document being drawn: pages of content and a cursor.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Body,
    Label,
    Head,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Center,
    Right,
}

pub(super) struct Cell {
    pub(super) text: String,
    pub(super) span: usize,
    pub(super) style: Style,
    pub(super) align: Align,
}

pub(super) fn body(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        span: 1,
        style: Style::Body,
        align: Align::Left,
    }
}

pub(super) fn label(text: impl Into<String>) -> Cell {
    Cell {
        style: Style::Label,
        ..body(text)
    }
}

pub(super) fn head(text: impl Into<String>) -> Cell {
    Cell {
        style: Style::Head,
        ..body(text)
    }
}

impl Cell {
    pub(super) fn span(mut self, span: usize) -> Self {
        self.span = span;
        self
    }

    pub(super) fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

pub(super) type Row = Vec<Cell>;

pub(super) struct Table {
    pub(super) title: &'static str,
    /// Column widths; the one given as `0.0` takes what is left of the content width.
    pub(super) columns: Vec<f32>,
    pub(super) header: Option<Row>,
    /// Rows kept on one page when they fit on one.
    pub(super) groups: Vec<Vec<Row>>,
    /// Said instead of the table when it has no rows.
    pub(super) empty: &'static str,
}

pub(super) struct LaidCell {
    pub(super) x: f32,
    pub(super) w: f32,
    pub(super) lines: Vec<String>,
    pub(super) style: Style,
    pub(super) align: Align,
}

pub(super) struct LaidRow {
    pub(super) cells: Vec<LaidCell>,
    pub(super) lines: usize,
}

pub(super) fn row_height(lines: usize) -> f32 {
    lines as f32 * LINE + 2.0 * PAD_Y
}

pub(super) struct Doc<'a> {
    pub(super) font: Font<'a>,
    pub(super) pages: Vec<Content>,
    pub(super) current: usize,
    pub(super) y: f32,
}

impl<'a> Doc<'a> {
    pub(super) fn new(font: Font<'a>) -> Self {
        Doc {
            font,
            pages: vec![Content::new()],
            current: 0,
            y: TOP,
        }
    }

    pub(super) fn page(&mut self) -> &mut Content {
        &mut self.pages[self.current]
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.current = self.pages.len() - 1;
        self.y = TOP;
    }

    /// Draws one line of text with its baseline at `y`.
    pub(super) fn text(&mut self, x: f32, y: f32, size: f32, gray: f32, text: &str) {
        let bytes = self.font.encode(text);
        let page = &mut self.pages[self.current];
        page.set_fill_gray(gray);
        page.begin_text();
        page.set_font(Name(b"F1"), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }

    pub(super) fn text_centered(&mut self, y: f32, size: f32, gray: f32, text: &str) {
        let w = self.font.width(text, size);
        self.text((PAGE_W - w) / 2.0, y, size, gray, text);
    }

    pub(super) fn rule(&mut self, x0: f32, x1: f32, y: f32, width: f32, gray: f32) {
        let page = self.page();
        page.set_stroke_gray(gray);
        page.set_line_width(width);
        page.move_to(x0, y);
        page.line_to(x1, y);
        page.stroke();
    }

    /// Room left above the footer.
    pub(super) fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    /// A wrapped paragraph across the content width.
    pub(super) fn paragraph(&mut self, text: &str, size: f32, gray: f32) {
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
    pub(super) fn heading(&mut self, title: &str, keep: f32) {
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

    pub(super) fn lay_out(&mut self, columns: &[f32], row: &Row) -> LaidRow {
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
    pub(super) fn draw_row(&mut self, row: &LaidRow, from: usize, count: usize) {
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
    pub(super) fn continue_table(&mut self, table: &Table, header: Option<&LaidRow>) {
        self.new_page();
        self.heading(&format!("{}（続き）", table.title), 0.0);
        if let Some(header) = header {
            self.draw_row(header, 0, header.lines);
        }
    }

    /// Draws a row, breaking the page before it, or inside it when it is taller than a page.
    pub(super) fn draw_row_breaking(
        &mut self,
        table: &Table,
        header: Option<&LaidRow>,
        row: &LaidRow,
    ) {
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

    pub(super) fn table(&mut self, table: &Table) {
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
}

pub(super) fn cell_size(style: Style) -> f32 {
    match style {
        Style::Body => BODY,
        Style::Label | Style::Head => 8.0,
    }
}
