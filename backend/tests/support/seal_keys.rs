//! Seal keys for the seal-key tests and benchmark: a SoftHSM2 token of the test's own (its own
//! `SOFTHSM2_CONF` and token directory, never the system's) with keys generated inside it by
//! `pkcs11-tool`, the throw-away PKI and TSA of `tools/test-pki-and-tsa`, and a small CA in Rust
//! that issues certificates for any public key under that PKI's intermediate (for token keys,
//! and for the bad certificates: expired, not yet valid, no signing key usage).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, DecodePem, Encode, EncodePem};
use p256::pkcs8::DecodePrivateKey;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints,
    KeyUsage, KeyUsages,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use x509_cert::der;
use x509_cert::spki;

/// Debian's SoftHSM2 module.
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}:\n{text}");
    text
}

/// Whether SoftHSM2 and pkcs11-tool are installed; prints why not (and fails where the
/// validators are required, as in CI: `scripts/setup test` installs them).
pub fn softhsm_available() -> bool {
    let tool = Command::new("pkcs11-tool")
        .arg("--help")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty());
    if Path::new(SOFTHSM_MODULE).is_file() && tool {
        return true;
    }
    assert!(
        !crate::support::validators_required(),
        "softhsm2 or opensc (pkcs11-tool) is missing: scripts/setup test installs them"
    );
    eprintln!(
        "skipped: softhsm2 ({SOFTHSM_MODULE}) or opensc (pkcs11-tool) is not installed; scripts/setup test installs them"
    );
    false
}

/// A SoftHSM2 token in a directory of its own.
pub struct SoftHsm {
    /// `SOFTHSM2_CONF` for every process that uses the token.
    pub conf: PathBuf,
    /// The user PIN, without a line break.
    pub pin_file: PathBuf,
    /// The token's label.
    pub label: String,
    user_pin: String,
}

impl SoftHsm {
    /// Creates the configuration, the token directory and an initialised token `label` with
    /// random SO and user PINs under `dir`.
    pub fn create(dir: &Path, label: &str) -> SoftHsm {
        let tokens = dir.join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            ),
        )
        .unwrap();
        let user_pin = format!("{:08}", rand_u32() % 100_000_000);
        let so_pin = format!("so{:08}", rand_u32() % 100_000_000);
        let pin_file = dir.join("user.pin");
        std::fs::write(&pin_file, &user_pin).unwrap();
        let hsm = SoftHsm {
            conf,
            pin_file,
            label: label.to_owned(),
            user_pin,
        };
        run(hsm
            .tool()
            .env("SO_PIN", &so_pin)
            .args(["--init-token", "--slot-index", "0", "--label", label])
            .args(["--so-pin", "env:SO_PIN"]));
        run(hsm
            .tool()
            .env("SO_PIN", &so_pin)
            .args(["--token-label", label, "--login", "--login-type", "so"])
            .args([
                "--so-pin",
                "env:SO_PIN",
                "--init-pin",
                "--pin",
                "env:USER_PIN",
            ]));
        hsm
    }

    /// `pkcs11-tool` on this token's module and configuration (PINs only through the
    /// environment, never argv).
    pub fn tool(&self) -> Command {
        let mut cmd = Command::new("pkcs11-tool");
        cmd.env("SOFTHSM2_CONF", &self.conf)
            .env("USER_PIN", &self.user_pin)
            .args(["--module", SOFTHSM_MODULE]);
        cmd
    }

    /// [`SoftHsm::tool`] logged in to the token as its user.
    pub fn logged_in(&self) -> Command {
        let mut cmd = self.tool();
        cmd.args([
            "--token-label",
            &self.label,
            "--login",
            "--pin",
            "env:USER_PIN",
        ]);
        cmd
    }

    /// Generates a key pair in the token (`EC:prime256v1` or `rsa:3072`) and returns its public
    /// key (DER SubjectPublicKeyInfo). The private key is sensitive and never extractable.
    pub fn generate(&self, key_label: &str, id: &str, key_type: &str) -> Vec<u8> {
        run(self
            .logged_in()
            .args(["--keypairgen", "--key-type", key_type, "--label", key_label])
            .args(["--id", id, "--usage-sign", "--sensitive", "--private"]));
        let out = std::env::temp_dir().join(format!("tachiai-pub-{}.der", rand_u32()));
        run(self
            .logged_in()
            .args(["--read-object", "--type", "pubkey"])
            .args(["--label", key_label])
            .arg("-o")
            .arg(&out));
        let der = std::fs::read(&out).unwrap();
        std::fs::remove_file(out).unwrap();
        der
    }

    /// Stores `cert` in the token as a certificate object with the key's label and id.
    pub fn store_certificate(&self, key_label: &str, id: &str, cert: &Certificate) {
        let file = std::env::temp_dir().join(format!("tachiai-cert-{}.der", rand_u32()));
        std::fs::write(&file, cert.to_der().unwrap()).unwrap();
        run(self
            .logged_in()
            .arg("--write-object")
            .arg(&file)
            .args(["--type", "cert", "--label", key_label, "--id", id]));
        std::fs::remove_file(file).unwrap();
    }

    /// The server's settings for the key `key_label` of this token (and `SOFTHSM2_CONF`).
    pub fn seal_env(&self, key_label: &str) -> Vec<(String, String)> {
        vec![
            ("SOFTHSM2_CONF".into(), self.conf.display().to_string()),
            ("TACHIAI_SEAL_PKCS11_MODULE".into(), SOFTHSM_MODULE.into()),
            ("TACHIAI_SEAL_PKCS11_TOKEN_LABEL".into(), self.label.clone()),
            ("TACHIAI_SEAL_PKCS11_KEY_LABEL".into(), key_label.into()),
            (
                "TACHIAI_SEAL_PKCS11_PIN_FILE".into(),
                self.pin_file.display().to_string(),
            ),
        ]
    }
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).unwrap();
    u32::from_be_bytes(b)
}

