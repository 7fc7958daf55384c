//! Content-addressed file storage: every uploaded or sealed file is kept once, under its SHA-256.
//! Two backends behind one [`BlobStore`], chosen by the setting `blob_store`:
//!
//! - **local** (default): `<data_dir>/blobs/ab/abcdef…`. A write goes to a temporary file in the
//!   same directory and is renamed into place only when complete and hashed, so a crash never
//!   leaves a partial blob under a real name.
//! - **S3** (`s3://bucket/prefix`, [`s3`]): objects `<prefix>/ab/abcdef…` in an S3-compatible
//!   bucket, so several servers share the files. A write is first spooled to a private
//!   temporary file while it is hashed (the key is the hash, known only at the end), then
//!   uploaded under its real key, in one `PUT` or as a multipart upload; S3 makes an object
//!   visible only when its `PUT` or the multipart completion succeeds, and a failed multipart
//!   upload is aborted, so no half-written object ever appears under a real key.
//!
//! Files are immutable and downloads byte-exact; every read is checked against the hash
//! ([`StorageError::Corrupt`] when the bytes differ).
//!
//! A writer holds an exclusive advisory lock on its temporary file until it is renamed or
//! removed, so the temporary files of a process that died (`kill -9`, power loss) are told from
//! those still being written, by this or another server on the same directory, and removed
//! ([`BlobStore::remove_abandoned_temp_files`]).

pub mod s3;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// The S3 service failed or refused (unreachable, credentials, HTTP error).
    #[error("S3 storage: {0}")]
    Remote(String),
}

/// Where the blobs are kept (setting `blob_store`).
#[derive(Debug, Clone, Default)]
pub enum BlobStoreConfig {
    /// `<data_dir>/blobs` (the setting unset).
    #[default]
    Local,
    /// An S3-compatible bucket (`s3://bucket/prefix`).
    S3(s3::S3Config),
}

/// The blob store: a local directory or an S3 bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    /// The directory holding `ab/abcdef…` and `tmp/`.
    Local(PathBuf),
    /// The bucket; temporary files in its spool directory.
    S3(Arc<s3::S3Store>),
}

