//! Batch sealing near the I/O floor and memory that does not grow with the file
//! (`cargo bench -p backend --bench batch_seal`), whole processes of the real binary:
//!
//! * twenty 1 MB PDFs (copies of the corpus scan) sealed B-B by ONE `tachiai pdf sign … --out-dir`
//!   process, wall time per file (median of BENCH_RUNS, default 5), against pyHanko signing the
//!   same twenty files in-process (after its imports: read, sign, write each file; same key),
//!   when its virtualenv exists (`/opt/tachiai-validators/venv` or `TACHIAI_VALIDATORS_VENV`);
//! * a generated 100 MB PDF (BENCH_BIG_MB) sealed at B-B, B-T, B-LTA (the development PKI's
//!   built-in TSA and revocation data, in-process), renewed and verified: the peak RSS of each
//!   process (`/usr/bin/time -f %M`), against the goal of 64 MB;
//! * every output checked by `tachiai pdf verify` (exit 0).

#[path = "../tests/support/big_pdf.rs"]
mod big_pdf;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::{corpus_path, setting};

const BIN: &str = env!("CARGO_BIN_EXE_tachiai");
const FILES: usize = 20;

const PYHANKO: &str = r#"
import sys, time
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
key, cert, chain, out_dir, runs = sys.argv[1:6]
files = sys.argv[6:]
signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(chain,))
per_file = []
for r in range(int(runs) + 1):
    t0 = time.perf_counter()
    for i, path in enumerate(files):
        with open(path, "rb") as f:
            w = IncrementalPdfFileWriter(f)
            meta = signers.PdfSignatureMetadata(field_name="Seal1", subfilter=SigSeedSubFilter.PADES)
            with open(f"{out_dir}/py-{i}.pdf", "wb") as out:
                signers.sign_pdf(w, meta, signer=signer, output=out)
    if r:
        per_file.append((time.perf_counter() - t0) * 1e3 / len(files))
