//! A tiny document model for mails: a template describes its Japanese and English content as
//! [`Block`]s, and this module turns them into `text/plain` and `text/html` the same way for
//! every template. All text is escaped here, and only [`Block::Link`] makes a link.

use time::{OffsetDateTime, UtcOffset};

use crate::clock::Millis;

/// Put in front of every subject.
pub const SUBJECT_PREFIX: &str = "【立会】";

/// One piece of a mail body.
#[derive(Debug, Clone)]
pub(super) enum Block {
    /// A paragraph; `\n` breaks the line.
    P(String),
    /// Label/value lines (件名, 契約番号, …).
    Fields(Vec<(&'static str, String)>),
    /// A link given by the caller, shown as its own URL.
    Link(String),
    /// A code to type in, shown large.
    Code(String),
    /// Someone's own words (a message, a reason), under a label.
    Quote(&'static str, String),
    /// A bulleted list under a heading.
    List(&'static str, Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Ja,
    En,
}

/// A rendered mail: subject, plain text and HTML, Japanese first and English below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject, `【立会】… / …`.
    pub subject: String,
    /// `text/plain` body.
    pub text: String,
    /// `text/html` body.
    pub html: String,
}

const FOOTER_JA: &str = "このメールは送信専用のアドレスから自動で送信しています。\
ご返信いただいてもお答えできませんので、ご了承ください。\n――\n立会 電子契約";
const FOOTER_EN: &str = "This e-mail was sent automatically from a send-only address; \
replies are not read.\n--\nTachiai electronic contract service";

/// Builds both bodies from the two languages' blocks (a footer is added to each).
pub(super) fn render(subject: String, ja: Vec<Block>, en: Vec<Block>) -> Rendered {
    let ja = with_footer(ja, FOOTER_JA);
    let en = with_footer(en, FOOTER_EN);
    let mut text = String::new();
    text_blocks(&mut text, &ja, Lang::Ja);
    text.push_str("\n――――――――――――――――――――\nEnglish\n\n");
    text_blocks(&mut text, &en, Lang::En);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n</head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.6; color: #222;\">\n<div lang=\"ja\">\n",
        escape(&subject)
    );
    html_blocks(&mut html, &ja);
    html.push_str("</div>\n<hr>\n<div lang=\"en\">\n");
    html_blocks(&mut html, &en);
    html.push_str("</div>\n</body>\n</html>\n");
    Rendered {
        subject,
        text,
        html,
    }
}

fn with_footer(mut blocks: Vec<Block>, footer: &str) -> Vec<Block> {
    blocks.push(Block::P(footer.to_owned()));
    blocks
}

fn text_blocks(out: &mut String, blocks: &[Block], lang: Lang) {
    let (colon, bullet) = match lang {
        Lang::Ja => ("：", "・"),
        Lang::En => (": ", "- "),
    };
    for block in blocks {
        match block {
            Block::P(t) => out.push_str(t),
            Block::Fields(rows) => {
                for (i, (label, value)) in rows.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(label);
                    out.push_str(colon);
                    out.push_str(&value.replace('\n', "\n    "));
                }
            }
            Block::Link(url) => out.push_str(url),
            Block::Code(code) => {
                out.push_str("    ");
                out.push_str(code);
            }
            Block::Quote(label, t) => {
                out.push_str(label);
                out.push_str(colon.trim_end());
                for line in t.lines() {
                    out.push_str("\n  ");
                    out.push_str(line);
                }
            }
            Block::List(heading, items) => {
                out.push_str(heading);
                for item in items {
                    out.push('\n');
                    out.push_str(bullet);
                    out.push_str(item);
                }
            }
        }
        out.push_str("\n\n");
    }
}

fn html_blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::P(t) => {
                out.push_str("<p>");
                out.push_str(&escape_lines(t));
                out.push_str("</p>\n");
            }
            Block::Fields(rows) => {
                out.push_str("<table style=\"border-collapse: collapse;\">\n");
                for (label, value) in rows {
                    out.push_str(&format!(
                        "<tr><th style=\"text-align: left; padding: 2px 12px 2px 0; white-space: nowrap; vertical-align: top;\">{}</th><td style=\"padding: 2px 0;\">{}</td></tr>\n",
                        escape(label),
                        escape_lines(value)
                    ));
                }
                out.push_str("</table>\n");
            }
            Block::Link(url) => {
                let url = escape(url);
                out.push_str(&format!("<p><a href=\"{url}\">{url}</a></p>\n"));
            }
            Block::Code(code) => out.push_str(&format!(
                "<p style=\"font-size: 1.6em; font-weight: bold; letter-spacing: 0.2em;\">{}</p>\n",
                escape(code)
            )),
            Block::Quote(label, t) => out.push_str(&format!(
                "<p>{}</p>\n<blockquote style=\"margin: 0 0 1em 0; padding-left: 12px; border-left: 3px solid #ccc;\">{}</blockquote>\n",
                escape(label),
                escape_lines(t)
            )),
            Block::List(heading, items) => {
                out.push_str(&format!("<p>{}</p>\n<ul>\n", escape(heading)));
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", escape(item)));
                }
                out.push_str("</ul>\n");
            }
        }
    }
}

/// HTML-escapes text for element content and double-quoted attributes.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn escape_lines(s: &str) -> String {
    escape(s).replace('\n', "<br>\n")
}

fn jst(at: Millis) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_hms(9, 0, 0).ok()?;
    OffsetDateTime::from_unix_timestamp(at.unix_seconds())
        .ok()
        .map(|t| t.to_offset(offset))
}

/// `2026年12月2日 17:00 JST`, as on the stamp and the completion certificate.
pub(super) fn date_ja(at: Millis) -> String {
    crate::clock::jst_text(at.unix_seconds())
}

/// `2 December 2026, 17:00 JST`.
pub(super) fn date_en(at: Millis) -> String {
    jst(at)
        .map(|t| {
            format!(
                "{} {} {}, {:02}:{:02} JST",
                t.day(),
                t.month(),
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_japan_time() {
        // 2026-12-02T08:00:00Z is 17:00 in Japan.
        let at = Millis(1_796_198_400_000);
        assert_eq!(date_ja(at), "2026年12月2日 17:00 JST");
        assert_eq!(date_en(at), "2 December 2026, 17:00 JST");
    }

    #[test]
    fn escaping_covers_attributes_too() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
