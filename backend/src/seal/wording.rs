//! The contract's words on a seal: who instructed it, the standard stamp, the engine's errors in
//! Japanese, and the embedded font they are drawn with.

use pades::{LimitKind, PadesError, TrueTypeFont, VisibleStamp};

/// IPAexGothic (IPA Font License v1.0, see `backend/assets/fonts/`): the stamp and the completion
/// certificate are drawn with a subset of it.
static JAPANESE_FONT: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");

/// The Japanese font embedded in the binary (IPAexGothic, face 0), for the stamp and the
/// completion certificate.
pub fn japanese_font() -> Result<TrueTypeFont, PadesError> {
    TrueTypeFont::from_static(JAPANESE_FONT, 0)
}

/// Who instructed the service to seal: the agreeing party and how they were verified. It goes
/// into the signature's `/Reason` (and `/ContactInfo`) in Japanese, so each signature records on
/// whose instruction it was made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SealInstruction {
    /// The person who agreed, e.g. `山田 太郎`.
    pub name: String,
    /// Their organisation, e.g. `株式会社テスト商事`.
    pub organization: Option<String>,
    /// Their e-mail address.
    pub email: Option<String>,
    /// How they were verified, e.g. `メールアドレス確認（ワンタイムパスワード）`.
    pub verification_method: Option<String>,
    /// When they agreed, as text, e.g. `2026年11月25日 14:05 JST`.
    pub agreed_at: Option<String>,
}

impl SealInstruction {
    /// The `/Reason` text: 「…の指示により立会人として電子署名」.
    pub fn reason_ja(&self) -> String {
        let mut who = String::new();
        if let Some(o) = &self.organization {
            who.push_str(o);
            who.push(' ');
        }
        who.push_str(&self.name);
        let mut details = Vec::new();
        if let Some(e) = &self.email {
            details.push(e.clone());
        }
        if let Some(m) = &self.verification_method {
            details.push(format!("本人確認: {m}"));
        }
        if let Some(t) = &self.agreed_at {
            details.push(format!("同意日時: {t}"));
        }
        if details.is_empty() {
            format!("{who} の指示により立会人として電子署名")
        } else {
            format!(
                "{who}（{}）の指示により立会人として電子署名",
                details.join("、")
            )
        }
    }

    /// `meta` with `/Reason` and `/ContactInfo` saying who instructed the seal.
    pub fn apply(&self, mut meta: pades::SignatureMetadata) -> pades::SignatureMetadata {
        meta.reason = Some(self.reason_ja());
        if let Some(e) = &self.email {
            meta.contact_info = Some(e.clone());
        }
        meta
    }
}

/// One approval of the completed route, as the sending seal records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteApproval {
    /// The step, e.g. `課長決裁`.
    pub step: String,
    /// Who approved, e.g. `佐藤 花子`.
    pub approver: String,
    /// When, as text, e.g. `2026年11月25日 14:05 JST`.
    pub at: String,
}

/// The longest `/Reason` of a sending seal, in characters: a long route is cut short there
/// ("ほかN件"); the full route is in the audit log and the completion certificate.
pub const SENDING_REASON_MAX_CHARS: usize = 400;

/// The city's own act (送信): who sent the contract and the approval route it passed, for the
/// `/Reason` of the seal the service adds when a contract goes to the counterparties. The sibling
/// of [`SealInstruction`]: the file itself then proves the internal approval (決裁).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendingInstruction {
    /// 団体名, e.g. `〇〇市`.
    pub tenant: String,
    /// 所属, e.g. `契約課`.
    pub department: Option<String>,
    /// Who sent it, e.g. `山田 太郎`.
    pub sender: String,
    /// When, as text.
    pub sent_at: Option<String>,
    /// The completed route's approvals, in order; empty when the contract had no route.
    pub approvals: Vec<RouteApproval>,
}

impl SendingInstruction {
    /// The `/Reason` text: 「〇〇市 契約課 山田 太郎（送信者）が、承認: 課長決裁 佐藤 花子（…）の決裁を
    /// 経て送信（送信日時: …）」, or 「…承認ルートなしで送信…」; at most
    /// [`SENDING_REASON_MAX_CHARS`] characters.
    pub fn reason_ja(&self) -> String {
        let mut who = vec![self.tenant.as_str()];
        who.extend(self.department.as_deref().filter(|d| !d.is_empty()));
        who.push(&self.sender);
        let who = who
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let sent = self
            .sent_at
            .as_ref()
            .map(|t| format!("（送信日時: {t}）"))
            .unwrap_or_default();
        let compose = |shown: usize| {
            if self.approvals.is_empty() {
                return format!("{who}（送信者）が、承認ルートなしで送信{sent}");
            }
            let mut items: Vec<String> = self.approvals[..shown]
                .iter()
                .map(|a| format!("{} {}（{}）", a.step, a.approver, a.at))
                .collect();
            if shown < self.approvals.len() {
                items.push(format!("ほか{}件", self.approvals.len() - shown));
            }
            format!(
                "{who}（送信者）が、承認: {} の決裁を経て送信{sent}",
                items.join("、")
            )
        };
        let mut shown = self.approvals.len();
        let mut reason = compose(shown);
        while reason.chars().count() > SENDING_REASON_MAX_CHARS && shown > 0 {
            shown -= 1;
            reason = compose(shown);
        }
        reason.chars().take(SENDING_REASON_MAX_CHARS).collect()
    }

