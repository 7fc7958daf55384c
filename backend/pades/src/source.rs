//! Where a PDF's bytes live while it is sealed, renewed or verified: in memory (`Vec<u8>`,
//! `&[u8]`) or a memory-mapped file (`MappedPdf`, feature `mmap`) whose pages are let go of once
//! hashed, so that the memory a call needs does not grow with the file.
//!
//! Sealing appends incremental updates: each step reads the current bytes, writes the update
//! (the *tail*) and hands it to [`PdfFile::append`]; the original bytes are never copied.

use crate::error::PadesError;

/// Bytes of a PDF to read.
pub trait PdfSource {
    /// The whole file as it is now.
    fn bytes(&self) -> &[u8];

    /// Called after `part` (a sub-slice of [`PdfSource::bytes`]) went through a digest: a
    /// memory-mapped file drops those pages from the process (they stay in the page cache).
    fn hashed(&self, part: &[u8]) {
        let _ = part;
    }
}

/// A PDF that incremental updates are appended to.
pub trait PdfFile: PdfSource {
    /// Appends `tail` (an incremental update) to the file.
    fn append(&mut self, tail: &[u8]) -> Result<(), PadesError>;
}

impl PdfSource for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl PdfSource for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl PdfFile for Vec<u8> {
    fn append(&mut self, tail: &[u8]) -> Result<(), PadesError> {
        self.extend_from_slice(tail);
        Ok(())
    }
}

/// How much of the input is hashed before its pages are handed back.
pub(crate) const HASH_CHUNK: usize = 4 << 20;

/// A copy of `original` with room for the updates of one sealing (signature, DSS, document
/// timestamp), so that appending does not reallocate the whole file.
pub(crate) fn in_memory(original: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(original.len() + (256 << 10));
    v.extend_from_slice(original);
    v
}
