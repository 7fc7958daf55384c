//! `tachiai pdf sign|renew|verify` as an operator runs it: the real binary, the development PKI
//! it generates in its data directory, corpus files, exit codes and files on disk.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::corpus_path;

const BIN: &str = env!("CARGO_BIN_EXE_tachiai");

/// A data directory of its own (the development PKI is generated in `<dir>/pki` on first use).
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = std::env::temp_dir().join(format!("tachiai-cli-pdf-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn tachiai(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TACHIAI_DATA_DIR", &self.dir)
            .env("TACHIAI_LOG", "warn")
            .output()
            .expect("run tachiai")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn rejected_inputs_exit_3_with_their_reason_and_leave_no_file() {
    let ws = Workspace::new();
    let cases = [
        ("not-a-pdf-docx-renamed.pdf", "not_pdf"),
        ("truncated.pdf", "damaged_pdf"),
        ("encrypted-aes256-user-password.pdf", "encrypted"),
        ("encrypted-aes128-owner-only.pdf", "encrypted"),
        ("presigned-certified-no-changes.pdf", "certified"),
    ];
    for (file, reason) in cases {
        let out_file = ws.path(file);
        let out = ws.tachiai(&["pdf", "sign", s(&corpus_path(file)), "-o", s(&out_file)]);
        assert_eq!(code(&out), 3, "{file}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(reason), "{file}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{file}: one sentence: {err}"
        );
        assert!(!out_file.exists(), "{file}: no output");
        let leftovers: Vec<_> = std::fs::read_dir(&ws.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
            .collect();
        assert!(leftovers.is_empty(), "{file}: no temporary file left");
    }
}

#[test]
fn sign_at_b_lta_verify_renew_and_detect_tampering() {
    let ws = Workspace::new();
    let input = corpus_path("libreoffice-ja-contract.pdf");
    let sealed = ws.path("sealed.pdf");
    let out = ws.tachiai(&[
        "pdf",
        "sign",
        s(&input),
        "-o",
        s(&sealed),
        "--level",
        "B-LTA",
        "--visible",
        "1,330,40,230,80",
        "--contract-number",
        "R8-000123",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let original = std::fs::read(&input).unwrap();
    let signed = std::fs::read(&sealed).unwrap();
    assert!(signed.starts_with(&original), "incremental update");
    assert!(
        ws.path("pki/root-ca.pem").is_file(),
        "development PKI generated"
    );

    // Verify: text and JSON agree, the signature and the document timestamp are valid.
    let out = ws.tachiai(&["pdf", "verify", s(&sealed)]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("すべて有効"), "{text}");
    assert!(text.contains("PAdES レベル / level: B-LTA"), "{text}");
    assert!(text.contains("長期検証 / LTV: 長期検証可能"), "{text}");
    assert!(
        text.contains("失効なし / good (OCSP, ファイル内 DSS"),
        "{text}"
    );
    let out = ws.tachiai(&["pdf", "verify", s(&sealed), "--json"]);
    assert_eq!(code(&out), 0);
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["all_valid"], true);
    let kinds: Vec<&str> = view["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["signature", "document_timestamp"]);
    assert!(view["signatures"][0]["timestamp"]["time"].is_string());
    assert_eq!(view["signatures"][0]["pades_level"], "B-LTA");
    assert_eq!(view["signatures"][0]["ltv"]["complete"], true);
    // The document timestamp's own data is in the file but nothing later covers it yet.
    assert_eq!(view["signatures"][1]["ltv"]["data_in_file"], true);
    assert_eq!(
        view["signatures"][1]["ltv"]["missing"][0]["kind"],
        "document_timestamp"
    );

    // Renew: one more document timestamp, still valid.
    let renewed = ws.path("renewed.pdf");
    let out = ws.tachiai(&["pdf", "renew", s(&sealed), "-o", s(&renewed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = ws.tachiai(&["pdf", "verify", s(&renewed), "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["signatures"].as_array().unwrap().len(), 3);
    // The renewal covers the first document timestamp's validation data.
    assert_eq!(view["signatures"][1]["ltv"]["complete"], true, "{view}");

    // A flipped byte inside the signed range: exit 1, and the report says it is not intact.
    let mut tampered = signed.clone();
    let at = original.len() / 2;
    tampered[at] ^= 0x01;
    let bad = ws.path("tampered.pdf");
    std::fs::write(&bad, &tampered).unwrap();
    let out = ws.tachiai(&["pdf", "verify", s(&bad), "--json"]);
    assert_eq!(code(&out), 1);
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["all_valid"], false);
    assert_eq!(view["signatures"][0]["intact"], false);

    // Bytes appended after the last signature: not covered, so not valid.
    let mut appended = signed;
    appended.extend_from_slice(b"\n% appended\n");
    std::fs::write(&bad, &appended).unwrap();
    let out = ws.tachiai(&["pdf", "verify", s(&bad)]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stdout));

    // Without trust roots nothing can be trusted.
    let out = ws.tachiai(&[
        "pdf",
        "verify",
        s(&sealed),
        "--trust",
        s(&corpus_path("presigned-root-ca.pem")),
    ]);
    assert_eq!(code(&out), 1);
}

#[test]
fn batch_signing_goes_on_past_a_rejected_file() {
    let ws = Workspace::new();
    let dir = ws.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        "qpdf-object-streams.pdf",
        "not-a-pdf-docx-renamed.pdf",
        "word2010-hybrid-xref.pdf",
        "ghostscript-pdf13-classic-xref.pdf",
    ];
    let mut args = vec!["pdf".to_string(), "sign".into()];
    args.extend(files.iter().map(|f| s(&corpus_path(f)).to_owned()));
    args.extend([
        "--out-dir".into(),
        s(&dir).to_owned(),
        "--level".into(),
        "B-B".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ws.tachiai(&args);
    assert_eq!(code(&out), 3, "the worst outcome: {}", stderr(&out));
    assert!(stderr(&out).contains("not-a-pdf-docx-renamed.pdf"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 of 4 files sealed"));
    for f in files {
        assert_eq!(
            dir.join(f).exists(),
            f != "not-a-pdf-docx-renamed.pdf",
            "{f}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let ws = Workspace::new();
    let a = corpus_path("qpdf-qdf.pdf");
    let b = corpus_path("qpdf-linearized.pdf");
    let out = ws.tachiai(&["pdf", "sign", s(&a), s(&b), "-o", s(&ws.path("x.pdf"))]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = ws.tachiai(&[
        "pdf",
        "sign",
        s(&a),
        "-o",
        s(&ws.path("x.pdf")),
        "--level",
        "B-X",
    ]);
    assert_eq!(code(&out), 2);
    let out = ws.tachiai(&[
        "pdf",
        "sign",
        s(&a),
        "-o",
        s(&ws.path("x.pdf")),
        "--visible",
        "1,2,3",
    ]);
    assert_eq!(code(&out), 2);
    let out = ws.tachiai(&[
        "pdf",
        "sign",
        s(&ws.path("missing.pdf")),
        "-o",
        s(&ws.path("x.pdf")),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing.pdf"));
    let out = ws.tachiai(&[
        "pdf",
        "sign",
        s(&a),
        "-o",
        s(&ws.path("x.pdf")),
        "--p12",
        s(&a),
    ]);
    assert_eq!(code(&out), 2, "an unusable PKCS#12 file: {}", stderr(&out));
    assert!(!ws.path("x.pdf").exists());
}
