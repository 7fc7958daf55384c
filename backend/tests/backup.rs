//! The restore drill (仕様 6-(5)): real `tachiai serve` processes on SQLite and on PostgreSQL.
//! A journey concludes a contract; a second is being sealed by the server's workers while
//! `tachiai backup` runs and another client keeps writing; the backup is restored into a
//! fresh data directory and database and a server started on it: the row counts are the
//! manifest's, every file is byte-identical, the audit chain verifies, the seals verify, and
//! the contract caught mid-seal concludes on the restored server. Then the refusals: a
//! non-empty target, a tampered, incomplete or unlisted file, an unknown format version —
//! each exit 1 with one sentence and nothing written; and the daily schedule with pruning.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

use helpers::{Backend, TestDb, user_password};
use server::{Mailbox, Server, agree, confirm, download, send_contract, set_up_org};
use support::corpus;

const PDF: &str = "libreoffice-ja-contract.pdf";
const PG_SERVER: &str = "postgres://postgres@127.0.0.1:5432";

#[test]
fn restore_drill_on_sqlite() {
    drill(Backend::Sqlite);
}

#[test]
fn restore_drill_on_postgres() {
    drill(Backend::Postgres);
}

/// A PostgreSQL database of its own (a dump holds its schema's name, so the drill restores
/// `public` of one database into `public` of another, as an operator would); dropped at the end.
struct OwnDatabase {
    name: String,
}

impl OwnDatabase {
    fn create() -> OwnDatabase {
        let name = format!("tachiai_drill_{}", uuid::Uuid::new_v4().simple());
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        OwnDatabase { name }
    }