/// `tools/test-pki-and-tsa` serving on a free loopback port; stopped on drop.
pub struct TestPki {
    /// Its directory (root-ca.pem, chain.pem, signer-ec.*, signer-rsa.*, …).
    pub dir: PathBuf,
    /// `POST` RFC 3161 requests here.
    pub tsa_url: String,
    /// Its port; certificates issued here point their CRL at it.
    pub port: u16,
}

impl TestPki {
    /// Creates the PKI in `dir` and starts its server.
    pub fn start(dir: &Path) -> TestPki {
        let tool = tools_dir().join("test-pki-and-tsa");
        for _ in 0..5 {
            let port = crate::support::free_port();
            run(Command::new(&tool).arg("init").arg(dir).args([
                "--port",
                &port.to_string(),
                "--force",
            ]));
            let out = Command::new(&tool).arg("start").arg(dir).output().unwrap();
            if out.status.success() {
                return TestPki {
                    dir: dir.to_owned(),
                    tsa_url: format!("http://127.0.0.1:{port}/tsa"),
                    port,
                };
            }
            eprintln!(
                "test-pki-and-tsa start failed on port {port}, retrying: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("could not start tools/test-pki-and-tsa");
    }

    /// A file of the PKI.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The intermediate CA as a [`TestCa`]: what it issues points at this server's CRL and
    /// OCSP responder, and is entered in the CA's database, so the responder answers `good`
    /// (an OCSP response is made when asked, so it is newer than the signature it validates).
    pub fn ca(&self) -> TestCa {
        let mut ca = TestCa::from_files(
            &self.file("intermediate-ca.pem"),
            &self.file("intermediate-ca.key"),
            Some(format!(
                "http://127.0.0.1:{}/crl/intermediate-ca.crl",
                self.port
            )),
        );
        ca.ocsp = Some((
            format!("http://127.0.0.1:{}/ocsp", self.port),
            self.file("ca/intermediate-ca/index.txt"),
        ));
        ca
    }

    /// Stops its server.
    pub fn stop(&self) {
        let _ = Command::new(tools_dir().join("test-pki-and-tsa"))
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A P-256 CA that issues end-entity certificates for any public key.
pub struct TestCa {
    /// Its certificate.
    pub cert: Certificate,
    key: p256::ecdsa::SigningKey,
    crl_url: Option<String>,
    /// The OCSP responder's URL and the `openssl ca` database it answers from.
    ocsp: Option<(String, PathBuf)>,
}

/// What to put into an issued certificate.
pub struct Issue {
    /// Validity start.
    pub not_before: SystemTime,
    /// Validity end.
    pub not_after: SystemTime,
    /// Key usage; `None`: digitalSignature + nonRepudiation.
    pub key_usage: Option<KeyUsage>,
}

impl Default for Issue {
    fn default() -> Issue {
        let now = SystemTime::now();
        Issue {
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(365 * 86_400),
            key_usage: None,
        }
    }
}

struct Profile {
    issuer: Name,
    subject: Name,
    key_usage: KeyUsage,
    crl_url: Option<String>,
    ocsp_url: Option<String>,
}

fn ext(id: &str, critical: bool, value: &impl Encode) -> x509_cert::builder::Result<Extension> {
    Ok(Extension {
        extn_id: ObjectIdentifier::new_unwrap(id),
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut v = vec![
            ext(
                "2.5.29.19",
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?,
            ext("2.5.29.15", true, &self.key_usage)?,
        ];
        if let Some(url) = &self.crl_url {
            v.push(ext(
                "2.5.29.31",
                false,
                &CrlDistributionPoints(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![
                        GeneralName::UniformResourceIdentifier(Ia5String::new(url)?),
                    ])),
                    reasons: None,
                    crl_issuer: None,
                }]),
            )?);
        }
        if let Some(url) = &self.ocsp_url {
            v.push(ext(
                "1.3.6.1.5.5.7.1.1",
                false,
                &AuthorityInfoAccessSyntax(vec![AccessDescription {
                    access_method: ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1"),
                    access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(url)?),
                }]),
            )?);
        }
        Ok(v)
    }
}

impl TestCa {
    /// The CA of a PEM certificate and PKCS#8 P-256 key; issued certificates point their CRL
    /// distribution point at `crl_url`.
    pub fn from_files(cert: &Path, key: &Path, crl_url: Option<String>) -> TestCa {
        TestCa {
            cert: Certificate::from_pem(std::fs::read(cert).unwrap()).unwrap(),
            key: p256::ecdsa::SigningKey::from_pkcs8_pem(&std::fs::read_to_string(key).unwrap())
                .unwrap(),
            crl_url,
            ocsp: None,
        }
    }

