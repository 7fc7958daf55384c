//! Sealing files on disk in memory that does not grow with their size: the input is copied to
//! a temporary file beside the target by the kernel (a reflink where the filesystem shares
//! blocks, `copy_file_range` otherwise), the copy is memory-mapped and the engine appends its
//! updates to it ([`pades::MappedPdf`]); hashing hands the mapped pages back as it goes.
//!
//! Durability of a batch ([`commit`]): every output is first complete under a temporary name;
//! one `syncfs` makes them all durable, then each is renamed into place and each target
//! directory is synced once. A crash before that `syncfs` leaves no target at all (only
//! `.NAME.PID.N.part` files); a crash after it leaves each target either absent or complete —
//! never a partial file under a target name.

use std::collections::BTreeSet;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use pades::{MappedPdf, PadesError};

use crate::storage::{BlobStore, StorageError, StoredBlob};

/// Why a file could not be sealed.
#[derive(Debug)]
pub enum FileSealError {
    /// The input could not be read.
    Input(io::Error),
    /// The temporary output could not be written.
    Output(io::Error),
    /// The engine refused the file or failed.
    Pades(PadesError),
}

/// A sealed file under its temporary name; removed when dropped uncommitted.
#[derive(Debug)]
pub struct Pending {
    temp: PathBuf,
    target: Option<PathBuf>,
}

impl Pending {
    /// Where the sealed bytes are now.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Where it goes, if anywhere.
    pub fn target(&self) -> Option<&Path> {
        self.target.as_deref()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// A temporary name in `dir`, unique within this process and among processes.
fn temp_in(dir: &Path, stem: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{stem}.{}.{n}.part", std::process::id()))
}

/// The directory a target lives in.
fn dir_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Copies `input` to a temporary file beside `target`, and runs `work` (sealing, renewal) on
/// the mapped copy. On any error nothing is left behind.
pub fn seal_to<T>(
    input: &Path,
    target: &Path,
    work: impl FnOnce(&mut MappedPdf) -> Result<T, PadesError>,
) -> Result<(Pending, T), FileSealError> {
    let stem = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    let temp = temp_in(dir_of(target), &stem);
    // The disk writes the copied prefix while the file is sealed, and the appended part while
    // the next one is: `commit`'s `syncfs` then waits for little. A failure to start it only
    // leaves the writing to that `syncfs`.
    let (mut pending, result) = seal_copy(input, temp, |file| {
        let _ = pades::start_writeback(file.file());
        let result = work(file);
        let _ = pades::start_writeback(file.file());
        result
    })?;
    pending.target = Some(target.to_path_buf());
    Ok((pending, result))
}

/// [`seal_to`] into the temporary file `temp` (which must not exist), for a caller that moves
/// the result elsewhere itself.
pub fn seal_copy<T>(
    input: &Path,
    temp: PathBuf,
    work: impl FnOnce(&mut MappedPdf) -> Result<T, PadesError>,
) -> Result<(Pending, T), FileSealError> {
    let mut from = File::open(input).map_err(FileSealError::Input)?;
    let mut to = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(FileSealError::Output)?;
    let pending = Pending { temp, target: None };
    // Held until the file is gone: the blob store's clean-up skips locked temporary files.
    to.lock().map_err(FileSealError::Output)?;
    pades::copy_file(&mut from, &mut to).map_err(FileSealError::Input)?;
    drop(from);
    let mut mapped = MappedPdf::new(to).map_err(FileSealError::Output)?;
    let result = work(&mut mapped).map_err(FileSealError::Pades)?;
    Ok((pending, result))
}

/// Makes every pending output durable with one `syncfs`, renames each into place, then syncs
/// each target directory once (see the module documentation for what a crash leaves).
pub fn commit(pending: Vec<Pending>) -> io::Result<()> {
    if let Some(first) = pending.first() {
        pades::sync_filesystem(&File::open(dir_of(&first.temp))?)?;
    }
    for dir in rename_all(&pending)? {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Renames every pending output into place without waiting for the disk: each target is
/// complete when it appears, but a crash soon after may lose it (or, on some filesystems,
/// leave it empty).
pub fn commit_unsynced(pending: Vec<Pending>) -> io::Result<()> {
    rename_all(&pending).map(drop)
}

/// Renames each pending output to its target; the directories they went to.
fn rename_all(pending: &[Pending]) -> io::Result<BTreeSet<PathBuf>> {
    let mut dirs = BTreeSet::new();
    for p in pending {
        if let Some(target) = &p.target {
            std::fs::rename(&p.temp, target)?;
            dirs.insert(dir_of(target).to_path_buf());
        }
    }
    Ok(dirs)
}

/// Seals (or renews) the stored blob `sha256` into a new blob: [`work_on_blob`], then
/// [`store_pending`]. Memory does not grow with the file.
pub fn seal_blob<T>(
    store: &BlobStore,
    sha256: &str,
    work: impl FnOnce(&mut MappedPdf) -> Result<T, PadesError>,
) -> Result<(StoredBlob, T), FileSealError> {
    let (pending, result) = work_on_blob(store, sha256, work)?;
    Ok((store_pending(store, pending)?, result))
}

/// Checks the stored blob `sha256` against its hash, copies it into the store's temporary
/// directory and runs `work` on the mapped copy; the caller decides whether to keep it.
pub fn work_on_blob<T>(
    store: &BlobStore,
    sha256: &str,
    work: impl FnOnce(&mut MappedPdf) -> Result<T, PadesError>,
) -> Result<(Pending, T), FileSealError> {
    let storage = |e: StorageError| FileSealError::Input(io::Error::other(e));
    // From S3: a private temporary copy (checked as fetched), removed when `input` is dropped.
    let input = store.local_file(sha256).map_err(storage)?;
    if !input.is_temporary() {
        let file = File::open(input.path()).map_err(FileSealError::Input)?;
        let (actual, _) = crate::storage::hash_reader(file).map_err(FileSealError::Input)?;
        if actual != sha256 {
            return Err(storage(StorageError::Corrupt(sha256.to_owned())));
        }
    }
    let tmp_dir = store.temp_dir();
    crate::private_fs::create_dir(&tmp_dir).map_err(FileSealError::Output)?;
    seal_copy(input.path(), temp_in(&tmp_dir, "seal"), work)
}

/// Stores the file `pending` holds as a blob (the temporary file is removed).
pub fn store_pending(store: &BlobStore, pending: Pending) -> Result<StoredBlob, FileSealError> {
    let sealed = File::open(pending.path()).map_err(FileSealError::Output)?;
    store
        .put_reader(sealed, u64::MAX)
        .map_err(|e| FileSealError::Output(io::Error::other(e)))
}

impl std::fmt::Display for FileSealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileSealError::Input(e) => write!(f, "reading the file: {e}"),
            FileSealError::Output(e) => write!(f, "writing the sealed file: {e}"),
            FileSealError::Pades(e) => write!(f, "{e}"),
        }
    }
}