per_file.sort()
print(per_file[len(per_file) // 2])
"#;

fn tachiai(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("TACHIAI_DATA_DIR", data_dir)
        .env("TACHIAI_LOG", "warn");
    cmd
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak RSS in MB and wall seconds of `tachiai ARGS`, measured by `/usr/bin/time`.
fn peak_rss(data_dir: &Path, args: &[&str]) -> (f64, f64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "RSS %M %e"])
        .arg(BIN)
        .args(args)
        .env("TACHIAI_DATA_DIR", data_dir)
        .env("TACHIAI_LOG", "warn")
        .output()
        .expect("/usr/bin/time");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {err}");
    let line = err
        .lines()
        .rfind(|l| l.starts_with("RSS "))
        .expect("time's line");
    let mut parts = line.split_whitespace().skip(1);
    let kb: f64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let secs: f64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (kb / 1024.0, secs)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let runs = setting("BENCH_RUNS", 5);
    let big_mb = setting("BENCH_BIG_MB", 100);
    let dir = std::env::temp_dir().join(format!("tachiai-batchseal-{}", std::process::id()));
    let (inputs, out) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let data_dir = dir.join("data");
    let source = corpus_path("img2pdf-scan-9p.pdf");
    let files: Vec<PathBuf> = (0..FILES)
        .map(|i| {
            let p = inputs.join(format!("doc-{i:02}.pdf"));
            std::fs::copy(&source, &p).unwrap();
            p
        })
        .collect();
    // The first run generates the development PKI.
    run_ok(
        tachiai(&data_dir)
            .args(["pdf", "sign", "--level", "B-B", "-o"])
            .arg(out.join("warm.pdf"))
            .arg(&files[0]),
        "warm-up",
    );
    println!(
        "batch sealing: {FILES} × {} bytes, B-B, one `tachiai pdf sign --out-dir` process \
         (median of {runs}); {} cores, load {}",
        std::fs::metadata(&source).map(|m| m.len()).unwrap_or(0),
        std::thread::available_parallelism().map_or(1, usize::from),
        load()
    );
    let batch = |extra: &[&str]| {
        let mut per_file = Vec::new();
        for _ in 0..runs {
            for f in std::fs::read_dir(&out).unwrap() {
                std::fs::remove_file(f.unwrap().path()).unwrap();
            }
            let t0 = Instant::now();
            run_ok(
                tachiai(&data_dir)
                    .args(["pdf", "sign", "--level", "B-B", "--out-dir"])
                    .arg(&out)
                    .args(extra)
                    .args(&files),
                "batch",
            );
            per_file.push(t0.elapsed().as_secs_f64() * 1e3 / FILES as f64);
        }
        median(per_file)
    };
    let unsynced = batch(&["--no-sync"]);
    let ours = batch(&[]);
    for i in [0, FILES - 1] {
        run_ok(
            tachiai(&data_dir)
                .args(["pdf", "verify"])
                .arg(out.join(format!("doc-{i:02}.pdf"))),
            "verify a batch output",
        );
    }
    let venv = std::env::var("TACHIAI_VALIDATORS_VENV")
        .unwrap_or_else(|_| "/opt/tachiai-validators/venv".into());
    let py = Path::new(&venv).join("bin/python3");
    let theirs = if py.exists() {
        let script = dir.join("pyhanko_batch.py");
        std::fs::write(&script, PYHANKO).unwrap();
        let pki = data_dir.join("pki");
        let o = Command::new(&py)
            .arg(&script)
            .args([
                pki.join("seal.key"),
                pki.join("seal.pem"),
                pki.join("chain.pem"),
            ])
            .arg(&out)
            .arg(runs.to_string())
            .args(&files)
            .output()
            .expect("python");
        let text = String::from_utf8_lossy(&o.stdout);
        match text.trim().parse::<f64>() {
            Ok(v) if o.status.success() => Some(v),
            _ => {
                println!(
                    "pyHanko failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                );
                None
            }
        }
    } else {
        println!(
            "pyHanko skipped: {} not found (tools/install-validators)",
            py.display()
        );
        None
    };
    println!("| | ms/file |");
    println!("|---|---|");
    println!("| tachiai pdf sign (whole process, {FILES} files, one syncfs) | {ours:.2} |");
    println!(
        "| tachiai pdf sign --no-sync (the same without waiting for the disk) | {unsynced:.2} |"
    );
    if let Some(t) = theirs {
        println!("| pyHanko in-process (read, sign, write; no fsync) | {t:.2} |");
        for (what, v) in [("synced", ours), ("--no-sync", unsynced)] {
            println!(
                "| ratio, {what} | {:.1}× (goal ≥ 25×: {}) |",
                t / v,
                if t / v >= 25.0 { "met" } else { "NOT MET" }
            );
        }
    }

    let big = dir.join("big.pdf");
    big_pdf::write_big_pdf(&big, big_mb << 20).unwrap();
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    println!(
        "\npeak RSS, one {:.1} MB PDF, whole process (/usr/bin/time); load {}",
        size as f64 / 1e6,
        load()
    );
    println!("| command | peak RSS | wall | goal < 64 MB |");
    println!("|---|---|---|---|");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let (b, lta, renewed) = (
        dir.join("big-bb.pdf"),
        dir.join("big-lta.pdf"),
        dir.join("big-renewed.pdf"),
    );
    let bt = dir.join("big-bt.pdf");
    let steps: Vec<(&str, Vec<String>)> = vec![
        (
            "pdf sign --level B-B",
            vec![
                "pdf".into(),
                "sign".into(),
                "--level".into(),
                "B-B".into(),
                s(&big),
                "-o".into(),
                s(&b),
            ],
        ),
        (
            "pdf sign --level B-T",
            vec![
                "pdf".into(),
                "sign".into(),
                "--level".into(),
                "B-T".into(),
                s(&big),
                "-o".into(),
                s(&bt),
            ],
        ),
        (
            "pdf sign --level B-LTA",
            vec![
                "pdf".into(),
                "sign".into(),
                "--level".into(),
                "B-LTA".into(),
                s(&big),
                "-o".into(),
                s(&lta),
            ],
        ),
        (
            "pdf renew (the B-LTA file)",
            vec![
                "pdf".into(),
                "renew".into(),
                s(&lta),
                "-o".into(),
                s(&renewed),
            ],
        ),
        (
            "pdf verify (the renewed file)",
            vec!["pdf".into(), "verify".into(), s(&renewed)],
        ),
    ];
    for (label, args) in &steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (mb, secs) = peak_rss(&data_dir, &args);
        println!(
            "| {label} | {mb:.1} MB | {secs:.2} s | {} |",
            if mb < 64.0 { "met" } else { "NOT MET" }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
