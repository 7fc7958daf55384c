//! The seal key from configuration, with the real binary: keys generated inside a SoftHSM2
//! token of the test's own (P-256 and RSA-3072), certificates issued for them under the
//! throw-away PKI of `tools/test-pki-and-tsa` (whose TSA and CRLs serve on a loopback port), and
//! PKCS#12 / PEM files of that PKI. A server seals a contract to conclusion with the token key
//! and the validators accept the file; the CLI seals with each kind of key; every bad key is
//! refused at start with its sentence and exit status, before anything is written.
//!
//! Skipped with a notice when softhsm2 or opensc is not installed (`scripts/setup test`
//! installs them; with `TACHIAI_REQUIRE_VALIDATORS=1` their absence fails).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/seal_keys.rs"]
#[allow(dead_code)]
mod seal_keys;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use serde_json::json;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

use helpers::{Backend, TestDb, external_validation};
use seal_keys::{Issue, SoftHsm, TestPki, softhsm_available, write_pem};
use server::{
    BIN, Mailbox, Server, agree, confirm, download, sealed_and_certificate, send_contract,
    set_up_org, signature_kinds, wait_concluded,
};
use support::corpus;

const PDF: &str = "libreoffice-ja-contract.pdf";
const TOKEN: &str = "tachiai-seal";

/// A token with `seal-ec` (P-256) and `seal-rsa` (RSA-3072), each with its certificate stored
/// beside it, and `bare-ec` without one; the test PKI serving.
struct Fixture {
    dir: PathBuf,
    pki: TestPki,
    hsm: SoftHsm,
    /// The public key of `bare-ec`.
    bare_spki: Vec<u8>,
    /// The public key of `seal-ec`.
    ec_spki: Vec<u8>,
}

impl Fixture {
    fn new(name: &str) -> Option<Fixture> {
        if !softhsm_available() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "tachiai-sealkey-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = TestPki::start(&dir.join("pki"));
        let hsm = SoftHsm::create(&dir.join("hsm"), TOKEN);
        let ca = pki.ca();
        let mut ec_spki = Vec::new();
        for (label, id, key_type) in [
            ("seal-ec", "01", "EC:prime256v1"),
            ("seal-rsa", "02", "rsa:3072"),
        ] {
            let spki = hsm.generate(label, id, key_type);
            let cert = ca.issue(&spki, &format!("Tachiai Test {label}"), &Issue::default());
            hsm.store_certificate(label, id, &cert);
            if label == "seal-ec" {
                ec_spki = spki;
            }
        }
        let bare_spki = hsm.generate("bare-ec", "03", "EC:prime256v1");
        Some(Fixture {
            dir,
            pki,
            hsm,
            bare_spki,
            ec_spki,
        })
    }

    /// The settings of a PKCS#11 seal with `key_label`, its chain and the test TSA.
    fn pkcs11_env(&self, key_label: &str) -> Vec<(String, String)> {
        let mut env = self.hsm.seal_env(key_label);
        env.push((
            "TACHIAI_SEAL_CHAIN".into(),
            path(&self.pki.file("chain.pem")),
        ));
        env.push(("TACHIAI_TSA_URLS".into(), self.pki.tsa_url.clone()));
        env.push(("TACHIAI_DATA_DIR".into(), path(&self.dir.join("data"))));
        env
    }

