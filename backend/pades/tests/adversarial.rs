//! The adversarial corpus (testdata/adversarial, made by its generate.py): every hostile file is
//! given to `inspect` and to `verify`, with the default limits. Each must end as its manifest
//! says (accepted, or refused as an input rejection with the stated code) within a fixed time
//! and heap: the reader's budget (`pades::ReadLimits`) holds whatever the file asks for.
//! Run with `--nocapture` for the table of sizes, outcomes, times and peak heap.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pades::{LimitKind, PadesError, ReadLimits, ValidationContext};

/// Counts live heap bytes and their high-water mark (the test binary's allocator).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                // A moving realloc holds both blocks for a moment.
                PEAK.fetch_max(now + layout.size(), Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Per call: wall time (generous for a debug build on a busy machine) and heap above the
/// baseline.
const MAX_TIME: Duration = Duration::from_secs(2);
const MAX_HEAP_FLOOR: usize = 64 << 20;
const MAX_HEAP_PER_INPUT_BYTE: usize = 4;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/adversarial")
}

fn outcome<T>(r: &Result<T, PadesError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => {
            assert!(
                e.is_input_rejection(),
                "{e} is not an input rejection (would be a 5xx)"
            );
            e.code().to_string()
        }
    }
}

/// Runs `f`, returning its outcome, wall time and peak heap above what was live before.
fn measure<T>(f: impl FnOnce() -> Result<T, PadesError>) -> (String, Duration, usize, String) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = Instant::now();
    let r = f();
    let elapsed = t.elapsed();
    let detail = match &r {
        Err(e) => e.to_string(),
        Ok(_) => String::new(),
    };
    let out = outcome(&r);
    drop(r);
    (
        out,
        elapsed,
        PEAK.load(Ordering::Relaxed).saturating_sub(base),
        detail,
    )
}

#[test]
fn every_adversarial_file_is_refused_or_read_within_budget() {
    let manifest = std::fs::read_to_string(dir().join("MANIFEST.tsv")).unwrap();
    let ctx = ValidationContext::default();
    let mut failures = Vec::new();
    let mut files = 0;
    println!(
        "{:<36} {:>8}  {:<7} {:<16} {:>7} {:>8}  detail",
        "file", "bytes", "call", "outcome", "ms", "peak MB"
    );
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, want_inspect, want_verify) = (cols[0], cols[1], cols[2]);
        let pdf = std::fs::read(dir().join(name)).unwrap();
        files += 1;
        let max_heap = MAX_HEAP_FLOOR.max(MAX_HEAP_PER_INPUT_BYTE * pdf.len());
        let runs = [
            ("inspect", want_inspect, measure(|| pades::inspect(&pdf))),
            ("verify", want_verify, measure(|| pades::verify(&pdf, &ctx))),
        ];
        for (call, want, (got, time, heap, detail)) in runs {
            println!(
                "{name:<36} {:>8}  {call:<7} {got:<16} {:>7} {:>8.1}  {}",
                pdf.len(),
                time.as_millis(),
                heap as f64 / (1 << 20) as f64,
                &detail[..detail.len().min(90)]
            );
            if got != want {
                failures.push(format!(
                    "{name}: {call} gave {got} ({detail}), expected {want}"
                ));
            }
            if time > MAX_TIME {
                failures.push(format!("{name}: {call} took {time:?}"));
            }
            if heap > max_heap {
                failures.push(format!("{name}: {call} peaked at {heap} heap bytes"));
            }
        }
    }
    assert!(files >= 20, "the manifest lists only {files} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The limits are the caller's: a stricter budget refuses a real file that the defaults accept
/// (in inspection, verification and signing), and says which budget ran out.
#[test]
fn tightened_limits_refuse_a_real_file_naming_the_budget() {
    let pdf = common::corpus("qpdf-object-streams.pdf");
    assert!(pades::inspect(&pdf).is_ok());
    let cases = [
        (
            ReadLimits {
                max_time: Duration::ZERO,
                ..Default::default()
            },
            LimitKind::Time,
        ),
        (
            ReadLimits {
                objects_floor: 10,
                objects_per_input_byte: 0,
                ..Default::default()
            },
            LimitKind::Objects,
        ),
        (
            ReadLimits {
                stream_bytes_floor: 100,
                stream_bytes_per_input_byte: 0,
                ..Default::default()
            },
            LimitKind::StreamBytes,
        ),
        (
            ReadLimits {
                xref_entries_floor: 3,
                xref_entries_per_input_byte: 0,
                ..Default::default()
            },
            LimitKind::XrefEntries,
        ),
    ];
    let pki = pades::DevPki::generate(
        &common::scratch("adversarial-limits"),
        &pades::DevPkiOptions::default(),
    )
    .unwrap();
    let signer = pki.seal_signer().unwrap();
    let meta = pades::SignatureMetadata::default();
    for (limits, kind) in cases {
        for r in [
            pades::inspect_with_limits(&pdf, &limits).map(|_| ()),
            pades::verify_with_limits(&pdf, &ValidationContext::default(), &limits).map(|_| ()),
            pades::PdfSigner::new(&signer, &meta)
                .read_limits(limits.clone())
                .sign(&pdf)
                .map(|_| ()),
        ] {
            match r {
                Err(e @ PadesError::TooComplex { limit }) => {
                    assert_eq!(limit, kind);
                    assert_eq!(e.code(), "pdf_too_complex");
                    assert!(e.is_input_rejection());
                    assert!(e.to_string().contains(&kind.to_string()), "{e}");
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
    }
}
