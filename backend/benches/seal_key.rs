//! Sealing with a key in a PKCS#11 token (SoftHSM2) against a key in a file
//! (`cargo bench -p backend --bench seal_key`): P-256 and RSA-3072, each loaded and checked by
//! `seal::load` exactly as the server loads it.
//!
//! For each key: the raw signing rate (`Signer::sign_raw` on 1 KB, one thread), and the seal the
//! server adds per agreement — PAdES B-T on the 100 KB corpus contract with a signature
//! timestamp — per second with one thread and with two (the server's job workers); with the
//! process's CPU time per signature and per seal, which other load on the machine disturbs less
//! than the rates. The
//! timestamps come from the development PKI's TSA in-process, so the numbers are the key's and
//! the engine's, not a network's.
//!
//! The token is the benchmark's own (its own `SOFTHSM2_CONF` in a temporary directory, keys
//! generated inside it by `pkcs11-tool`); the file keys and the CA are `tools/test-pki-and-tsa`'s.
//! The measuring runs in a child process of this program, so that `SOFTHSM2_CONF` is in its
//! environment before the PKCS#11 module initialises. Settings: BENCH_SEALS (60 per key and
//! thread count), BENCH_SIGNATURES (300).

#[allow(dead_code)]
#[path = "../tests/support/seal_keys.rs"]
mod seal_keys;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use backend::clock::Millis;
use backend::seal::{Pkcs11Reference, SealKeySource, load};
use pades::{PadesLevel, PdfSigner, SignatureMetadata, Signer};

use seal_keys::{Issue, SOFTHSM_MODULE, SoftHsm, TestPki, softhsm_available};
use support::setting;

const PDF: &str = "libreoffice-ja-contract.pdf";
const TOKEN: &str = "tachiai-bench";
const CHILD: &str = "TACHIAI_SEAL_BENCH_DIR";

fn main() {
    if let Ok(dir) = std::env::var(CHILD) {
        measure(Path::new(&dir));
        return;
    }
    if !softhsm_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tachiai-sealbench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pki = TestPki::start(&dir.join("pki"));
    let hsm = SoftHsm::create(&dir.join("hsm"), TOKEN);
    let ca = pki.ca();
    for (label, id, key_type) in [
        ("seal-ec", "01", "EC:prime256v1"),
        ("seal-rsa", "02", "rsa:3072"),
    ] {
        let spki = hsm.generate(label, id, key_type);
        hsm.store_certificate(label, id, &ca.issue(&spki, label, &Issue::default()));
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, &dir)
        .env("SOFTHSM2_CONF", &hsm.conf)
        .status()
        .unwrap();
    drop(pki);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "the measuring process failed");
}

fn rate(n: usize, seconds: f64) -> String {
    format!("{:8.1}/s", n as f64 / seconds)
}

/// CPU time of this process so far (user + system, all threads; the token's work runs in it
/// too, as SoftHSM2 is a library), in seconds: unlike wall time, it barely changes when other
/// programs compete for the cores. Counted in 10 ms ticks, so it wants a few hundred operations.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks of 10 ms.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn cpu_ms(n: usize, seconds: f64) -> String {
    format!("{:7.2} ms", seconds * 1e3 / n as f64)
}

fn measure(dir: &Path) {
    let pki = dir.join("pki");
    let chain = Some(pki.join("chain.pem"));
    let token = |label: &str| SealKeySource::Pkcs11 {
        token: Pkcs11Reference {
            module: PathBuf::from(SOFTHSM_MODULE),
            token_label: TOKEN.into(),
            key_label: label.into(),
            pin_file: dir.join("hsm/user.pin"),
        },
        cert: None,
        chain: chain.clone(),
    };
    let file = |name: &str| SealKeySource::Pem {
        key: pki.join(format!("{name}.key")),
        cert: pki.join(format!("{name}.pem")),
        chain: chain.clone(),
    };
    let keys = [
        ("file key, P-256", file("signer-ec")),
        ("PKCS#11 SoftHSM2, P-256", token("seal-ec")),
        ("file key, RSA-3072", file("signer-rsa")),
        ("PKCS#11 SoftHSM2, RSA-3072", token("seal-rsa")),
    ];
    let dev =
        pades::DevPki::generate(&dir.join("devpki"), &pades::DevPkiOptions::default()).unwrap();
    let tsa = dev.builtin_tsa().unwrap();
    let pdf = support::corpus(PDF);
    let seals = setting("BENCH_SEALS", 60);
    let signatures = setting("BENCH_SIGNATURES", 300);
    let meta = SignatureMetadata {
        reason: Some("benchmark".into()),
        ..SignatureMetadata::default()
    };
    let seal = |signer: &dyn Signer| {
        let sealed = PdfSigner::new(signer, &meta)
            .level(PadesLevel::BT)
            .timestamper(&tsa)
            .sign(&pdf)
            .expect("seal");
        assert!(sealed.bytes().len() > pdf.len());
    };
    println!(
        "Sealing throughput, B-T per agreement ({PDF}, {} KB, in-process TSA), {} cores",
        pdf.len() / 1024,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<28} {:>10} {:>12} {:>12} {:>13} {:>12} {:>14}",
        "key", "load", "sign_raw", "CPU/sign", "B-T 1 thread", "CPU/seal", "B-T 2 threads"
    );
    for (name, source) in keys {
        let t0 = Instant::now();
        let signer = load(&source, Millis::now()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let load_ms = t0.elapsed().as_secs_f64() * 1e3;
        let message = [0x5au8; 1024];
        signer.sign_raw(&message).unwrap();
        let (t0, c0) = (Instant::now(), cpu_seconds());
        for _ in 0..signatures {
            signer.sign_raw(&message).unwrap();
        }
        let raw = rate(signatures, t0.elapsed().as_secs_f64());
        let raw_cpu = cpu_ms(signatures, cpu_seconds() - c0);
        seal(signer.as_ref());
        let (t0, c0) = (Instant::now(), cpu_seconds());
        for _ in 0..seals {
            seal(signer.as_ref());
        }
        let one = rate(seals, t0.elapsed().as_secs_f64());
        let one_cpu = cpu_ms(seals, cpu_seconds() - c0);
        let t0 = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..seals {
                        seal(signer.as_ref());
                    }
                });
            }
        });
        let two = rate(2 * seals, t0.elapsed().as_secs_f64());
        println!(
            "{name:<28} {load_ms:7.1} ms {raw:>12} {raw_cpu:>12} {one:>13} {one_cpu:>12} {two:>14}"
        );
    }
}