    /// A certificate for `spki` under the test CA, written to a PEM file named `name`.
    fn cert_file(&self, name: &str, spki: &[u8], issue: &Issue) -> String {
        let file = self.dir.join(format!("{name}.pem"));
        write_pem(&file, &self.pki.ca().issue(spki, name, issue));
        path(&file)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.pki.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// `tachiai ARGS` with exactly `env` (and PATH).
fn tachiai(env: &[(String, String)], args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run tachiai")
}

fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.into(), value.into()));
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_pkcs11_seal_concludes_a_contract_that_the_validators_accept() {
    let Some(f) = Fixture::new("journey") else {
        return;
    };
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let data = db.dir.join("data");
    let env = f.pkcs11_env("seal-ec");
    let extra: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| k != "TACHIAI_DATA_DIR")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let server = Server::start("serve", &db, &data, &extra);
    assert!(
        !server.log().contains("sealing with the development"),
        "no development warning with a real seal:\n{}",
        server.log()
    );
    let org = set_up_org(&server);
    assert_eq!(
        org.staff.body["development_seal"], false,
        "{}",
        org.staff.body
    );
    let admin_view = server.get(Some(&org.admin), "/api/v1/seal").expect(200);
    assert_eq!(admin_view["development"], false);
    assert!(
        admin_view["signer"]["subject"]
            .as_str()
            .unwrap()
            .contains("Tachiai Test seal-ec"),
        "{admin_view}"
    );

    let cid = send_contract(
        &[&server],
        &org,
        "PKCS#11 で封印する委託契約",
        &corpus(PDF),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎",
                "email": "yamada@example.co.jp"}]),
        false,
    );
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let (token, session) = confirm(&server, &mail, "yamada@example.co.jp", None);
    agree(&server, &token, &session);
    let detail = wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    let (sealed, _) = sealed_and_certificate(&detail);
    let pdf = download(&server, &org.staff, &cid, &sealed);
    let kinds = signature_kinds(&server, &pdf);
    assert!(kinds.iter().any(|k| k == "document_timestamp"), "{kinds:?}");
    let v = server
        .request(
            "POST",
            "/api/v1/verify",
            server::Auth::None,
            server::Body::Bytes(&pdf, "application/pdf"),
        )
        .expect(200);
    let signers: Vec<&str> = v["verification"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["signer"].as_str())
        .collect();
    assert!(
        signers.iter().any(|s| s.contains("Tachiai Test seal-ec")),
        "{signers:?}"
    );
    let file = f.dir.join("sealed-pkcs11.pdf");
    std::fs::write(&file, &pdf).unwrap();
    external_validation(&f.pki.file("root-ca.pem"), &file);

    // The development PKI's endpoints exist only in development mode.
    for (method, p) in [
        ("GET", "/pki/crl/root-ca.crl"),
        ("GET", "/pki/certs/intermediate-ca.cer"),
        ("POST", "/pki/ocsp"),
        ("POST", "/pki/tsa"),
    ] {
        let r = server.request(method, p, server::Auth::None, server::Body::Empty);
        assert_eq!(r.status, 404, "{method} {p}");
    }
}

#[test]
fn the_development_seal_is_announced_and_only_it_serves_pki() {
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let server = Server::start("serve", &db, &db.dir.join("data"), &[]);
    assert!(
        server
            .log()
            .contains("WARNING: sealing with the development key"),
        "{}",
        server.log()
    );
    let admin = server.login("admin", helpers::ADMIN_PASSWORD);
    assert_eq!(admin.body["development_seal"], true, "{}", admin.body);
    let again = server.get(Some(&admin), "/api/v1/auth/session").expect(200);
    assert_eq!(again["development_seal"], true);
    let crl = server.get(None, "/pki/crl/root-ca.crl");
    assert_eq!(crl.status, 200);
    assert_eq!(crl.content_type, "application/pkix-crl");
}

