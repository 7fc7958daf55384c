//! The development PKI: an **untrusted** root, an intermediate, the seal certificate, a TSA
//! certificate (critical EKU `id-kp-timeStamping`, RFC 3161 §2.3) and an OCSP responder
//! certificate (EKU `id-kp-OCSPSigning`, `id-pkix-ocsp-nocheck`, RFC 6960 §4.2.2.2), all ECDSA
//! P-256, built with x509-cert's builder and kept as PEM files in one directory.
//! Every subject says 「開発用・信頼しないでください」 / "UNTRUSTED DEVELOPMENT".

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use der::asn1::{Ia5String, ObjectIdentifier, OctetString};
use der::referenced::OwnedToRef;
use der::{Decode, DecodePem, Encode, EncodePem};
use p256::ecdsa::SigningKey;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha1::{Digest, Sha1};
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
    crl::dp::DistributionPoint,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::asn1::oid;
use crate::error::PadesError;
use crate::signer::LocalKeySigner;
use crate::tsa::BuiltinTsa;

const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const ID_AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
const YEAR: u64 = 365 * 24 * 3600;

/// Options for [`DevPki::generate`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevPkiOptions {
    /// Base URL of the server that will answer OCSP and serve CRLs/CA certificates for this PKI,
    /// e.g. `http://127.0.0.1:8080/dev-pki`. When set, the end-entity and intermediate
    /// certificates carry `{base}/ocsp` (AIA), `{base}/crl/<ca>.crl` (CRL DP) and
    /// `{base}/certs/<ca>.cer` (caIssuers).
    pub base_url: Option<String>,
}

/// The development PKI (all keys P-256).
pub struct DevPki {
    dir: PathBuf,
    /// Root CA certificate (the trust anchor of the development setup).
    pub root: Certificate,
    /// Intermediate CA certificate.
    pub intermediate: Certificate,
    /// Seal (document signing) certificate.
    pub seal: Certificate,
    /// TSA certificate.
    pub tsa: Certificate,
    /// OCSP responder certificate.
    pub ocsp: Certificate,
    root_key: SigningKey,
    intermediate_key: SigningKey,
    seal_key: SigningKey,
    tsa_key: SigningKey,
    ocsp_key: SigningKey,
}

impl std::fmt::Debug for DevPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevPki")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The files of a development PKI directory.
const NAMES: [&str; 5] = ["root-ca", "intermediate-ca", "seal", "tsa", "ocsp"];

struct Profile {
    issuer: Name,
    subject: Name,
    kind: Kind,
    base_url: Option<String>,
    deviations: Deviations,
}

/// Departures from a kind's usual extensions, to build certificates that break the path
/// validation rules in tests (the development PKI itself never deviates). `None` keeps the
/// kind's extension, `Some(None)` omits it.
#[derive(Clone, Default)]
pub(crate) struct Deviations {
    pub basic_constraints: Option<Option<BasicConstraints>>,
    pub key_usage: Option<Option<KeyUsage>>,
    pub extended_key_usage: Option<Option<ExtendedKeyUsage>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Root,
    Intermediate,
    Seal,
    Tsa,
    Ocsp,
}

