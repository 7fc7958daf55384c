//! The search benchmark (`cargo bench -p backend --bench search`): a release `tachiai serve` on
//! SQLite, and on PostgreSQL when 127.0.0.1:5432 answers, seeded with `tachiai admin seed`,
//! then 8 concurrent clients through the HTTP API per filter combination of the contract list
//! (50 per page): p50/p95/p99 and requests/s; then the CSV export of the whole list (100,000
//! rows at that size) with the server's resident memory before and at its peak during the
//! export.
//!
//! Settings: BENCH_SIZES (`10000`; e.g. `10000,100000,1000000`), BENCH_BACKENDS
//! (`sqlite,postgres`), BENCH_CLIENTS (8), BENCH_SECONDS (3 per combination).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../tests/support/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use helpers::{ADMIN_PASSWORD, Backend, Session, TestDb, urlencode};
use server::Server;
use support::setting;

/// Words of three characters or more, two, and one, as people search.
const LONG: [&str; 6] = [
    "図書館",
    "空調設備",
    "給食センター",
    "北斗建設",
    "市民体育館",
    "耐震補強",
];
const SHORT: [&str; 6] = ["清掃", "警備", "除雪", "港北", "窓口", "印刷"];
const ONE: [&str; 6] = ["港", "栄", "泉", "旭", "浜", "橋"];

fn main() {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let sizes = std::env::var("BENCH_SIZES").unwrap_or_else(|_| "10000".into());
    println!("| database | contracts | combination | p50 ms | p95 ms | p99 ms | req/s |");
    println!("|---|---:|---|---:|---:|---:|---:|");
    for name in backends.split(',') {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("BENCH_BACKENDS: unknown backend {other}"),
        };
        for size in sizes.split(',') {
            let size: u64 = size.trim().parse().expect("BENCH_SIZES: numbers");
            let Some(db) = TestDb::create(backend) else {
                println!("{name}: skipped (PostgreSQL does not answer)");
                break;
            };
            run(name, &db, size);
        }
    }
}

/// The query string of a combination's `i`-th request.
type Query<'a> = Box<dyn Fn(usize) -> String + Sync + 'a>;

fn run(name: &str, db: &TestDb, size: u64) {
    let data = db.dir.join("data");
    let server = Server::start("bench", db, &data, &[("TACHIAI_LOG", "error")]);
    let admin = server.login("admin", ADMIN_PASSWORD);
    let t0 = Instant::now();
    let out = server.cli(&[
        "admin",
        "seed",
        "--tenant",
        "dev",
        "--contracts",
        &size.to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "{name} {size}: {} (wall {:.1} s; load average {})",
        String::from_utf8_lossy(&out.stdout).trim(),
        t0.elapsed().as_secs_f64(),
        load_average()
    );
    let departments = server
        .get(Some(&admin), "/api/v1/departments?per_page=100")
        .expect(200);
    let department = departments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "総務課")
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .expect("the seeded 総務課");
    let department = department.as_str();
    let year = |i: usize| 2017 + (i % 9);
    let combinations: Vec<(&str, Query)> = vec![
        ("no filter, by date", Box::new(|_| "sort=concluded".into())),
        (
            "text ≥3 chars, by date",
            Box::new(|i| format!("q={}&sort=concluded", urlencode(LONG[i % 6]))),
        ),
        (
            "text 2 chars, by amount",
            Box::new(|i| format!("q={}&sort=amount", urlencode(SHORT[i % 6]))),
        ),
        (
            "text 1 char, by date",
            Box::new(|i| format!("q={}&sort=concluded", urlencode(ONE[i % 6]))),
        ),
        (
            "department + state, by date",
            Box::new(|_| format!("department_id={department}&state=concluded&sort=concluded")),
        ),
        (
            "締結日 one year, by date",
            Box::new(move |i| {
                format!(
                    "concluded_from={}-04-01&concluded_to={}-03-31&sort=concluded",
                    year(i),
                    year(i) + 1
                )
            }),
        ),
        (
            "amount range, by amount",
            Box::new(|_| "amount_min=1000000&amount_max=5000000&sort=amount".into()),
        ),
        (
            "text ≥3 + department + state + 締結日 + amount, by amount",
            Box::new(move |i| {
                format!(
                    "q={}&department_id={department}&state=concluded,cancelled&concluded_from={}-04-01&amount_min=500000&sort=amount",
                    urlencode(["業務委託", "工事請負", "物品購入"][i % 3]),
                    year(i)
                )
            }),
        ),
        (
            "state + 締結日 one year + amount, by amount",
            Box::new(move |i| {
                format!(
                    "state=concluded&concluded_from={}-04-01&concluded_to={}-03-31&amount_min=1000000&amount_max=3000000&sort=amount",
                    year(i),
                    year(i) + 1
                )
            }),
        ),
        (
            "one state, by 更新日時",
            Box::new(|i| {
                format!(
                    "state={}&sort=updated",
                    ["sent", "pending_approval", "concluded"][i % 3]
                )
            }),
        ),
        (
            "text 2 chars + state + amount, by date",
            Box::new(|i| {
                format!(
                    "q={}&state=concluded&amount_min=1000000&sort=concluded",
                    urlencode(SHORT[i % 6])
                )
            }),
        ),
    ];
    let clients = setting("BENCH_CLIENTS", 8);
    let seconds = setting("BENCH_SECONDS", 3) as u64;
    for (label, query) in &combinations {
        let r = load(&server, &admin, clients, seconds, |i| {
            format!("/api/v1/contracts?{}&per_page=50", query(i))
        });
        println!(
            "| {name} | {size} | {label} | {:.1} | {:.1} | {:.1} | {:.0} |",
            ms(r.p50),
            ms(r.p95),
            ms(r.p99),
            r.rate
        );
    }
    // The next page by cursor, deep into the list.
    let mut cursor = String::new();
    for _ in 0..20 {
        let page = server
            .get(
                Some(&admin),
                &format!("/api/v1/contracts?sort=amount&per_page=50{cursor}"),
            )
            .expect(200);
        cursor = format!("&cursor={}", page["next_cursor"].as_str().unwrap());
    }
    let r = load(&server, &admin, clients, seconds, |_| {
        format!("/api/v1/contracts?sort=amount&per_page=50{cursor}")
    });
    println!(
        "| {name} | {size} | page 21 by cursor, by amount | {:.1} | {:.1} | {:.1} | {:.0} |",
        ms(r.p50),
        ms(r.p95),
        ms(r.p99),
        r.rate
    );
    csv_export(name, size, &server, &admin);
    eprintln!("{name} {size}: done (load average {})", load_average());
}

