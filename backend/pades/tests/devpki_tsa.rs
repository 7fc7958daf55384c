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

/// The development PKI with revocation URLs, served (OCSP, CRLs, CA certificates, TSA) by a local
/// HTTP server the way the web server will: OpenSSL accepts its OCSP answers and CRLs, and a B-LTA
/// file made with it alone passes the validator harness with revocation checking on.
#[test]
fn dev_pki_with_urls_serves_ocsp_crls_and_reaches_b_lta() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let dir = scratch("devpki-urls");
    let pki = DevPki::generate(
        &dir,
        &DevPkiOptions {
            base_url: Some(base.clone()),
        },
    )
    .unwrap();
    let served = DevPki::load(&dir).unwrap();
    let _server = common::HttpServer::start(
        listener,
        Box::new(move |m, p, b| served.http_response(m, p, b)),
    );
    assert!(have("openssl"), "openssl is needed for this test");
    let (ok, out) = run(Command::new("openssl")
        .args(["ocsp", "-issuer"])
        .arg(dir.join("intermediate-ca.pem"))
        .arg("-cert")
        .arg(dir.join("seal.pem"))
        .arg("-cert")
        .arg(dir.join("tsa.pem"))
        .args(["-url", &format!("{base}/ocsp"), "-CAfile"])
        .arg(dir.join("root-ca.pem")));
    assert!(ok && out.contains("Response verify OK"), "{out}");
    assert!(out.matches(": good").count() == 2, "{out}");
    for ca in ["root-ca", "intermediate-ca"] {
        let crl = ureq::get(&format!("{base}/crl/{ca}.crl"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
        let p = write(&dir, &format!("{ca}.crl"), &crl);
        let (ok, out) = run(Command::new("openssl")
            .args(["crl", "-inform", "DER", "-noout", "-in"])
            .arg(&p)
            .arg("-CAfile")
            .arg(dir.join(format!("{ca}.pem"))));
        assert!(ok && out.contains("verify OK"), "{ca}: {out}");
    }

    // B-LTA with nothing but the development PKI and the built-in TSA over HTTP.
    let signer = pki.seal_signer().unwrap();
    let tsa = pades::HttpTimeStamper::new([format!("{base}/tsa")]);
    let original = common::corpus("libreoffice-ja-contract.pdf");
    let signed = pades::PdfSigner::new(&signer, &pades::SignatureMetadata::default())
        .timestamper(&tsa)
        .level(pades::PadesLevel::BLTA)
        .sign(&original)
        .unwrap();
    let out = write(&dir, "dev-blta.pdf", signed.bytes());
    let ctx = pades::ValidationContext::from_pem(&pki.root_pem().unwrap()).unwrap();
    let statuses = pades::verify(signed.bytes(), &ctx).unwrap();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| s.is_ok()), "{statuses:?}");
    let (installed, why) =
        run(Command::new(common::tools_dir().join("install-validators")).arg("--check"));
    if !installed {
        if std::env::var("TACHIAI_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
            panic!("TACHIAI_REQUIRE_VALIDATORS=1 but the validators are missing:\n{why}");
        }
        eprintln!("NOTICE: validators not installed, B-LTA harness check NOT run");
        return;
    }
    let (ok, text) = run(Command::new(common::tools_dir().join("verify-signed-pdf"))
        .arg(&out)
        .arg("--trust")
        .arg(dir.join("root-ca.pem"))
        .arg("--original")
        .arg(common::corpus_dir().join("libreoffice-ja-contract.pdf"))
        .args(["--level", "B-LTA"]));
    assert!(ok, "{text}");
}