#[test]
fn the_cli_seals_with_each_kind_of_key() {
    let Some(f) = Fixture::new("cli") else {
        return;
    };
    let input = support::corpus_path(PDF);
    let password = f.dir.join("p12.password");
    std::fs::write(&password, "test\n").unwrap();
    let base = |extra: &[(&str, String)]| -> Vec<(String, String)> {
        let mut env = vec![
            ("TACHIAI_DATA_DIR".to_owned(), path(&f.dir.join("data"))),
            ("TACHIAI_TSA_URLS".to_owned(), f.pki.tsa_url.clone()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        env
    };
    type Env = Vec<(String, String)>;
    let cases: Vec<(&str, Env, &str)> = vec![
        (
            "pkcs11-rsa",
            f.pkcs11_env("seal-rsa"),
            "Tachiai Test seal-rsa",
        ),
        ("pkcs11-ec", f.pkcs11_env("seal-ec"), "Tachiai Test seal-ec"),
        (
            "p12",
            base(&[
                ("TACHIAI_SEAL_P12", path(&f.pki.file("signer-rsa.p12"))),
                ("TACHIAI_SEAL_P12_PASSWORD_FILE", path(&password)),
            ]),
            "Seal (RSA 3072)",
        ),
        (
            "pem",
            base(&[
                ("TACHIAI_SEAL_KEY", path(&f.pki.file("signer-ec.key"))),
                ("TACHIAI_SEAL_CERT", path(&f.pki.file("signer-ec.pem"))),
                ("TACHIAI_SEAL_CHAIN", path(&f.pki.file("chain.pem"))),
            ]),
            "Seal (ECDSA P-256)",
        ),
    ];
    for (name, env, subject) in cases {
        let check = tachiai(&env, &["config", "check"]);
        let text = String::from_utf8_lossy(&check.stdout);
        assert!(
            text.contains("# seal: "),
            "{name}: {text}{}",
            stderr(&check)
        );
        assert!(text.contains(subject), "{name}: {text}");
        assert!(text.contains("days left)"), "{name}: {text}");
        assert!(text.contains("# seal root: "), "{name}: {text}");

        let out = f.dir.join(format!("{name}.pdf"));
        let sign = tachiai(
            &env,
            &[
                "pdf",
                "sign",
                &path(&input),
                "-o",
                &path(&out),
                "--level",
                "B-LTA",
            ],
        );
        assert_eq!(sign.status.code(), Some(0), "{name}: {}", stderr(&sign));
        let verify = tachiai(
            &env,
            &[
                "pdf",
                "verify",
                &path(&out),
                "--trust",
                &path(&f.pki.file("root-ca.pem")),
            ],
        );
        let report = String::from_utf8_lossy(&verify.stdout);
        assert_eq!(verify.status.code(), Some(0), "{name}: {report}");
        assert!(report.contains(subject), "{name}: {report}");
        external_validation(&f.pki.file("root-ca.pem"), &out);
    }
}

#[test]
fn every_bad_key_is_refused_with_its_sentence_before_anything_is_written() {
    let Some(f) = Fixture::new("bad") else {
        return;
    };
    let good = f.pkcs11_env("seal-ec");
    let year = Duration::from_secs(365 * 86_400);
    let now = SystemTime::now();
    let expired = f.cert_file(
        "expired",
        &f.ec_spki,
        &Issue {
            not_before: now - 2 * year,
            not_after: now - year,
            key_usage: None,
        },
    );
    let future = f.cert_file(
        "future",
        &f.ec_spki,
        &Issue {
            not_before: now + year,
            not_after: now + 2 * year,
            key_usage: None,
        },
    );
    let not_for_signing = f.cert_file(
        "ca-usage",
        &f.ec_spki,
        &Issue {
            key_usage: Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
            ..Issue::default()
        },
    );
    let other_key = f.cert_file("other-key", &f.bare_spki, &Issue::default());
    let wrong_pin = f.dir.join("wrong.pin");
    std::fs::write(&wrong_pin, "99999999").unwrap();
    let wrong_password = f.dir.join("wrong.password");
    std::fs::write(&wrong_password, "not-test").unwrap();
    let broken_conf = f.dir.join("missing-softhsm2.conf");

    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<&'a str>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (
            "wrong PIN",
            vec![("TACHIAI_SEAL_PKCS11_PIN_FILE", path(&wrong_pin))],
            vec![],
            3,
            "refused the PIN in TACHIAI_SEAL_PKCS11_PIN_FILE as wrong",
        ),
        (
            "no such token",
            vec![("TACHIAI_SEAL_PKCS11_TOKEN_LABEL", "nope".into())],
            vec![],
            3,
            "no token labelled \"nope\" in the PKCS#11 module (tokens present: \"tachiai-seal\")",
        ),
        (
            "no such key",
            vec![("TACHIAI_SEAL_PKCS11_KEY_LABEL", "nope".into())],
            vec![],
            3,
            "no private key labelled \"nope\" in the token \"tachiai-seal\"",
        ),
        (
            "no certificate in the token",
            vec![("TACHIAI_SEAL_PKCS11_KEY_LABEL", "bare-ec".into())],
            vec![],
            3,
            "no certificate labelled \"bare-ec\" in the token",
        ),
        (
            "module not loadable",
            vec![(
                "TACHIAI_SEAL_PKCS11_MODULE",
                "/nonexistent/libnothing.so".into(),
            )],
            vec![],
            2,
            "cannot load the PKCS#11 module /nonexistent/libnothing.so",
        ),
        (
            "module not initialised",
            vec![("SOFTHSM2_CONF", path(&broken_conf))],
            vec![],
            2,
            "failed to initialise",
        ),
        (
            "PIN file missing",
            vec![(
                "TACHIAI_SEAL_PKCS11_PIN_FILE",
                path(&f.dir.join("none.pin")),
            )],
            vec![],
            2,
            "(TACHIAI_SEAL_PKCS11_PIN_FILE): No such file",
        ),
        (
            "expired certificate",
            vec![("TACHIAI_SEAL_CERT", expired)],
            vec![],
            3,
            "the certificate \"CN=expired,O=Tachiai Test Seal,C=JP\" expired on",
        ),
        (
            "certificate not yet valid",
            vec![("TACHIAI_SEAL_CERT", future)],
            vec![],
            3,
            "the certificate \"CN=future,O=Tachiai Test Seal,C=JP\" is not valid before",
        ),
        (
            "certificate of another key",
            vec![("TACHIAI_SEAL_CERT", other_key)],
            vec![],
            3,
            "the seal key does not match its certificate \"CN=other-key,O=Tachiai Test Seal,C=JP\"",
        ),
        (
            "certificate without digitalSignature",
            vec![("TACHIAI_SEAL_CERT", not_for_signing)],
            vec![],
            3,
            "its key usage has neither digitalSignature nor nonRepudiation",
        ),
        (
            "chain that does not lead to the certificate",
            vec![("TACHIAI_SEAL_CHAIN", path(&f.pki.file("root-ca.pem")))],
            vec![],
            3,
            "the chain does not lead to the certificate \"CN=Tachiai Test seal-ec,O=Tachiai Test Seal,C=JP\": no certificate in the chain is its issuer",
        ),
        (
            "no TSA",
            vec![],
            vec!["TACHIAI_TSA_URLS"],
            2,
            "a configured seal key needs a time-stamp authority",
        ),
        (
            "wrong PKCS#12 password",
            vec![
                ("TACHIAI_SEAL_P12", path(&f.pki.file("signer-ec.p12"))),
                ("TACHIAI_SEAL_P12_PASSWORD_FILE", path(&wrong_password)),
            ],
            vec![
                "TACHIAI_SEAL_PKCS11_MODULE",
                "TACHIAI_SEAL_PKCS11_TOKEN_LABEL",
                "TACHIAI_SEAL_PKCS11_KEY_LABEL",
                "TACHIAI_SEAL_PKCS11_PIN_FILE",
            ],
            3,
            "the password in TACHIAI_SEAL_P12_PASSWORD_FILE is wrong",
        ),
        (
            "PEM key of another certificate",
            vec![
                ("TACHIAI_SEAL_KEY", path(&f.pki.file("signer-ec.key"))),
                ("TACHIAI_SEAL_CERT", path(&f.pki.file("signer-rsa.pem"))),
            ],
            vec![
                "TACHIAI_SEAL_PKCS11_MODULE",
                "TACHIAI_SEAL_PKCS11_TOKEN_LABEL",
                "TACHIAI_SEAL_PKCS11_KEY_LABEL",
                "TACHIAI_SEAL_PKCS11_PIN_FILE",
            ],
            3,
            "the seal key does not match its certificate",
        ),
        (
            "two sources",
            vec![("TACHIAI_SEAL_P12", path(&f.pki.file("signer-ec.p12")))],
            vec![],
            2,
            "TACHIAI_SEAL_P12 and TACHIAI_SEAL_PKCS11_MODULE name two seal keys",
        ),
    ];
    let db_file = f.dir.join("data").join("tachiai.db");
    for (name, changes, removed, code, sentence) in cases {
        let mut env = good.clone();
        env.retain(|(k, _)| !removed.contains(&k.as_str()));
        for (k, v) in &changes {
            set(&mut env, k, v);
        }
        let out = tachiai(&env, &["config", "check"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{name}: {err}");
        assert!(err.contains(sentence), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        // Japanese first, then the English sentence.
        let (ja, en) = err.split_once(" / ").expect("ja / en");
        assert!(!ja.is_ascii(), "{name}: {ja}");
        assert!(en.contains(sentence), "{name}: {en}");
        assert!(!db_file.exists(), "{name}: the database was created");
    }

    // `tachiai serve` stops the same way before it touches the database or listens.
    let mut env = good.clone();
    set(&mut env, "TACHIAI_SEAL_PKCS11_PIN_FILE", &path(&wrong_pin));
    set(
        &mut env,
        "TACHIAI_BIND",
        &format!("127.0.0.1:{}", support::free_port()),
    );
    let out = tachiai(&env, &["serve"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("refused the PIN"), "{}", stderr(&out));
    assert!(!db_file.exists(), "serve created the database");

    // The good configuration passes.
    let out = tachiai(&good, &["config", "check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("# seal: pkcs11"), "{text}{}", stderr(&out));
}
