//! The development PKI and the built-in TSA, checked with OpenSSL: the chain verifies, the names
//! say they are untrusted, the TSA certificate has the critical timeStamping EKU, and the TSA's
//! tokens pass `openssl ts -verify`.

mod common;

use std::process::Command;

use common::{have, run, scratch, write};
use pades::{DevPki, DevPkiOptions, TimeStamper, verify_timestamp_token};

#[test]
fn dev_pki_is_generated_loaded_and_verifies_with_openssl() {
    let dir = scratch("devpki");
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
    let again = DevPki::load(&dir).unwrap();
    assert_eq!(pki.root, again.root);
    assert_eq!(pki.seal, again.seal);
    let loaded = DevPki::load_or_generate(&dir, &DevPkiOptions::default()).unwrap();
    assert_eq!(
        loaded.tsa, pki.tsa,
        "load_or_generate keeps an existing PKI"
    );
    assert!(have("openssl"), "openssl is needed for this test");
    let (ok, out) = run(Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(dir.join("root-ca.pem"))
        .arg("-untrusted")
        .arg(dir.join("intermediate-ca.pem"))
        .arg(dir.join("seal.pem"))
        .arg(dir.join("tsa.pem"))
        .arg(dir.join("ocsp.pem")));
    assert!(ok, "{out}");
    let (ok, text) = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-nameopt", "utf8", "-in"])
        .arg(dir.join("tsa.pem")));
    assert!(ok, "{text}");
    assert!(text.contains("開発用・信頼しないでください"), "{text}");
    assert!(text.contains("UNTRUSTED DEVELOPMENT"), "{text}");
    assert!(
        text.contains("X509v3 Extended Key Usage: critical") && text.contains("Time Stamping"),
        "{text}"
    );
    let (_, ocsp) = run(Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(dir.join("ocsp.pem")));
    assert!(
        ocsp.contains("OCSP Signing") && ocsp.contains("OCSP No Check"),
        "{ocsp}"
    );
}

#[test]
fn builtin_tsa_tokens_pass_openssl_ts_verify() {
    assert!(have("openssl"), "openssl is needed for this test");
    let dir = scratch("tsa");
    let pki = DevPki::generate(&dir.join("pki"), &DevPkiOptions::default()).unwrap();
    let tsa = pki.builtin_tsa().unwrap();
    let data = write(&dir, "data.bin", "立会 タイムスタンプ試験".as_bytes());
    for (alg, cert) in [("-sha256", true), ("-sha512", true), ("-sha384", false)] {
        let tsq = dir.join("req.tsq");
        let mut q = Command::new("openssl");
        q.args(["ts", "-query", "-data"])
            .arg(&data)
            .arg(alg)
            .arg("-out")
            .arg(&tsq);
        if cert {
            q.arg("-cert");
        }
        let (ok, out) = run(&mut q);
        assert!(ok, "{out}");
        let resp = tsa.respond(&std::fs::read(&tsq).unwrap());
        let tsr = write(&dir, "resp.tsr", &resp);
        // Without certReq the token carries no certificate: give OpenSSL the TSA certificate.
        let mut untrusted = std::fs::read(dir.join("pki/chain.pem")).unwrap();
        if !cert {
            untrusted.extend(std::fs::read(dir.join("pki/tsa.pem")).unwrap());
        }
        let untrusted = write(&dir, "untrusted.pem", &untrusted);
        let mut v = Command::new("openssl");
        v.args(["ts", "-verify", "-queryfile"])
            .arg(&tsq)
            .arg("-in")
            .arg(&tsr)
            .arg("-CAfile")
            .arg(dir.join("pki/root-ca.pem"))
            .arg("-untrusted")
            .arg(&untrusted);
        let (ok, out) = run(&mut v);
        assert!(ok && out.contains("Verification: OK"), "{alg}: {out}");
    }
    // In-process use as a TimeStamper: the token verifies with our own checks too.
    let token = tsa.timestamp(&[7u8; 32]).unwrap();
    let info = verify_timestamp_token(&token).unwrap();
    assert!(
        info.tsa_subject.contains("UNTRUSTED DEVELOPMENT TSA"),
        "{info:?}"
    );
}

#[test]
fn builtin_tsa_rejects_bad_requests_with_a_response() {
    let dir = scratch("tsa-bad");
    let pki = DevPki::generate(&dir, &DevPkiOptions::default()).unwrap();
    let tsa = pki.builtin_tsa().unwrap();
    for req in [&b""[..], b"\x30\x00", b"garbage", &[0x30, 0x82, 0xff, 0xff]] {
        let resp = tsa.respond(req);
        assert!(
            resp.len() > 5 && resp[0] == 0x30,
            "a DER TimeStampResp for {req:?}"
        );
        let dir2 = scratch("tsa-bad-resp");
        let p = write(&dir2, "r.tsr", &resp);
        if have("openssl") {
            let (_, out) = run(Command::new("openssl")
                .args(["ts", "-reply", "-text", "-in"])
                .arg(&p));
            assert!(out.contains("Status: Rejected"), "{out}");
        }
    }
}
