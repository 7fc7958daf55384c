//! Where a seal key comes from — a PKCS#12 file, PEM files or a key in a PKCS#11 token (an HSM)
//! — and the checks every key passes before the service signs with it.
//!
//! [`SealKeySource`] is what the configuration (or, later, an administrator importing a key)
//! names; [`load`] opens it and refuses, with one sentence in English ([`SealKeyError`]'s
//! `Display`) and Japanese ([`SealKeyError::message_ja`]), anything the service must not sign
//! with: a wrong password or PIN (never retried), a token, key or certificate that is not there, a
//! certificate that is expired or not yet valid, not meant for signatures, or does not belong to
//! the key (a probe message is signed and verified with the certificate's public key), and a
//! chain that does not lead to the certificate (issuer names and signatures, up to its root).
//!
//! Nothing here writes anything; a refused key leaves everything as it was.

use std::path::{Path, PathBuf};

use pades::{LocalKeySigner, PadesError, SignatureAlgorithm, Signer, verify_with_certificate};
use x509_cert::Certificate;
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{Decode, Encode, EncodePem};
use x509_cert::ext::pkix::KeyUsage;

use super::pkcs11::{Pkcs11Reference, Pkcs11Signer};
use crate::clock::{self, Millis};

/// Where the seal key is, as the configuration names it (`TACHIAI_SEAL_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealKeySource {
    /// A PKCS#12 file with the key and its certificate (and usually the chain).
    Pkcs12 {
        /// `TACHIAI_SEAL_P12`.
        file: PathBuf,
        /// `TACHIAI_SEAL_P12_PASSWORD_FILE`; none: the empty password.
        password_file: Option<PathBuf>,
        /// `TACHIAI_SEAL_CHAIN`: CA certificates (PEM) added to those in the file.
        chain: Option<PathBuf>,
    },
    /// A PEM private key (PKCS#8, SEC1 or PKCS#1) and its PEM certificate.
    Pem {
        /// `TACHIAI_SEAL_KEY`.
        key: PathBuf,
        /// `TACHIAI_SEAL_CERT`.
        cert: PathBuf,
        /// `TACHIAI_SEAL_CHAIN`: the CA certificates (PEM, any order).
        chain: Option<PathBuf>,
    },
    /// A key generated in a PKCS#11 token, which never leaves it.
    Pkcs11 {
        /// Module, token, key label and PIN file.
        token: Pkcs11Reference,
        /// `TACHIAI_SEAL_CERT`: the certificate as a PEM file instead of the token's object of
        /// the key's label.
        cert: Option<PathBuf>,
        /// `TACHIAI_SEAL_CHAIN`: the CA certificates (PEM, any order).
        chain: Option<PathBuf>,
    },
}

/// The settings ([`crate::config::SETTINGS`] keys) that name a seal key.
pub const SEAL_SETTINGS: [&str; 9] = [
    "seal_p12",
    "seal_p12_password_file",
    "seal_key",
    "seal_cert",
    "seal_chain",
    "seal_pkcs11_module",
    "seal_pkcs11_token_label",
    "seal_pkcs11_key_label",
    "seal_pkcs11_pin_file",
];

fn env_name(key: &str) -> String {
    format!("TACHIAI_{}", key.to_ascii_uppercase())
}

