//! 合意締結証明書 (completion certificate): the Japanese PDF that states what was agreed, by whom,
//! how each party was verified, and what happened when.
//!
//! Pure: a [`CompletionCertificate`] in, PDF bytes out. No database, no HTTP, no clock and no
//! randomness: the same input gives the same bytes, so a retried sealing job draws the same
//! certificate. Formatting dates (和暦 or not) is the caller's; sealing the result is `seal` /
//! `pades`'s.
//!
//! The PDF is written with `pdf-writer`: A4 portrait, one embedded **subset of IPAexGothic**
//! ([`crate::seal::japanese_font`], subset by `pades`' glyph accumulator, as the stamp is) as a Type0 font over a CIDFontType2 with Identity-H
//! encoding, `/CIDToGIDMap /Identity` over the subset's glyph ids, `/W` widths and a `/ToUnicode`
//! CMap so the text can be searched and extracted (ISO 32000-1 §9.7.4, §9.7.6, §9.10.3). Text is
//! wrapped by measuring glyph advances: between any two CJK characters or at spaces, never inside
//! a Latin word unless it is longer than the line, never before closing punctuation (行頭禁則) or
//! after an opening bracket (行末禁則). Tables break across pages and repeat their header row.

mod content;
mod layout;
// Monthly usage report (月次利用状況報告): drawn with the same layout, font and writer.
pub mod monthly_report;
mod text;
mod write;

pub use shared::contract::DocumentRole;
pub use text::{format_yen, short_user_agent};

use layout::Doc;
use text::Font;

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
    /// 送信時の電子署名: when and on whose act the file was sealed at sending (sender and the
    /// completed approval route, as its `/Reason` says); `None` for a contract sent before
    /// sending seals existed.
    pub sending_seal: Option<String>,
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
    let font = crate::seal::japanese_font().map_err(|e| CertificateError::Font(e.to_string()))?;
    render_with_font(cert, &font)
}

/// Draws the completion certificate with `font` (TrueType outlines; a subset is embedded).
pub fn render_with_font(
    cert: &CompletionCertificate,
    font: &pades::TrueTypeFont,
) -> Result<Vec<u8>, CertificateError> {
    let mut doc = Doc::new(Font::new(font)?);
    content::draw(&mut doc, cert);
    doc.finish(cert)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            tsa_name: odd.clone(),
            sending_seal: Some(odd),
        };
        let pdf = render(&cert).unwrap();
        assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
    }
}