/// Whether `sha256` is a SHA-256 in lower-case hex (the only names there are).
pub fn is_sha256_hex(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BlobStore {
    /// A local store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> BlobStore {
        BlobStore {
            backend: Backend::Local(root.into()),
        }
    }

    /// The store the configuration names (`blob_store`): the local directory
    /// `<data_dir>/blobs`, or the S3 bucket, whose reachability and credentials are checked
    /// here (an error names the setting to fix).
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<BlobStore> {
        Ok(match &config.blob_store {
            BlobStoreConfig::Local => BlobStore::new(config.data_dir.join("blobs")),
            BlobStoreConfig::S3(s3) => BlobStore {
                backend: Backend::S3(Arc::new(s3::S3Store::connect(
                    s3,
                    config.data_dir.join("s3-spool"),
                )?)),
            },
        })
    }

    /// The directory of temporary files: writes in progress, files fetched for local work.
    pub fn temp_dir(&self) -> PathBuf {
        match &self.backend {
            Backend::Local(root) => root.join("tmp"),
            Backend::S3(s3) => s3.spool().to_owned(),
        }
    }

    /// The root directory of a local store (`None` for S3).
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(root) => Some(root),
            Backend::S3(_) => None,
        }
    }

    fn path_of(root: &Path, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| root.join(&sha256[..2]).join(sha256))
    }

    /// Stores what `input` yields, up to `limit` bytes, hashing as it goes.
    pub fn put_reader(&self, input: impl Read, limit: u64) -> Result<StoredBlob, StorageError> {
        let temp = TempFile::create(&self.temp_dir())?;
        let result = (|| {
            let stored = spool(input, &temp.file, limit)?;
            match &self.backend {
                Backend::Local(root) => {
                    let target =
                        Self::path_of(root, &stored.sha256).expect("a SHA-256 hex is a valid name");
                    crate::private_fs::create_dir(
                        target.parent().expect("blob paths have a parent"),
                    )?;
                    if !target.exists() {
                        std::fs::rename(&temp.path, &target)?;
                    }
                }
                Backend::S3(s3) => {
                    if !s3.exists(&stored.sha256)? {
                        // The spool file was opened for writing only.
                        let spooled = std::fs::File::open(&temp.path)?;
                        s3.upload(&stored.sha256, &spooled, stored.size)?;
                    }
                }
            }
            Ok(stored)
        })();
        drop(temp);
        result
    }

    /// Removes the temporary files whose writer is gone (no process holds their lock): what a
    /// killed write left behind. Returns how many were removed.
    pub fn remove_abandoned_temp_files(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(self.temp_dir()) {
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

    /// Whether a blob is stored.
    pub fn exists(&self, sha256: &str) -> Result<bool, StorageError> {
        if !is_sha256_hex(sha256) {
            return Ok(false);
        }
        match &self.backend {
            Backend::Local(root) => Ok(Self::path_of(root, sha256).is_some_and(|p| p.is_file())),
            Backend::S3(s3) => s3.exists(sha256),
        }
    }

    /// A stream of a blob's bytes, checked against its hash as it is read: at the end, a
    /// mismatch is an error (kind `InvalidData`, carrying [`StorageError::Corrupt`]) instead of
    /// the end of the file.
    pub fn open(&self, sha256: &str) -> Result<BlobReader, StorageError> {
        let not_found = || StorageError::NotFound(sha256.to_owned());
        let inner: Box<dyn Read + Send> = match &self.backend {
            Backend::Local(root) => {
                let path = Self::path_of(root, sha256).ok_or_else(not_found)?;
                match std::fs::File::open(path) {
                    Ok(f) => Box::new(f),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
                    Err(e) => return Err(e.into()),
                }
            }
            Backend::S3(s3) => {
                if !is_sha256_hex(sha256) {
                    return Err(not_found());
                }
                s3.get(sha256)?
            }
        };
        Ok(BlobReader {
            inner,
            hasher: Sha256::new(),
            expected: sha256.to_owned(),
        })
    }

    /// Reads a blob whole and checks it against its hash.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>, StorageError> {
        let mut bytes = Vec::new();
        self.open(sha256)?
            .read_to_end(&mut bytes)
            .map_err(StorageError::from_read)?;
        Ok(bytes)
    }

    /// Copies a blob into `out`, checked against its hash; its size.
    pub fn copy_to(&self, sha256: &str, out: &mut impl Write) -> Result<u64, StorageError> {
        std::io::copy(&mut self.open(sha256)?, out).map_err(StorageError::from_read)
    }

    /// The blob as a file on this machine, for what needs a path (memory-mapped sealing, file
    /// downloads with ranges, ZIP writers). Local: the stored file itself (not re-hashed:
    /// callers that must trust the bytes hash them as they read). S3: a private temporary copy,
    /// checked against the hash, removed when the [`LocalBlob`] is dropped.
    pub fn local_file(&self, sha256: &str) -> Result<LocalBlob, StorageError> {
        match &self.backend {
            Backend::Local(root) => Self::path_of(root, sha256)
                .filter(|p| p.is_file())
                .map(|path| LocalBlob { path, temp: None })
                .ok_or_else(|| StorageError::NotFound(sha256.to_owned())),
            Backend::S3(_) => {
                let mut reader = self.open(sha256)?;
                let mut temp = TempFile::create(&self.temp_dir())?;
                std::io::copy(&mut reader, &mut temp.file).map_err(StorageError::from_read)?;
                temp.file.flush()?;
                Ok(LocalBlob {
                    path: temp.path.clone(),
                    temp: Some(temp),
                })
            }
        }
    }

    /// Deletes a blob (retention); whether it was there.
    pub fn delete(&self, sha256: &str) -> Result<bool, StorageError> {
        if !is_sha256_hex(sha256) {
            return Ok(false);
        }
        match &self.backend {
            Backend::Local(root) => {
                let path = Self::path_of(root, sha256).expect("checked above");
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(e) => Err(e.into()),
                }
            }
            Backend::S3(s3) => {
                if !s3.exists(sha256)? {
                    return Ok(false);
                }
                s3.delete(sha256)?;
                Ok(true)
            }
        }
    }

    /// Every stored blob's hash (backups), in no particular order.
    pub fn list(&self) -> Result<Vec<String>, StorageError> {
        match &self.backend {
            Backend::Local(root) => list_local(root),
            Backend::S3(s3) => s3.list(),
        }
    }

    /// Where the blobs are, for logs and `config check` (no secret).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(root) => format!("local directory {}", root.display()),
            Backend::S3(s3) => s3.describe(),
        }
    }

    /// Whether a file can be written, synced and removed where blobs are written, and (S3) the
    /// bucket answers: the readiness check. A full or read-only disk, or an S3 service gone
    /// away, fails here before an upload does.
    pub fn check_writable(&self) -> Result<(), StorageError> {
        let tmp_dir = self.temp_dir();
        crate::private_fs::create_dir(&tmp_dir)?;
        let probe = tmp_dir.join(format!("ready-{}", uuid::Uuid::new_v4()));
        let written = (|| {
            let mut file = create_locked(&probe)?;
            file.write_all(b"ready")?;
            file.sync_all()
        })();
        let removed = std::fs::remove_file(&probe);
        written.and(removed)?;
        match &self.backend {
            Backend::Local(_) => Ok(()),
            Backend::S3(s3) => s3.ping(),
        }
    }
}

