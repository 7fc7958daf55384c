//! Signing speed on the corpus timing inputs (100 KB, 1 MB, 10 MB), run with `cargo bench`.
//!
//! * B-B and B-T (built-in TSA in-process) with the development PKI's P-256 key, key loaded once,
//!   timed from input bytes to output bytes, median (min–max) of N runs after one warm-up.
//! * B-T over HTTP when `PADES_BENCH_TSA_URL` is set (e.g. `tools/test-pki-and-tsa`'s `$TSA_URL`).
//! * pyHanko 0.38 in-process B-B with the same key and files, when its virtualenv exists
//!   (`/opt/tachiai-validators/venv`, or `TACHIAI_VALIDATORS_VENV`; installed by
//!   `tools/install-validators`), for comparison.

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
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
key, cert, chain, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(chain,))
res = {}
for path in sys.argv[5:]:
    times = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        data = open(path, "rb").read()
        meta = signers.PdfSignatureMetadata(field_name="Seal1", subfilter=SigSeedSubFilter.PADES)
        out = io.BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer, output=out)
        out.getvalue()
        if i:
            times.append((time.perf_counter() - t0) * 1e3)
    res[path] = times
print(json.dumps(res))
"#;

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pdf-corpus");
    let dir = std::env::temp_dir().join(format!("pades-bench-{}", std::process::id()));
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).expect("dev PKI");
    let signer = pki.seal_signer().expect("signer");
    let tsa = pki.builtin_tsa().expect("tsa");
    let http = std::env::var("PADES_BENCH_TSA_URL")
        .ok()
        .map(|u| HttpTimeStamper::new([u]));

    println!(
        "pades signing benchmark (P-256, release build; median (min–max) of N runs after a warm-up)"
    );
    println!(
        "{:<7} {:>10}  {:<26} {:<26} {}",
        "input",
        "bytes",
        "B-B",
        "B-T (built-in TSA)",
        if http.is_some() { "B-T (HTTP TSA)" } else { "" }
    );
    let mut ours_bb = Vec::new();
    for (label, file, runs) in FILES {
        let data = std::fs::read(corpus.join(file)).expect("corpus file");
        let bb = time_sign(&signer, None, &data, runs);
        let bt = time_sign(&signer, Some(&tsa), &data, runs);
        let ht = http
            .as_ref()
            .map(|h| stats(time_sign(&signer, Some(h), &data, runs)))
            .unwrap_or_default();
        let mut sorted = bb.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        ours_bb.push(sorted[sorted.len() / 2]);
        println!(
            "{label:<7} {:>10}  {:<26} {:<26} {ht}",
            data.len(),
            stats(bb),
            stats(bt)
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
    if let Some(mb) = peak_rss_mb() {
        println!(
            "peak RSS of this process: {mb:.1} MB (largest input 10.4 MB, input + output held in memory)"
        );
    }

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
        .arg("10");
    for (_, file, _) in FILES {
        cmd.arg(corpus.join(file));
    }
    match cmd.output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            println!("pyHanko 0.38 in-process B-B, same key and files (10 runs):");
            for (i, (label, file, _)) in FILES.iter().enumerate() {
                let path = corpus.join(file).display().to_string();
                // Minimal JSON extraction: "path": [t1, t2, ...]
                let key = format!("\"{path}\": [");
                let Some(start) = text.find(&key) else {
                    continue;
                };
                let rest = &text[start + key.len()..];
                let list = &rest[..rest.find(']').unwrap_or(0)];
                let v: Vec<f64> = list
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect();
                if v.is_empty() {
                    continue;
                }
                let mut s = v.clone();
                s.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let median = s[s.len() / 2];
                println!(
                    "{label:<7} pyHanko {}   pades is {:.1}× faster (median)",
                    stats(v),
                    median / ours_bb[i]
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
