//! Signing speed on the corpus timing inputs (100 KB, 1 MB, 10 MB), run with `cargo bench`.
//!
//! * B-B, B-T with the built-in TSA in-process and B-T with a local TSA over HTTP (the built-in
//!   TSA served on 127.0.0.1 by this program, or `PADES_BENCH_TSA_URL`, e.g.
//!   `tools/test-pki-and-tsa`'s `$TSA_URL`), with the development PKI's P-256 key, key loaded
//!   once, timed from input bytes to output bytes, median (min–max) of N runs after one warm-up.
//! * Peak memory: the 10 MB file signed (B-B, then B-T) in a fresh child process of this program,
//!   its peak RSS (`VmHWM`) against the goal of 32 MB + the file's size.
//! * Batch throughput: 13 corpus files × 5 signed one after another in one process (what
//!   `tachiai pdf sign … --out-dir` does), documents per second.
//! * pyHanko 0.38 in-process, B-B and B-T with the same local HTTP TSA, same key and files, when
//!   its virtualenv exists (`/opt/tachiai-validators/venv`, or `TACHIAI_VALIDATORS_VENV`; installed
//!   by `tools/install-validators`), for comparison; the 1 MB B-B ratio against the goal (≥ 10×).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Instant;

use pades::{
    DevPki, DevPkiOptions, HttpTimeStamper, PdfSigner, SignatureMetadata, Signer, TimeStamper,
};

const FILES: [(&str, &str, usize); 3] = [
    ("100 KB", "libreoffice-ja-contract.pdf", 30),
    ("1 MB", "img2pdf-scan-9p.pdf", 30),
    ("10 MB", "reportlab-photo-report-120p.pdf", 15),
];

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    format!(
        "{:7.2} ms ({:.2}–{:.2})",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

fn time_sign(
    signer: &dyn Signer,
    tsa: Option<&dyn TimeStamper>,
    data: &[u8],
    runs: usize,
) -> Vec<f64> {
    let meta = SignatureMetadata::default();
    let mut out = Vec::new();
    for i in 0..=runs {
        let t0 = Instant::now();
        let mut s = PdfSigner::new(signer, &meta);
        if let Some(t) = tsa {
            s = s.timestamper(t);
        }
        let signed = s.sign(data).expect("signing");
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        assert!(signed.bytes().len() > data.len());
        if i > 0 {
            out.push(ms);
        }
    }
    out
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

const PYHANKO_BENCH: &str = r#"
import io, json, sys, time
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
key, cert, chain, tsa_url = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(chain,))
tsa = timestamps.HTTPTimeStamper(tsa_url)
res = {}
for arg in sys.argv[5:]:
    path, runs = arg.rsplit(":", 1)
    for level, ts in (("B-B", None), ("B-T", tsa)):
        times = []
        for i in range(int(runs) + 1):
            t0 = time.perf_counter()
            data = open(path, "rb").read()
            meta = signers.PdfSignatureMetadata(field_name="Seal1", subfilter=SigSeedSubFilter.PADES)
            out = io.BytesIO()
            signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer,
                             timestamper=ts, output=out)
            out.getvalue()
            if i:
                times.append((time.perf_counter() - t0) * 1e3)
        res[path + " " + level] = times
print(json.dumps(res))
"#;

/// Serves the built-in TSA on 127.0.0.1 (one request per connection) for the life of the process.
fn serve_tsa(tsa: pades::BuiltinTsa) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let start = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            };
            let Some(start) = start else { continue };
            let head = String::from_utf8_lossy(&buf[..start]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < start + len {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let resp = tsa.respond(&buf[start..(start + len).min(buf.len())]);
            let _ = s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    resp.len()
                )
                .as_bytes(),
            );
            let _ = s.write_all(&resp);
        }
    });
    format!("http://127.0.0.1:{port}/tsa")
}