impl SealKeySource {
    /// The seal named by the settings (`get` answers a key of [`SEAL_SETTINGS`], `None` when
    /// unset), or `None` when no seal is configured. Two sources at once, a source without a
    /// setting it needs, or a seal setting with no source is refused.
    pub fn from_settings(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SealKeySource>, SealKeyError> {
        let path = |k: &str| get(k).map(PathBuf::from);
        let chosen: Vec<&'static str> = ["seal_p12", "seal_key", "seal_pkcs11_module"]
            .into_iter()
            .filter(|k| get(k).is_some())
            .collect();
        if let [first, second, ..] = chosen[..] {
            return Err(SealKeyError::SettingsConflict {
                first: env_name(first),
                second: env_name(second),
            });
        }
        let required = |k: &'static str, by: &'static str| {
            path(k).ok_or_else(|| SealKeyError::SettingMissing {
                missing: env_name(k),
                needed_by: env_name(by),
            })
        };
        let unused = |keys: &[&'static str], by: &'static str| -> Result<(), SealKeyError> {
            match keys.iter().find(|k| get(k).is_some()) {
                Some(k) => Err(SealKeyError::SettingUnused {
                    setting: env_name(k),
                    used_with: by.to_owned(),
                }),
                None => Ok(()),
            }
        };
        const PKCS11_ONLY: [&str; 3] = [
            "seal_pkcs11_token_label",
            "seal_pkcs11_key_label",
            "seal_pkcs11_pin_file",
        ];
        let source = match chosen.first().copied() {
            Some("seal_p12") => {
                unused(&["seal_cert"], "TACHIAI_SEAL_P12")?;
                unused(&PKCS11_ONLY, "TACHIAI_SEAL_P12")?;
                SealKeySource::Pkcs12 {
                    file: required("seal_p12", "seal_p12")?,
                    password_file: path("seal_p12_password_file"),
                    chain: path("seal_chain"),
                }
            }
            Some("seal_key") => {
                unused(&["seal_p12_password_file"], "TACHIAI_SEAL_KEY")?;
                unused(&PKCS11_ONLY, "TACHIAI_SEAL_KEY")?;
                SealKeySource::Pem {
                    key: required("seal_key", "seal_key")?,
                    cert: required("seal_cert", "seal_key")?,
                    chain: path("seal_chain"),
                }
            }
            Some(_) => {
                unused(&["seal_p12_password_file"], "TACHIAI_SEAL_PKCS11_MODULE")?;
                SealKeySource::Pkcs11 {
                    token: Pkcs11Reference {
                        module: required("seal_pkcs11_module", "seal_pkcs11_module")?,
                        token_label: get("seal_pkcs11_token_label").ok_or_else(|| {
                            SealKeyError::SettingMissing {
                                missing: env_name("seal_pkcs11_token_label"),
                                needed_by: env_name("seal_pkcs11_module"),
                            }
                        })?,
                        key_label: get("seal_pkcs11_key_label").ok_or_else(|| {
                            SealKeyError::SettingMissing {
                                missing: env_name("seal_pkcs11_key_label"),
                                needed_by: env_name("seal_pkcs11_module"),
                            }
                        })?,
                        pin_file: required("seal_pkcs11_pin_file", "seal_pkcs11_module")?,
                    },
                    cert: path("seal_cert"),
                    chain: path("seal_chain"),
                }
            }
            None => {
                unused(&SEAL_SETTINGS, "no seal key")?;
                return Ok(None);
            }
        };
        Ok(Some(source))
    }

    /// `pkcs12`, `pem` or `pkcs11`.
    pub fn kind(&self) -> &'static str {
        match self {
            SealKeySource::Pkcs12 { .. } => "pkcs12",
            SealKeySource::Pem { .. } => "pem",
            SealKeySource::Pkcs11 { .. } => "pkcs11",
        }
    }

    /// Where the key is, for operators (no secret in it): the kind and its files or token.
    pub fn describe(&self) -> String {
        let chain = |c: &Option<PathBuf>| match c {
            Some(p) => format!(", chain {}", p.display()),
            None => String::new(),
        };
        match self {
            SealKeySource::Pkcs12 { file, chain: c, .. } => {
                format!("pkcs12 ({}{})", file.display(), chain(c))
            }
            SealKeySource::Pem {
                key,
                cert,
                chain: c,
            } => format!(
                "pem (key {}, certificate {}{})",
                key.display(),
                cert.display(),
                chain(c)
            ),
            SealKeySource::Pkcs11 {
                token,
                cert,
                chain: c,
            } => format!(
                "pkcs11 (module {}, token \"{}\", key \"{}\", certificate {}{})",
                token.module.display(),
                token.token_label,
                token.key_label,
                cert.as_ref()
                    .map_or_else(|| "from the token".to_owned(), |p| p.display().to_string()),
                chain(c)
            ),
        }
    }

    fn chain_file(&self) -> Option<&Path> {
        match self {
            SealKeySource::Pkcs12 { chain, .. }
            | SealKeySource::Pem { chain, .. }
            | SealKeySource::Pkcs11 { chain, .. } => chain.as_deref(),
        }
    }
}

/// Why a seal key was refused: one sentence each. [`SealKeyError::exit_code`] is the CLI's
/// exit status (2: the configuration is incomplete or names something that cannot be read or
/// loaded; 3: the key material was read and refused).
#[derive(Debug, thiserror::Error)]
pub enum SealKeyError {
    /// Two sources configured.
    #[error(
        "{first} and {second} name two seal keys: configure only one of PKCS#12, PEM and PKCS#11"
    )]
    SettingsConflict {
        /// One setting.
        first: String,
        /// The other.
        second: String,
    },
    /// A source without a setting it needs.
    #[error("{missing} must be set together with {needed_by}")]
    SettingMissing {
        /// The missing setting.
        missing: String,
        /// The setting that needs it.
        needed_by: String,
    },
    /// A setting that the configured source does not use (a typo or a leftover).
    #[error(
        "{setting} is set but not used with {used_with}: remove it or configure the seal it belongs to"
    )]
    SettingUnused {
        /// The setting.
        setting: String,
        /// The configured source.
        used_with: String,
    },
    /// A configured seal with no TSA.
    #[error(
        "a configured seal key needs a time-stamp authority: set TACHIAI_TSA_URLS to one or more RFC 3161 URLs"
    )]
    NoTsa,
    /// A file could not be read.
    #[error("cannot read {path} ({setting}): {reason}")]
    ReadFile {
        /// The setting naming it.
        setting: &'static str,
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The PKCS#12 password is wrong.
    #[error(
        "the PKCS#12 file {path} cannot be opened: the password in TACHIAI_SEAL_P12_PASSWORD_FILE is wrong"
    )]
    WrongPassword {
        /// The file.
        path: String,
    },
    /// A key or certificate file that is not what it should be.
    #[error("{path} is not a usable seal key or certificate: {reason}")]
    Unusable {
        /// The file (or token object).
        path: String,
        /// Why.
        reason: String,
    },
    /// The PKCS#11 module cannot be loaded.
    #[error("cannot load the PKCS#11 module {module}: {reason}")]
    ModuleNotLoadable {
        /// Its path.
        module: String,
        /// The loader's message.
        reason: String,
    },
    /// The module loaded but did not initialise.
    #[error(
        "the PKCS#11 module {module} failed to initialise ({reason}): check its configuration (for SoftHSM2: SOFTHSM2_CONF and its token directory)"
    )]
    ModuleInit {
        /// Its path.
        module: String,
        /// The return value.
        reason: String,
    },
    /// No token with that label.
    #[error("no token labelled \"{label}\" in the PKCS#11 module (tokens present: {present})")]
    TokenNotFound {
        /// The label looked for.
        label: String,
        /// The labels there are.
        present: String,
    },
    /// Wrong PIN (not retried).
    #[error(
        "the token \"{token}\" refused the PIN in TACHIAI_SEAL_PKCS11_PIN_FILE as wrong (not retried, so that the token does not lock)"
    )]
    WrongPin {
        /// The token label.
        token: String,
    },
    /// The PIN is locked.
    #[error(
        "the token \"{token}\" refused the login because its PIN is locked: ask its security officer to unlock it"
    )]
    PinLocked {
        /// The token label.
        token: String,
    },
    /// No private key with that label.
    #[error("no private key labelled \"{label}\" in the token \"{token}\"")]
    KeyNotFound {
        /// The token label.
        token: String,
        /// The key label.
        label: String,
    },
    /// No certificate with that label.
    #[error(
        "no certificate labelled \"{label}\" in the token \"{token}\": store it there with the key's label or set TACHIAI_SEAL_CERT"
    )]
    CertNotFound {
        /// The token label.
        token: String,
        /// The label.
        label: String,
    },
    /// Another token failure.
    #[error("the PKCS#11 token failed to {operation}: {reason}")]
    Token {
        /// What was being done.
        operation: &'static str,
        /// The return value.
        reason: String,
    },
    /// An algorithm or key size the service does not sign with.
    #[error("the seal key is not supported: {reason} (ECDSA P-256 or RSA of 2048 to 4096 bits)")]
    UnsupportedKey {
        /// Which.
        reason: String,
    },
    /// Past `notAfter`.
    #[error("the certificate \"{subject}\" expired on {not_after}")]
    Expired {
        /// Its subject.
        subject: String,
        /// RFC 3339.
        not_after: String,
    },
    /// Before `notBefore`.
    #[error("the certificate \"{subject}\" is not valid before {not_before}")]
    NotYetValid {
        /// Its subject.
        subject: String,
        /// RFC 3339.
        not_before: String,
    },
    /// The key does not belong to the certificate.
    #[error(
        "the seal key does not match its certificate \"{subject}\": a probe signature does not verify with the certificate's public key"
    )]
    KeyMismatch {
        /// The certificate's subject.
        subject: String,
    },
    /// The key could not sign the probe.
    #[error("the seal key could not sign a probe message: {reason}")]
    SigningFailed {
        /// Why.
        reason: String,
    },
    /// Key usage without digitalSignature and nonRepudiation.
    #[error(
        "the certificate \"{subject}\" is not for signatures: its key usage has neither digitalSignature nor nonRepudiation"
    )]
    NoSigningUsage {
        /// Its subject.
        subject: String,
    },
    /// The chain does not lead to the certificate.
    #[error("the chain does not lead to the certificate \"{subject}\": {reason}")]
    ChainBroken {
        /// The certificate whose issuer is missing or whose signature fails.
        subject: String,
        /// Which.
        reason: String,
    },
}

