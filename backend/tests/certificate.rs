//! The completion certificate (合意締結証明書) as a reader and a validator see it: the text can be
//! extracted (`pdftotext`), the file is clean (`qpdf --check`), the font is an embedded subset
//! with a ToUnicode map (`pdffonts`), long timelines break across pages, and the sealed
//! certificate passes the service's own verifier.
//!
//! The poppler and qpdf checks need `tools/install-validators`; without them the test prints a
//! notice and skips those checks, unless `TACHIAI_REQUIRE_VALIDATORS=1` (CI), where it fails.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use backend::certificate::{
    AgreedParty, ApprovalDecision, ApprovalRecord, CertifiedDocument, CompletionCertificate,
    ContractPeriod, DocumentRole, TimelineEvent, render,
};
use backend::seal::{SealKit, verify};
use pades::{PadesLevel, PdfSigner, SignatureMetadata};

fn hash(seed: u8) -> String {
    (0..32u8)
        .map(|i| format!("{:02x}", i.wrapping_mul(37).wrapping_add(seed)))
        .collect()
}

const UA_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, \
                         like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// A concluded contract with 3 parties, 2 documents, a 2-step route and 60 events.
fn sample() -> CompletionCertificate {
    let parties = vec![
        AgreedParty {
            organisation: "株式会社立会建設".into(),
            name: "山田 太郎".into(),
            email: "yamada@tachiai-kensetsu.example.jp".into(),
            verification_method: "メールアドレス確認（ワンタイムパスワード）".into(),
            ip_address: "203.0.113.24".into(),
            user_agent: UA_CHROME.into(),
            agreed_at: "2026年11月24日 10:12 JST".into(),
            note: None,
        },
        AgreedParty {
            organisation: "有限会社みなと設備工業".into(),
            name: "鈴木 花子".into(),
            email: "h.suzuki@minato-setsubi.example.co.jp".into(),
            verification_method: "メールアドレス確認（ワンタイムパスワード）＋アクセスコード"
                .into(),
            ip_address: "2001:db8:85a3::8a2e:370:7334".into(),
            user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
                         AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 \
                         Safari/604.1"
                .into(),
            agreed_at: "2026年11月24日 16:40 JST".into(),
            note: None,
        },
        AgreedParty {
            organisation: "有限会社みなと設備工業".into(),
            name: "髙橋 健一".into(),
            email: "k.takahashi@minato-setsubi.example.co.jp".into(),
            verification_method: "メールアドレス確認（ワンタイムパスワード）".into(),
            ip_address: "198.51.100.7".into(),
            user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) \
                         Gecko/20100101 Firefox/133.0"
                .into(),
            agreed_at: "2026年11月25日 09:03 JST".into(),
            note: Some("鈴木 花子 様から転送（2026年11月24日 16:45 JST）".into()),
        },
    ];
    let actors = [
        "契約課 田中 花子",
        "契約課長 佐藤 一郎",
        "総務部長 伊藤 誠",
        "株式会社立会建設 山田 太郎 様",
        "有限会社みなと設備工業 鈴木 花子 様",
        "システム",
    ];
    let actions = [
        "契約を作成しました",
        "文書をアップロードしました（業務委託契約書.pdf）",
        "承認申請しました",
        "承認しました（課長決裁）",
        "相手方へ確認依頼を送信しました",
        "確認コードを送信しました",
        "確認コードによる本人確認が完了しました",
        "文書を閲覧しました",
        "文書をダウンロードしました",
        "リマインドを送信しました",
    ];
    let events = (0..60)
        .map(|i| TimelineEvent {
            at: {
                // Twelve events a day from 09:00, 37 minutes apart.
                let minutes = 9 * 60 + (i % 12) * 37;
                format!(
                    "2026年11月{}日 {:02}:{:02} JST",
                    20 + i / 12,
                    minutes / 60,
                    minutes % 60
                )
            },
            actor: actors[i % actors.len()].into(),
            action: if i == 59 {
                "全ての当事者が合意し、電子署名とタイムスタンプを付与して締結しました。\
                 締結済みの文書と本証明書を関係者に通知しました。"
                    .into()
            } else {
                actions[i % actions.len()].into()
            },
        })
        .collect();
    CompletionCertificate {
        tenant_name: "立会市".into(),
        contract_number: "R8-000123".into(),
        title: "令和8年度 立会市庁舎空調設備保守点検業務委託（本庁舎・第二庁舎・市民会館）".into(),
        department: "総務部 契約課 契約係".into(),
        counterparty: "株式会社立会建設、有限会社みなと設備工業（共同企業体）".into(),
        amount_yen: Some(12_345_678),
        contract_period: Some(ContractPeriod {
            from: "令和8年12月1日".into(),
            to: "令和9年3月31日".into(),
        }),
        concluded_on: "令和8年11月25日".into(),
        documents: vec![
            CertifiedDocument {
                file_name: "令和8年度_庁舎空調設備保守点検業務委託契約書.pdf".into(),
                role: DocumentRole::Main,
                size_bytes: 1_482_113,
                pages: Some(12),
                original_sha256: hash(1),
                sealed_sha256: Some(hash(2)),
            },
            CertifiedDocument {
                file_name: "別紙1_仕様書（点検項目一覧）.pdf".into(),
                role: DocumentRole::Attachment,
                size_bytes: 356_020,
                pages: Some(4),
                original_sha256: hash(3),
                sealed_sha256: Some(hash(4)),
            },
        ],
        parties,
        approvals: vec![
            ApprovalRecord {
                step: "課長決裁".into(),
                approver: "契約課長 佐藤 一郎".into(),
                decision: ApprovalDecision::SentBack,
                decided_at: "2026年11月20日 15:30 JST".into(),
                comment: Some("契約期間の終期を年度末に合わせてください。".into()),
            },
            ApprovalRecord {
                step: "課長決裁".into(),
                approver: "契約課長 佐藤 一郎".into(),
                decision: ApprovalDecision::Approved,
                decided_at: "2026年11月21日 10:02 JST".into(),
                comment: None,
            },
            ApprovalRecord {
                step: "部長決裁".into(),
                approver: "総務部長 伊藤 誠".into(),
                decision: ApprovalDecision::Approved,
                decided_at: "2026年11月21日 13:47 JST".into(),
                comment: Some("承認します。".into()),
            },
        ],
        events,
        verification_url: "https://keiyaku.tachiai.example.jp/v/8Kq3xT2mWv9RbN4c".into(),
        issued_at_unix: 1_795_583_100,
        seal_subject: "CN=Tachiai 電子署名（開発用・信頼しないでください）, O=Tachiai".into(),
        tsa_name: "CN=Tachiai 開発用タイムスタンプ局, O=Tachiai".into(),
        sending_seal: Some(
            "2026年11月21日 14:00 JST　〇〇市 総務部契約課 佐藤 花子（送信者）が、承認: 課長決裁 \
             総務課長 田中 一郎（2026年11月21日 11:02 JST）、部長決裁 総務部長 伊藤 誠（2026年11月21日 \
             13:47 JST） の決裁を経て送信"
                .into(),
        ),
    }
}

