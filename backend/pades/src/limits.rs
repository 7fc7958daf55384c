//! The reading budget: how much work one call may spend on one input PDF.
//!
//! A PDF is a program for its reader: a small file can ask for gigabytes of inflated streams,
//! millions of cross-reference entries or deeply nested objects. Every path that reads the input
//! ([`crate::inspect`], [`crate::verify`], signing, [`crate::Dss::add_to`], [`crate::renew`]) draws
//! on ONE [`Budget`] per call, shared by every document opened on that input (the verifier opens
//! each signed revision again), so the total work is bounded whatever the file asks for.
//! Exceeding it is [`crate::PadesError::TooComplex`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Limits on the work of reading one input PDF. The counted limits grow with the file
/// (`floor + per_input_byte × file length`): a large real file needs more than a small one,
/// while a small hostile file cannot ask for more than its size could honestly hold.
///
/// The defaults accept every real PDF of the test corpus with a wide margin; callers facing
/// untrusted uploads may tighten them, typically [`ReadLimits::max_time`]:
///
/// ```
/// let strict = pades::ReadLimits {
///     max_time: std::time::Duration::from_secs(3),
///     ..Default::default()
/// };
/// assert!(pades::inspect_with_limits(b"not a pdf", &strict).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Stream bytes the reader may produce, all streams together: decoded (inflated) output,
    /// each stream counted once (decoded streams are cached), plus raw stream data copied out.
    /// Floor part. Default 16 MiB.
    pub stream_bytes_floor: u64,
    /// Per input byte part of the stream-byte limit. Default 8.
    pub stream_bytes_per_input_byte: u64,
    /// Direct objects parsed (every array element and dictionary value counts, and an object
    /// parsed again counts again). Floor part. Default 200,000.
    pub objects_floor: u64,
    /// Per input byte part of the object limit. Default 1 (real files need well under 0.1).
    pub objects_per_input_byte: u64,
    /// Cross-reference entries read over all sections. Floor part. Default 100,000.
    pub xref_entries_floor: u64,
    /// Per input byte part of the cross-reference limit. Default 1.
    pub xref_entries_per_input_byte: u64,
    /// Nesting depth of arrays and dictionaries (capped at 256 to protect the stack).
    /// Default 64.
    pub max_nesting: usize,
    /// Signatures and document timestamps the verifier checks in one call (each costs a
    /// digest of its revision and public-key operations). Default 100.
    pub max_signatures: usize,
    /// Wall-clock time for the whole call. Default 10 s.
    pub max_time: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            stream_bytes_floor: 16 << 20,
            stream_bytes_per_input_byte: 8,
            objects_floor: 200_000,
            objects_per_input_byte: 1,
            xref_entries_floor: 100_000,
            xref_entries_per_input_byte: 1,
            max_nesting: 64,
            max_signatures: 100,
            max_time: Duration::from_secs(10),
        }
    }
}

/// Hard cap of [`ReadLimits::max_nesting`]: the parser recurses once per level.
const NESTING_CAP: usize = 256;

/// Which limit of [`ReadLimits`] a document exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// Stream bytes (decompressed or copied).
    StreamBytes,
    /// Objects parsed.
    Objects,
    /// Cross-reference entries.
    XrefEntries,
    /// Nesting of arrays and dictionaries.
    Nesting,
    /// Signatures to verify.
    Signatures,
    /// Processing time.
    Time,
}

impl LimitKind {
    /// Stable snake_case name, for logs and problem details.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::StreamBytes => "stream_bytes",
            LimitKind::Objects => "objects",
            LimitKind::XrefEntries => "xref_entries",
            LimitKind::Nesting => "nesting",
            LimitKind::Signatures => "signatures",
            LimitKind::Time => "time",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::StreamBytes => "decompressed stream data",
            LimitKind::Objects => "number of objects",
            LimitKind::XrefEntries => "number of cross-reference entries",
            LimitKind::Nesting => "nesting depth",
            LimitKind::Signatures => "number of signatures",
            LimitKind::Time => "processing time",
        })
    }
}

/// Where a stream's data lies: the offset of its `N G obj` and its data range. Within one
/// input these bytes never change, so the decoded result can be shared by all documents opened
/// on the input or its prefixes.
pub(crate) type StreamKey = (usize, usize, usize);