fn ext(
    id: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> x509_cert::builder::Result<Extension> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn key_id(spk: SubjectPublicKeyInfoRef<'_>) -> x509_cert::builder::Result<OctetString> {
    // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.
    Ok(OctetString::new(
        Sha1::digest(spk.subject_public_key.raw_bytes()).to_vec(),
    )?)
}

fn uri(s: String) -> x509_cert::builder::Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(&s)?))
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
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut v = Vec::new();
        let is_ca = matches!(self.kind, Kind::Root | Kind::Intermediate);
        let bc = BasicConstraints {
            ca: is_ca,
            path_len_constraint: (self.kind == Kind::Intermediate).then_some(0),
        };
        if let Some(bc) = self.deviations.basic_constraints(bc) {
            v.push(ext(const_oid_bc(), true, &bc)?);
        }
        let usage = match self.kind {
            Kind::Root | Kind::Intermediate => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Kind::Seal | Kind::Tsa => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            Kind::Ocsp => KeyUsages::DigitalSignature.into(),
        };
        if let Some(ku) = self.deviations.key_usage(KeyUsage(usage)) {
            v.push(ext(ObjectIdentifier::new_unwrap("2.5.29.15"), true, &ku)?);
        }
        match self.kind {
            Kind::Tsa => {
                if let Some(eku) = self
                    .deviations
                    .extended_key_usage(ExtendedKeyUsage(vec![oid::KP_TIME_STAMPING]))
                {
                    v.push(ext(ObjectIdentifier::new_unwrap("2.5.29.37"), true, &eku)?);
                }
            }
            Kind::Ocsp => {
                v.push(ext(
                    ObjectIdentifier::new_unwrap("2.5.29.37"),
                    false,
                    &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9")]),
                )?);
                v.push(ext(
                    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5"),
                    false,
                    &der::asn1::Null,
                )?);
            }
            _ => {}
        }
        v.push(ext(
            ObjectIdentifier::new_unwrap("2.5.29.14"),
            false,
            &SubjectKeyIdentifier(key_id(spk)?),
        )?);
        if self.kind != Kind::Root {
            v.push(ext(
                ObjectIdentifier::new_unwrap("2.5.29.35"),
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(key_id(issuer_spk)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?);
        }
        if let Some(base) = &self.base_url
            && self.kind != Kind::Root
        {
            let base = base.trim_end_matches('/');
            let issuer_file = if self.kind == Kind::Intermediate {
                "root-ca"
            } else {
                "intermediate-ca"
            };
            v.push(ext(
                ObjectIdentifier::new_unwrap("2.5.29.31"),
                false,
                &CrlDistributionPoints(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![uri(format!(
                        "{base}/crl/{issuer_file}.crl"
                    ))?])),
                    reasons: None,
                    crl_issuer: None,
                }]),
            )?);
            let mut aia = vec![AccessDescription {
                access_method: ID_AD_CA_ISSUERS,
                access_location: uri(format!("{base}/certs/{issuer_file}.cer"))?,
            }];
            // End-entity certificates get OCSP; the intermediate is covered by the root's CRL
            // (as in the project's test PKI).
            if matches!(self.kind, Kind::Seal | Kind::Tsa) {
                aia.push(AccessDescription {
                    access_method: ID_AD_OCSP,
                    access_location: uri(format!("{base}/ocsp"))?,
                });
            }
            v.push(ext(
                ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1"),
                false,
                &AuthorityInfoAccessSyntax(aia),
            )?);
        }
        Ok(v)
    }
}

impl Deviations {
    fn basic_constraints(&self, usual: BasicConstraints) -> Option<BasicConstraints> {
        self.basic_constraints.clone().unwrap_or(Some(usual))
    }
    fn key_usage(&self, usual: KeyUsage) -> Option<KeyUsage> {
        self.key_usage.unwrap_or(Some(usual))
    }
    fn extended_key_usage(&self, usual: ExtendedKeyUsage) -> Option<ExtendedKeyUsage> {
        self.extended_key_usage.clone().unwrap_or(Some(usual))
    }
}

fn const_oid_bc() -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap("2.5.29.19")
}

fn random_key() -> Result<SigningKey, PadesError> {
    for _ in 0..16 {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| PadesError::crypto(format!("random: {e}")))?;
        if let Ok(k) = SigningKey::from_slice(&b) {
            return Ok(k);
        }
    }
    Err(PadesError::crypto("could not generate a P-256 key"))
}

fn random_serial() -> Result<SerialNumber, PadesError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| PadesError::crypto(format!("random: {e}")))?;
    b[0] = (b[0] & 0x7f) | 0x01;
    SerialNumber::new(&b).map_err(PadesError::from)
}

fn name(cn: &str) -> Result<Name, PadesError> {
    Name::from_str(&format!(
        "CN={cn},OU=開発用・信頼しないでください,O=Tachiai UNTRUSTED DEVELOPMENT PKI,C=JP"
    ))
    .map_err(PadesError::from)
}

