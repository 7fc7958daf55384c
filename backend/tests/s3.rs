//! The S3 blob store against a real S3 server process: moto in server mode (`.venv-s3`,
//! installed by `scripts/setup test`), started on a free loopback port by each test. Round
//! trips (single `PUT` and multipart), a corrupted object, the server killed in the middle of a
//! multipart upload and started again (its state restored from moto's request recording),
//! start-up errors that name the setting, and the contract journey through real `tachiai serve`
//! processes on SQLite and PostgreSQL with the files in the bucket.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/moto.rs"]
#[allow(dead_code)]
mod moto;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use backend::config::Config;
use backend::storage::{BlobStore, StorageError, s3::PART_SIZE};
use serde_json::json;

use helpers::{Backend, TestDb};
use moto::{BUCKET, Moto, SECRET};
use server::{Server, agree, confirm, download, send_contract, set_up_org};
use support::{corpus, free_port};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tachiai-s3-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(data: &Path, settings: &[(String, String)]) -> anyhow::Result<Config> {
    let mut env = settings.to_vec();
    env.push(("TACHIAI_DATA_DIR".into(), data.display().to_string()));
    Config::from_sources(None, &env)
}

/// Deterministic bytes that do not compress or repeat (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    backend::storage::hash_reader(bytes).unwrap().0
}

fn spool_is_empty(data: &Path) -> bool {
    std::fs::read_dir(data.join("s3-spool")).map_or(true, |d| d.count() == 0)
}