/// The running budget of one call on one input (see the module documentation).
pub(crate) struct Budget<'a> {
    input: &'a [u8],
    /// The input's owner, told which parts were hashed (a mapped file drops their pages).
    source: Option<&'a dyn crate::source::PdfSource>,
    max_nesting: usize,
    signatures_left: Cell<u64>,
    stream_bytes_left: Cell<u64>,
    objects_left: Cell<u64>,
    xref_left: Cell<u64>,
    deadline: Instant,
    ticks: Cell<u32>,
    /// The first limit exceeded; sticky, so that a caller that swallows an error (a lenient
    /// lookup) cannot hide it: the public entry points report it in the end.
    exceeded: Cell<Option<LimitKind>>,
    decoded: RefCell<HashMap<StreamKey, Rc<Vec<u8>>>>,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(input: &'a [u8], limits: &ReadLimits) -> Rc<Self> {
        Self::build(input, None, limits)
    }

    /// A budget on the bytes of `source`, which is told when parts of them were hashed.
    pub(crate) fn for_source(
        source: &'a dyn crate::source::PdfSource,
        limits: &ReadLimits,
    ) -> Rc<Self> {
        Self::build(source.bytes(), Some(source), limits)
    }

    fn build(
        input: &'a [u8],
        source: Option<&'a dyn crate::source::PdfSource>,
        limits: &ReadLimits,
    ) -> Rc<Self> {
        let len = input.len() as u64;
        let scaled = |floor: u64, per: u64| floor.saturating_add(per.saturating_mul(len));
        Rc::new(Budget {
            input,
            source,
            max_nesting: limits.max_nesting.min(NESTING_CAP),
            signatures_left: Cell::new(limits.max_signatures as u64),
            stream_bytes_left: Cell::new(scaled(
                limits.stream_bytes_floor,
                limits.stream_bytes_per_input_byte,
            )),
            objects_left: Cell::new(scaled(limits.objects_floor, limits.objects_per_input_byte)),
            xref_left: Cell::new(scaled(
                limits.xref_entries_floor,
                limits.xref_entries_per_input_byte,
            )),
            deadline: Instant::now()
                .checked_add(limits.max_time)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365)),
            ticks: Cell::new(0),
            exceeded: Cell::new(None),
            decoded: RefCell::new(HashMap::new()),
        })
    }

    /// A budget with the default limits, for a document read on its own.
    pub(crate) fn default_for(input: &'a [u8]) -> Rc<Self> {
        Self::new(input, &ReadLimits::default())
    }

    /// The bytes this budget reads.
    pub(crate) fn input(&self) -> &'a [u8] {
        self.input
    }

    pub(crate) fn max_nesting(&self) -> usize {
        self.max_nesting
    }

    /// The first limit exceeded so far, if any.
    pub(crate) fn exceeded(&self) -> Option<LimitKind> {
        self.exceeded.get()
    }

    fn fail(&self, kind: LimitKind) -> Result<(), LimitKind> {
        if self.exceeded.get().is_none() {
            self.exceeded.set(Some(kind));
        }
        Err(kind)
    }

    fn take(&self, cell: &Cell<u64>, n: u64, kind: LimitKind) -> Result<(), LimitKind> {
        if let Some(k) = self.exceeded.get() {
            return Err(k);
        }
        match cell.get().checked_sub(n) {
            Some(left) => {
                cell.set(left);
                Ok(())
            }
            None => {
                cell.set(0);
                self.fail(kind)
            }
        }
    }

    /// Records a nesting level beyond the limit.
    pub(crate) fn too_deep(&self) -> LimitKind {
        let _ = self.fail(LimitKind::Nesting);
        LimitKind::Nesting
    }

    pub(crate) fn charge_objects(&self, n: u64) -> Result<(), LimitKind> {
        self.take(&self.objects_left, n, LimitKind::Objects)?;
        // Reading the clock for every object would cost more than parsing small ones.
        let t = self.ticks.get().wrapping_add(1);
        self.ticks.set(t);
        if t.is_multiple_of(1024) {
            self.check_time()?;
        }
        Ok(())
    }

    pub(crate) fn charge_xref_entries(&self, n: u64) -> Result<(), LimitKind> {
        self.take(&self.xref_left, n, LimitKind::XrefEntries)
    }

    /// Stream bytes that may still be produced.
    pub(crate) fn stream_bytes_left(&self) -> u64 {
        self.stream_bytes_left.get()
    }

    pub(crate) fn charge_stream_bytes(&self, n: u64) -> Result<(), LimitKind> {
        self.take(&self.stream_bytes_left, n, LimitKind::StreamBytes)
    }

    pub(crate) fn charge_signature(&self) -> Result<(), LimitKind> {
        self.take(&self.signatures_left, 1, LimitKind::Signatures)
    }

    pub(crate) fn check_time(&self) -> Result<(), LimitKind> {
        if let Some(k) = self.exceeded.get() {
            return Err(k);
        }
        if Instant::now() > self.deadline {
            return self.fail(LimitKind::Time);
        }
        Ok(())
    }

    /// `result`, unless a limit was exceeded on the way (possibly in a lookup whose error was
    /// tolerated): then that is the outcome.
    pub(crate) fn settle<T>(
        &self,
        result: Result<T, crate::PadesError>,
    ) -> Result<T, crate::PadesError> {
        match self.exceeded() {
            Some(limit) => Err(crate::PadesError::TooComplex { limit }),
            None => result,
        }
    }

    /// Feeds `part` to `hasher` in chunks; parts of the input are handed back to its source
    /// chunk by chunk, so hashing a mapped file does not keep it resident.
    pub(crate) fn hash_into<D: sha2::Digest>(&self, hasher: &mut D, part: &[u8]) {
        let source = self.source.filter(|_| self.contains(part));
        for chunk in part.chunks(crate::source::HASH_CHUNK) {
            hasher.update(chunk);
            if let Some(s) = source {
                s.hashed(chunk);
            }
        }
    }

    /// Whether `data` lies within the input.
    fn contains(&self, data: &[u8]) -> bool {
        let (start, len) = (self.input.as_ptr() as usize, self.input.len());
        let at = data.as_ptr() as usize;
        at >= start && at - start + data.len() <= len
    }

    /// Whether `data` is the input or a prefix of it (the same bytes at the same address), so
    /// that positions in it mean the same as in the input.
    fn shares_input(&self, data: &[u8]) -> bool {
        data.as_ptr() == self.input.as_ptr() && data.len() <= self.input.len()
    }

    /// The decoded stream at `key` of `data`, decoding it with `decode` once per call.
    pub(crate) fn decoded<E>(
        &self,
        data: &[u8],
        key: StreamKey,
        decode: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Rc<Vec<u8>>, E> {
        let shared = self.shares_input(data);
        if shared && let Some(d) = self.decoded.borrow().get(&key) {
            return Ok(Rc::clone(d));
        }
        let d = Rc::new(decode()?);
        if shared {
            self.decoded.borrow_mut().insert(key, Rc::clone(&d));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_once_exceeded_stays_exceeded() {
        let limits = ReadLimits {
            objects_floor: 2,
            objects_per_input_byte: 0,
            ..Default::default()
        };
        let b = Budget::new(b"", &limits);
        assert!(b.charge_objects(2).is_ok());
        assert_eq!(b.charge_objects(1), Err(LimitKind::Objects));
        // Any later charge, of any kind, fails with the first limit.
        assert_eq!(b.charge_stream_bytes(1), Err(LimitKind::Objects));
        assert_eq!(b.exceeded(), Some(LimitKind::Objects));
    }

    #[test]
    fn limits_scale_with_the_input() {
        let limits = ReadLimits {
            xref_entries_floor: 10,
            xref_entries_per_input_byte: 2,
            ..Default::default()
        };
        let input = [0u8; 5];
        let b = Budget::new(&input, &limits);
        assert!(b.charge_xref_entries(20).is_ok());
        assert!(b.charge_xref_entries(1).is_err());
    }

    #[test]
    fn decoded_streams_of_the_input_are_cached_but_not_those_of_other_bytes() {
        let input = b"0123456789".to_vec();
        let b = Budget::default_for(&input);
        let calls = Cell::new(0);
        let dec = || {
            calls.set(calls.get() + 1);
            Ok::<_, ()>(vec![1])
        };
        b.decoded(&input, (0, 1, 2), dec).unwrap();
        b.decoded(&input[..5], (0, 1, 2), dec).unwrap();
        assert_eq!(calls.get(), 1, "a prefix of the input shares the cache");
        let other = input.clone();
        b.decoded(&other, (0, 1, 2), dec).unwrap();
        assert_eq!(calls.get(), 2, "other bytes are decoded on their own");
    }
}