    fn url(&self) -> String {
        format!("{PG_SERVER}/{}", self.name)
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        let _ = admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn admin() -> PgConnection {
    PgConnection::establish(&format!("{PG_SERVER}/postgres")).expect("connect to PostgreSQL")
}

/// A database for the drill: a temp directory (SQLite) or a database of its own.
fn fresh_db(backend: Backend) -> Option<(TestDb, Option<OwnDatabase>)> {
    let mut db = TestDb::create(backend)?;
    let own = (backend == Backend::Postgres).then(OwnDatabase::create);
    if let Some(own) = &own {
        db.url = own.url();
    }
    Some((db, own))
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit 1 and one sentence on stderr containing `says`.
#[track_caller]
fn refused(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    assert!(err.contains(says), "expected {says:?} in: {err}");
}

/// `tachiai restore ARGS` with `server`'s settings but its data directory and database, which
/// the arguments name instead.
fn restore_cli(server: &Server, args: &[&str]) -> Output {
    server
        .cli_with(
            args,
            &[("TACHIAI_DATABASE_URL", ""), ("TACHIAI_DATA_DIR", "")],
        )
        .output()
        .unwrap()
}

/// The restore report names every table of the manifest with its rows.
#[track_caller]
fn assert_counts(report: &str, tables: &serde_json::Map<String, Value>) {
    for (table, rows) in tables {
        assert!(
            report.contains(&format!("  {table}: {rows} rows\n")),
            "{table} {rows}: {report}"
        );
    }
}

/// The system chain's events of `action`, one JSON line each, newest first.
fn system_events(server: &Server, action: &str) -> String {
    ok(&server.cli(&["audit", "events", "--tenant", "_system", "--action", action]))
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every file under `dir`, relative, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// What the operator keeps outside the backups, put back into the new data directory.
fn put_back_kept_keys(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for key in ["audit.key", "secret.key"] {
        std::fs::copy(from.join(key), to.join(key)).unwrap();
    }
    let pki = from.join("pki");
    std::fs::create_dir_all(to.join("pki")).unwrap();
    for e in std::fs::read_dir(&pki).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join("pki").join(e.file_name())).unwrap();
    }
}

fn drill(backend: Backend) {
    let started = Instant::now();
    let Some((db, _own)) = fresh_db(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let lease = [("TACHIAI_JOB_LEASE_SECONDS", "5")];
    let source = Server::start("source", &db, &data, &lease);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&source);
    let pdf = corpus(PDF);
    let recipient = |email: &str| json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": email}]);

    // A journey: one contract concluded and sealed.
    let first = send_contract(
        &[&source],
        &org,
        "庁舎清掃業務委託契約",
        &pdf,
        recipient("yamada@example.co.jp"),
        false,
    );
    let (t, s) = confirm(&source, &mail, "yamada@example.co.jp", None);
    agree(&source, &t, &s);
    server::wait_concluded(&source, &org.staff, &first, Duration::from_secs(120));

    // The second is agreed to; the server's workers seal it while the backup runs, and
    // another client keeps drafting contracts.
    let second = send_contract(
        &[&source],
        &org,
        "公用車賃貸借契約",
        &pdf,
        recipient("sato@example.co.jp"),
        false,
    );
    let (t, s) = confirm(&source, &mail, "sato@example.co.jp", None);
    let backups = db.dir.join("backups");
    let b1 = backups.join("drill");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (out, drafted) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                source
                    .post(
                        &org.staff,
                        "/api/v1/contracts",
                        json!({"title": format!("下書き {n}"),
                        "counterparty_name": "株式会社テスト商事", "amount_yen": 1000,
                        "allow_forwarding": false}),
                    )
                    .expect(201);
                n += 1;
            }
            n
        });
        agree(&source, &t, &s);
        let out = source.cli(&["backup", "-o", b1.to_str().unwrap()]);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (out, writer.join().unwrap())
    });
    let said = ok(&out);
    assert!(said.contains("backup written to"), "{said}");
    assert!(drafted > 0, "the writer ran alongside the backup");
    let second_at_source =
        server::wait_concluded(&source, &org.staff, &second, Duration::from_secs(120));

    // The backup: a manifest over every file, no secret, no key material, nothing partial.
    let m = manifest(&b1);
    assert_eq!(
        (m["format"].as_str(), m["format_version"].as_u64()),
        (Some("tachiai-backup"), Some(1))
    );
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let db_file = if backend == Backend::Sqlite {
        "database.sqlite3"
    } else {
        "database.pgdump"
    };
    assert!(
        listed.contains(&db_file) && listed.contains(&"config.txt"),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .all(|p| !p.ends_with(".key") && !p.starts_with("pki")),
        "{listed:?}"
    );
    let config = std::fs::read_to_string(b1.join("config.txt")).unwrap();
    assert!(
        !config.contains("Initial-pass") && !config.contains("audit_key"),
        "{config}"
    );
    assert_eq!(
        std::fs::read_dir(&backups).unwrap().count(),
        1,
        "only the finished backup"
    );
    let checked = ok(&source.cli(&["backup", "verify", b1.to_str().unwrap()]));
    assert!(
        checked.contains("manifest HMAC matches audit key"),
        "{checked}"
    );

    // Restore into a fresh data directory and database, with the keys kept separately.
    let Some((db2, _own2)) = fresh_db(backend) else {
        return;
    };
    let restored = db2.dir.join("restored");
    put_back_kept_keys(&data, &restored);
    let mut args = vec![
        "restore",
        b1.to_str().unwrap(),
        "--data-dir",
        restored.to_str().unwrap(),
    ];
    let url2 = db2.url.clone();
    if backend == Backend::Postgres {
        args.extend(["--database-url", url2.as_str()]);
    }
    let out = restore_cli(&source, &args);
    let report = ok(&out);
    let mut db2 = db2;
    if backend == Backend::Sqlite {
        db2.url = restored.join("tachiai.db").display().to_string();
        assert!(Path::new(&db2.url).is_file(), "{report}");
    }
    // The report's rows per table are the manifest's (the snapshot's).
    let tables = m["tables"].as_object().unwrap();
    assert!(tables["contracts"].as_i64().unwrap() >= 2);
    assert_counts(&report, tables);
    assert!(!report.contains("note: no audit key"), "{report}");
    // Byte-identical files: the restored blobs are the source's.
    let source_blobs = files_under(&data.join("blobs"));
    let restored_blobs = files_under(&restored.join("blobs"));
    let backed_up = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("blobs/"))
        .count();
    assert_eq!(restored_blobs.len(), backed_up);
    for (path, bytes) in &restored_blobs {
        assert_eq!(source_blobs.get(path), Some(bytes), "{path}");
    }

    // Agreed to before the backup began: sealing or sealed in the snapshot.
    let caught = state_in(&db2.url, &second);
    assert!(
        ["concluding", "concluded"].contains(&caught.as_str()),
        "{caught}"
    );
    // A server on the restored data: everything is there and verifies.
    let copy = Server::start("restored", &db2, &restored, &lease);
    let staff = copy.login("tanaka", &user_password("tanaka"));
    let listed = copy
        .get(Some(&staff), "/api/v1/contracts?per_page=100")
        .expect(200);
    let total = listed["total"]
        .as_i64()
        .or_else(|| listed["items"].as_array().map(|a| a.len() as i64));
    assert_eq!(total, tables["contracts"].as_i64(), "{listed}");
    for cid in [&first, &second] {
        // The second may have been caught mid-seal: the restored server's workers finish it.
        let there = server::wait_concluded(&copy, &staff, cid, Duration::from_secs(120));
        let (sealed, certificate) = server::sealed_and_certificate(&there);
        let sealed_pdf = download(&copy, &staff, cid, &sealed);
        let kinds = server::signature_kinds(&copy, &sealed_pdf);
        assert!(!kinds.is_empty());
        download(&copy, &staff, cid, &certificate);
        if cid == &first {
            let at_source = source
                .get(Some(&org.staff), &format!("/api/v1/contracts/{cid}"))
                .expect(200);
            let (src_sealed, src_cert) = server::sealed_and_certificate(&at_source);
            assert_eq!(
                sealed_pdf,
                download(&source, &org.staff, cid, &src_sealed),
                "sealed file identical"
            );
            assert_eq!(
                download(&copy, &staff, cid, &certificate),
                download(&source, &org.staff, cid, &src_cert)
            );
        } else {
            assert_eq!(there["state"], second_at_source["state"]);
        }
    }
    // The audit chain, with the restore recorded in it, verifies with the kept audit key.
    let verified = ok(&copy.cli(&["audit", "verify"]));
    assert!(
        verified.contains("dev: OK")
            && verified.contains("_system: OK")
            && !verified.contains("BROKEN"),
        "{verified}"
    );
    let events = system_events(&copy, "backup.restored");
    assert_eq!(events.lines().count(), 1, "{events}");
    let events = system_events(&source, "backup.created");
    assert_eq!(events.lines().count(), 1, "{events}");

    // The restored installation is in use now: a second restore over it is refused, and
    // with --force (servers stopped) puts the snapshot back exactly.
    let mut copy = copy;
    copy.stop();
    let out = restore_cli(&source, &args);
    refused(&out, "not empty");
    let mut forced = args.clone();
    forced.push("--force");
    let again = ok(&restore_cli(&source, &forced));
    assert_counts(&again, tables);
    eprintln!(
        "restore drill on {backend:?}: the second contract was {caught} in the snapshot; {} files, {} bytes, {} rows, {:?}",
        listed_len(&m),
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["size"].as_u64().unwrap())
            .sum::<u64>(),
        tables.values().map(|v| v.as_i64().unwrap()).sum::<i64>(),
        started.elapsed()
    );
}