/// The machine's 1, 5 and 15 minute load averages: the numbers above are only comparable at
/// similar load.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole list as CSV (about 100,000 rows at most: the largest amounts), timed, with the
/// server's own resident memory (`RssAnon`: without the database file's memory-mapped pages,
/// which are the page cache) sampled every 5 ms while it streams.
fn csv_export(name: &str, size: u64, server: &Server, s: &Session) {
    let pid = server.pid();
    let rss = || -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let before = rss();
    let done = AtomicBool::new(false);
    let (peak, reply, took) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss());
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let t0 = Instant::now();
        // Beyond 100,000 contracts, about 100,000 of them: the seed's amounts are log-uniform
        // from 10^5 to 10^8.7 yen.
        let amount = if size > 100_000 {
            let share = 100_000.0 / size as f64;
            format!("&amount_min={:.0}", 10f64.powf(8.7 - 3.7 * share))
        } else {
            String::new()
        };
        let reply = server.get(
            Some(s),
            &format!("/api/v1/contracts.csv?sort=amount{amount}"),
        );
        let took = t0.elapsed();
        done.store(true, Ordering::Relaxed);
        (sampler.join().unwrap(), reply, took)
    });
    assert_eq!(reply.status, 200);
    let rows = reply.text().lines().count() - 1;
    println!(
        "| {name} | {size} | CSV export: {rows} rows, {:.1} MB in {:.2} s; server RssAnon {:.0} MB before, peak {:.0} MB |  |  |  |  |",
        reply.bytes.len() as f64 / 1e6,
        took.as_secs_f64(),
        before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct LoadResult {
    p50: Duration,
    p95: Duration,
    p99: Duration,
    rate: f64,
}

/// `clients` threads send `path(i)` back to back for `seconds`; every answer must be 200.
fn load(
    server: &Server,
    s: &Session,
    clients: usize,
    seconds: u64,
    path: impl Fn(usize) -> String + Sync,
) -> LoadResult {
    for i in 0..clients * 2 {
        server.get(Some(s), &path(i)).expect(200);
    }
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let counter = AtomicUsize::new(0);
    let mut all: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (path, counter) = (&path, &counter);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    while Instant::now() < until {
                        let i = counter.fetch_add(1, Ordering::Relaxed);
                        let t0 = Instant::now();
                        let r = server.get(Some(s), &path(i));
                        mine.push(t0.elapsed());
                        assert_eq!(r.status, 200, "{}", r.text());
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[(((p / 100.0) * all.len() as f64).ceil() as usize).clamp(1, all.len()) - 1];
    LoadResult {
        p50: pct(50.0),
        p95: pct(95.0),
        p99: pct(99.0),
        rate: all.len() as f64 / elapsed,
    }
}
