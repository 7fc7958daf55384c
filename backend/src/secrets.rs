//! Keys the service keeps outside its database, and secrets sealed with them at rest.
//!
//! A key is 32 random bytes. It comes from the environment (base64, e.g. `TACHIAI_SECRET_KEY`)
//! or, when that is unset, from `<data_dir>/<name>.key`, which is created with mode 0600 on
//! first use ([`load_or_create_key`]). A stolen database alone then reveals no sealed secret.
//!
//! [`KeyRing`] seals short secrets (TOTP seeds) with AES-256-GCM as
//! `enc1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, bound by associated data to what
//! they belong to (e.g. `totp:<user id>`, so a sealed value copied to another row does not
//! open). The key id (8 hex digits of the key's SHA-256) lets a previous key still open old
//! values while everything is sealed again under the current one ([`KeyRing::needs_reseal`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use sha2::{Digest, Sha256};

/// The prefix of a sealed value (and its format version).
const SEALED_PREFIX: &str = "enc1:";
/// AES-GCM nonce length.
const NONCE_LEN: usize = 12;

/// A 32-byte key and its public id.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; 32],
    id: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.id)
    }
}

impl SecretKey {
    /// Wraps raw key bytes.
    pub fn new(bytes: [u8; 32]) -> SecretKey {
        let id = data_encoding::HEXLOWER.encode(&Sha256::digest(bytes)[..4]);
        SecretKey { bytes, id }
    }

    /// Parses 64 hexadecimal digits, or base64 (standard or URL-safe, padding optional), of
    /// exactly 32 bytes.
    pub fn parse(text: &str) -> anyhow::Result<SecretKey> {
        let text = text.trim();
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let bytes = data_encoding::HEXLOWER_PERMISSIVE
                .decode(text.as_bytes())
                .context("a key must be hexadecimal or base64")?;
            let bytes: [u8; 32] = bytes.try_into().expect("64 hex digits are 32 bytes");
            return Ok(SecretKey::new(bytes));
        }
        let decoded = [
            &data_encoding::BASE64,
            &data_encoding::BASE64_NOPAD,
            &data_encoding::BASE64URL,
            &data_encoding::BASE64URL_NOPAD,
        ]
        .iter()
        .find_map(|e| e.decode(text.as_bytes()).ok())
        .context("a key must be base64")?;
        let bytes: [u8; 32] = decoded
            .try_into()
            .map_err(|v: Vec<u8>| anyhow::anyhow!("a key must be 32 bytes, not {}", v.len()))?;
        Ok(SecretKey::new(bytes))
    }

    /// A new random key.
    pub fn generate() -> SecretKey {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source is available");
        SecretKey::new(bytes)
    }

    /// The raw bytes (e.g. an HMAC key).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// 8 hex digits naming the key; stored next to what it sealed. Not secret.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key as base64, as key files and `TACHIAI_SECRET_KEY` hold it.
    pub fn to_base64(&self) -> String {
        data_encoding::BASE64.encode(&self.bytes)
    }
}

/// The file a named key lives in.
pub fn key_path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join(format!("{name}.key"))
}