#[derive(diesel::QueryableByName)]
struct State {
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
}

/// A contract's state straight from a database (the restored snapshot, before a server runs).
fn state_in(url: &str, cid: &str) -> String {
    use diesel::RunQueryDsl;
    let sql = format!("SELECT state FROM contracts WHERE id = '{cid}'");
    let row: State = if url.starts_with("postgres") {
        diesel::sql_query(sql).get_result(&mut PgConnection::establish(url).unwrap())
    } else {
        diesel::sql_query(sql).get_result(&mut diesel::SqliteConnection::establish(url).unwrap())
    }
    .unwrap();
    row.state
}

fn listed_len(m: &Value) -> usize {
    m["files"].as_array().unwrap().len()
}

/// A SQLite server with one uploaded file, and a backup of it.
struct Fixture {
    _db: TestDb,
    server: Server,
    root: PathBuf,
    backup: PathBuf,
}

fn fixture() -> Fixture {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let data = db.dir.join("data");
    let server = Server::start("serve", &db, &data, &[]);
    let org = set_up_org(&server);
    let c = server
        .post(&org.staff, "/api/v1/contracts", json!({"title": "物品購入契約",
            "counterparty_name": "株式会社テスト商事", "amount_yen": 5000, "allow_forwarding": false}))
        .expect(201);
    server
        .request(
            "POST",
            &format!(
                "/api/v1/contracts/{}/documents?role=main&file_name=c.pdf",
                c["id"].as_str().unwrap()
            ),
            server::Auth::Session(&org.staff),
            server::Body::Bytes(&corpus(PDF), "application/pdf"),
        )
        .expect(201);
    let backup = db.dir.join("b");
    ok(&server.cli(&["backup", "-o", backup.to_str().unwrap()]));
    Fixture {
        root: db.dir.clone(),
        _db: db,
        server,
        backup,
    }
}

