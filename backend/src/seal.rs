//! The service's seal: the key it signs with, the time-stamp authority, where revocation data
//! comes from, the trust roots its own verifier uses, and the stamp font. `pades` does the PDF
//! work; this module only chooses its inputs.
//!
//! With nothing configured the seal is the **development PKI** in `<data_dir>/pki` (generated on
//! first start, named 「開発用・信頼しないでください」) and its built-in TSA, called in-process. Its
//! certificates point their OCSP / CRL / CA-issuer URLs at `<public_url>/pki/…`, which the web
//! server answers ([`DevPkiEndpoints`]), so any validator can fetch them; the service itself
//! answers them in-process ([`SealKit::revocation`]) and needs no network for B-LT / B-LTA.
//!
//! The contract's words on a seal live here too, not in `pades`: the `/Reason` naming who
//! instructed the seal ([`SealInstruction`]), the standard stamp ([`standard_stamp`]) and the
//! Japanese messages of the engine's errors ([`message_ja`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pades::{
    BuiltinTsa, DevPki, DevPkiOptions, HttpRevocationFetcher, HttpTimeStamper, LimitKind,
    PadesError, RevocationFetcher, Signer, TimeStamper, TrueTypeFont, ValidationContext,
    VisibleStamp,
};

use pades::{Coverage, SignatureKind};
use shared::dto::{
    CertificateInfoView, SealInfoView, SignatureCheckView, TimestampCheckView, VerificationView,
};
use x509_cert::Certificate;
use x509_cert::der::Encode;

use crate::clock;
use crate::config::Config;

/// IPAexGothic (IPA Font License v1.0, see `backend/assets/fonts/`): the stamp and the completion
/// certificate are drawn with a subset of it.
static JAPANESE_FONT: &[u8] = include_bytes!("../assets/fonts/ipaexg.ttf");

/// The path under which the development PKI's HTTP endpoints are mounted.
pub const DEV_PKI_PATH: &str = "/pki";

/// The Japanese font embedded in the binary (IPAexGothic, face 0), for the stamp and the
/// completion certificate.
pub fn japanese_font() -> Result<TrueTypeFont, PadesError> {
    TrueTypeFont::from_static(JAPANESE_FONT, 0)
}

/// The name the service signs under (`/Name`, and the stamp's second line).
pub const SEAL_NAME: &str = "立会 電子契約サービス";

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
fn limit_label_ja(limit: LimitKind) -> &'static str {
    match limit {
        LimitKind::StreamBytes => "展開後のデータ量",
        LimitKind::Objects => "オブジェクト数",
        LimitKind::XrefEntries => "相互参照エントリ数",
        LimitKind::Nesting => "入れ子の深さ",
        LimitKind::Signatures => "署名の数",
        LimitKind::Time => "処理時間",
    }
}

/// Where the time-stamp tokens come from.
pub enum TsaSource {
    /// The development PKI's TSA, in-process.
    Builtin(Box<BuiltinTsa>),
    /// RFC 3161 over HTTP, with failover over the list.
    Http(HttpTimeStamper),
}

impl TimeStamper for TsaSource {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        match self {
            TsaSource::Builtin(t) => t.timestamp(digest),
            TsaSource::Http(t) => t.timestamp(digest),
        }
    }
}

/// Everything needed to seal and to verify.
pub struct SealKit {
    /// The raw signing step (file key today; an HSM or remote signer can take its place).
    pub signer: Box<dyn Signer + Send + Sync>,
    /// Signature and document timestamps.
    pub tsa: TsaSource,
    /// OCSP responses and CRLs for B-LT / B-LTA.
    pub revocation: RevocationSource,
    /// Roots the service's own verifier trusts.
    pub trust: ValidationContext,
    /// The development PKI, when the seal is the development one.
    pub dev_pki: Option<Arc<DevPki>>,
}