impl SealKeyError {
    /// The CLI's exit status: 2 for configuration, 3 for refused key material.
    pub fn exit_code(&self) -> i32 {
        match self {
            SealKeyError::SettingsConflict { .. }
            | SealKeyError::SettingMissing { .. }
            | SealKeyError::SettingUnused { .. }
            | SealKeyError::NoTsa
            | SealKeyError::ReadFile { .. }
            | SealKeyError::ModuleNotLoadable { .. }
            | SealKeyError::ModuleInit { .. } => 2,
            _ => 3,
        }
    }

    /// The same sentence in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            SealKeyError::SettingsConflict { first, second } => format!(
                "{first} と {second} の両方で署名鍵が指定されています。PKCS#12・PEM・PKCS#11 のいずれか一つだけを設定してください。"
            ),
            SealKeyError::SettingMissing { missing, needed_by } => {
                format!("{needed_by} を設定するときは {missing} も設定してください。")
            }
            SealKeyError::SettingUnused { setting, used_with } => format!(
                "{setting} が設定されていますが、{used_with} では使われません。削除するか、対応する署名鍵を設定してください。"
            ),
            SealKeyError::NoTsa => "正式な署名鍵にはタイムスタンプ局が必要です。TACHIAI_TSA_URLS に RFC 3161 の URL を設定してください。".into(),
            SealKeyError::ReadFile {
                setting,
                path,
                reason,
            } => format!("{path}（{setting}）を読み込めません: {reason}"),
            SealKeyError::WrongPassword { path } => format!(
                "PKCS#12 ファイル {path} を開けません。TACHIAI_SEAL_P12_PASSWORD_FILE のパスワードが違います。"
            ),
            SealKeyError::Unusable { path, reason } => {
                format!("{path} は署名鍵・証明書として使えません: {reason}")
            }
            SealKeyError::ModuleNotLoadable { module, reason } => {
                format!("PKCS#11 モジュール {module} を読み込めません: {reason}")
            }
            SealKeyError::ModuleInit { module, reason } => format!(
                "PKCS#11 モジュール {module} の初期化に失敗しました（{reason}）。モジュールの設定（SoftHSM2 では SOFTHSM2_CONF とトークンのディレクトリ）を確認してください。"
            ),
            SealKeyError::TokenNotFound { label, present } => format!(
                "PKCS#11 モジュールにラベル「{label}」のトークンがありません（あるトークン: {present}）。"
            ),
            SealKeyError::WrongPin { token } => format!(
                "トークン「{token}」が TACHIAI_SEAL_PKCS11_PIN_FILE の PIN を誤りとして拒否しました（ロックを避けるため再試行しません）。"
            ),
            SealKeyError::PinLocked { token } => format!(
                "トークン「{token}」の PIN がロックされているためログインできません。セキュリティ管理者にロックの解除を依頼してください。"
            ),
            SealKeyError::KeyNotFound { token, label } => {
                format!("トークン「{token}」にラベル「{label}」の秘密鍵がありません。")
            }
            SealKeyError::CertNotFound { token, label } => format!(
                "トークン「{token}」にラベル「{label}」の証明書がありません。鍵と同じラベルで格納するか、TACHIAI_SEAL_CERT を設定してください。"
            ),
            SealKeyError::Token { operation, reason } => {
                format!("PKCS#11 トークンの操作（{operation}）に失敗しました: {reason}")
            }
            SealKeyError::UnsupportedKey { reason } => format!(
                "この署名鍵には対応していません: {reason}（ECDSA P-256 または 2048〜4096 ビットの RSA が使えます）"
            ),
            SealKeyError::Expired { subject, not_after } => {
                format!("証明書「{subject}」は {not_after} に有効期限が切れています。")
            }
            SealKeyError::NotYetValid {
                subject,
                not_before,
            } => format!("証明書「{subject}」は {not_before} まで有効になりません。"),
            SealKeyError::KeyMismatch { subject } => format!(
                "署名鍵が証明書「{subject}」と対応していません（試験署名が証明書の公開鍵で検証できません）。"
            ),
            SealKeyError::SigningFailed { reason } => {
                format!("署名鍵で試験署名ができませんでした: {reason}")
            }
            SealKeyError::NoSigningUsage { subject } => format!(
                "証明書「{subject}」は署名用ではありません（鍵用途に digitalSignature も nonRepudiation もありません）。"
            ),
            SealKeyError::ChainBroken { subject, reason } => format!(
                "証明書チェーンが証明書「{subject}」につながっていません: {reason}"
            ),
        }
    }
}