/// Child mode (`PADES_BENCH_MEMORY_CHILD=FILE`): signs FILE at B-B and then at B-T (built-in
/// TSA) with a fresh development PKI and prints the peak RSS before and after, in kB.
fn memory_child(file: &str) {
    let dir = std::env::temp_dir().join(format!("pades-bench-mem-{}", std::process::id()));
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).expect("dev PKI");
    let signer = pki.seal_signer().expect("signer");
    let tsa = pki.builtin_tsa().expect("tsa");
    let meta = SignatureMetadata::default();
    let before = peak_rss_mb().unwrap_or(0.0);
    let data = std::fs::read(file).expect("input");
    let bb = PdfSigner::new(&signer, &meta).sign(&data).expect("B-B");
    drop(bb);
    let bt = PdfSigner::new(&signer, &meta)
        .timestamper(&tsa)
        .sign(&data)
        .expect("B-T");
    drop(bt);
    let after = peak_rss_mb().unwrap_or(0.0);
    let _ = std::fs::remove_dir_all(&dir);
    println!("{before:.2} {after:.2}");
}

fn measure_memory(file: &std::path::Path, size: usize) {
    let exe = std::env::current_exe().expect("own path");
    match std::process::Command::new(exe)
        .env("PADES_BENCH_MEMORY_CHILD", file)
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let v: Vec<f64> = text
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if let [before, after] = v[..] {
                let mb = size as f64 / 1_048_576.0;
                let limit = 32.0 + mb;
                println!(
                    "peak memory, {mb:.1} MB file signed B-B + B-T in a fresh process: {after:.1} MB \
                     peak RSS (process before reading the file: {before:.1} MB); goal < 32 MB + file \
                     = {limit:.1} MB: {}",
                    if after < limit { "met" } else { "NOT MET" }
                );
            }
        }
        Ok(o) => println!(
            "peak memory measurement failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("peak memory measurement not run: {e}"),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    if let Ok(file) = std::env::var("PADES_BENCH_MEMORY_CHILD") {
        memory_child(&file);
        return;
    }
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pdf-corpus");
    let dir = std::env::temp_dir().join(format!("pades-bench-{}", std::process::id()));
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).expect("dev PKI");
    let signer = pki.seal_signer().expect("signer");
    let tsa = pki.builtin_tsa().expect("tsa");
    let tsa_url = std::env::var("PADES_BENCH_TSA_URL")
        .unwrap_or_else(|_| serve_tsa(pki.builtin_tsa().expect("tsa")));
    let http = HttpTimeStamper::new([tsa_url.as_str()]);

    println!(
        "pades signing benchmark (P-256, release build; median (min–max) of N runs after a warm-up)"
    );
    println!("local TSA over HTTP: {tsa_url}");
    println!(
        "{:<7} {:>10}  {:<26} {:<26} B-T (local TSA, HTTP)",
        "input", "bytes", "B-B", "B-T (built-in TSA)"
    );
    let mut ours_bb = Vec::new();
    let mut ours_bt = Vec::new();
    let median = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(|a, b| a.partial_cmp(b).unwrap());
        s[s.len() / 2]
    };
    for (label, file, runs) in FILES {
        let data = std::fs::read(corpus.join(file)).expect("corpus file");
        let bb = time_sign(&signer, None, &data, runs);
        let bt = time_sign(&signer, Some(&tsa), &data, runs);
        let ht = time_sign(&signer, Some(&http), &data, runs);
        ours_bb.push(median(&bb));
        ours_bt.push(median(&ht));
        println!(
            "{label:<7} {:>10}  {:<26} {:<26} {}",
            data.len(),
            stats(bb),
            stats(bt),
            stats(ht)
        );
    }
    // Batch: every "sign OK" corpus file but the 10 MB one, 5 rounds, in one process (B-B and
    // B-T with the built-in TSA): documents per second.
    let batch: Vec<Vec<u8>> = [
        "libreoffice-ja-contract.pdf",
        "libreoffice-ja-contract-pdfa2b.pdf",
        "ghostscript-ps2pdf.pdf",
        "ghostscript-pdf13-classic-xref.pdf",
        "qpdf-object-streams.pdf",
        "qpdf-linearized.pdf",
        "qpdf-qdf.pdf",
        "incremental-update-empty-sigfield.pdf",
        "incremental-update-xref-stream.pdf",
        "reportlab-acroform.pdf",
        "img2pdf-scan-9p.pdf",
        "word2010-hybrid-xref.pdf",
        "presigned-pades-bt-rsa.pdf",
    ]
    .iter()
    .map(|f| std::fs::read(corpus.join(f)).expect("corpus file"))
    .collect();
    let meta = SignatureMetadata::default();
    for (label, with_tsa) in [("B-B", false), ("B-T (built-in TSA)", true)] {
        let t0 = Instant::now();
        let mut n = 0;
        for _ in 0..5 {
            for doc in &batch {
                let mut s = PdfSigner::new(&signer, &meta);
                if with_tsa {
                    s = s.timestamper(&tsa);
                }
                s.sign(doc).expect("batch signing");
                n += 1;
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "batch {label}: {n} documents (13 corpus files × 5) in {:.1} ms = {:.0} documents/s",
            secs * 1e3,
            n as f64 / secs
        );
    }
    let (_, big, _) = FILES[2];
    let big = corpus.join(big);
    measure_memory(
        &big,
        std::fs::metadata(&big)
            .map(|m| m.len() as usize)
            .unwrap_or(0),
    );

    let venv = std::env::var("TACHIAI_VALIDATORS_VENV")
        .unwrap_or_else(|_| "/opt/tachiai-validators/venv".into());
    let py = PathBuf::from(venv).join("bin/python3");
    if !py.exists() {
        println!(
            "pyHanko comparison skipped: {} not found (tools/install-validators)",
            py.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let script = dir.join("pyhanko_bench.py");
    std::fs::write(&script, PYHANKO_BENCH).expect("write script");
    let mut cmd = std::process::Command::new(&py);
    cmd.arg(&script)
        .arg(dir.join("seal.key"))
        .arg(dir.join("seal.pem"))
        .arg(dir.join("chain.pem"))
        .arg(&tsa_url);
    for (_, file, runs) in FILES {
        cmd.arg(format!("{}:{}", corpus.join(file).display(), runs.min(10)));
    }
    let mut one_mb = None;
    match cmd.output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            println!(
                "pyHanko 0.38 in-process, same key, files and local TSA (median (min–max) of up to 10 runs after a warm-up):"
            );
            println!(
                "{:<7} {:<26} {:<26} pades faster by (median): B-B / B-T",
                "input", "pyHanko B-B", "pyHanko B-T (local TSA)"
            );
            let list = |key: &str| -> Vec<f64> {
                // Minimal JSON extraction: "key": [t1, t2, ...]
                let key = format!("\"{key}\": [");
                let Some(start) = text.find(&key) else {
                    return Vec::new();
                };
                let rest = &text[start + key.len()..];
                rest[..rest.find(']').unwrap_or(0)]
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect()
            };
            for (i, (label, file, _)) in FILES.iter().enumerate() {
                let path = corpus.join(file).display().to_string();
                let bb = list(&format!("{path} B-B"));
                let bt = list(&format!("{path} B-T"));
                if bb.is_empty() || bt.is_empty() {
                    continue;
                }
                let (rb, rt) = (median(&bb) / ours_bb[i], median(&bt) / ours_bt[i]);
                println!(
                    "{label:<7} {:<26} {:<26} {rb:.1}× / {rt:.1}×",
                    stats(bb),
                    stats(bt)
                );
                if *label == "1 MB" {
                    one_mb = Some(rb);
                }
            }
            if let Some(r) = one_mb {
                println!(
                    "1 MB B-B: pades {r:.1}× faster than pyHanko per document (goal ≥ 10×): {}",
                    if r >= 10.0 { "met" } else { "NOT MET" }
                );
            }
        }
        Ok(o) => println!(
            "pyHanko comparison failed: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("pyHanko comparison not run: {e}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