impl SealKit {
    /// The development seal: the PKI in `dir` (generated on first use, its URLs under
    /// `public_url` + [`DEV_PKI_PATH`]) and its built-in TSA.
    pub fn development(dir: &Path, public_url: &str) -> Result<SealKit, PadesError> {
        let base_url = dev_pki_base_url(public_url);
        let pki = Arc::new(DevPki::load_or_generate(
            dir,
            &DevPkiOptions {
                base_url: Some(base_url.clone()),
            },
        )?);
        let trust = ValidationContext::from_pem(&pki.root_pem()?)?;
        Ok(SealKit {
            signer: Box::new(pki.seal_signer()?),
            tsa: TsaSource::Builtin(Box::new(pki.builtin_tsa()?)),
            revocation: RevocationSource {
                local: Some(DevPkiEndpoints {
                    pki: pki.clone(),
                    base_url,
                }),
                http: HttpRevocationFetcher::default(),
            },
            trust,
            dev_pki: Some(pki),
        })
    }

    /// The development PKI's HTTP resources, when the seal is the development one.
    pub fn dev_pki_endpoints(&self) -> Option<DevPkiEndpoints> {
        self.revocation.local.clone()
    }

    /// The seal as the configuration describes it: the development PKI in `<data_dir>/pki`
    /// (the seal key), with the TSAs of `tsa_urls` when set.
    pub fn from_config(config: &Config) -> Result<SealKit, PadesError> {
        let mut kit = SealKit::development(&dev_pki_dir(config), &config.public_url)?;
        if !config.tsa_urls.is_empty() {
            kit.tsa = TsaSource::Http(HttpTimeStamper::new(config.tsa_urls.iter().cloned()));
        }
        Ok(kit)
    }
}

impl SealKit {
    /// What an administrator checks: the seal certificate, its chain and the TSA in use.
    pub fn info(&self, tsa_urls: &[String], now: clock::Millis) -> SealInfoView {
        let (tsa_source, tsa_certificate) = match &self.tsa {
            TsaSource::Builtin(_) => (
                "builtin",
                self.dev_pki.as_ref().map(|p| certificate_info(&p.tsa, now)),
            ),
            TsaSource::Http(_) => ("http", None),
        };
        SealInfoView {
            development: self.dev_pki.is_some(),
            signer: certificate_info(self.signer.certificate(), now),
            chain: self
                .signer
                .chain()
                .iter()
                .map(|c| certificate_info(c, now))
                .collect(),
            tsa_source: tsa_source.to_owned(),
            tsa_urls: match &self.tsa {
                TsaSource::Http(_) => tsa_urls.to_vec(),
                TsaSource::Builtin(_) => Vec::new(),
            },
            tsa_certificate,
        }
    }
}

/// Subject, validity and fingerprint of a certificate.
pub fn certificate_info(cert: &Certificate, now: clock::Millis) -> CertificateInfoView {
    let tbs = cert.tbs_certificate();
    let unix_ms = |t: &x509_cert::time::Time| t.to_unix_duration().as_millis() as i64;
    let not_after = unix_ms(&tbs.validity().not_after);
    CertificateInfoView {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial_number: tbs
            .serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        not_before: clock::rfc3339(unix_ms(&tbs.validity().not_before)),
        not_after: clock::rfc3339(not_after),
        days_left: (not_after - now.0).div_euclid(86_400_000),
        sha256: cert.to_der().map(|d| hex_sha256(&d)).unwrap_or_default(),
    }
}

/// `<data_dir>/pki`.
pub fn dev_pki_dir(config: &Config) -> PathBuf {
    config.data_dir.join("pki")
}

fn dev_pki_base_url(public_url: &str) -> String {
    format!("{}{DEV_PKI_PATH}", public_url.trim_end_matches('/'))
}

/// The development PKI's OCSP responder, CRLs, CA certificates and TSA, as HTTP resources under
/// its base URL.
#[derive(Clone)]
pub struct DevPkiEndpoints {
    pki: Arc<DevPki>,
    base_url: String,
}

impl DevPkiEndpoints {
    /// Answers `method` on `path` (relative to the base URL, e.g. `/ocsp`): content type and body.
    pub fn respond(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Option<(&'static str, Vec<u8>)> {
        self.pki.http_response(method, path, body)
    }

    fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        url.strip_prefix(self.base_url.as_str())
            .filter(|p| p.starts_with('/'))
    }
}

