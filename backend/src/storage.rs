//! Content-addressed file storage: every uploaded or sealed file is kept once, under its SHA-256,
//! in `<data_dir>/blobs/ab/abcdef…`. Files are immutable; a write goes to a temporary file in the
//! same directory and is renamed into place only when complete and hashed, so a crash never
//! leaves a partial blob under a real name. Downloads are byte-exact.
//!
//! A writer holds an exclusive advisory lock on its temporary file until it is renamed, so the
//! temporary files of a process that died (`kill -9`, power loss) are told from those still being
//! written, by this or another server on the same data directory, and removed
//! ([`BlobStore::remove_abandoned_temp_files`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Copies `input` to `out` in pieces, hashing as it goes: (SHA-256 hex, size). For archives,
/// backups and checks of files that need not fit in memory.
pub fn hashing_copy(mut input: impl Read, mut out: impl Write) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        size += n as u64;
    }
    Ok((data_encoding::HEXLOWER.encode(&hasher.finalize()), size))
}

/// SHA-256 hex and size of what `input` yields.
pub fn hash_reader(input: impl Read) -> std::io::Result<(String, u64)> {
    hashing_copy(input, std::io::sink())
}

/// A stored file's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Why a file could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The input was larger than allowed; nothing was kept.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// No blob with that hash (or a malformed hash).
    #[error("no stored file {0}")]
    NotFound(String),
    /// The stored bytes no longer match their hash: the storage was tampered with or damaged.
    #[error("stored file {0} does not match its SHA-256")]
    Corrupt(String),
    /// The file system failed.
    #[error("storage I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> BlobStore {
        BlobStore { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores what `input` yields, up to `limit` bytes, hashing as it goes.
    pub fn put_reader(&self, mut input: impl Read, limit: u64) -> Result<StoredBlob, StorageError> {
        let tmp_dir = self.root.join("tmp");
        crate::private_fs::create_dir(&tmp_dir)?;
        let tmp = tmp_dir.join(uuid::Uuid::new_v4().to_string());
        let result = (|| {
            let mut file = create_locked(&tmp)?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                if size > limit {
                    return Err(StorageError::TooLarge { limit });
                }
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n])?;
            }
            file.sync_all()?;
            let sha256 = data_encoding::HEXLOWER.encode(&hasher.finalize());
            let target = self
                .path_of(&sha256)
                .expect("a SHA-256 hex is a valid name");
            crate::private_fs::create_dir(target.parent().expect("blob paths have a parent"))?;
            if target.exists() {
                std::fs::remove_file(&tmp)?;
            } else {
                std::fs::rename(&tmp, &target)?;
            }
            Ok(StoredBlob { sha256, size })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Removes the temporary files whose writer is gone (no process holds their lock): what a
    /// killed write left behind. Returns how many were removed.
    pub fn remove_abandoned_temp_files(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(self.root.join("tmp")) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry?.path();
            // Gone already (renamed into place or removed by its writer): nothing to do.
            let Ok(file) = std::fs::File::open(&path) else {
                continue;
            };
            if file.try_lock().is_ok() {
                match std::fs::remove_file(&path) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(removed)
    }

    /// Stores `bytes`.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredBlob, StorageError> {
        self.put_reader(bytes, u64::MAX)
    }

    /// The path of a stored blob, for streaming it out.
    pub fn path(&self, sha256: &str) -> Result<PathBuf, StorageError> {
        self.path_of(sha256)
            .filter(|p| p.is_file())
            .ok_or_else(|| StorageError::NotFound(sha256.to_owned()))
    }

    /// Reads a blob whole and checks it against its hash.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, StorageError> {
        let bytes = std::fs::read(self.path(sha256)?)?;
        let actual = data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes));
        if actual != sha256 {
            return Err(StorageError::Corrupt(sha256.to_owned()));
        }
        Ok(bytes)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a file can be written, synced and removed where blobs are written (the
    /// readiness check): a full or read-only disk fails here before an upload does.
    pub fn check_writable(&self) -> std::io::Result<()> {
        let tmp_dir = self.root.join("tmp");
        crate::private_fs::create_dir(&tmp_dir)?;
        let probe = tmp_dir.join(format!("ready-{}", uuid::Uuid::new_v4()));
        let written = (|| {
            let mut file = create_locked(&probe)?;
            file.write_all(b"ready")?;
            file.sync_all()
        })();
        let removed = std::fs::remove_file(&probe);
        written.and(removed)
    }
}

/// Creates `path` (mode 0600) and takes its exclusive lock. A sweeper may have removed the file
/// between the two steps (it found it unlocked): then the lock is on a file no longer at
/// `path`, and a fresh one is made.
fn create_locked(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::MetadataExt;
    loop {
        let file = crate::private_fs::create_file(path)?;
        file.lock()?;
        let held = file.metadata()?;
        match std::fs::metadata(path) {
            Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => return Ok(file),
            Ok(_) => return Err(std::io::Error::other("temporary blob name taken twice")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> BlobStore {
        BlobStore::new(std::env::temp_dir().join(format!("tachiai-blobs-{}", uuid::Uuid::new_v4())))
    }

    #[test]
    fn stores_once_reads_back_and_refuses_bad_names() {
        let s = store();
        let a = s.put(b"%PDF-1.7 hello").unwrap();
        let b = s.put(b"%PDF-1.7 hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.size, 14);
        assert_eq!(s.read(&a.sha256).unwrap(), b"%PDF-1.7 hello");
        assert!(matches!(
            s.read("../etc/passwd"),
            Err(StorageError::NotFound(_))
        ));
        assert!(matches!(
            s.read(&"0".repeat(64)),
            Err(StorageError::NotFound(_))
        ));
        std::fs::remove_dir_all(s.root()).unwrap();
    }

    #[test]
    fn too_large_keeps_nothing() {
        let s = store();
        let err = s.put_reader(&[7u8; 1000][..], 999).unwrap_err();
        assert!(matches!(err, StorageError::TooLarge { limit: 999 }));
        assert_eq!(std::fs::read_dir(s.root().join("tmp")).unwrap().count(), 0);
        std::fs::remove_dir_all(s.root()).unwrap();
    }

    #[test]
    fn detects_a_changed_blob() {
        let s = store();
        let a = s.put(b"original").unwrap();
        std::fs::write(s.path(&a.sha256).unwrap(), b"changed!").unwrap();
        assert!(matches!(s.read(&a.sha256), Err(StorageError::Corrupt(_))));
        std::fs::remove_dir_all(s.root()).unwrap();
    }

    #[test]
    fn only_the_temp_files_of_dead_writers_are_removed() {
        let s = store();
        s.put(b"first").unwrap();
        let tmp = s.root().join("tmp");
        // A writer that died: its file is there, nobody holds its lock.
        std::fs::write(tmp.join("abandoned"), b"half").unwrap();
        // A writer still at work.
        let live = create_locked(&tmp.join("live")).unwrap();
        assert_eq!(s.remove_abandoned_temp_files().unwrap(), 1);
        assert!(!tmp.join("abandoned").exists());
        assert!(tmp.join("live").exists());
        drop(live);
        assert_eq!(s.remove_abandoned_temp_files().unwrap(), 1);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
        std::fs::remove_dir_all(s.root()).unwrap();
    }
}
