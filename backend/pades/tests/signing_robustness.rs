//! The signing path never panics, never hangs and never produces a broken file: mutated corpus
//! files (3,000 with bytes overwritten, 1,000 truncated and 1,000 spliced: 5,000 signing attempts)
//! either sign — and then the output keeps the original as prefix, reads back with one more
//! signature and passes the engine's own verifier — or are refused with an error. A watchdog ends
//! the test run (exit status 1, the input kept on disk) when one attempt takes longer than 60 s.

mod common;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use pades::{
    Coverage, DevPki, DevPkiOptions, LocalKeySigner, PdfSigner, SignatureMetadata,
    ValidationContext, inspect, verify,
};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

fn pki() -> &'static (LocalKeySigner, ValidationContext) {
    static S: OnceLock<(LocalKeySigner, ValidationContext)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = common::scratch("robust-pki");
        let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
        let ctx = ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap();
        (pki.seal_signer().unwrap(), ctx)
    })
}

fn signer() -> &'static LocalKeySigner {
    &pki().0
}

const FILES: &[&str] = &[
    "libreoffice-ja-contract.pdf",
    "qpdf-object-streams.pdf",
    "incremental-update-empty-sigfield.pdf",
    "word2010-hybrid-xref.pdf",
    "reportlab-acroform.pdf",
    "presigned-pades-bt-rsa.pdf",
];

fn files() -> &'static Vec<Vec<u8>> {
    static F: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    F.get_or_init(|| FILES.iter().map(|f| common::corpus(f)).collect())
}

/// The attempt each test thread is running: when it started and its input.
type Running = Mutex<HashMap<std::thread::ThreadId, (Instant, Vec<u8>)>>;

fn running() -> &'static Running {
    static R: OnceLock<Running> = OnceLock::new();
    R.get_or_init(Running::default)
}

const HANG_LIMIT: Duration = Duration::from_secs(60);

/// One watchdog thread for the test binary: an attempt running longer than [`HANG_LIMIT`] is a
/// hang; its input is written to disk and the process exits with status 1.
fn watchdog() {
    static W: OnceLock<()> = OnceLock::new();
    W.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let map = running().lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, data)) = map.values().find(|(t, _)| t.elapsed() > HANG_LIMIT) {
                    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                        .join("signing-robustness-hang.pdf");
                    let _ = std::fs::write(&path, data);
                    eprintln!(
                        "signing_robustness: a signing attempt has run for more than {} s: HANG \
                         (input kept as {})",
                        HANG_LIMIT.as_secs(),
                        path.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    });
}

fn sign_or_refuse(data: &[u8]) -> bool {
    watchdog();
    struct Attempt(std::thread::ThreadId);
    impl Drop for Attempt {
        // Also on unwinding: a failed attempt is reported by proptest, not as a hang.
        fn drop(&mut self) {
            running()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.0);
        }
    }
    let me = std::thread::current().id();
    running()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(me, (Instant::now(), data.to_vec()));
    let _attempt = Attempt(me);
    sign_and_check(data)
}

/// Signed and refused attempts of one test.
#[derive(Default)]
struct Tally {
    signed: usize,
    refused: usize,
}

fn sign_and_check(data: &[u8]) -> bool {
    let meta = SignatureMetadata::default();
    let Ok(signed) = PdfSigner::new(signer(), &meta).sign(data) else {
        return false;
    };
    assert!(signed.bytes().starts_with(data));
    let before = inspect(data).expect("signable input inspects");
    let after = inspect(signed.bytes()).expect("signed output reads back");
    assert_eq!(after.signature_count(), before.signature_count() + 1);
    // Our signature (the newest) verifies: intact, valid, trusted, covering the whole file.
    let statuses = verify(signed.bytes(), &pki().1).expect("signed output verifies");
    let newest = statuses.last().expect("at least our signature");
    assert!(newest.is_ok(), "{newest:?}");
    assert_eq!(newest.coverage, Coverage::EntireFile);
    true
}

fn run_cases<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    make: impl Fn(S::Value) -> Vec<Vec<u8>>,
) -> Tally
where
    S::Value: std::fmt::Debug,
{
    let tally = Mutex::new(Tally::default());
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    let t0 = Instant::now();
    runner
        .run(&strategy, |value| {
            for data in make(value) {
                let ok = sign_or_refuse(&data);
                let mut t = tally.lock().unwrap();
                if ok { t.signed += 1 } else { t.refused += 1 }
            }
            Ok(())
        })
        .unwrap();
    let t = tally.into_inner().unwrap();
    eprintln!(
        "{name}: {} attempts: {} signed and verified, {} refused, in {:.1} s",
        t.signed + t.refused,
        t.signed,
        t.refused,
        t0.elapsed().as_secs_f64()
    );
    t
}

#[test]
fn mutated_files_sign_or_are_refused() {
    let edits = proptest::collection::vec((0.0f64..1.0, any::<u8>()), 1..8);
    let t = run_cases(
        "overwritten bytes",
        3000,
        (0..FILES.len(), edits, any::<bool>()),
        |(file, edits, tail)| {
            let mut data = files()[file].clone();
            let len = data.len();
            for (at, byte) in edits {
                let pos = if tail {
                    len - 1 - ((at * 3000.0) as usize).min(len - 1)
                } else {
                    (at * len as f64) as usize
                };
                data[pos.min(len - 1)] = byte;
            }
            vec![data]
        },
    );
    // Both outcomes are exercised: most single-byte damage leaves a signable file.
    assert!(
        t.signed > 100 && t.refused > 10,
        "{} signed, {} refused",
        t.signed,
        t.refused
    );
}

#[test]
fn truncated_and_spliced_files_sign_or_are_refused() {
    let t = run_cases(
        "truncated and spliced",
        1000,
        (0..FILES.len(), 0.0f64..1.0),
        |(file, cut)| {
            let data = &files()[file];
            let n = (data.len() as f64 * cut) as usize;
            let mut spliced = data[..n / 2].to_vec();
            spliced.extend_from_slice(&data[n..]);
            vec![data[..n].to_vec(), spliced]
        },
    );
    assert_eq!(t.signed + t.refused, 2000);
}
