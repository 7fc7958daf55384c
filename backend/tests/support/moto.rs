//! A real S3 server process for the tests: moto in server mode (`.venv-s3`, installed by
//! `scripts/setup test`) on a free loopback port, with a bucket made; killed on drop.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::support::{free_port, validators_required};

pub const BUCKET: &str = "tachiai-test";
pub const KEY_ID: &str = "AKIDTESTTACHIAI";
pub const SECRET: &str = "test-secret-never-printed-0123456789";

/// A moto server process; killed on drop.
pub struct Moto {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Moto {
    pub fn binary() -> Option<PathBuf> {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-s3/bin/moto_server");
        if bin.is_file() {
            return Some(bin);
        }
        assert!(
            !validators_required(),
            "TACHIAI_REQUIRE_VALIDATORS=1 but {} is missing (scripts/setup test)",
            bin.display()
        );
        eprintln!("skipped: no moto server in .venv-s3 (scripts/setup test installs it)");
        None
    }

    /// Starts moto on a free port, recording every request into `dir/recording` (so that a
    /// restarted server can be given the state of the killed one), and makes the bucket.
    pub fn start(dir: &Path) -> Option<Moto> {
        Moto::binary()?;
        std::fs::create_dir_all(dir).unwrap();
        let mut moto = Moto {
            child: None,
            port: free_port(),
            dir: dir.to_owned(),
        };
        moto.spawn();
        let url = moto
            .bucket()
            .create_bucket(&credentials())
            .sign(Duration::from_secs(60));
        let status = agent().put(url.as_str()).send_empty().unwrap().status();
        assert!(status.is_success(), "create bucket: {status}");
        Some(moto)
    }

    pub fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("moto.log"))
            .unwrap();
        let child = Command::new(Moto::binary().unwrap())
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", self.recording())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start moto_server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn recording(&self) -> PathBuf {
        self.dir.join("recording")
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn bucket(&self) -> Bucket {
        Bucket::new(
            self.endpoint().parse().unwrap(),
            UrlStyle::Path,
            BUCKET,
            "us-east-1",
        )
        .unwrap()
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port and replays the requests the killed process had
    /// recorded (moto keeps its state in memory only), so the new process holds what the old
    /// one held: the bucket, the finished objects, no object of an unfinished upload.
    pub fn restart_with_state(&mut self) {
        let mut saved = std::fs::read(self.recording()).unwrap();
        // The request being recorded when the process died is cut short: not replayed.
        saved.truncate(saved.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1));
        std::fs::write(self.recording(), &saved).unwrap();
        self.spawn();
        for line in saved.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let entry: serde_json::Value = serde_json::from_slice(line).unwrap();
            let body = entry["body"].as_str().unwrap_or_default();
            let body = if entry["body_encoded"] == true {
                data_encoding::BASE64.decode(body.as_bytes()).unwrap()
            } else {
                body.as_bytes().to_vec()
            };
            let url = entry["url"].as_str().unwrap();
            let request = ureq::http::Request::builder()
                .method(entry["method"].as_str().unwrap())
                .uri(url)
                .body(body)
                .unwrap();
            // Replies are those of the first run, except for a part of an upload whose ID
            // this process never issued (refused): that upload is gone, as after a crash.
            agent().run(request).unwrap();
        }
    }

    /// The settings of a store in this bucket under `prefix`.
    pub fn settings(&self, prefix: &str) -> Vec<(String, String)> {
        [
            ("TACHIAI_BLOB_STORE", format!("s3://{BUCKET}/{prefix}")),
            ("TACHIAI_S3_ENDPOINT", self.endpoint()),
            ("TACHIAI_S3_REGION", "us-east-1".into()),
            ("TACHIAI_S3_PATH_STYLE", "true".into()),
            ("TACHIAI_S3_ACCESS_KEY_ID", KEY_ID.into()),
            ("TACHIAI_S3_SECRET_ACCESS_KEY", SECRET.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Overwrites an object through the S3 API.
    pub fn put_raw(&self, key: &str, bytes: &[u8]) {
        let bucket = self.bucket();
        let creds = credentials();
        let url = bucket
            .put_object(Some(&creds), key)
            .sign(Duration::from_secs(60));
        let status = agent().put(url.as_str()).send(bytes).unwrap().status();
        assert!(status.is_success(), "put {key}: {status}");
    }

    /// Whether an object is there, asked of the server directly.
    pub fn has(&self, key: &str) -> bool {
        let bucket = self.bucket();
        let creds = credentials();
        let url = bucket
            .head_object(Some(&creds), key)
            .sign(Duration::from_secs(60));
        agent().head(url.as_str()).call().unwrap().status() == 200
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn credentials() -> Credentials {
    Credentials::new(KEY_ID, SECRET)
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}