/// The blobs of a local store: `ab/abcdef…` names only (not `tmp/`).
fn list_local(root: &Path) -> Result<Vec<String>, StorageError> {
    let mut out = Vec::new();
    let dirs = match std::fs::read_dir(root) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for dir in dirs {
        let dir = dir?;
        let prefix = dir.file_name().to_string_lossy().into_owned();
        if prefix.len() != 2 || !dir.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path())? {
            let name = file?.file_name().to_string_lossy().into_owned();
            if is_sha256_hex(&name) && name.starts_with(&prefix) {
                out.push(name);
            }
        }
    }
    Ok(out)
}

/// Copies `input` into `file` up to `limit` bytes, hashing as it goes, and makes it durable.
fn spool(
    mut input: impl Read,
    mut file: &std::fs::File,
    limit: u64,
) -> Result<StoredBlob, StorageError> {
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
    Ok(StoredBlob {
        sha256: data_encoding::HEXLOWER.encode(&hasher.finalize()),
        size,
    })
}

/// A locked temporary file in a store's temporary directory, removed when dropped (unless it
/// was renamed into place before).
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    file: std::fs::File,
}

impl TempFile {
    fn create(dir: &Path) -> std::io::Result<TempFile> {
        crate::private_fs::create_dir(dir)?;
        let path = dir.join(uuid::Uuid::new_v4().to_string());
        let file = create_locked(&path)?;
        Ok(TempFile { path, file })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A blob as a local file: the stored file (local store) or a private temporary copy that is
/// removed when this is dropped (S3). An open file handle stays readable after that.
#[derive(Debug)]
pub struct LocalBlob {
    path: PathBuf,
    temp: Option<TempFile>,
}

impl LocalBlob {
    /// Where the bytes are.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this is a temporary copy (removed on drop).
    pub fn is_temporary(&self) -> bool {
        self.temp.is_some()
    }
}

/// A blob being read, checked against its hash at the end ([`BlobStore::open`]).
pub struct BlobReader {
    inner: Box<dyn Read + Send>,
    hasher: Sha256,
    expected: String,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            let actual = data_encoding::HEXLOWER.encode(&self.hasher.clone().finalize());
            if actual != self.expected {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    StorageError::Corrupt(self.expected.clone()),
                ));
            }
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl StorageError {
    /// The error of reading a [`BlobReader`]: a hash mismatch is [`StorageError::Corrupt`]
    /// again, anything else I/O.
    pub fn from_read(e: std::io::Error) -> StorageError {
        match e.downcast::<StorageError>() {
            Ok(storage) => storage,
            Err(e) => StorageError::Io(e),
        }
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
        std::fs::remove_dir_all(s.local_root().unwrap()).unwrap();
    }

    #[test]
    fn too_large_keeps_nothing() {
        let s = store();
        let err = s.put_reader(&[7u8; 1000][..], 999).unwrap_err();
        assert!(matches!(err, StorageError::TooLarge { limit: 999 }));
        assert_eq!(std::fs::read_dir(s.temp_dir()).unwrap().count(), 0);
        std::fs::remove_dir_all(s.local_root().unwrap()).unwrap();
    }

    #[test]
    fn detects_a_changed_blob() {
        let s = store();
        let a = s.put(b"original").unwrap();
        std::fs::write(s.local_file(&a.sha256).unwrap().path(), b"changed!").unwrap();
        assert!(matches!(s.read(&a.sha256), Err(StorageError::Corrupt(_))));
        std::fs::remove_dir_all(s.local_root().unwrap()).unwrap();
    }

    #[test]
    fn only_the_temp_files_of_dead_writers_are_removed() {
        let s = store();
        s.put(b"first").unwrap();
        let tmp = s.temp_dir();
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
        std::fs::remove_dir_all(s.local_root().unwrap()).unwrap();
    }
}