#[allow(clippy::too_many_arguments)]
fn issue(
    kind: Kind,
    subject: Name,
    issuer: Option<(&Certificate, &SigningKey)>,
    key: &SigningKey,
    years: u64,
    base_url: Option<&str>,
    not_before: std::time::SystemTime,
) -> Result<Certificate, PadesError> {
    issue_at(
        kind,
        subject,
        issuer,
        key,
        (not_before, years),
        base_url,
        Deviations::default(),
    )
}

/// As [`issue`], with the extensions changed by `deviations` (tests of path validation);
/// valid for `years` from `start`.
fn issue_at(
    kind: Kind,
    subject: Name,
    issuer: Option<(&Certificate, &SigningKey)>,
    key: &SigningKey,
    (start, years): (std::time::SystemTime, u64),
    base_url: Option<&str>,
    deviations: Deviations,
) -> Result<Certificate, PadesError> {
    let spki = SubjectPublicKeyInfoOwned::from_der(
        key.verifying_key()
            .to_public_key_der()
            .map_err(PadesError::crypto)?
            .as_bytes(),
    )?;
    let (issuer_name, signing_key) = match issuer {
        Some((c, k)) => (c.tbs_certificate().subject().clone(), k),
        None => (subject.clone(), key),
    };
    let profile = Profile {
        issuer: issuer_name,
        subject,
        kind,
        base_url: base_url.map(str::to_string),
        deviations,
    };
    let validity = x509_cert::time::Time::try_from(start)
        .and_then(|nb| {
            x509_cert::time::Time::try_from(start + Duration::from_secs(years * YEAR))
                .map(|na| Validity::new(nb, na))
        })
        .map_err(|e| PadesError::crypto(format!("validity: {e}")))?;
    let builder = CertificateBuilder::new(profile, random_serial()?, validity, spki)
        .map_err(|e| PadesError::crypto(format!("certificate builder: {e}")))?;
    builder
        .build::<_, p256::ecdsa::DerSignature>(signing_key)
        .map_err(|e| PadesError::crypto(format!("certificate signing: {e}")))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PadesError + '_ {
    move |source| PadesError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl DevPki {
    /// Generates a new development PKI and writes it to `dir` (created if needed):
    /// `<name>.pem` and `<name>.key` (PKCS#8) for root-ca, intermediate-ca, seal, tsa, ocsp, plus
    /// `chain.pem` (intermediate + root) and `README.txt`. Existing files are overwritten.
    pub fn generate(dir: &Path, options: &DevPkiOptions) -> Result<DevPki, PadesError> {
        DevPki::generate_valid_from(dir, options, std::time::SystemTime::now(), None, "")
    }

    /// [`DevPki::generate`] with `tag` appended to every common name, so that a second PKI
    /// (e.g. a test's "next year's CA") has names of its own, as two real CAs do.
    pub fn generate_tagged(
        dir: &Path,
        options: &DevPkiOptions,
        tag: &str,
    ) -> Result<DevPki, PadesError> {
        DevPki::generate_valid_from(dir, options, std::time::SystemTime::now(), None, tag)
    }

    /// As [`DevPki::generate`], with every certificate valid from `not_before` instead of now,
    /// and the seal, TSA and OCSP certificates valid `leaf_years` (instead of 3, 10 and 3) when
    /// given: a PKI of another time, for tests that travel in time (renewing archive
    /// timestamps over decades while TSA certificates expire and are replaced). `label` is
    /// appended to every common name, so that several such PKIs do not share names.
    pub fn generate_valid_from(
        dir: &Path,
        options: &DevPkiOptions,
        not_before: std::time::SystemTime,
        leaf_years: Option<u64>,
        label: &str,
    ) -> Result<DevPki, PadesError> {
        let base = options.base_url.as_deref();
        let nb = not_before;
        let name = |cn: &str| {
            if label.is_empty() {
                name(cn)
            } else {
                name(&format!("{cn} {label}"))
            }
        };
        let root_key = random_key()?;
        let root = issue(
            Kind::Root,
            name("Tachiai 開発用ルートCA UNTRUSTED DEVELOPMENT ROOT")?,
            None,
            &root_key,
            20,
            None,
            nb,
        )?;
        let intermediate_key = random_key()?;
        let intermediate = issue(
            Kind::Intermediate,
            name("Tachiai 開発用中間CA UNTRUSTED DEVELOPMENT CA")?,
            Some((&root, &root_key)),
            &intermediate_key,
            15,
            base,
            nb,
        )?;
        let ca = Some((&intermediate, &intermediate_key));
        let seal_key = random_key()?;
        let seal = issue(
            Kind::Seal,
            name("Tachiai 開発用電子署名 UNTRUSTED DEVELOPMENT SEAL")?,
            ca,
            &seal_key,
            leaf_years.unwrap_or(3),
            base,
            nb,
        )?;
        let tsa_key = random_key()?;
        let tsa = issue(
            Kind::Tsa,
            name("Tachiai 開発用タイムスタンプ UNTRUSTED DEVELOPMENT TSA")?,
            ca,
            &tsa_key,
            leaf_years.unwrap_or(10),
            base,
            nb,
        )?;
        let ocsp_key = random_key()?;
        let ocsp = issue(
            Kind::Ocsp,
            name("Tachiai 開発用OCSPレスポンダ UNTRUSTED DEVELOPMENT OCSP")?,
            ca,
            &ocsp_key,
            leaf_years.unwrap_or(3),
            base,
            nb,
        )?;
        let pki = DevPki {
            dir: dir.to_path_buf(),
            root,
            intermediate,
            seal,
            tsa,
            ocsp,
            root_key,
            intermediate_key,
            seal_key,
            tsa_key,
            ocsp_key,
        };
        pki.write()?;
        Ok(pki)
    }

    /// Loads a PKI written by [`DevPki::generate`].
    pub fn load(dir: &Path) -> Result<DevPki, PadesError> {
        let read = |file: String| -> Result<String, PadesError> {
            let p = dir.join(file);
            std::fs::read_to_string(&p).map_err(io(&p))
        };
        let cert = |n: &str| -> Result<Certificate, PadesError> {
            Certificate::from_pem(read(format!("{n}.pem"))?.as_bytes())
                .map_err(|e| PadesError::key(format!("{n}.pem: {e}")))
        };
        let key = |n: &str| -> Result<SigningKey, PadesError> {
            SigningKey::from_pkcs8_pem(&read(format!("{n}.key"))?)
                .map_err(|e| PadesError::key(format!("{n}.key: {e}")))
        };
        Ok(DevPki {
            dir: dir.to_path_buf(),
            root: cert(NAMES[0])?,
            intermediate: cert(NAMES[1])?,
            seal: cert(NAMES[2])?,
            tsa: cert(NAMES[3])?,
            ocsp: cert(NAMES[4])?,
            root_key: key(NAMES[0])?,
            intermediate_key: key(NAMES[1])?,
            seal_key: key(NAMES[2])?,
            tsa_key: key(NAMES[3])?,
            ocsp_key: key(NAMES[4])?,
        })
    }

    /// Loads the PKI in `dir`, or generates it there on first start.
    pub fn load_or_generate(dir: &Path, options: &DevPkiOptions) -> Result<DevPki, PadesError> {
        if dir.join("root-ca.pem").exists() {
            DevPki::load(dir)
        } else {
            DevPki::generate(dir, options)
        }
    }

    fn write(&self) -> Result<(), PadesError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let pairs = [
            (&self.root, &self.root_key),
            (&self.intermediate, &self.intermediate_key),
            (&self.seal, &self.seal_key),
            (&self.tsa, &self.tsa_key),
            (&self.ocsp, &self.ocsp_key),
        ];
        for (n, (cert, key)) in NAMES.iter().zip(pairs) {
            let pem = cert.to_pem(LineEnding::LF)?;
            let p = self.dir.join(format!("{n}.pem"));
            std::fs::write(&p, pem).map_err(io(&p))?;
            let kpem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(PadesError::crypto)?;
            let p = self.dir.join(format!("{n}.key"));
            std::fs::write(&p, kpem.as_bytes()).map_err(io(&p))?;
            restrict(&p);
        }
        let p = self.dir.join("chain.pem");
        std::fs::write(&p, self.chain_pem()?).map_err(io(&p))?;
        let p = self.dir.join("README.txt");
        std::fs::write(
            &p,
            "開発用・信頼しないでください — UNTRUSTED DEVELOPMENT PKI generated by Tachiai (pades::DevPki).\n\
             Never install root-ca.pem as a trust anchor outside development and tests.\n",
        )
        .map_err(io(&p))?;
        Ok(())
    }

    /// The base URL this PKI wrote into its certificates when it was generated (their
    /// `{base}/ocsp`, `{base}/crl/…` and `{base}/certs/…`), read back from the seal
    /// certificate's OCSP URL; `None` when it was generated without one. A server restarted under
    /// another public URL still answers these URLs itself, from the PKI, whatever it runs under.
    pub fn issued_base_url(&self) -> Option<String> {
        crate::ltv::ocsp_urls(&self.seal)
            .into_iter()
            .find_map(|u| u.strip_suffix("/ocsp").map(str::to_owned))
    }

    /// The directory holding the PEM files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `intermediate-ca.pem` + `root-ca.pem`.
    pub fn chain_pem(&self) -> Result<String, PadesError> {
        Ok(format!(
            "{}{}",
            self.intermediate.to_pem(LineEnding::LF)?,
            self.root.to_pem(LineEnding::LF)?
        ))
    }

    /// The root certificate as PEM (the trust anchor to give validators).
    pub fn root_pem(&self) -> Result<String, PadesError> {
        Ok(self.root.to_pem(LineEnding::LF)?)
    }

    /// The seal signer (seal key, seal certificate, intermediate + root).
    pub fn seal_signer(&self) -> Result<LocalKeySigner, PadesError> {
        LocalKeySigner::from_p256(
            self.seal_key.clone(),
            self.seal.clone(),
            vec![self.intermediate.clone(), self.root.clone()],
        )
    }

    /// The built-in TSA with this PKI's TSA key and certificate.
    pub fn builtin_tsa(&self) -> Result<BuiltinTsa, PadesError> {
        BuiltinTsa::new(LocalKeySigner::from_p256(
            self.tsa_key.clone(),
            self.tsa.clone(),
            vec![self.intermediate.clone(), self.root.clone()],
        )?)
    }
}