impl Fixture {
    /// `tachiai restore BACKUP --data-dir TARGET` (its SQLite database inside).
    fn restore(&self, backup: &Path, target: &Path, force: bool) -> Output {
        let mut args = vec![
            "restore",
            backup.to_str().unwrap(),
            "--data-dir",
            target.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        restore_cli(&self.server, &args)
    }

    /// A copy of the backup to damage.
    fn copy(&self, name: &str) -> PathBuf {
        let to = self.root.join(name);
        for (rel, bytes) in files_under(&self.backup) {
            let p = to.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        to
    }

    fn a_blob(&self, backup: &Path) -> PathBuf {
        let m = manifest(backup);
        let blob = m["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().starts_with("blobs/"))
            .expect("a blob");
        backup.join(blob["path"].as_str().unwrap())
    }
}

#[test]
fn a_restore_refuses_a_non_empty_target_and_damaged_backups_writing_nothing() {
    let f = fixture();

    // Onto a data directory in use: refused, untouched; --force overwrites it.
    let used = f.root.join("used");
    std::fs::create_dir_all(used.join("blobs")).unwrap();
    std::fs::write(used.join("tachiai.db"), b"not empty").unwrap();
    let before = files_under(&used);
    refused(&f.restore(&f.backup, &used, false), "is not empty");
    assert_eq!(files_under(&used), before);
    let forced = ok(&f.restore(&f.backup, &used, true));
    assert!(forced.contains("  contracts: 1 rows"), "{forced}");

    // A changed byte in a blob.
    let tampered = f.copy("tampered");
    let blob = f.a_blob(&tampered);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    // A missing blob.
    let incomplete = f.copy("incomplete");
    std::fs::remove_file(f.a_blob(&incomplete)).unwrap();
    // A file the manifest does not list.
    let extra = f.copy("extra");
    std::fs::write(extra.join("blobs").join("planted.pdf"), b"%PDF-1.7").unwrap();
    // A format from the future.
    let future = f.copy("future");
    let mut m = manifest(&future);
    m["format_version"] = json!(99);
    std::fs::write(future.join("manifest.json"), m.to_string()).unwrap();
    // A blob moved to another name, the manifest rewritten to match: it would be restored
    // where no row finds it.
    let renamed = f.copy("renamed");
    let mut m = manifest(&renamed);
    let entry = m["files"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["path"].as_str().unwrap().starts_with("blobs/"))
        .unwrap();
    let old = entry["path"].as_str().unwrap().to_owned();
    let new = format!("blobs/00/{}", "0".repeat(64));
    std::fs::create_dir_all(renamed.join("blobs/00")).unwrap();
    std::fs::rename(renamed.join(&old), renamed.join(&new)).unwrap();
    entry["path"] = json!(new);
    std::fs::write(renamed.join("manifest.json"), m.to_string()).unwrap();
    // Not a backup at all.
    let nothing = f.root.join("nothing");
    std::fs::create_dir_all(&nothing).unwrap();

    // `backup verify` runs with the installation's audit key, which checks the manifest's HMAC;
    // the restores go to empty directories without it, so only the hashes and names tell.
    let forged = "does not match its HMAC under the audit key";
    for (backup, verify_says, restore_says) in [
        (
            &tampered,
            "does not match the manifest",
            "does not match the manifest",
        ),
        (
            &incomplete,
            "is missing from the backup",
            "is missing from the backup",
        ),
        (&extra, "not in its manifest", "not in its manifest"),
        (&future, "format version 99", "format version 99"),
        (&renamed, forged, "under another name than its SHA-256"),
        (&nothing, "not a Tachiai backup", "not a Tachiai backup"),
    ] {
        refused(
            &f.server
                .cli(&["backup", "verify", backup.to_str().unwrap()]),
            verify_says,
        );
        let target = f.root.join(format!(
            "target-{}",
            backup.file_name().unwrap().to_string_lossy()
        ));
        refused(&f.restore(backup, &target, false), restore_says);
        assert!(!target.exists(), "nothing written for {}", backup.display());
    }
    // A restore with the audit key put back checks the HMAC too, before writing anything.
    let keyed = f.root.join("keyed");
    std::fs::create_dir_all(&keyed).unwrap();
    std::fs::copy(f.server.data_dir.join("audit.key"), keyed.join("audit.key")).unwrap();
    refused(&f.restore(&renamed, &keyed, false), forged);
    assert_eq!(
        std::fs::read_dir(&keyed).unwrap().count(),
        1,
        "only the key"
    );
    // The intact one still verifies, its HMAC included, and -o onto an existing directory is
    // refused.
    let said = ok(&f
        .server
        .cli(&["backup", "verify", f.backup.to_str().unwrap()]));
    assert!(
        said.contains(": OK, ") && said.contains("manifest HMAC matches audit key"),
        "{said}"
    );
    refused(
        &f.server.cli(&["backup", "-o", f.backup.to_str().unwrap()]),
        "exists already",
    );
}

#[test]
fn the_daily_backup_runs_once_a_day_whatever_the_servers_and_keeps_n_generations() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let data = db.dir.join("data");
    let dir = db.dir.join("daily");
    // Three older generations made by the schedule, and a directory that is not a backup.
    for day in 1..=3 {
        let old = dir.join(format!("tachiai-backup-2020-01-0{day}"));
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(
            old.join("manifest.json"),
            json!({"format": "tachiai-backup", "format_version": 1,
                   "created_at": format!("2020-01-0{day}T17:00:00Z")})
            .to_string(),
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.join("tachiai-backup-notes")).unwrap();
    let settings = [
        ("TACHIAI_BACKUP_DIR", dir.to_str().unwrap()),
        ("TACHIAI_BACKUP_KEEP", "2"),
        // Always due: the day's backup is made at start.
        ("TACHIAI_BACKUP_TIME", "00:00"),
    ];
    let first = Server::start("first", &db, &data, &settings);
    let second = Server::start("second", &db, &data, &settings);
    let deadline = Instant::now() + Duration::from_secs(60);
    let made = loop {
        let made: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("manifest.json").is_file() && !p.to_string_lossy().contains("2020-"))
            .collect();
        let pruned = !dir.join("tachiai-backup-2020-01-02").exists();
        if made.len() == 1 && pruned {
            break made;
        }
        assert!(
            Instant::now() < deadline,
            "no daily backup in {}:\n{}",
            dir.display(),
            first.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // Give the other server's tick a chance to (not) make a second one.
    std::thread::sleep(Duration::from_secs(2));
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let today = made[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        left,
        [
            "tachiai-backup-2020-01-03".to_owned(),
            today,
            "tachiai-backup-notes".to_owned()
        ]
    );
    ok(&first.cli(&["backup", "verify", made[0].to_str().unwrap()]));
    let events = system_events(&second, "backup.created");
    assert_eq!(
        events.lines().count(),
        1,
        "one backup, audited once: {events}"
    );
    let event: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(event["details"]["scheduled"], true, "{event}");
    assert_eq!(
        event["details"]["pruned"].as_array().map(Vec::len),
        Some(2),
        "{event}"
    );
}

#[test]
fn a_daily_backup_that_fails_is_logged_audited_and_retried() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let data = db.dir.join("data");
    // The backup directory's place is taken by a file: nothing can be written there.
    let blocked = db.dir.join("not-a-directory");
    std::fs::write(&blocked, b"x").unwrap();
    let dir = blocked.join("daily");
    let server = Server::start(
        "serve",
        &db,
        &data,
        &[
            ("TACHIAI_BACKUP_DIR", dir.to_str().unwrap()),
            ("TACHIAI_BACKUP_TIME", "00:00"),
            ("TACHIAI_LOG", "error"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let events = system_events(&server, "backup.failed");
        if !events.is_empty() {
            break events;
        }
        assert!(
            Instant::now() < deadline,
            "no backup.failed:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let event: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(event["result"], "failure", "{event}");
    assert_eq!(event["details"]["attempt"], 1, "{event}");
    assert!(
        event["details"]["error"]
            .as_str()
            .unwrap()
            .contains("cannot create"),
        "{event}"
    );
    assert!(
        server.log().contains("the daily backup failed"),
        "{}",
        server.log()
    );
    // Queued again for a retry, not given up after one failure (the event is written just
    // before the job is put back).
    let queued = "kind = 'backup.daily' AND state = 'queued' AND attempts = 1";
    while support::count_jobs(&db.url, queued) != 1 {
        assert!(
            Instant::now() < deadline,
            "the failed backup is not queued for a retry"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(system_events(&server, "backup.created").is_empty());
}
