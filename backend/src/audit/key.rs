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
use sha2::Sha256;

use crate::secrets::{self, SecretKey};

/// The key's name in the data directory (`audit.key`).
pub const KEY_NAME: &str = "audit";

/// A secret key for HMAC-SHA256 and its public id (stored with every event it signs). Loaded
/// and created by [`crate::secrets`], like every other key of the service.
#[derive(Clone)]
pub struct AuditKey(SecretKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

impl AuditKey {
    /// A key from its 64 hexadecimal characters (or base64).
    pub fn from_hex(text: &str) -> Option<AuditKey> {
        SecretKey::parse(text).ok().map(AuditKey)
    }

    /// A fresh random key.
    pub fn generate() -> AuditKey {
        AuditKey(SecretKey::generate())
    }

    /// The key as 64 hexadecimal characters.
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(self.0.bytes())
    }

    /// The public id stored in `audit_events.key_id`.
    pub fn id(&self) -> &str {
        self.0.id()
    }

    /// HMAC-SHA256 of `message`, lower-case hex.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.bytes())
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
        if create {
            let existed = path.exists();
            let key = secrets::load_or_create_key(data_dir, KEY_NAME, None)?;
            if !existed {
                tracing::info!(path = %path.display(), key_id = key.id(), "created the audit key; back it up");
            }
            return Ok(AuditKey(key));
        }
        match secrets::load_key(data_dir, KEY_NAME, None)? {
            Some(key) => Ok(AuditKey(key)),
            None => bail!(
                "the audit key is missing: set TACHIAI_AUDIT_KEY or restore {} from the backup",
                path.display()
            ),
        }
    }
}

/// `<data_dir>/audit.key`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    secrets::key_path(data_dir, KEY_NAME)
}

static KEY: OnceLock<AuditKey> = OnceLock::new();

/// Makes `key` the process's signing key. The first key stays: a process that opened a second
/// data directory (tests) keeps signing with the first, and is told.
pub fn install(key: AuditKey) -> &'static AuditKey {
    let id = key.id().to_owned();
    let current = KEY.get_or_init(|| key);
    if current.id() != id {
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