#[cfg(unix)]
fn restrict(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict(_p: &Path) {}

/// Which development CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevCa {
    /// The root CA (issues the intermediate).
    Root,
    /// The intermediate CA (issues seal, TSA and OCSP certificates).
    Intermediate,
}

const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const ID_PKIX_OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const DAY: u64 = 24 * 3600;

impl DevPki {
    fn ca(&self, ca: DevCa) -> (&Certificate, &SigningKey) {
        match ca {
            DevCa::Root => (&self.root, &self.root_key),
            DevCa::Intermediate => (&self.intermediate, &self.intermediate_key),
        }
    }

    /// The DER certificate of a CA (for the AIA caIssuers URL).
    pub fn ca_certificate_der(&self, ca: DevCa) -> Result<Vec<u8>, PadesError> {
        Ok(self.ca(ca).0.to_der()?)
    }

    /// A DER CRL (RFC 5280 §5) of `ca`, issued now, valid 7 days, listing no revoked certificate.
    pub fn crl(&self, ca: DevCa) -> Result<Vec<u8>, PadesError> {
        self.crl_at(ca, std::time::SystemTime::now())
    }

    /// As [`DevPki::crl`], issued at `now` (an explicit clock: tests that travel in time).
    pub fn crl_at(&self, ca: DevCa, now: std::time::SystemTime) -> Result<Vec<u8>, PadesError> {
        use x509_cert::crl::{CertificateList, TbsCertList};
        use x509_cert::time::Time;
        let (cert, key) = self.ca(ca);
        let this_update = Time::UtcTime(der::asn1::UtcTime::from_system_time(now)?);
        let next_update = Time::UtcTime(der::asn1::UtcTime::from_system_time(
            now + Duration::from_secs(7 * DAY),
        )?);
        let mut number = [0u8; 8];
        let unix = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        number.copy_from_slice(&unix.to_be_bytes());
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                key_id(
                    cert.tbs_certificate()
                        .subject_public_key_info()
                        .owned_to_ref(),
                )
                .map_err(|e| PadesError::crypto(format!("CRL: {e}")))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let exts = vec![
            ext(
                ObjectIdentifier::new_unwrap("2.5.29.20"),
                false,
                &crate::asn1::uint_from_be(&number)?,
            )
            .map_err(|e| PadesError::crypto(format!("CRL: {e}")))?,
            ext(ObjectIdentifier::new_unwrap("2.5.29.35"), false, &aki)
                .map_err(|e| PadesError::crypto(format!("CRL: {e}")))?,
        ];
        let tbs: TbsCertList = TbsCertList {
            version: x509_cert::Version::V2,
            signature: crate::signer::SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            issuer: cert.tbs_certificate().subject().clone(),
            this_update,
            next_update: Some(next_update),
            revoked_certificates: None,
            crl_extensions: Some(exts),
        };
        let sig = sign_der(key, &tbs.to_der()?)?;
        let crl: CertificateList = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: crate::signer::SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            signature: der::asn1::BitString::from_bytes(&sig)?,
        };
        Ok(crl.to_der()?)
    }

    /// Answers a DER OCSP request (RFC 6960) for the certificates this PKI issued: `good` for the
    /// seal, TSA and OCSP certificates (signed by the OCSP responder) and the intermediate (signed
    /// by the root itself), `unknown` otherwise. Malformed requests get `malformedRequest`.
    pub fn ocsp_respond(&self, request_der: &[u8]) -> Vec<u8> {
        self.ocsp_respond_at(request_der, std::time::SystemTime::now())
    }

    /// As [`DevPki::ocsp_respond`], answering at `now` (`producedAt`, `thisUpdate`).
    pub fn ocsp_respond_at(&self, request_der: &[u8], now: std::time::SystemTime) -> Vec<u8> {
        self.try_ocsp(request_der, now).unwrap_or_else(|_| {
            // OCSPResponse { responseStatus malformedRequest (1) }
            vec![0x30, 0x03, 0x0a, 0x01, 0x01]
        })
    }

    fn try_ocsp(
        &self,
        request_der: &[u8],
        now: std::time::SystemTime,
    ) -> Result<Vec<u8>, PadesError> {
        use crate::asn1::{
            BasicOcspResponse, OcspRequest, OcspResponse, OcspResponseBytes, OcspResponseData,
            OcspSingleResponse,
        };
        let req = OcspRequest::from_der(request_der)?;
        let first = req
            .tbs_request
            .request_list
            .first()
            .ok_or_else(|| PadesError::crypto("empty OCSP request"))?;
        let by_intermediate = [&self.seal, &self.tsa, &self.ocsp];
        let (responder_cert, responder_key, include_cert, issuer) =
            if crate::ltv::cert_id(&self.intermediate, &self.root)?.issuer_key_hash
                == first.req_cert.issuer_key_hash
            {
                (&self.root, &self.root_key, false, &self.root)
            } else {
                (&self.ocsp, &self.ocsp_key, true, &self.intermediate)
            };
        let gt = |t: std::time::SystemTime| der::asn1::GeneralizedTime::from_system_time(t);
        let mut responses = Vec::new();
        for r in &req.tbs_request.request_list {
            let known: Vec<&Certificate> = if issuer == &self.root {
                vec![&self.intermediate]
            } else {
                by_intermediate.to_vec()
            };
            let good = known.iter().any(|c| {
                crate::ltv::cert_id(c, issuer).is_ok_and(|id| {
                    id.serial_number == r.req_cert.serial_number
                        && id.issuer_key_hash == r.req_cert.issuer_key_hash
                })
            });
            // good [0] IMPLICIT NULL / unknown [2] IMPLICIT NULL
            let status = der::asn1::Any::new(
                der::Tag::ContextSpecific {
                    constructed: false,
                    number: der::TagNumber(if good { 0 } else { 2 }),
                },
                Vec::new(),
            )?;
            responses.push(OcspSingleResponse {
                cert_id: r.req_cert.clone(),
                cert_status: status,
                this_update: gt(now)?,
                next_update: Some(gt(now + Duration::from_secs(DAY))?),
                single_extensions: None,
            });
        }
        let key_hash = OctetString::new(
            Sha1::digest(
                responder_cert
                    .tbs_certificate()
                    .subject_public_key_info()
                    .subject_public_key
                    .raw_bytes(),
            )
            .to_vec(),
        )?;
        // ResponderID byKey [2] EXPLICIT KeyHash
        let responder_id = der::asn1::Any::new(
            der::Tag::ContextSpecific {
                constructed: true,
                number: der::TagNumber(2),
            },
            key_hash.to_der()?,
        )?;
        let nonce: Vec<Extension> = req
            .tbs_request
            .request_extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
            .cloned()
            .collect();
        let data = OcspResponseData {
            version: None,
            responder_id,
            produced_at: gt(now)?,
            responses,
            response_extensions: (!nonce.is_empty()).then_some(nonce),
        };
        let tbs_der = data.to_der()?;
        let sig = sign_der(responder_key, &tbs_der)?;
        let basic = BasicOcspResponse {
            tbs_response_data: der::asn1::Any::from_der(&tbs_der)?,
            signature_algorithm: crate::signer::SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            signature: der::asn1::BitString::from_bytes(&sig)?,
            certs: include_cert.then(|| vec![responder_cert.clone()]),
        };
        let resp = OcspResponse {
            response_status: der::asn1::Any::new(der::Tag::Enumerated, vec![0u8])?,
            response_bytes: Some(OcspResponseBytes {
                response_type: ID_PKIX_OCSP_BASIC,
                response: OctetString::new(basic.to_der()?)?,
            }),
        };
        Ok(resp.to_der()?)
    }

    /// Routes the HTTP requests of the URLs written into the certificates by
    /// [`DevPkiOptions::base_url`], relative to it: `POST /ocsp` (RFC 6960 Appendix A.1),
    /// `GET /crl/root-ca.crl`, `GET /crl/intermediate-ca.crl`, `GET /certs/root-ca.cer`,
    /// `GET /certs/intermediate-ca.cer`, and `POST /tsa` (the built-in TSA, RFC 3161 §3.4).
    /// Returns the content type and body, or `None` for an unknown route.
    pub fn http_response(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Option<(&'static str, Vec<u8>)> {
        self.http_response_at(method, path, body, std::time::SystemTime::now())
    }

    /// As [`DevPki::http_response`], answering as of `now`: the OCSP responses, CRLs and
    /// time-stamp tokens are dated then (an explicit clock for tests that travel in time).
    pub fn http_response_at(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        now: std::time::SystemTime,
    ) -> Option<(&'static str, Vec<u8>)> {
        let ca = |name: &str| match name {
            "root-ca" => Some(DevCa::Root),
            "intermediate-ca" => Some(DevCa::Intermediate),
            _ => None,
        };
        match (method, path) {
            ("POST", "/ocsp") => {
                Some(("application/ocsp-response", self.ocsp_respond_at(body, now)))
            }
            ("POST", "/tsa") => Some((
                "application/timestamp-reply",
                self.builtin_tsa().ok()?.respond_at(body, now),
            )),
            ("GET", p) => {
                if let Some(name) = p.strip_prefix("/crl/").and_then(|n| n.strip_suffix(".crl")) {
                    Some(("application/pkix-crl", self.crl_at(ca(name)?, now).ok()?))
                } else if let Some(name) = p
                    .strip_prefix("/certs/")
                    .and_then(|n| n.strip_suffix(".cer"))
                {
                    Some((
                        "application/pkix-cert",
                        self.ca_certificate_der(ca(name)?).ok()?,
                    ))
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

fn sign_der(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>, PadesError> {
    let sig: p256::ecdsa::Signature =
        signature::Signer::try_sign(key, message).map_err(PadesError::crypto)?;
    Ok(sig.to_der().as_bytes().to_vec())
}

/// Issues a certificate of `kind` for `cn` with `deviations` (for path validation tests).
#[cfg(test)]
pub(crate) fn issue_for_test(
    kind: Kind,
    cn: &str,
    issuer: Option<(&Certificate, &SigningKey)>,
    key: &SigningKey,
    deviations: Deviations,
) -> Result<Certificate, PadesError> {
    issue_at(
        kind,
        name(cn)?,
        issuer,
        key,
        (std::time::SystemTime::now(), 3),
        None,
        deviations,
    )
}