#[test]
fn put_get_multipart_exists_and_delete() {
    let dir = temp_dir("roundtrip");
    let Some(moto) = Moto::start(&dir.join("moto")) else {
        return;
    };
    let data = dir.join("data");
    let store =
        BlobStore::from_config(&config(&data, &moto.settings("tenants/a")).unwrap()).unwrap();

    let small = store.put(b"%PDF-1.7 small").unwrap();
    assert_eq!(small.size, 14);
    assert_eq!(small.sha256, sha256_hex(b"%PDF-1.7 small"));
    // Content-addressed keys under the prefix.
    assert!(moto.has(&format!(
        "tenants/a/{}/{}",
        &small.sha256[..2],
        small.sha256
    )));
    assert!(store.exists(&small.sha256).unwrap());
    assert_eq!(store.read(&small.sha256).unwrap(), b"%PDF-1.7 small");
    // Storing it again is the same blob.
    assert_eq!(store.put(b"%PDF-1.7 small").unwrap(), small);

    // Larger than a part: a multipart upload of three parts.
    let big_bytes = noise(2 * PART_SIZE + 12_345, 7);
    let big = store.put_reader(&big_bytes[..], u64::MAX).unwrap();
    assert_eq!(big.sha256, sha256_hex(&big_bytes));
    assert_eq!(big.size, big_bytes.len() as u64);
    let mut streamed = Vec::new();
    store
        .open(&big.sha256)
        .unwrap()
        .read_to_end(&mut streamed)
        .unwrap();
    assert!(
        streamed == big_bytes,
        "the multipart object reads back byte-exact"
    );
    // A local copy for what needs a path: checked, and gone when dropped.
    let local = store.local_file(&big.sha256).unwrap();
    assert!(local.is_temporary());
    assert_eq!(std::fs::read(local.path()).unwrap().len(), big_bytes.len());
    let copy = local.path().to_owned();
    drop(local);
    assert!(!copy.exists());
    assert!(spool_is_empty(&data));

    let mut listed = store.list().unwrap();
    listed.sort();
    let mut expected = vec![small.sha256.clone(), big.sha256.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Over the limit: refused, nothing stored, nothing left in the spool.
    let err = store.put_reader(&noise(1000, 3)[..], 999).unwrap_err();
    assert!(matches!(err, StorageError::TooLarge { limit: 999 }));
    assert!(!store.exists(&sha256_hex(&noise(1000, 3))).unwrap());

    // Delete (retention): gone, and a second delete finds nothing.
    assert!(store.delete(&small.sha256).unwrap());
    assert!(!store.exists(&small.sha256).unwrap());
    assert!(!store.delete(&small.sha256).unwrap());
    assert!(matches!(
        store.read(&small.sha256),
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        store.read("../../etc/passwd"),
        Err(StorageError::NotFound(_))
    ));
    assert!(spool_is_empty(&data));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_changed_object_is_detected_on_read() {
    let dir = temp_dir("corrupt");
    let Some(moto) = Moto::start(&dir.join("moto")) else {
        return;
    };
    let data = dir.join("data");
    let store = BlobStore::from_config(&config(&data, &moto.settings("")).unwrap()).unwrap();
    let stored = store.put(b"the original contract").unwrap();
    moto.put_raw(
        &format!("{}/{}", &stored.sha256[..2], stored.sha256),
        b"a forged contract!!!!",
    );
    assert!(matches!(
        store.read(&stored.sha256),
        Err(StorageError::Corrupt(h)) if h == stored.sha256
    ));
    assert!(matches!(
        store.local_file(&stored.sha256),
        Err(StorageError::Corrupt(_))
    ));
    // The streaming reader fails at the end instead of ending normally.
    let mut out = Vec::new();
    let err = store
        .open(&stored.sha256)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap_err();
    assert!(matches!(
        StorageError::from_read(err),
        StorageError::Corrupt(_)
    ));
    assert!(spool_is_empty(&data), "the failed copy was removed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_server_going_away_mid_upload_leaves_no_object_and_a_retry_succeeds() {
    let dir = temp_dir("killed");
    let Some(mut moto) = Moto::start(&dir.join("moto")) else {
        return;
    };
    let data = dir.join("data");
    let store = BlobStore::from_config(&config(&data, &moto.settings("p")).unwrap()).unwrap();
    let before = store.put(b"stored before the crash").unwrap();

    let bytes = noise(6 * PART_SIZE, 11);
    let sha = sha256_hex(&bytes);
    let key = format!("p/{}/{sha}", &sha[..2]);
    let upload = {
        let (store, bytes) = (store.clone(), bytes.clone());
        std::thread::spawn(move || store.put_reader(&bytes[..], u64::MAX))
    };
    // Moto records a request once it has its body: a recording larger than a part's (base64)
    // size means a part has arrived and the upload is under way.
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::metadata(moto.recording()).map_or(0, |m| m.len()) < PART_SIZE as u64 {
        assert!(Instant::now() < deadline, "no part arrived");
        assert!(
            !upload.is_finished(),
            "the upload ended before a part arrived"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    moto.kill();
    let started = Instant::now();
    let err = upload.join().unwrap().unwrap_err();
    assert!(
        matches!(&err, StorageError::Remote(m) if m.contains("part") || m.contains("multipart")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(spool_is_empty(&data), "the spooled file was removed");

    moto.restart_with_state();
    assert!(store.exists(&before.sha256).unwrap(), "state restored");
    assert!(!moto.has(&key), "no object under the real key");
    assert!(!store.exists(&sha).unwrap());

    let retried = store.put_reader(&bytes[..], u64::MAX).unwrap();
    assert_eq!(retried.sha256, sha);
    assert!(store.read(&sha).unwrap() == bytes);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn misconfiguration_is_a_start_up_error_naming_the_setting() {
    let dir = temp_dir("misconfigured");
    let Some(moto) = Moto::start(&dir.join("moto")) else {
        return;
    };
    let data = dir.join("data");
    let with = |changes: &[(&str, &str)]| {
        let mut settings = moto.settings("x");
        for (k, v) in changes {
            settings.retain(|(name, _)| name != k);
            if !v.is_empty() {
                settings.push((k.to_string(), v.to_string()));
            }
        }
        settings
    };
    let open_error = |settings: &[(String, String)]| {
        let err = config(&data, settings)
            .and_then(|c| BlobStore::from_config(&c))
            .unwrap_err();
        format!("{err:#}")
    };
    let closed = format!("http://127.0.0.1:{}", free_port());
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("TACHIAI_S3_ENDPOINT", closed.as_str())], "`s3_endpoint`"),
        (
            &[("TACHIAI_BLOB_STORE", "s3://no-such-bucket/x")],
            "`blob_store`",
        ),
        (&[("TACHIAI_BLOB_STORE", "s3:/broken")], "`blob_store`"),
        (&[("TACHIAI_BLOB_STORE", "s3://UPPER/x")], "`blob_store`"),
        (&[("TACHIAI_S3_ACCESS_KEY_ID", "")], "`s3_access_key_id`"),
        (
            &[("TACHIAI_S3_SECRET_ACCESS_KEY", "")],
            "`s3_secret_access_key`",
        ),
    ];
    for (changes, setting) in cases {
        let message = open_error(&with(changes));
        assert!(message.contains(setting), "{changes:?}: {message}");
        assert!(!message.contains(SECRET), "{message}");
    }
    assert!(
        open_error(&with(&[("TACHIAI_BLOB_STORE", "s3://no-such-bucket/x")]))
            .contains("no-such-bucket")
    );

    // The secret from a file; `config check` says where the blobs are and never the secret.
    let secret_file = dir.join("s3-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let from_file = with(&[
        ("TACHIAI_S3_SECRET_ACCESS_KEY", ""),
        (
            "TACHIAI_S3_SECRET_ACCESS_KEY_FILE",
            secret_file.to_str().unwrap(),
        ),
    ]);
    let check = |settings: &[(String, String)]| {
        Command::new(server::BIN)
            .args(["config", "check"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TACHIAI_DATA_DIR", &data)
            .envs(settings.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    };
    let ok = check(&from_file);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains(&format!("blob_store = s3://{BUCKET}/x")),
        "{stdout}"
    );
    assert!(stdout.contains("s3_secret_access_key = (set)"), "{stdout}");
    assert!(stdout.contains("# blob store: S3"), "{stdout}");
    assert!(!stdout.contains(SECRET));

    // A missing bucket: exit 1, one sentence naming the setting; `serve` does not start.
    let missing = with(&[("TACHIAI_BLOB_STORE", "s3://no-such-bucket/x")]);
    let refused = check(&missing);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`blob_store`") && stderr.contains("no-such-bucket"),
        "{stderr}"
    );
    let serve = Command::new(server::BIN)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TACHIAI_DATA_DIR", &data)
        .env("TACHIAI_BIND", format!("127.0.0.1:{}", free_port()))
        .env("TACHIAI_S3_ENDPOINT", &closed)
        .envs(
            missing
                .iter()
                .filter(|(k, _)| k != "TACHIAI_S3_ENDPOINT")
                .map(|(k, v)| (k, v)),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert_eq!(serve.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`s3_endpoint`"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn journey_with_the_s3_store_on_sqlite() {
    journey(Backend::Sqlite);
}

#[test]
fn journey_with_the_s3_store_on_postgres() {
    journey(Backend::Postgres);
}

/// Upload → send → agree → seal → download through a real `tachiai serve` whose files are in
/// the bucket: the server keeps no blob on its disk, the sealed PDF is in S3 and downloads
/// byte-exact.
fn journey(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let Some(moto) = Moto::start(&db.dir.join("moto")) else {
        return;
    };
    let data = db.dir.join("data");
    let settings = moto.settings("node-shared");
    let extra: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let server = Server::start("serve", &db, &data, &extra);
    let org = set_up_org(&server);
    let pdf = corpus("libreoffice-ja-contract.pdf");
    let cid = send_contract(
        &[&server],
        &org,
        "S3 保存の契約",
        &pdf,
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]),
        true,
    );
    let mail = server::Mailbox {
        dir: data.join("outbox"),
    };
    let (token, session) = confirm(&server, &mail, "yamada@example.co.jp", None);
    agree(&server, &token, &session);
    let detail = server::wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    let (sealed, certificate) = server::sealed_and_certificate(&detail);
    let bytes = download(&server, &org.staff, &cid, &sealed);
    assert_eq!(sha256_hex(&bytes), sealed["sha256"].as_str().unwrap());
    assert!(!server::signature_kinds(&server, &bytes).is_empty());

    // Every file is in the bucket, none on the server's disk.
    let store = BlobStore::from_config(&config(&data, &settings).unwrap()).unwrap();
    let listed = store.list().unwrap();
    for doc in [&sealed, &certificate] {
        let h = doc["sha256"].as_str().unwrap();
        assert!(listed.iter().any(|l| l == h), "{h} not in the bucket");
    }
    assert!(listed.contains(&sha256_hex(&pdf)));
    assert!(!data.join("blobs").exists(), "no local blob directory");
    assert!(spool_is_empty(&data), "no temporary file left");
    assert!(!server.log().contains("panicked"), "{}", server.log());
    let sealed_sha = sealed["sha256"].as_str().unwrap();

    // The backup downloads the bucket's files (checked), and verifies.
    let backup = db.dir.join("backup");
    let run = |args: &[&str]| {
        let out = server.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["backup", "-o", backup.to_str().unwrap()]);
    let copy = backup.join("blobs").join(&sealed_sha[..2]).join(sealed_sha);
    assert_eq!(std::fs::read(copy).unwrap(), bytes);
    run(&["backup", "verify", backup.to_str().unwrap()]);

    // The tenant export and the fiscal-year export read the files from the bucket.
    let tenant_zip = db.dir.join("tenant.zip");
    run(&[
        "export",
        "tenant",
        "--tenant",
        "dev",
        "-o",
        tenant_zip.to_str().unwrap(),
    ]);
    assert_eq!(
        zip_entry_hash(&tenant_zip, &format!("files/{sealed_sha}")),
        sealed_sha
    );
    let fy_zip = db.dir.join("fy.zip");
    let concluded = detail["concluded_at"]
        .as_str()
        .or(detail["contract"]["concluded_at"].as_str())
        .expect("a concluded contract has its time");
    let fiscal_year = fiscal_year_of(concluded).to_string();
    run(&[
        "export",
        "fy",
        &fiscal_year,
        "--tenant",
        "dev",
        "-o",
        fy_zip.to_str().unwrap(),
    ]);
    assert!(
        zip_hashes(&fy_zip).iter().any(|h| h == sealed_sha),
        "sealed PDF in the export"
    );
    assert!(spool_is_empty(&data), "no temporary file left");
}

/// 年度 of an RFC 3339 time (April to March; JST and UTC differ only on 1 April 00:00-09:00,
/// not hit by a test that concludes now).
fn fiscal_year_of(rfc3339: &str) -> i32 {
    let year: i32 = rfc3339[..4].parse().unwrap();
    let month: u32 = rfc3339[5..7].parse().unwrap();
    if month >= 4 { year } else { year - 1 }
}

fn zip_hashes(path: &Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            backend::storage::hash_reader(zip.by_index(i).unwrap())
                .unwrap()
                .0
        })
        .collect()
}

fn zip_entry_hash(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let entry = zip.by_name(name).unwrap();
    backend::storage::hash_reader(entry).unwrap().0
}
