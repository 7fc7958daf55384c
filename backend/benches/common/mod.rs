//! What the benchmarks that drive a real server share: seeding contracts through the workflow
//! and percentiles.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backend::audit::Origin;
use backend::db::{self, DatabaseUrl};
use backend::storage::BlobStore;
use backend::workflow::accounts::{self, RequestCredentials};
use backend::workflow::contracts::{self, Upload, UploadLimits};
use serde_json::json;
use shared::contract::DocumentRole;

use crate::helpers::TestDb;
use crate::support::corpus;

/// The contracts' PDF.
pub const PDF: &str = "libreoffice-ja-contract.pdf";
/// Counterparties, one per tenth of the contracts.
pub const COUNTERPARTIES: [&str; 10] = [
    "株式会社テスト商事",
    "合同会社サンプル",
    "有限会社みなと建設",
    "株式会社さくら設備",
    "一般社団法人地域振興会",
    "株式会社ひかり印刷",
    "株式会社あおば清掃",
    "株式会社やまと電気",
    "株式会社かわせみ造園",
    "株式会社つばさ情報",
];

/// Drafts with their main PDF and a recipient, through the workflow use-cases the API handlers
/// call (in-process, as the staff member whose session `cookie` is given). Returns their ids.
/// `env`: the nodes' settings that name the blob store (`TACHIAI_BLOB_STORE`, `TACHIAI_S3_*`),
/// so that the PDFs go where the servers read them; none: `<data>/blobs`.
pub fn seed(
    db: &TestDb,
    data: &std::path::Path,
    env: &[(String, String)],
    cookie: &str,
    n: usize,
) -> Vec<String> {
    let start = Instant::now();
    let pool = db::connect(&DatabaseUrl::parse(&db.url), 4).unwrap();
    let mut settings = env.to_vec();
    settings.push(("TACHIAI_DATA_DIR".into(), data.display().to_string()));
    settings.push(("TACHIAI_DATABASE_URL".into(), db.url.clone()));
    let config =
        backend::config::Config::from_sources(None, &settings).expect("the store's settings");
    let store = BlobStore::from_config(&config).expect("the blob store");
    let limits = UploadLimits {
        file_bytes: 50 << 20,
        contract_bytes: 100 << 20,
    };
    let pdf = corpus(PDF);
    let next = AtomicUsize::new(0);
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (pool, store, pdf, next) = (&pool, &store, &pdf, &next);
                scope.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    let (actor, _) = accounts::authenticate(
                        &mut conn,
                        RequestCredentials {
                            token: cookie,
                            csrf_header: None,
                            safe_method: true,
                            foreign_origin: None,
                        },
                        Origin {
                            actor_id: None,
                            actor_label: String::new(),
                            ip: Some("127.0.0.1".into()),
                            user_agent: Some("bench".into()),
                        },
                    )
                    .unwrap();
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= n {
                            return mine;
                        }
                        let req = serde_json::from_value(json!({
                            "title": format!("{}業務委託契約 第{i}号", ["庁舎清掃", "道路補修", "物品購入", "システム保守"][i % 4]),
                            "counterparty_name": COUNTERPARTIES[i % 10],
                            "amount_yen": 10_000 + (i as i64 * 7_919) % 90_000_000,
                            "allow_forwarding": i % 3 == 0,
                        }))
                        .unwrap();
                        let c = contracts::create(&mut conn, &actor, &req).unwrap();
                        let id = c.id.to_string();
                        contracts::upload_document(
                            &mut conn,
                            &actor,
                            store,
                            limits,
                            &id,
                            contracts::check_upload(Upload {
                                role: DocumentRole::Main,
                                file_name: format!("契約書{i}.pdf"),
                                bytes: pdf.clone(),
                            }),
                        )
                        .unwrap();
                        let recipients = serde_json::from_value(json!({"recipients": [
                            {"organization_name": COUNTERPARTIES[i % 10], "name": "山田 太郎", "email": format!("seed{i}@example.jp")},
                        ]}))
                        .unwrap();
                        contracts::set_recipients(&mut conn, &actor, &id, &recipients, false).unwrap();
                        mine.push(id);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    println!(
        "seeded {n} contracts (draft + PDF + recipient) through the workflow in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    ids
}

/// The `p`-th percentile of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