    /// A certificate for the public key `spki_der` named `CN=cn`.
    pub fn issue(&self, spki_der: &[u8], cn: &str, issue: &Issue) -> Certificate {
        let spki = SubjectPublicKeyInfoOwned::from_der(spki_der).unwrap();
        let time = |t: SystemTime| Time::UtcTime(der::asn1::UtcTime::from_system_time(t).unwrap());
        let profile = Profile {
            issuer: self.cert.tbs_certificate().subject().clone(),
            subject: Name::from_str(&format!("CN={cn},O=Tachiai Test Seal,C=JP")).unwrap(),
            key_usage: issue.key_usage.unwrap_or(KeyUsage(
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            )),
            crl_url: self.crl_url.clone(),
            ocsp_url: self.ocsp.as_ref().map(|(url, _)| url.clone()),
        };
        let mut serial = [0u8; 16];
        getrandom::fill(&mut serial).unwrap();
        serial[0] = (serial[0] & 0x7f) | 1;
        let validity = Validity::new(time(issue.not_before), time(issue.not_after));
        let cert =
            CertificateBuilder::new(profile, SerialNumber::new(&serial).unwrap(), validity, spki)
                .unwrap()
                .build::<_, p256::ecdsa::DerSignature>(&self.key)
                .unwrap();
        if let Some((_, index)) = &self.ocsp {
            // `openssl ca`'s database line: status, expiry (UTCTime), revocation, serial, file, DN.
            let expiry = time::OffsetDateTime::from(issue.not_after)
                .format(time::macros::format_description!(
                    "[year repr:last_two][month][day][hour][minute][second]Z"
                ))
                .unwrap();
            let serial_hex: String = serial.iter().map(|b| format!("{b:02X}")).collect();
            let line = format!(
                "V\t{expiry}\t\t{serial_hex}\tunknown\t/C=JP/O=Tachiai Test Seal/CN={cn}\n"
            );
            let mut db = std::fs::read_to_string(index).unwrap();
            db.push_str(&line);
            std::fs::write(index, db).unwrap();
        }
        cert
    }
}

/// Writes `cert` as PEM to `path`.
pub fn write_pem(path: &Path, cert: &Certificate) {
    std::fs::write(path, cert.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
}
