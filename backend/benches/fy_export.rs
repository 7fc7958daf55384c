//! The fiscal-year export (`cargo bench -p backend --bench fy_export`): N concluded contracts,
//! each with a 1 MB sealed PDF, a 1 MB original and a completion certificate, seeded straight into
//! a fresh SQLite database and blob store; then the export is written by the operator's code
//! path (`run_operator_export`, the same writer as the server's job) in a child process of this
//! program, which prints the wall time and its own peak RSS (`VmHWM`), so that the seeding does
//! not count. Goal (the issue): 5,000 contracts in under 60 s on 2 cores, RSS flat and under
//! 100 MB. Settings: BENCH_CONTRACTS (200), BENCH_KEEP=1 keeps the directory.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::time::Instant;

use backend::clock::Millis;
use backend::config::Config;
use backend::db;
use backend::db::models::{Contract, Document};
use backend::storage::BlobStore;
use backend::workflow::fiscal_year_export::{OperatorExport, run_operator_export};
use shared::contract::{ContractState, DocumentRole, RecipientOrder};
use shared::dto::ExportEncoding;
use support::setting;

const CHILD: &str = "TACHIAI_FY_EXPORT_BENCH_DIR";
const MB: usize = 1024 * 1024;

fn config(dir: &Path) -> Config {
    let env: Vec<(String, String)> = vec![
        (
            "TACHIAI_DATA_DIR".into(),
            dir.to_string_lossy().into_owned(),
        ),
        (
            "TACHIAI_DATABASE_URL".into(),
            format!("sqlite://{}", dir.join("bench.db").display()),
        ),
        (
            "TACHIAI_INITIAL_ADMIN_PASSWORD".into(),
            "Bench-kanri-pass-2026".into(),
        ),
    ];
    Config::from_sources(None, &env).unwrap()
}

/// Peak resident set size of this process in kB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    if let Ok(dir) = std::env::var(CHILD) {
        measure(Path::new(&dir));
        return;
    }
    let n: usize = setting("BENCH_CONTRACTS", 200);
    let dir = std::env::temp_dir().join(format!("tachiai-fybench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    seed(&dir, n);
    println!(
        "seeded {n} concluded contracts (1 MB sealed PDF + 1 MB original + certificate each) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, &dir)
        .status()
        .unwrap();
    assert!(status.success());
    if std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A distinct PDF-like file of `len` bytes (incompressible, like a real scanned PDF).
fn pdf_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn seed(dir: &Path, n: usize) {
    let config = config(dir);
    let pool = db::connect(&config.database_url, 2).unwrap();
    backend::startup::ensure_initial_tenant(&pool, &config).unwrap();
    let store = BlobStore::new(dir.join("blobs"));
    let mut conn = pool.get().unwrap();
    let tenant = db::queries::tenants::find_by_code(&mut conn, "dev")
        .unwrap()
        .unwrap();
    let admin = db::queries::users::find_by_login_id(&mut conn, &tenant.id, "admin")
        .unwrap()
        .unwrap();
    let now = Millis::now().0;
    for i in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        let concluded = format!("2026-{:02}-{:02}", 4 + (i % 9), 1 + (i % 28));
        let contract = Contract {
            id: id.clone(),
            tenant_id: tenant.id.clone(),
            public_id: uuid::Uuid::new_v4().to_string(),
            contract_number: format!("R8-{:06}", i + 1),
            title: format!("業務委託契約 第{}号", i + 1),
            department_id: None,
            organization_id: None,
            counterparty_name: "株式会社ベンチマーク".into(),
            amount_yen: Some(1_000_000 + i as i64),
            period_start: Some("2026-04-01".into()),
            period_end: Some("2027-03-31".into()),
            concluded_on: Some(concluded),
            retention_years: 10,
            notes: String::new(),
            custom_fields: "{}".into(),
            state: ContractState::Concluded,
            recipient_order: RecipientOrder::Parallel,
            allow_forwarding: false,
            message: String::new(),
            stamp: None,
            approval_round: 1,
            expires_at: None,
            sent_at: Some(now),
            concluded_at: Some(now),
            created_by: admin.id.clone(),
            created_at: now,
            updated_at: now,
        };
        db::queries::contracts::insert(&mut conn, &contract).unwrap();
        for (k, (role, name, len)) in [
            (DocumentRole::Main, "契約書.pdf", MB),
            (DocumentRole::Sealed, "契約書_電子署名済.pdf", MB),
            (DocumentRole::Certificate, "合意締結証明書.pdf", 64 * 1024),
        ]
        .into_iter()
        .enumerate()
        {
            let bytes = pdf_bytes((i * 3 + k) as u64, len);
            let blob = store.put(&bytes).unwrap();
            db::queries::documents::insert(
                &mut conn,
                &Document {
                    id: uuid::Uuid::new_v4().to_string(),
                    tenant_id: tenant.id.clone(),
                    contract_id: id.clone(),
                    role,
                    file_name: name.into(),
                    content_type: "application/pdf".into(),
                    size: blob.size as i64,
                    sha256: blob.sha256,
                    page_count: Some(1),
                    created_by: None,
                    created_at: now + k as i64,
                    removed_at: None,
                },
            )
            .unwrap();
        }
    }
}

fn measure(dir: &Path) {
    let config = config(dir);
    let pool = db::connect(&config.database_url, 2).unwrap();
    backend::startup::install_audit_key(&config).unwrap();
    let store = BlobStore::new(dir.join("blobs"));
    let kit = backend::seal::SealKit::from_config(&config).unwrap();
    let keys = backend::secrets::KeyRing::from_config(&config).unwrap();
    let seal = backend::seal::SealService::new(
        std::sync::Arc::new(kit),
        std::sync::Arc::new(keys),
        Vec::new(),
    );
    let rss_before = peak_rss_kb();
    let out = dir.join("export/fy2026.zip");
    let started = Instant::now();
    let written = run_operator_export(
        &pool,
        &store,
        &seal,
        &OperatorExport {
            tenant_code: "dev",
            fiscal_year: 2026,
            departments: &[],
            encoding: ExportEncoding::Cp932,
            out: &out,
        },
        &mut |_, _| {},
    )
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "export: {} contracts, {} entries, {:.1} MB in {secs:.2} s ({:.0} MB/s, {:.1} ms per contract); peak RSS {} MB (before the export: {} MB)",
        written.contracts,
        written.entries,
        written.size as f64 / MB as f64,
        written.size as f64 / MB as f64 / secs,
        secs * 1000.0 / written.contracts.max(1) as f64,
        peak_rss_kb() / 1024,
        rss_before / 1024,
    );
    let started = Instant::now();
    let report = backend::workflow::fiscal_year_export::verify::verify_zip(
        &out,
        &pades::ValidationContext::default(),
    )
    .unwrap();
    println!(
        "verify: {} entries in {:.2} s; peak RSS {} MB",
        report.entries,
        started.elapsed().as_secs_f64(),
        peak_rss_kb() / 1024
    );
}