/// Revocation data: the development PKI's own URLs are answered in-process, anything else is
/// fetched over HTTP.
pub struct RevocationSource {
    local: Option<DevPkiEndpoints>,
    http: HttpRevocationFetcher,
}

impl RevocationFetcher for RevocationSource {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, PadesError> {
        if let Some(local) = &self.local
            && let Some(path) = local.local_path(url)
        {
            return local
                .respond("GET", path, &[])
                .map(|(_, body)| body)
                .ok_or_else(|| PadesError::Revocation {
                    reason: format!("{url}: no such CRL in the development PKI"),
                });
        }
        self.http.fetch_crl(url)
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, PadesError> {
        if let Some(local) = &self.local
            && let Some(path) = local.local_path(url)
        {
            return local
                .respond("POST", path, request_der)
                .map(|(_, body)| body)
                .ok_or_else(|| PadesError::Revocation {
                    reason: format!("{url}: no OCSP responder there in the development PKI"),
                });
        }
        self.http.fetch_ocsp(url, request_der)
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

/// Runs the service's own verifier over `pdf` and says what it found, in the API's terms.
pub fn verify(pdf: &[u8], trust: &ValidationContext) -> Result<VerificationView, PadesError> {
    view_of(pdf, pades::verify(pdf, trust)?)
}

/// [`verify`] for anonymous callers: the reader gives up after `deadline`.
pub fn verify_within(
    pdf: &[u8],
    trust: &ValidationContext,
    deadline: std::time::Duration,
) -> Result<VerificationView, PadesError> {
    let limits = pades::ReadLimits {
        max_time: deadline,
        ..Default::default()
    };
    view_of(pdf, pades::verify_with_limits(pdf, trust, &limits)?)
}

fn view_of(
    pdf: &[u8],
    statuses: Vec<pades::SignatureStatus>,
) -> Result<VerificationView, PadesError> {
    let signatures: Vec<SignatureCheckView> = statuses
        .into_iter()
        .map(|s| SignatureCheckView {
            valid: s.is_ok(),
            field_name: s.field_name,
            kind: match s.kind {
                SignatureKind::Signature => "signature",
                SignatureKind::DocumentTimestamp => "document_timestamp",
            }
            .into(),
            sub_filter: s.sub_filter,
            intact: s.intact,
            signature_valid: s.valid,
            trusted: s.trusted,
            coverage: match s.coverage {
                Coverage::EntireFile => "entire_file",
                Coverage::EntireRevision => "entire_revision",
                Coverage::Partial => "partial",
            }
            .into(),
            signer: s.signer_subject,
            reason: s.reason,
            timestamp: s.timestamp.map(|t| TimestampCheckView {
                time: clock::rfc3339(t.gen_time_unix.saturating_mul(1000)),
                tsa: t.tsa_subject,
                serial: t.serial_hex,
            }),
            modifications: s.modifications,
            problems: s.problems,
        })
        .collect();
    Ok(VerificationView {
        sha256: hex_sha256(pdf),
        all_valid: !signatures.is_empty() && signatures.iter().all(|s| s.valid),
        signatures,
    })
}

/// Lower-case hex SHA-256.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(bytes))
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

    #[test]
    fn only_urls_under_the_base_are_local() {
        let dir = std::env::temp_dir().join(format!("tachiai-seal-{}", uuid::Uuid::new_v4()));
        let kit = SealKit::development(&dir, "http://127.0.0.1:8080/").unwrap();
        let local = kit.revocation.local.as_ref().unwrap();
        assert_eq!(
            local.local_path("http://127.0.0.1:8080/pki/ocsp"),
            Some("/ocsp")
        );
        assert_eq!(local.local_path("http://127.0.0.1:8080/pkix/ocsp"), None);
        assert_eq!(local.local_path("http://other.example/pki/ocsp"), None);
        let crl = kit
            .revocation
            .fetch_crl("http://127.0.0.1:8080/pki/crl/root-ca.crl")
            .unwrap();
        assert!(crl.len() > 100);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