/// The key `name` if it exists: from `configured` (hex or base64) when given, else from
/// `<data_dir>/<name>.key`; `None` when there is no such file. For readers that must not make
/// up a key (a verifier would then fail against it).
pub fn load_key(
    data_dir: &Path,
    name: &str,
    configured: Option<&str>,
) -> anyhow::Result<Option<SecretKey>> {
    if let Some(text) = configured {
        return SecretKey::parse(text)
            .with_context(|| format!("the configured key `{name}`"))
            .map(Some);
    }
    let path = key_path(data_dir, name);
    match std::fs::read_to_string(&path) {
        Ok(text) => SecretKey::parse(&text)
            .with_context(|| format!("key file {}", path.display()))
            .map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The key `name` as [`load_key`] finds it, or a new one in `<data_dir>/<name>.key`, created
/// (mode 0600, atomically, so that several processes starting at once agree on one key).
pub fn load_or_create_key(
    data_dir: &Path,
    name: &str,
    configured: Option<&str>,
) -> anyhow::Result<SecretKey> {
    if let Some(key) = load_key(data_dir, name, configured)? {
        return Ok(key);
    }
    let path = key_path(data_dir, name);
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let key = SecretKey::generate();
    // Written whole to a private temporary file, then linked into place: a concurrent
    // starter either wins the link or reads the winner's complete file.
    let tmp = data_dir.join(format!(".{name}.key.{}", uuid::Uuid::new_v4().simple()));
    let written = (|| -> std::io::Result<()> {
        let mut f = private_file(&tmp)?;
        writeln!(f, "{}", key.to_base64())?;
        f.sync_all()
    })();
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            SecretKey::parse(&text).with_context(|| format!("key file {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Sealed with a key that is neither the current nor the previous one.
    #[error("sealed with unknown key {0}")]
    UnknownKey(String),
    /// Not a sealed value, or altered, or sealed for another purpose.
    #[error("the sealed value is damaged or belongs elsewhere")]
    Damaged,
}

/// The current key (seals and opens) and optionally the previous one (opens only, during a
/// rotation).
#[derive(Debug, Clone)]
pub struct KeyRing {
    current: SecretKey,
    previous: Option<SecretKey>,
}

/// The name of the key that seals stored secrets (`<data_dir>/secret.key` when
/// `TACHIAI_SECRET_KEY` is unset).
pub const SECRET_KEY_NAME: &str = "secret";

impl KeyRing {
    /// A ring of `current` and, while rotating, `previous`.
    pub fn new(current: SecretKey, previous: Option<SecretKey>) -> KeyRing {
        KeyRing { current, previous }
    }

    /// The ring the configuration names: `secret_key` (else the key file) and
    /// `secret_key_previous`.
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<KeyRing> {
        let current = load_or_create_key(
            &config.data_dir,
            SECRET_KEY_NAME,
            config.secret_key.as_deref(),
        )?;
        let previous = config
            .secret_key_previous
            .as_deref()
            .map(SecretKey::parse)
            .transpose()
            .context("setting `secret_key_previous`")?;
        Ok(KeyRing::new(current, previous))
    }

    /// The current key.
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// Seals `plaintext` for `purpose` (associated data) under the current key.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let cipher = Aes256Gcm::new(&self.current.bytes.into());
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts any short message");
        let mut body = nonce.to_vec();
        body.extend(sealed);
        format!(
            "{SEALED_PREFIX}{}:{}",
            self.current.id,
            data_encoding::BASE64URL_NOPAD.encode(&body)
        )
    }

    /// Opens a value [`KeyRing::seal`] made for `purpose`, with whichever ring key sealed it.
    pub fn open(&self, purpose: &str, stored: &str) -> Result<Vec<u8>, OpenError> {
        let rest = stored
            .strip_prefix(SEALED_PREFIX)
            .ok_or(OpenError::Damaged)?;
        let (id, body) = rest.split_once(':').ok_or(OpenError::Damaged)?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let body = data_encoding::BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| OpenError::Damaged)?;
        if body.len() < NONCE_LEN {
            return Err(OpenError::Damaged);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Damaged)?;
        Aes256Gcm::new(&key.bytes.into())
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Damaged)
    }

    /// Whether a sealed value is under the current key (not plain text, not an old key).
    pub fn needs_reseal(&self, stored: &str) -> bool {
        !is_sealed(stored)
            || !stored[SEALED_PREFIX.len()..].starts_with(&format!("{}:", self.current.id))
    }
}

/// Whether `stored` is a sealed value rather than plain text from before encryption.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_purpose_and_key() {
        let old = SecretKey::generate();
        let new = SecretKey::generate();
        let before = KeyRing::new(old.clone(), None);
        let sealed = before.seal("totp:a", b"JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(before.open("totp:a", &sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(matches!(
            before.open("totp:b", &sealed),
            Err(OpenError::Damaged)
        ));
        assert_ne!(
            sealed,
            before.seal("totp:a", b"JBSWY3DPEHPK3PXP"),
            "fresh nonce"
        );

        let rotating = KeyRing::new(new.clone(), Some(old));
        assert!(rotating.needs_reseal(&sealed));
        assert_eq!(
            rotating.open("totp:a", &sealed).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        let resealed = rotating.seal("totp:a", b"JBSWY3DPEHPK3PXP");
        assert!(!rotating.needs_reseal(&resealed));
        assert!(matches!(
            KeyRing::new(new, None).open("totp:a", &sealed),
            Err(OpenError::UnknownKey(_))
        ));
        assert!(before.needs_reseal("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn a_key_file_is_created_once_private_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("tachiai-key-{}", uuid::Uuid::new_v4()));
        let first = load_or_create_key(&dir, "audit", None).unwrap();
        let again = load_or_create_key(&dir, "audit", None).unwrap();
        assert_eq!(first.bytes(), again.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_path(&dir, "audit"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = SecretKey::generate();
        let chosen = load_or_create_key(&dir, "audit", Some(&configured.to_base64())).unwrap();
        assert_eq!(chosen.bytes(), configured.bytes());
        assert!(load_or_create_key(&dir, "x", Some("c2hvcnQ=")).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