/// Whether the external validators are here; `None` (skip) with a notice, or a panic when they
/// are required.
fn validators() -> Option<()> {
    let have = ["pdftotext", "pdfinfo", "pdffonts", "qpdf"]
        .iter()
        .all(|t| Command::new(t).arg("-v").output().is_ok());
    if have {
        return Some(());
    }
    assert!(
        !support::validators_required(),
        "poppler-utils / qpdf missing and TACHIAI_REQUIRE_VALIDATORS=1: run tools/install-validators"
    );
    eprintln!(
        "NOTICE: poppler-utils / qpdf not installed: skipping the pdftotext / pdfinfo / pdffonts / \
         qpdf checks (run tools/install-validators)"
    );
    None
}

fn run(tool: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(tool).args(args).output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// `Pages:` of `pdfinfo`'s output.
fn page_count(pdfinfo: &str) -> u32 {
    pdfinfo
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {pdfinfo}"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tachiai-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn check_with_validators(path: &Path, cert: &CompletionCertificate) {
    let file = path.to_str().unwrap();
    let (ok, text) = run("pdftotext", &["-enc", "UTF-8", file, "-"]);
    assert!(ok, "pdftotext failed: {text}");
    // pdftotext may put table cells on separate lines; compare without white space.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    assert!(flat.contains("合意締結証明書"), "{text}");
    assert!(flat.contains(&cert.contract_number), "{text}");
    for party in &cert.parties {
        assert!(
            flat.contains(&squash(&party.name)),
            "{} missing",
            party.name
        );
        assert!(flat.contains(&squash(&party.organisation)));
    }
    for doc in &cert.documents {
        // A hash may be wrapped inside its cell; the squashed text still holds it whole.
        assert!(
            flat.contains(&doc.original_sha256),
            "{}",
            doc.original_sha256
        );
        assert!(flat.contains(doc.sealed_sha256.as_deref().unwrap()));
    }
    assert!(flat.contains("12,345,678円"));
    assert!(flat.contains(&squash(&cert.events[59].action)));
    assert!(!text.contains('〓'), "a character the font lacks: {text}");

    let (ok, out) = run("qpdf", &["--check", file]);
    assert!(ok, "qpdf --check: {out}");
    assert!(
        !out.to_lowercase().contains("warning"),
        "qpdf --check: {out}"
    );

    let (ok, info) = run("pdfinfo", &[file]);
    assert!(ok, "{info}");
    assert!(page_count(&info) >= 2, "{info}");
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");

    let (ok, fonts) = run("pdffonts", &[file]);
    assert!(ok, "{fonts}");
    let row = fonts
        .lines()
        .find(|l| l.contains("IPAexGothic"))
        .unwrap_or_else(|| panic!("no IPAexGothic in\n{fonts}"));
    // name type encoding emb sub uni object ID
    assert!(row.contains("CID TrueType"), "{row}");
    assert!(row.contains("Identity-H"), "{row}");
    let flags: Vec<&str> = row.split_whitespace().rev().skip(2).take(3).collect();
    assert_eq!(flags, ["yes", "yes", "yes"], "emb/sub/uni: {row}");
    assert_eq!(fonts.lines().count(), 3, "one font only:\n{fonts}");
}

#[test]
fn the_certificate_lists_everything_breaks_pages_and_can_be_sealed() {
    let cert = sample();
    let started = Instant::now();
    let pdf = render(&cert).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "completion certificate: {} bytes, rendered in {:.1} ms",
        pdf.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        pdf,
        render(&cert).unwrap(),
        "the same input gives the same bytes"
    );

    let dir = temp_dir("certificate");
    let path = dir.join("certificate.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(out) = std::env::var("TACHIAI_CERTIFICATE_SAMPLE") {
        std::fs::write(out, &pdf).unwrap();
    }
    if validators().is_some() {
        check_with_validators(&path, &cert);
    }

    // Sealed like every certificate: B-T with the development seal, then our verifier.
    let kit = SealKit::development(&dir.join("pki"), "http://127.0.0.1:8080").unwrap();
    let meta = SignatureMetadata {
        reason: Some("合意締結証明書の発行".into()),
        name: Some("Tachiai".into()),
        ..SignatureMetadata::default()
    };
    let signed = PdfSigner::new(kit.signer.as_ref(), &meta)
        .level(PadesLevel::BT)
        .timestamper(&kit.tsa)
        .sign(&pdf)
        .unwrap();
    assert!(signed.bytes().starts_with(&pdf), "an incremental update");
    let view = verify(signed.bytes(), &kit.trust).unwrap();
    assert!(view.all_valid, "{view:#?}");
    assert_eq!(view.signatures.len(), 1);
    assert!(view.signatures[0].timestamp.is_some());
    if validators().is_some() {
        let sealed = dir.join("sealed.pdf");
        std::fs::write(&sealed, signed.bytes()).unwrap();
        let (ok, out) = run("qpdf", &["--check", sealed.to_str().unwrap()]);
        assert!(ok && !out.to_lowercase().contains("warning"), "{out}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_amount_period_route_and_events_are_said_not_left_blank() {
    let cert = CompletionCertificate {
        amount_yen: None,
        contract_period: None,
        approvals: vec![],
        events: vec![],
        parties: vec![sample().parties.remove(0)],
        documents: vec![sample().documents.remove(0)],
        ..sample()
    };
    let pdf = render(&cert).unwrap();
    if validators().is_none() {
        return;
    }
    let dir = temp_dir("certificate-min");
    let path = dir.join("min.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let (_, info) = run("pdfinfo", &[path.to_str().unwrap()]);
    let pages = page_count(&info);
    let (_, text) = run("pdftotext", &["-enc", "UTF-8", path.to_str().unwrap(), "-"]);
    assert!(text.contains("社内承認は行われていません"), "{text}");
    assert!(text.contains("記録はありません"), "{text}");
    let flat: String = text.split_whitespace().collect();
    assert!(flat.contains(&format!("1/{pages}")), "page numbers: {text}");
    assert!(flat.contains("契約金額（税込）—"), "{text}");
    assert!(flat.contains("契約期間—"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_very_long_comment_is_split_across_pages() {
    let mut cert = sample();
    cert.approvals[0].comment = Some("契約期間の終期を年度末に合わせてください。".repeat(120));
    let pdf = render(&cert).unwrap();
    if validators().is_none() {
        return;
    }
    let dir = temp_dir("certificate-long");
    let path = dir.join("long.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let (ok, out) = run("qpdf", &["--check", path.to_str().unwrap()]);
    assert!(ok && !out.to_lowercase().contains("warning"), "{out}");
    let (_, text) = run("pdftotext", &["-enc", "UTF-8", path.to_str().unwrap(), "-"]);
    assert!(text.contains("社内承認（続き）"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}