/// Reads a file named by `setting`.
pub(crate) fn read_file(setting: &'static str, path: &Path) -> Result<Vec<u8>, SealKeyError> {
    std::fs::read(path).map_err(|e| SealKeyError::ReadFile {
        setting,
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// A password or PIN file's content without its trailing line break.
pub(crate) fn read_secret(setting: &'static str, path: &Path) -> Result<String, SealKeyError> {
    let bytes = read_file(setting, path)?;
    let text = String::from_utf8(bytes).map_err(|_| SealKeyError::ReadFile {
        setting,
        path: path.display().to_string(),
        reason: "not UTF-8 text".into(),
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

/// PEM certificates from a file named by `setting` (one or more).
pub(crate) fn read_certificates(
    setting: &'static str,
    path: &Path,
) -> Result<Vec<Certificate>, SealKeyError> {
    let bytes = read_file(setting, path)?;
    let unusable = |reason: String| SealKeyError::Unusable {
        path: path.display().to_string(),
        reason,
    };
    if !bytes.starts_with(b"-----") && !bytes.trim_ascii_start().starts_with(b"-----") {
        return Certificate::from_der(&bytes)
            .map(|c| vec![c])
            .map_err(|e| unusable(format!("neither PEM nor a DER certificate ({e})")));
    }
    let certs = Certificate::load_pem_chain(&bytes)
        .map_err(|e| unusable(format!("PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(unusable("no certificate in the file".into()));
    }
    Ok(certs)
}

/// Opens the key `source` names and checks it as of `now` (see the module documentation). The
/// signer's [`Signer::chain`] is the checked path from the certificate's issuer up to its root
/// (the last one is the trust anchor: [`trust_anchor`]).
pub fn load(
    source: &SealKeySource,
    now: Millis,
) -> Result<Box<dyn Signer + Send + Sync>, SealKeyError> {
    let mut pool = match source.chain_file() {
        Some(path) => read_certificates("TACHIAI_SEAL_CHAIN", path)?,
        None => Vec::new(),
    };
    let inner: Box<dyn Signer + Send + Sync> = match source {
        SealKeySource::Pkcs12 {
            file,
            password_file,
            ..
        } => {
            let password = match password_file {
                Some(p) => read_secret("TACHIAI_SEAL_P12_PASSWORD_FILE", p)?,
                None => String::new(),
            };
            let der = read_file("TACHIAI_SEAL_P12", file)?;
            let signer = LocalKeySigner::from_pkcs12(&der, &password).map_err(|e| match e {
                PadesError::WrongPassword => SealKeyError::WrongPassword {
                    path: file.display().to_string(),
                },
                other => key_file_error(file, other),
            })?;
            pool.extend(signer.chain().iter().cloned());
            Box::new(signer)
        }
        SealKeySource::Pem { key, cert, .. } => {
            let key_pem = String::from_utf8(read_file("TACHIAI_SEAL_KEY", key)?).map_err(|_| {
                SealKeyError::Unusable {
                    path: key.display().to_string(),
                    reason: "not a PEM file".into(),
                }
            })?;
            // The certificate file may hold the chain after the certificate.
            let mut certs = read_certificates("TACHIAI_SEAL_CERT", cert)?;
            let leaf = certs.remove(0);
            pool.extend(certs);
            let leaf_pem = leaf
                .to_pem(LineEnding::LF)
                .map_err(|e| SealKeyError::Unusable {
                    path: cert.display().to_string(),
                    reason: e.to_string(),
                })?;
            let signer = LocalKeySigner::from_pem(&key_pem, &leaf_pem, "").map_err(|e| {
                match mismatch(&e) {
                    true => SealKeyError::KeyMismatch {
                        subject: subject(&leaf),
                    },
                    false => key_file_error(key, e),
                }
            })?;
            Box::new(signer)
        }
        SealKeySource::Pkcs11 { token, cert, .. } => {
            let certificate = match cert {
                Some(path) => {
                    let mut certs = read_certificates("TACHIAI_SEAL_CERT", path)?;
                    let leaf = certs.remove(0);
                    pool.extend(certs);
                    Some(leaf)
                }
                None => None,
            };
            Box::new(Pkcs11Signer::open(token, certificate)?)
        }
    };
    check(inner, pool, now)
}

/// Opens a key in a PKCS#11 token with its certificate and issuing CAs (the keyring's imported
/// references) and checks it as [`load`] does.
pub fn load_pkcs11(
    token: &Pkcs11Reference,
    certificate: Certificate,
    chain: Vec<Certificate>,
    now: Millis,
) -> Result<Box<dyn Signer + Send + Sync>, SealKeyError> {
    check(
        Box::new(Pkcs11Signer::open(token, Some(certificate))?),
        chain,
        now,
    )
}

/// The root the service's own verifier trusts for this seal: the top of its chain, or the
/// certificate itself when it is self-signed.
pub fn trust_anchor(signer: &dyn Signer) -> &Certificate {
    signer.chain().last().unwrap_or(signer.certificate())
}

fn mismatch(e: &PadesError) -> bool {
    // LocalKeySigner's refusals of a certificate that is not the key's.
    matches!(e, PadesError::Key { reason } if reason.contains("does not belong") || reason.contains("matches its key"))
}

fn key_file_error(path: &Path, e: PadesError) -> SealKeyError {
    match e {
        PadesError::Io { path, source } => SealKeyError::ReadFile {
            setting: "TACHIAI_SEAL_KEY",
            path,
            reason: source.to_string(),
        },
        e if mismatch(&e) => SealKeyError::KeyMismatch {
            subject: path.display().to_string(),
        },
        PadesError::Key { reason } => SealKeyError::Unusable {
            path: path.display().to_string(),
            reason,
        },
        other => SealKeyError::Unusable {
            path: path.display().to_string(),
            reason: other.to_string(),
        },
    }
}

pub(crate) fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

pub(crate) fn unix_ms(t: &x509_cert::time::Time) -> i64 {
    t.to_unix_duration().as_millis() as i64
}

fn check_validity(cert: &Certificate, now: Millis) -> Result<(), SealKeyError> {
    let validity = cert.tbs_certificate().validity();
    let (from, until) = (unix_ms(&validity.not_before), unix_ms(&validity.not_after));
    if now.0 < from {
        return Err(SealKeyError::NotYetValid {
            subject: subject(cert),
            not_before: clock::rfc3339(from),
        });
    }
    if now.0 > until {
        return Err(SealKeyError::Expired {
            subject: subject(cert),
            not_after: clock::rfc3339(until),
        });
    }
    Ok(())
}

fn check_usage(cert: &Certificate) -> Result<(), SealKeyError> {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        // No key usage extension: the key is not restricted (RFC 5280 §4.2.1.3).
        Ok(None) => Ok(()),
        Ok(Some((_, ku))) if ku.digital_signature() || ku.non_repudiation() => Ok(()),
        Ok(Some(_)) => Err(SealKeyError::NoSigningUsage {
            subject: subject(cert),
        }),
        Err(e) => Err(SealKeyError::Unusable {
            path: subject(cert),
            reason: format!("its key usage extension cannot be read ({e})"),
        }),
    }
}

fn check_key(signer: &dyn Signer, now: Millis) -> Result<(), SealKeyError> {
    let probe = format!("Tachiai seal key probe {}", now.0);
    let signature = signer
        .sign_raw(probe.as_bytes())
        .map_err(|e| SealKeyError::SigningFailed {
            reason: e.to_string(),
        })?;
    verify_with_certificate(
        signer.certificate(),
        &signer.algorithm().identifier(),
        probe.as_bytes(),
        &signature,
    )
    .map_err(|_| SealKeyError::KeyMismatch {
        subject: subject(signer.certificate()),
    })
}

fn self_issued(cert: &Certificate) -> bool {
    cert.tbs_certificate().subject() == cert.tbs_certificate().issuer()
}

fn check_signed_by(cert: &Certificate, issuer: &Certificate) -> Result<(), SealKeyError> {
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|e| SealKeyError::Unusable {
            path: subject(cert),
            reason: e.to_string(),
        })?;
    verify_with_certificate(
        issuer,
        cert.signature_algorithm(),
        &tbs,
        cert.signature().raw_bytes(),
    )
    .map_err(|e| SealKeyError::ChainBroken {
        subject: subject(cert),
        reason: format!(
            "its signature does not verify with the key of \"{}\" ({e})",
            subject(issuer)
        ),
    })
}

/// The path from `leaf`'s issuer up through `pool`, each signature and validity checked; ends
/// at a self-signed root or at the highest certificate given.
fn chain_path(
    leaf: &Certificate,
    mut pool: Vec<Certificate>,
    now: Millis,
) -> Result<Vec<Certificate>, SealKeyError> {
    pool.retain(|c| c != leaf);
    let mut path: Vec<Certificate> = Vec::new();
    let mut current = leaf.clone();
    for _ in 0..16 {
        if self_issued(&current) {
            check_signed_by(&current, &current)?;
            return Ok(path);
        }
        let issuer_name = current.tbs_certificate().issuer().clone();
        let Some(pos) = pool
            .iter()
            .position(|c| c.tbs_certificate().subject() == &issuer_name)
        else {
            if path.is_empty() {
                let reason = if pool.is_empty() {
                    format!(
                        "it is issued by \"{issuer_name}\", but no chain is given: set TACHIAI_SEAL_CHAIN to its CA certificates"
                    )
                } else {
                    format!("no certificate in the chain is its issuer \"{issuer_name}\"")
                };
                return Err(SealKeyError::ChainBroken {
                    subject: subject(leaf),
                    reason,
                });
            }
            // The chain stops below the root: its highest certificate is the anchor.
            return Ok(path);
        };
        let issuer = pool.swap_remove(pos);
        check_signed_by(&current, &issuer)?;
        check_validity(&issuer, now)?;
        path.push(issuer.clone());
        current = issuer;
    }
    Err(SealKeyError::ChainBroken {
        subject: subject(leaf),
        reason: "the chain is longer than 16 certificates".into(),
    })
}

/// A checked key: signs with the inner key, presents the checked chain.
struct CheckedSigner {
    inner: Box<dyn Signer + Send + Sync>,
    chain: Vec<Certificate>,
}

impl Signer for CheckedSigner {
    fn certificate(&self) -> &Certificate {
        self.inner.certificate()
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }

    fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, PadesError> {
        self.inner.sign_raw(message)
    }

    fn max_signature_len(&self) -> usize {
        self.inner.max_signature_len()
    }
}

/// Checks an opened key as [`load`] does: its certificate (validity, key usage, the chain from
/// `pool`) and that the key is the certificate's. The keyring's imported keys go through here too.
pub fn check(
    inner: Box<dyn Signer + Send + Sync>,
    pool: Vec<Certificate>,
    now: Millis,
) -> Result<Box<dyn Signer + Send + Sync>, SealKeyError> {
    let leaf = inner.certificate().clone();
    check_validity(&leaf, now)?;
    check_usage(&leaf)?;
    check_key(inner.as_ref(), now)?;
    let chain = chain_path(&leaf, pool, now)?;
    Ok(Box::new(CheckedSigner { inner, chain }))
}

/// The certificate checks of [`check`] without a key (a PKCS#11 reference registered before its
/// token is reachable): validity, key usage and the chain from `pool`.
pub fn check_certificate(
    leaf: &Certificate,
    pool: Vec<Certificate>,
    now: Millis,
) -> Result<(), SealKeyError> {
    check_validity(leaf, now)?;
    check_usage(leaf)?;
    chain_path(leaf, pool, now).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Option<SealKeySource>, SealKeyError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SealKeySource::from_settings(&|k| map.get(k).cloned())
    }

    #[test]
    fn settings_name_one_source_completely() {
        assert_eq!(settings(&[]).unwrap(), None);
        let p11 = settings(&[
            ("seal_pkcs11_module", "/usr/lib/softhsm/libsofthsm2.so"),
            ("seal_pkcs11_token_label", "tachiai-seal"),
            ("seal_pkcs11_key_label", "seal-ec"),
            ("seal_pkcs11_pin_file", "/etc/tachiai/pin"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(p11.kind(), "pkcs11");
        assert!(p11.describe().contains("certificate from the token"));
        let conflict = settings(&[("seal_p12", "a.p12"), ("seal_key", "k.pem")]).unwrap_err();
        assert_eq!(conflict.exit_code(), 2);
        assert!(
            conflict
                .to_string()
                .contains("TACHIAI_SEAL_P12 and TACHIAI_SEAL_KEY")
        );
        let missing = settings(&[("seal_key", "k.pem")]).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "TACHIAI_SEAL_CERT must be set together with TACHIAI_SEAL_KEY"
        );
        let pin = settings(&[
            ("seal_pkcs11_module", "m.so"),
            ("seal_pkcs11_token_label", "t"),
            ("seal_pkcs11_key_label", "k"),
        ])
        .unwrap_err();
        assert!(
            pin.to_string().starts_with("TACHIAI_SEAL_PKCS11_PIN_FILE"),
            "{pin}"
        );
        let stray = settings(&[("seal_chain", "chain.pem")]).unwrap_err();
        assert!(
            matches!(stray, SealKeyError::SettingUnused { .. }),
            "{stray}"
        );
        assert!(!stray.message_ja().is_empty());
    }

    /// The development PKI's files as a PEM seal: accepted now, refused in its ways otherwise.
    #[test]
    fn the_checks_refuse_each_bad_key_with_its_sentence() {
        let dir = std::env::temp_dir().join(format!("tachiai-keysrc-{}", uuid::Uuid::new_v4()));
        pades::DevPki::generate(&dir, &pades::DevPkiOptions::default()).unwrap();
        let f = |n: &str| dir.join(n);
        let pem = |key: &str, cert: &str, chain: Option<&str>| SealKeySource::Pem {
            key: f(key),
            cert: f(cert),
            chain: chain.map(f),
        };
        let now = Millis::now();
        let good = load(&pem("seal.key", "seal.pem", Some("chain.pem")), now).unwrap();
        assert_eq!(good.chain().len(), 2);
        assert!(subject(trust_anchor(good.as_ref())).contains("ルートCA"));
        let year = 365 * 86_400_000;
        let err = |s: SealKeySource, at: Millis| load(&s, at).err().expect("refused");
        let e = err(
            pem("seal.key", "seal.pem", Some("chain.pem")),
            Millis(now.0 + 4 * year),
        );
        assert!(matches!(e, SealKeyError::Expired { .. }), "{e}");
        assert_eq!(e.exit_code(), 3);
        let e = err(
            pem("seal.key", "seal.pem", Some("chain.pem")),
            Millis(now.0 - year),
        );
        assert!(matches!(e, SealKeyError::NotYetValid { .. }), "{e}");
        let e = err(pem("tsa.key", "seal.pem", Some("chain.pem")), now);
        assert!(matches!(e, SealKeyError::KeyMismatch { .. }), "{e}");
        let e = err(pem("seal.key", "seal.pem", Some("root-ca.pem")), now);
        assert!(matches!(e, SealKeyError::ChainBroken { .. }), "{e}");
        let e = err(pem("seal.key", "seal.pem", None), now);
        assert!(e.to_string().contains("no chain is given"), "{e}");
        let e = err(pem("root-ca.key", "root-ca.pem", None), now);
        assert!(matches!(e, SealKeyError::NoSigningUsage { .. }), "{e}");
        let e = err(pem("seal.key", "missing.pem", None), now);
        assert!(matches!(e, SealKeyError::ReadFile { .. }), "{e}");
        assert_eq!(e.exit_code(), 2);
        // A chain whose intermediate is signed by another root: the signature check refuses it.
        let other = dir.join("other");
        pades::DevPki::generate(&other, &pades::DevPkiOptions::default()).unwrap();
        let mixed = format!(
            "{}{}",
            std::fs::read_to_string(f("intermediate-ca.pem")).unwrap(),
            std::fs::read_to_string(other.join("root-ca.pem")).unwrap()
        );
        std::fs::write(f("mixed.pem"), mixed).unwrap();
        let e = err(pem("seal.key", "seal.pem", Some("mixed.pem")), now);
        assert!(
            e.to_string().contains("does not verify with the key of"),
            "{e}"
        );
        assert!(
            e.message_ja().contains("証明書チェーン"),
            "{}",
            e.message_ja()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
