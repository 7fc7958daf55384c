//! A PDF file mapped into memory (feature `mmap`): sealing, renewal and verification read it in
//! place, hashing hands its pages back (`madvise(MADV_DONTNEED)`: they stay in the page cache,
//! not in the process), and updates are appended with `pwrite`. So the memory a call needs does
//! not grow with the file.
//!
//! The only `unsafe` code of the crate is here, around `mmap`. A mapping is memory-safe as long
//! as nobody truncates or rewrites the file while it is mapped: sealing maps its own output,
//! a private copy made by [`MappedPdf::copy_of`] (a reflink or `copy_file_range`); verification
//! maps the given file, which must not change meanwhile (a truncation ends the process with
//! `SIGBUS`, it never reads freed memory).
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::PadesError;
use crate::source::{PdfFile, PdfSource};

/// A read-only, shared mapping of a whole file (none for an empty file).
struct Map {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only memory owned by this value; sharing `&[u8]` views of it
// between threads is as safe as sharing any immutable buffer.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

impl Map {
    fn new(file: &File) -> io::Result<Option<Map>> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("the file is too large to map"))?;
        if len == 0 {
            return Ok(None);
        }
        // SAFETY: a fresh read-only shared mapping of `len` bytes of an open file descriptor;
        // the result is checked against MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Some(Map { ptr, len }))
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes until `self` is dropped.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }

    /// Drops the whole pages inside `part` from the process: a later read faults them in
    /// again from the page cache.
    fn release(&self, part: &[u8]) {
        let page = page_size();
        let base = self.ptr as usize;
        let (start, end) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
        if start < base || end > base + self.len {
            return;
        }
        let first = start.div_ceil(page) * page;
        let last = end / page * page;
        if last > first {
            // SAFETY: [first, last) lies within this read-only mapping; MADV_DONTNEED on a
            // shared file mapping only discards this process's page table entries.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly what `Map::new` mapped; no view outlives `self`.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| *s > 0)
        .unwrap_or(4096)
}

/// A PDF file, memory-mapped: a [`PdfSource`] to verify and a [`PdfFile`] to seal or renew.
pub struct MappedPdf {
    file: File,
    map: Option<Map>,
}

impl MappedPdf {
    /// Maps `file` (opened for reading; for writing too if updates are to be appended).
    pub fn new(file: File) -> io::Result<MappedPdf> {
        let map = Map::new(&file)?;
        Ok(MappedPdf { file, map })
    }

    /// Maps the file at `path` for reading (verification).
    pub fn open(path: &Path) -> io::Result<MappedPdf> {
        MappedPdf::new(File::open(path)?)
    }

    /// Creates `target` (which must not exist) as a copy of `input` and maps it, ready for
    /// updates to be appended: the copy shares the input's blocks where the filesystem can
    /// (reflink), and is made in the kernel otherwise (`copy_file_range`), never through this
    /// process's memory.
    pub fn copy_of(input: &Path, target: &Path) -> io::Result<MappedPdf> {
        let mut from = File::open(input)?;
        let mut to = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(target)?;
        copy_file(&mut from, &mut to)?;
        MappedPdf::new(to)
    }

    /// The open file (e.g. to `sync_data` it).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Length of the file now.
    pub fn len(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len)
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PdfSource for MappedPdf {
    fn bytes(&self) -> &[u8] {
        self.map.as_ref().map_or(&[], Map::bytes)
    }

    fn hashed(&self, part: &[u8]) {
        if let Some(m) = &self.map {
            m.release(part);
        }
    }
}

impl PdfFile for MappedPdf {
    fn append(&mut self, tail: &[u8]) -> Result<(), PadesError> {
        let at = self.len() as u64;
        self.map = None;
        self.file
            .write_all_at(tail, at)
            .and_then(|()| Map::new(&self.file))
            .map(|map| self.map = map)
            .map_err(PadesError::io)
    }
}

/// Copies `from` into the empty `to`: a reflink (`FICLONE`) where the filesystem shares
/// blocks, the kernel's `copy_file_range` otherwise (`std::io::copy` between files uses it).
pub fn copy_file(from: &mut File, to: &mut File) -> io::Result<u64> {
    // SAFETY: FICLONE takes the source descriptor as its argument and touches no memory of
    // this process.
    let cloned = unsafe { libc::ioctl(to.as_raw_fd(), libc::FICLONE, from.as_raw_fd()) };
    if cloned == 0 {
        return Ok(from.metadata()?.len());
    }
    io::copy(from, to)
}

/// Starts writing `file`'s dirty pages to disk and returns without waiting
/// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`): the disk works while the next file of a batch is
/// sealed, and the batch's one [`sync_filesystem`] finds little left to write. Durability still
/// comes from that call only.
pub fn start_writeback(file: &File) -> io::Result<()> {
    // SAFETY: sync_file_range takes an open descriptor and touches no memory of this process.
    let started =
        unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    if started == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Writes every dirty page of the filesystem holding `file` to disk (`syncfs`): one call makes
/// a whole batch of outputs durable.
pub fn sync_filesystem(file: &File) -> io::Result<()> {
    // SAFETY: syncfs takes an open descriptor and touches no memory of this process.
    if unsafe { libc::syncfs(file.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