    /// `meta` with the `/Reason` of the sending act.
    pub fn apply(&self, mut meta: pades::SignatureMetadata) -> pades::SignatureMetadata {
        meta.reason = Some(self.reason_ja());
        meta
    }
}

/// The standard stamp: 電子署名済, the signer (service) name, the contract number, the date and
/// time in JST, the verification URL, and a QR code of the URL.
pub fn standard_stamp(
    font: TrueTypeFont,
    page: u32,
    rect: [f64; 4],
    signer_name: &str,
    contract_number: &str,
    signed_at_jst: &str,
    verify_url: &str,
) -> VisibleStamp {
    let lines = vec![
        "電子署名済".to_owned(),
        signer_name.to_owned(),
        format!("契約番号 {contract_number}"),
        signed_at_jst.to_owned(),
        verify_url.to_owned(),
    ];
    VisibleStamp::new(font, page, rect, lines).qr(verify_url)
}

/// The message of an engine error in Japanese, for the people who upload or seal documents.
pub fn message_ja(e: &PadesError) -> String {
    match e {
        PadesError::NotPdf => "PDFファイルではありません。".into(),
        PadesError::Damaged { reason } => {
            format!("PDFファイルが壊れているため署名できません（{reason}）。")
        }
        PadesError::Encrypted {
            needs_password: true,
        } => "PDFにパスワードが設定されている（暗号化されている）ため署名できません。パスワードを解除したPDFをアップロードしてください。".into(),
        PadesError::Encrypted {
            needs_password: false,
        } => "PDFが暗号化されており、変更が制限されているため署名できません。セキュリティ設定を解除したPDFをアップロードしてください。".into(),
        PadesError::CertifiedNoChanges => "このPDFは変更を許可しない設定で作成者により証明（署名）されています。署名を追加すると作成者の署名が無効になるため署名できません。".into(),
        PadesError::CertifiedNoVisibleStamp => "このPDFは作成者により証明（署名）されているため、印影を表示する署名はできません（表示なしの署名のみ可能です）。".into(),
        PadesError::Stamp { reason } => format!("印影を描画できません（{reason}）。"),
        PadesError::PageOutOfRange { page, count } => {
            format!("{page}ページ目はありません（全{count}ページ）。")
        }
        PadesError::FieldAlreadySigned { name } => {
            format!("署名欄「{name}」はすでに署名済みです。")
        }
        PadesError::FieldNotSignature { name } => {
            format!("フィールド「{name}」は署名欄ではありません。")
        }
        PadesError::TooComplex { limit } => format!(
            "PDFの構造が複雑すぎるため処理できません（{}の上限を超えました）。",
            limit_label_ja(*limit)
        ),
        PadesError::Key { reason } => format!("署名鍵または証明書を利用できません（{reason}）。"),
        PadesError::WrongPassword => "PKCS#12ファイルのパスワードが違います。".into(),
        PadesError::Timestamp { reason } => {
            format!("タイムスタンプを取得できなかったため、署名を中止しました（{reason}）。")
        }
        PadesError::Revocation { reason } => {
            format!("失効情報を取得できなかったため、長期署名を中止しました（{reason}）。")
        }
        PadesError::SignatureTooLarge { needed, reserved } => {
            format!("署名データ（{needed}バイト）が確保した領域（{reserved}バイト）に収まりません。")
        }
        PadesError::Crypto { reason } => format!("暗号処理に失敗しました（{reason}）。"),
        PadesError::Io { path, .. } => format!("ファイル {path} の読み書きに失敗しました。"),
        // The enum is non-exhaustive: a new engine error still says something.
        other => format!("PDFの処理に失敗しました（{other}）。"),
    }
}

/// What was exceeded, in Japanese.
pub fn limit_label_ja(limit: LimitKind) -> &'static str {
    match limit {
        LimitKind::StreamBytes => "展開後のデータ量",
        LimitKind::Objects => "オブジェクト数",
        LimitKind::XrefEntries => "相互参照エントリ数",
        LimitKind::Nesting => "入れ子の深さ",
        LimitKind::Signatures => "署名の数",
        LimitKind::Time => "処理時間",
    }
}

