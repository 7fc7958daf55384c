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

#[path = "support/big_pdf.rs"]
mod big_pdf;

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_parallel_batch_writes_every_good_file_and_leaves_nothing_for_an_unreadable_one() {
    let ws = Workspace::new();
    let dir = ws.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    // A directory named like a PDF: it opens, then cannot be read (after the output's
    // temporary file exists).
    let unreadable = ws.path("unreadable.pdf");
    std::fs::create_dir_all(&unreadable).unwrap();
    let good = [
        "qpdf-object-streams.pdf",
        "word2010-hybrid-xref.pdf",
        "ghostscript-pdf13-classic-xref.pdf",
        "incremental-update-xref-stream.pdf",
        "libreoffice-ja-contract.pdf",
    ];
    let mut args = vec!["pdf".to_string(), "sign".into()];
    args.extend(good[..2].iter().map(|f| s(&corpus_path(f)).to_owned()));
    args.push(s(&unreadable).to_owned());
    args.extend(good[2..].iter().map(|f| s(&corpus_path(f)).to_owned()));
    args.extend(["--out-dir".into(), s(&dir).to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ws.tachiai(&args);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert!(
        err.contains("cannot read") && err.contains("unreadable.pdf"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 of 6 files sealed"));
    let mut expected: Vec<String> = good.iter().map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(names_in(&dir), expected, "no temporary file is left");
    for f in good {
        let sealed = std::fs::read(dir.join(f)).unwrap();
        assert!(
            sealed.starts_with(&std::fs::read(corpus_path(f)).unwrap()),
            "{f}"
        );
        let verified = ws.tachiai(&["pdf", "verify", s(&dir.join(f))]);
        assert_eq!(code(&verified), 0, "{f}: {}", stderr(&verified));
    }
}

#[test]
fn a_large_file_is_sealed_renewed_and_verified_in_place() {
    let ws = Workspace::new();
    let big = ws.path("big.pdf");
    big_pdf::write_big_pdf(&big, 8 << 20).unwrap();
    let (lta, renewed) = (ws.path("lta.pdf"), ws.path("renewed.pdf"));
    let out = ws.tachiai(&["pdf", "sign", s(&big), "-o", s(&lta), "--level", "B-LTA"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = ws.tachiai(&["pdf", "renew", s(&lta), "-o", s(&renewed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let original = std::fs::read(&big).unwrap();
    let sealed = std::fs::read(&lta).unwrap();
    assert!(sealed.starts_with(&original));
    assert!(std::fs::read(&renewed).unwrap().starts_with(&sealed));
    for f in [&lta, &renewed] {
        let out = ws.tachiai(&["pdf", "verify", s(f), "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sha = backend::seal::hex_sha256(&std::fs::read(f).unwrap());
        assert_eq!(view["sha256"], sha.as_str());
    }
    assert_eq!(
        names_in(&ws.dir)
            .iter()
            .filter(|n| n.ends_with(".part"))
            .count(),
        0
    );
}
