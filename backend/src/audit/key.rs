//! The audit chain's HMAC key. It lives outside the database (`TACHIAI_AUDIT_KEY`, or the file
//! `<data_dir>/audit.key` that the first start creates, mode 0600), so someone who can write the
//! database but not read the key cannot recompute a chain that verifies.
//!
//! A server process has one key: [`install`] sets it at start-up, and `audit::record` signs
//! every new event with it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, bail};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "audit.key";

/// Bytes of key material.
const KEY_BYTES: usize = 32;

/// A secret key for HMAC-SHA256 and its public id (stored with every event it signs).
#[derive(Clone)]
pub struct AuditKey {
    secret: [u8; KEY_BYTES],
    id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

impl AuditKey {
    /// A key from its 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Option<AuditKey> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .ok()?;
        let secret: [u8; KEY_BYTES] = bytes.try_into().ok()?;
        Some(AuditKey::from_secret(secret))
    }

    fn from_secret(secret: [u8; KEY_BYTES]) -> AuditKey {
        // The id names the key without revealing it: a hash of a label and the key.
        let digest = Sha256::new()
            .chain_update(b"tachiai-audit-key-id\0")
            .chain_update(secret)
            .finalize();
        AuditKey {
            secret,
            id: data_encoding::HEXLOWER.encode(&digest[..8]),
        }
    }

    /// A fresh random key.
    pub fn generate() -> AuditKey {
        let mut secret = [0u8; KEY_BYTES];
        getrandom::fill(&mut secret).expect("the OS random source is available");
        AuditKey::from_secret(secret)
    }

    /// The key as 64 hexadecimal characters (what the key file holds).
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.secret)
    }

    /// The public id stored in `audit_events.key_id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 of `message`, lower-case hex.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .expect("HMAC takes any key length");
        mac.update(message);
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }

    /// The configured key: `TACHIAI_AUDIT_KEY` (`configured`) when set, else the key file in
    /// `data_dir`, which is created when missing and `create` is true (the server and the
    /// commands that write events) — never by `tachiai audit verify`, which must not make up
    /// a key that then fails to match.
    pub fn load(
        configured: Option<&str>,
        data_dir: &Path,
        create: bool,
    ) -> anyhow::Result<AuditKey> {
        if let Some(text) = configured {
            return AuditKey::from_hex(text)
                .context("TACHIAI_AUDIT_KEY must be 64 hexadecimal characters (a 32-byte key)");
        }
        let path = key_path(data_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => AuditKey::from_hex(&text).with_context(|| {
                format!(
                    "the audit key file {} is damaged: it must hold 64 hexadecimal characters",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => create_key_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "the audit key is missing: set TACHIAI_AUDIT_KEY or restore {} from the backup",
                path.display()
            ),
            Err(e) => {
                Err(e).with_context(|| format!("cannot read the audit key {}", path.display()))
            }
        }
    }
}

/// `<data_dir>/audit.key`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// Writes a new key file readable by its owner only; never overwrites one.
fn create_key_file(path: &Path) -> anyhow::Result<AuditKey> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let key = AuditKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the audit key {}", path.display()))?;
    writeln!(file, "{}", key.to_hex())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the audit key {}", path.display()))?;
    tracing::info!(path = %path.display(), key_id = key.id(), "created the audit key; back it up");
    Ok(key)
}

static KEY: OnceLock<AuditKey> = OnceLock::new();

/// Makes `key` the process's signing key. The first key stays: a process that opened a second
/// data directory (tests) keeps signing with the first, and is told.
pub fn install(key: AuditKey) -> &'static AuditKey {
    let id = key.id.clone();
    let current = KEY.get_or_init(|| key);
    if current.id != id {
        tracing::warn!(
            in_use = current.id(),
            ignored = id,
            "a second audit key was configured in this process; the first stays in use"
        );
    }
    current
}

/// The signing key. Start-up installs it before any event is written; a process that never
/// did (unit tests) gets a random key of its own, so its events verify only within it.
pub fn current() -> &'static AuditKey {
    KEY.get_or_init(|| {
        tracing::warn!("no audit key installed; signing with a random key of this process");
        AuditKey::generate()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_owner_only_and_read_back() {
        let dir = std::env::temp_dir().join(format!("tachiai-key-{}", uuid::Uuid::new_v4()));
        let missing = AuditKey::load(None, &dir, false).unwrap_err().to_string();
        assert!(missing.starts_with("the audit key is missing"), "{missing}");
        let created = AuditKey::load(None, &dir, true).unwrap();
        let again = AuditKey::load(None, &dir, true).unwrap();
        assert_eq!(created.id(), again.id());
        assert_eq!(created.sign(b"x"), again.sign(b"x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_path(&dir))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_environment_key_wins_and_must_be_32_bytes() {
        let hex = "11".repeat(32);
        let key = AuditKey::load(Some(&hex), Path::new("/nonexistent"), false).unwrap();
        assert_eq!(key.to_hex(), hex);
        assert_ne!(key.id(), AuditKey::generate().id());
        let short = AuditKey::load(Some("abcd"), Path::new("/nonexistent"), false).unwrap_err();
        assert!(short.to_string().contains("64 hexadecimal characters"));
    }
}