/// The problem code of a PDF the engine refused to read.
pub fn problem_of_refused_pdf(e: &PadesError) -> shared::problem::ProblemCode {
    use shared::problem::ProblemCode;
    match e {
        PadesError::NotPdf => ProblemCode::PdfNotPdf,
        PadesError::Encrypted { .. } => ProblemCode::PdfEncrypted,
        PadesError::CertifiedNoChanges => ProblemCode::PdfCertifiedNoChanges,
        PadesError::TooComplex { .. } => ProblemCode::PdfTooComplex,
        _ => ProblemCode::PdfDamaged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_loads() {
        assert!(japanese_font().is_ok());
    }

    #[test]
    fn the_printable_table_is_the_embedded_fonts_character_map() {
        let table = shared::printable::table_for(&japanese_font().unwrap().chars());
        if std::env::var_os("UPDATE_PRINTABLE_CHARS").is_some() {
            std::fs::write(shared::printable::TABLE_SOURCE, &table).unwrap();
        }
        assert!(
            table == shared::printable::table(),
            "shared/src/printable_chars.bin is stale: run with UPDATE_PRINTABLE_CHARS=1"
        );
    }

    #[test]
    fn the_reason_names_who_instructed_the_seal_and_how_they_were_verified() {
        let instruction = SealInstruction {
            name: "山田 太郎".into(),
            organization: Some("株式会社テスト商事".into()),
            email: Some("yamada@example.jp".into()),
            verification_method: Some("メールアドレス確認".into()),
            agreed_at: Some("2026年11月25日 14:05 JST".into()),
        };
        let meta = instruction.apply(pades::SignatureMetadata::default());
        assert_eq!(
            meta.reason.as_deref(),
            Some(
                "株式会社テスト商事 山田 太郎（yamada@example.jp、本人確認: メールアドレス確認、\
                 同意日時: 2026年11月25日 14:05 JST）の指示により立会人として電子署名"
            )
        );
        assert_eq!(meta.contact_info.as_deref(), Some("yamada@example.jp"));
        let bare = SealInstruction {
            name: "山田 太郎".into(),
            ..Default::default()
        };
        assert_eq!(
            bare.reason_ja(),
            "山田 太郎 の指示により立会人として電子署名"
        );
    }

    #[test]
    fn the_sending_reason_names_the_sender_and_the_completed_route() {
        let approval = |step: &str, who: &str| RouteApproval {
            step: step.into(),
            approver: who.into(),
            at: "2026年12月7日 10:00 JST".into(),
        };
        let sending = SendingInstruction {
            tenant: "〇〇市".into(),
            department: Some("契約課".into()),
            sender: "山田 太郎".into(),
            sent_at: Some("2026年12月7日 11:00 JST".into()),
            approvals: vec![
                approval("課長決裁", "佐藤 花子"),
                approval("部長決裁", "高橋 次郎"),
            ],
        };
        assert_eq!(
            sending.reason_ja(),
            "〇〇市 契約課 山田 太郎（送信者）が、承認: 課長決裁 佐藤 花子（2026年12月7日 10:00 JST）、\
             部長決裁 高橋 次郎（2026年12月7日 10:00 JST） の決裁を経て送信（送信日時: 2026年12月7日 11:00 JST）"
        );
        let none = SendingInstruction {
            approvals: Vec::new(),
            department: None,
            ..sending.clone()
        };
        assert_eq!(
            none.reason_ja(),
            "〇〇市 山田 太郎（送信者）が、承認ルートなしで送信（送信日時: 2026年12月7日 11:00 JST）"
        );
        // A long route is cut short, within the limit, and says how many are left out.
        let long = SendingInstruction {
            approvals: (0..40)
                .map(|i| approval(&format!("第{i}段階の決裁"), "承認者 太郎"))
                .collect(),
            ..sending
        };
        let reason = long.reason_ja();
        assert!(
            reason.chars().count() <= SENDING_REASON_MAX_CHARS,
            "{reason}"
        );
        assert!(
            reason.contains("第0段階の決裁") && reason.contains("ほか"),
            "{reason}"
        );
        assert!(reason.ends_with("の決裁を経て送信（送信日時: 2026年12月7日 11:00 JST）"));
    }

    #[test]
    fn every_engine_error_has_a_japanese_message() {
        let errors = [
            PadesError::NotPdf,
            PadesError::TooComplex {
                limit: LimitKind::Time,
            },
            PadesError::Stamp { reason: "x".into() },
            PadesError::WrongPassword,
        ];
        for e in &errors {
            assert!(message_ja(e).ends_with('。'), "{e}");
        }
        assert!(message_ja(&errors[1]).contains("処理時間"));
    }
}
