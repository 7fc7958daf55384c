//! The lazy reader: file header, cross-reference sections and indirect objects.
//!
//! Only the trailer chain is read up front (ISO 32000-1 §7.5.4 xref tables, §7.5.8 xref streams,
//! §7.5.8.4 hybrid files, §7.5.6 incremental updates with `/Prev`). Objects are parsed on demand.
//! A file without a usable cross-reference is refused as damaged: the reader never reconstructs.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::error::PadesError;
use crate::filters::decode_stream;
use crate::limits::{Budget, LimitKind};
use crate::object::{Dict, Lexer, ObjRef, Object, PResult, ParseError, Stream, find, rfind};

/// Limits that keep hostile input from making the reader loop or allocate without bound.
const MAX_XREF_SECTIONS: usize = 4096;
const MAX_RESOLVE_DEPTH: usize = 32;
const MAX_OBJECT_NUMBER: u64 = 8_388_607; // Annex C.2, the implementation limit of PDF 1.7 readers

/// Where an object lives, per the merged cross-reference data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum XrefEntry {
    Free,
    /// Type 1 / table `n` entry: byte offset of `N G obj`.
    InFile {
        offset: usize,
        generation: u16,
    },
    /// Type 2 entry: object `index` of the object stream `stream`.
    InStream {
        stream: u32,
        index: u32,
    },
}

/// Entries of one cross-reference section, its trailer and its kind.
type Section = (Vec<(u32, XrefEntry)>, Dict, XrefKind);

/// How the newest cross-reference section is written, which decides how the update writes its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table (§7.5.4).
    Table,
    /// A cross-reference stream, `/Type /XRef` (§7.5.8).
    Stream,
    /// A table whose trailer has `/XRefStm` (§7.5.8.4), as Microsoft Word writes it.
    Hybrid,
}

struct ObjStm {
    /// (object number, absolute offset in `data`).
    index: Vec<(u32, usize)>,
    data: Rc<Vec<u8>>,
}

/// An indirect object as parsed, a stream's data left in place (not copied).
enum Parsed {
    Object(Object),
    Stream {
        dict: Dict,
        start: usize,
        end: usize,
    },
}

/// A parsed PDF file: its bytes, the merged xref and the newest trailer.
pub(crate) struct Document<'a> {
    pub data: &'a [u8],
    /// The version in the header, e.g. `"1.7"`.
    pub header_version: String,
    pub entries: HashMap<u32, XrefEntry>,
    /// The newest trailer (for an xref stream, its dictionary).
    pub trailer: Dict,
    /// Whether any trailer in the chain has `/Encrypt`.
    pub encrypt: Option<Object>,
    /// Offset given by the last `startxref`.
    pub startxref: usize,
    pub last_kind: XrefKind,
    /// Number of cross-reference sections in the `/Prev` chain.
    pub sections: usize,
    /// Each section's offset and the object numbers it (re)defines, newest first.
    pub section_objects: Vec<(usize, Vec<u32>)>,
    /// The trailer's `/Size` (highest object number + 1) over the chain.
    pub size: u32,
    objstm_cache: RefCell<HashMap<u32, Rc<ObjStm>>>,
    /// The budget of the call that opened this document, shared with the other documents it
    /// opens on the same input.
    budget: Rc<Budget<'a>>,
}

fn damaged(reason: impl Into<String>) -> PadesError {
    PadesError::Damaged {
        reason: reason.into(),
    }
}

impl From<ParseError> for PadesError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::Malformed(reason) => damaged(reason),
            ParseError::Limit(limit) => PadesError::TooComplex { limit },
        }
    }
}

impl From<LimitKind> for PadesError {
    fn from(limit: LimitKind) -> Self {
        PadesError::TooComplex { limit }
    }
}

impl<'a> Document<'a> {
    /// Reads the header and the whole xref chain; no other object is parsed. All reading of
    /// this document draws on `budget`.
    pub(crate) fn open_with(data: &'a [u8], budget: Rc<Budget<'a>>) -> Result<Self, PadesError> {
        let head = &data[..data.len().min(1024)];
        let Some(h) = find(head, b"%PDF-", 0) else {
            return Err(PadesError::NotPdf);
        };
        let version: String = data[h + 5..]
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .map(|c| char::from(*c))
            .collect();
        if version.len() != 3 {
            return Err(PadesError::NotPdf);
        }

        let tail_start = data.len().saturating_sub(4096);
        let tail = &data[tail_start..];
        let sx = rfind(tail, b"startxref")
            .map(|p| p + tail_start)
            .ok_or_else(|| damaged("no `startxref` near the end of the file (truncated?)"))?;
        if find(data, b"%%EOF", sx).is_none() {
            return Err(damaged(
                "no `%%EOF` marker after the last `startxref` (truncated?)",
            ));
        }
        let mut lx = Lexer::new(data, sx + 9);
        let startxref = lx
            .try_uint()
            .and_then(|v| usize::try_from(v).ok())
            .filter(|v| *v < data.len())
            .ok_or_else(|| damaged("`startxref` offset is missing or outside the file"))?;

        let mut doc = Document {
            data,
            header_version: version,
            entries: HashMap::new(),
            trailer: Dict::default(),
            encrypt: None,
            startxref,
            last_kind: XrefKind::Table,
            sections: 0,
            section_objects: Vec::new(),
            size: 0,
            objstm_cache: RefCell::new(HashMap::new()),
            budget,
        };
        doc.read_xref_chain(startxref)?;
        if doc.trailer.get_ref(b"Root").is_none() {
            return Err(damaged("trailer has no /Root reference"));
        }
        Ok(doc)
    }

    fn read_xref_chain(&mut self, first: usize) -> Result<(), PadesError> {
        let mut visited = HashSet::new();
        let mut next = Some(first);
        while let Some(offset) = next {
            if !visited.insert(offset) || visited.len() > MAX_XREF_SECTIONS {
                return Err(damaged("cross-reference /Prev chain loops"));
            }
            if offset >= self.data.len() {
                return Err(damaged(format!("/Prev offset {offset} outside the file")));
            }
            self.budget.check_time()?;
            let (section, trailer, kind) = self.read_section(offset)?;
            if self.sections == 0 {
                self.trailer = trailer.clone();
                self.last_kind = kind;
            } else {
                // Keys an older trailer has and the newer ones lack (e.g. /Info in a broken update).
                for key in [&b"Root"[..], b"Info", b"ID"] {
                    if self.trailer.get(key).is_none()
                        && let Some(v) = trailer.get(key)
                    {
                        self.trailer.set(key, v.clone());
                    }
                }
            }
            if self.encrypt.is_none()
                && let Some(e) = trailer.get(b"Encrypt")
                && *e != Object::Null
            {
                self.encrypt = Some(e.clone());
            }
            if let Some(size) = trailer.get_int(b"Size") {
                let size = u32::try_from(size.clamp(0, MAX_OBJECT_NUMBER as i64 + 1)).unwrap_or(0);
                self.size = self.size.max(size);
            }
            self.sections += 1;
            self.section_objects
                .push((offset, section.iter().map(|(n, _)| *n).collect()));
            for (num, e) in section {
                self.entries.entry(num).or_insert(e);
            }
            next = match trailer.get(b"Prev") {
                None => None,
                Some(Object::Int(p)) if *p >= 0 => {
                    Some(usize::try_from(*p).map_err(|_| damaged("/Prev offset out of range"))?)
                }
                Some(_) => return Err(damaged("bad /Prev in trailer")),
            };
        }
        if let Some(max) = self.entries.keys().max() {
            self.size = self.size.max(max + 1);
        }
        Ok(())
    }

    /// Reads one section at `offset`: a table (with its `/XRefStm`, if any) or an xref stream.
    fn read_section(&self, offset: usize) -> Result<Section, PadesError> {
        let mut lx = Lexer::with_budget(self.data, offset, &self.budget);
        lx.skip_ws();
        if self.data[lx.pos..].starts_with(b"xref") {
            lx.pos += 4;
            let mut entries = read_table(&mut lx, &self.budget)?;
            lx.expect_keyword(b"trailer")
                .map_err(|_| damaged(format!("no `trailer` after the xref table at {offset}")))?;
            let trailer = match lx.parse_object()? {
                Object::Dict(d) => d,
                _ => return Err(damaged("trailer is not a dictionary")),
            };
            let mut kind = XrefKind::Table;
            if let Some(Object::Int(stm)) = trailer.get(b"XRefStm") {
                let stm = usize::try_from(*stm)
                    .ok()
                    .filter(|s| *s < self.data.len())
                    .ok_or_else(|| damaged("/XRefStm offset outside the file"))?;
                let (hidden, _) = self.read_xref_stream(stm)?;
                let known: HashMap<u32, XrefEntry> = entries.iter().copied().collect();
                // The stream's entries go first: they win over the table's free entries.
                let mut merged: Vec<(u32, XrefEntry)> = hidden
                    .into_iter()
                    .filter(|(num, _)| matches!(known.get(num), None | Some(XrefEntry::Free)))
                    .collect();
                merged.extend(entries);
                entries = merged;
                kind = XrefKind::Hybrid;
            }
            Ok((entries, trailer, kind))
        } else {
            let (entries, dict) = self.read_xref_stream(offset).map_err(|e| match e {
                PadesError::Damaged { reason } => damaged(format!(
                    "no cross-reference table or stream at offset {offset}: {reason}"
                )),
                other => other,
            })?;
            Ok((entries, dict, XrefKind::Stream))
        }
    }

    fn read_xref_stream(&self, offset: usize) -> Result<(Vec<(u32, XrefEntry)>, Dict), PadesError> {
        let (_, parsed) = self.parse_indirect_raw(offset, 0)?;
        let Parsed::Stream { dict, start, end } = parsed else {
            return Err(damaged("xref stream object is not a stream"));
        };
        if dict.get_name(b"Type") != Some(b"XRef") {
            return Err(damaged("object is not a /Type /XRef stream"));
        }
        let w: Vec<usize> = match dict.get(b"W") {
            Some(Object::Array(a)) if a.len() == 3 => a
                .iter()
                .map(|o| {
                    o.as_int()
                        .and_then(|v| usize::try_from(v).ok())
                        .filter(|v| *v <= 8)
                })
                .collect::<Option<_>>()
                .ok_or_else(|| damaged("bad /W in xref stream"))?,
            _ => return Err(damaged("missing /W in xref stream")),
        };
        let size = dict
            .get_int(b"Size")
            .ok_or_else(|| damaged("missing /Size in xref stream"))?;
        let index: Vec<i64> = match dict.get(b"Index") {
            Some(Object::Array(a)) => a
                .iter()
                .map(Object::as_int)
                .collect::<Option<_>>()
                .ok_or_else(|| damaged("bad /Index in xref stream"))?,
            _ => vec![0, size],
        };
        if !index.len().is_multiple_of(2) {
            return Err(damaged("odd /Index length in xref stream"));
        }
        let row = w[0] + w[1] + w[2];
        if row == 0 {
            return Err(damaged("zero-width xref stream rows"));
        }
        // The declared ranges are charged before any row is read: a small file cannot make
        // the reader build millions of entries (nor inflate a bomb to find out).
        let mut declared = 0u64;
        for pair in index.chunks(2) {
            let (first, count) = (pair[0], pair[1]);
            if first < 0 || count < 0 || first.saturating_add(count) as u64 > MAX_OBJECT_NUMBER + 1
            {
                return Err(damaged("xref stream /Index out of range"));
            }
            declared = declared.saturating_add(count as u64);
        }
        self.budget.charge_xref_entries(declared)?;
        let data = self.decode(offset, &dict, start, end)?;
        if ((data.len() / row) as u64) < declared {
            return Err(damaged("xref stream shorter than its /Index"));
        }
        let mut rows = data.chunks_exact(row);
        let mut out = Vec::with_capacity(declared as usize);
        for pair in index.chunks(2) {
            let (start, count) = (pair[0], pair[1]);
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(damaged("xref stream shorter than its /Index"));
                };
                let f = |from: usize, width: usize| -> u64 {
                    r[from..from + width]
                        .iter()
                        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
                };
                let t = if w[0] == 0 { 1 } else { f(0, w[0]) };
                let a = f(w[0], w[1]);
                let b = f(w[0] + w[1], w[2]);
                let num = (start + i) as u32;
                let entry = match t {
                    0 => XrefEntry::Free,
                    1 => XrefEntry::InFile {
                        offset: usize::try_from(a).map_err(|_| damaged("xref offset too large"))?,
                        generation: u16::try_from(b).unwrap_or(u16::MAX),
                    },
                    2 => XrefEntry::InStream {
                        stream: u32::try_from(a)
                            .map_err(|_| damaged("bad object stream number"))?,
                        index: u32::try_from(b).map_err(|_| damaged("bad object stream index"))?,
                    },
                    // §7.5.8.3: other types are treated as references to the null object.
                    _ => XrefEntry::Free,
                };
                out.push((num, entry));
            }
        }
        Ok((out, dict))
    }

    /// The decoded data of the stream whose object starts at `offset` and whose data is
    /// `start..end`: decoded once per call (cached in the budget) and charged once.
    fn decode(
        &self,
        offset: usize,
        dict: &Dict,
        start: usize,
        end: usize,
    ) -> Result<Rc<Vec<u8>>, PadesError> {
        Ok(self.budget.decoded(self.data, (offset, start, end), || {
            decode_stream(dict, &self.data[start..end], &self.budget)
        })?)
    }

    /// The decoded data of `obj` if it is (a reference to) a stream in the file. A stream that
    /// cannot be decoded (unsupported or broken filter) gives its raw bytes; only an exceeded
    /// budget is an error.
    pub(crate) fn stream_data_of(&self, obj: &Object) -> Result<Option<Rc<Vec<u8>>>, PadesError> {
        let target = match obj {
            Object::Ref(r) => *r,
            _ => return Ok(None),
        };
        let Some(XrefEntry::InFile { offset, .. }) = self.entries.get(&target.num).copied() else {
            return Ok(None);
        };
        let Ok((found, Parsed::Stream { dict, start, end })) = self.parse_indirect_raw(offset, 0)
        else {
            return match self.budget.exceeded() {
                Some(limit) => Err(PadesError::TooComplex { limit }),
                None => Ok(None),
            };
        };
        if found.num != target.num {
            return Ok(None);
        }
        match self.decode(offset, &dict, start, end) {
            Ok(d) => Ok(Some(d)),
            Err(e @ PadesError::TooComplex { .. }) => Err(e),
            Err(_) => {
                self.budget.charge_stream_bytes((end - start) as u64)?;
                Ok(Some(Rc::new(self.data[start..end].to_vec())))
            }
        }
    }

    /// The budget this document draws on.
    pub(crate) fn budget(&self) -> &Rc<Budget<'a>> {
        &self.budget
    }

    /// Parses `N G obj … endobj` at `offset`; returns the object number found there. A stream's
    /// data is copied out (and charged to the budget).
    fn parse_indirect_at(
        &self,
        offset: usize,
        depth: usize,
    ) -> Result<(ObjRef, Object), PadesError> {
        let (r, parsed) = self.parse_indirect_raw(offset, depth)?;
        Ok((
            r,
            match parsed {
                Parsed::Object(o) => o,
                Parsed::Stream { dict, start, end } => {
                    self.budget.charge_stream_bytes((end - start) as u64)?;
                    Object::Stream(Stream {
                        dict,
                        data: self.data[start..end].to_vec(),
                    })
                }
            },
        ))
    }

    /// Parses `N G obj … endobj` at `offset`, leaving a stream's data in place.
    fn parse_indirect_raw(
        &self,
        offset: usize,
        depth: usize,
    ) -> Result<(ObjRef, Parsed), PadesError> {
        let mut lx = Lexer::with_budget(self.data, offset, &self.budget);
        let num = lx.try_uint();
        let generation = lx.try_uint();
        let (Some(num), Some(generation)) = (num, generation) else {
            return Err(damaged(format!("no object header at offset {offset}")));
        };
        lx.expect_keyword(b"obj")
            .map_err(|_| damaged(format!("no `obj` keyword at offset {offset}")))?;
        let r = ObjRef::new(
            u32::try_from(num).map_err(|_| damaged("object number out of range"))?,
            u16::try_from(generation).map_err(|_| damaged("generation out of range"))?,
        );
        let obj = lx.parse_object()?;
        let parsed = match obj {
            Object::Dict(dict) => {
                if lx.expect_keyword(b"stream").is_ok() {
                    let (start, end) = self.stream_range(&dict, lx.pos, depth)?;
                    Parsed::Stream { dict, start, end }
                } else {
                    Parsed::Object(Object::Dict(dict))
                }
            }
            other => Parsed::Object(other),
        };
        Ok((r, parsed))
    }

    /// Where the data of a stream starts and ends; `pos` is just after `stream`. A `/Length`
    /// beyond the file or not followed by `endstream` is not trusted.
    fn stream_range(&self, dict: &Dict, pos: usize, depth: usize) -> PResult<(usize, usize)> {
        // §7.3.8.1: `stream` is followed by CRLF or LF (a lone CR is tolerated).
        let mut start = pos;
        if self.data[start..].starts_with(b"\r\n") {
            start += 2;
        } else if matches!(self.data.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let length = match dict.get(b"Length") {
            Some(Object::Int(n)) => usize::try_from(*n).ok(),
            Some(Object::Ref(r)) if depth < MAX_RESOLVE_DEPTH => {
                match self.get_depth(*r, depth + 1) {
                    Ok(o) => o.as_int().and_then(|n| usize::try_from(n).ok()),
                    // A /Length that cannot be read is not trusted, unless the budget ran out.
                    Err(PadesError::TooComplex { limit }) => return Err(ParseError::Limit(limit)),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        if let Some(len) = length
            && let Some(end) = start.checked_add(len)
            && end <= self.data.len()
        {
            let mut after = Lexer::new(self.data, end);
            if after.expect_keyword(b"endstream").is_ok() {
                return Ok((start, end));
            }
        }
        // A wrong /Length: take the bytes up to `endstream` (no reconstruction of the xref).
        let end = find(self.data, b"endstream", start)
            .ok_or_else(|| ParseError::new("stream without `endstream`"))?;
        let mut e = end;
        if e > start && self.data[e - 1] == b'\n' {
            e -= 1;
        }
        if e > start && self.data[e - 1] == b'\r' {
            e -= 1;
        }
        Ok((start, e))
    }

    /// The object `r` points to; a free or missing entry is the null object (§7.3.10).
    pub(crate) fn get(&self, r: ObjRef) -> Result<Object, PadesError> {
        self.get_depth(r, 0)
    }

    fn get_depth(&self, r: ObjRef, depth: usize) -> Result<Object, PadesError> {
        if depth > MAX_RESOLVE_DEPTH {
            return Err(damaged("reference chain too deep"));
        }
        match self.entries.get(&r.num) {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::InFile { offset, .. }) => {
                if *offset >= self.data.len() {
                    return Err(damaged(format!("object {} offset outside the file", r.num)));
                }
                let (found, obj) = self.parse_indirect_at(*offset, depth)?;
                if found.num != r.num {
                    return Err(damaged(format!(
                        "xref entry of object {} points at object {}",
                        r.num, found.num
                    )));
                }
                Ok(obj)
            }
            Some(XrefEntry::InStream { stream, index }) => {
                let stm = self.object_stream(*stream, depth)?;
                let (num, off) =
                    stm.index.get(*index as usize).copied().ok_or_else(|| {
                        damaged(format!("object {} not in its object stream", r.num))
                    })?;
                if num != r.num {
                    return Err(damaged(format!(
                        "object stream {stream} holds object {num} where {} was expected",
                        r.num
                    )));
                }
                let mut lx = Lexer::with_budget(&stm.data, off, &self.budget);
                Ok(lx.parse_object()?)
            }
        }
    }

    fn object_stream(&self, num: u32, depth: usize) -> Result<Rc<ObjStm>, PadesError> {
        if let Some(s) = self.objstm_cache.borrow().get(&num) {
            return Ok(Rc::clone(s));
        }
        let entry = self.entries.get(&num).copied();
        let Some(XrefEntry::InFile { offset, .. }) = entry else {
            return Err(damaged(format!(
                "object stream {num} is not a plain object"
            )));
        };
        let (_, parsed) = self.parse_indirect_raw(offset, depth + 1)?;
        let Parsed::Stream { dict, start, end } = parsed else {
            return Err(damaged(format!("object stream {num} is not a stream")));
        };
        let n = dict.get_int(b"N").and_then(|v| usize::try_from(v).ok());
        let first = dict.get_int(b"First").and_then(|v| usize::try_from(v).ok());
        let (Some(n), Some(first)) = (n, first) else {
            return Err(damaged(format!("object stream {num} lacks /N or /First")));
        };
        // Each header pair is two numbers: /N is charged as objects up front.
        self.budget.charge_objects(n as u64)?;
        let data = self.decode(offset, &dict, start, end)?;
        let mut lx = Lexer::new(&data, 0);
        let mut index = Vec::with_capacity(n.min(100_000));
        for _ in 0..n {
            let (Some(o), Some(off)) = (lx.try_uint(), lx.try_uint()) else {
                return Err(damaged(format!("object stream {num} has a bad header")));
            };
            let abs = first
                .checked_add(usize::try_from(off).unwrap_or(usize::MAX))
                .filter(|a| *a < data.len())
                .ok_or_else(|| damaged(format!("object stream {num}: offset out of range")))?;
            index.push((u32::try_from(o).unwrap_or(u32::MAX), abs));
        }
        let stm = Rc::new(ObjStm { index, data });
        self.objstm_cache.borrow_mut().insert(num, Rc::clone(&stm));
        Ok(stm)
    }

    /// Follows references until a direct object is reached.
    pub(crate) fn resolve(&self, obj: &Object) -> Result<Object, PadesError> {
        let mut cur = obj.clone();
        for _ in 0..MAX_RESOLVE_DEPTH {
            match cur {
                Object::Ref(r) => cur = self.get(r)?,
                other => return Ok(other),
            }
        }
        Err(damaged("reference chain too deep"))
    }

    /// Resolves `obj` and requires a dictionary (or a stream's dictionary).
    pub(crate) fn resolve_dict(&self, obj: &Object, what: &str) -> Result<Dict, PadesError> {
        match self.resolve(obj)? {
            Object::Dict(d) => Ok(d),
            Object::Stream(s) => Ok(s.dict),
            _ => Err(damaged(format!("{what} is not a dictionary"))),
        }
    }

    pub(crate) fn root_ref(&self) -> Result<ObjRef, PadesError> {
        self.trailer
            .get_ref(b"Root")
            .ok_or_else(|| damaged("trailer has no /Root reference"))
    }

    pub(crate) fn catalog(&self) -> Result<Dict, PadesError> {
        let root = self.root_ref()?;
        let d = self.resolve_dict(&Object::Ref(root), "the catalog (/Root)")?;
        if d.get(b"Pages").is_none() {
            return Err(damaged("the catalog has no /Pages"));
        }
        Ok(d)
    }

    /// `/Count` of the page tree root (§7.7.3.2).
    pub(crate) fn page_count(&self, catalog: &Dict) -> Result<u32, PadesError> {
        let pages = self.resolve_dict(
            catalog.get(b"Pages").unwrap_or(&Object::Null),
            "the page tree root",
        )?;
        pages
            .get(b"Count")
            .and_then(Object::as_int)
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(|| damaged("page tree root has no valid /Count"))
    }

    /// Finds the page object of the 0-based `index` by walking `/Kids` with `/Count`.
    pub(crate) fn page_ref(&self, catalog: &Dict, index: u32) -> Result<ObjRef, PadesError> {
        let mut node_ref = catalog
            .get_ref(b"Pages")
            .ok_or_else(|| damaged("/Pages is not an indirect reference"))?;
        let mut remaining = u64::from(index);
        let mut visited = HashSet::new();
        'descend: for _ in 0..MAX_RESOLVE_DEPTH * 2 {
            if !visited.insert(node_ref) {
                return Err(damaged("page tree loops"));
            }
            let node = self.resolve_dict(&Object::Ref(node_ref), "a page tree node")?;
            let kids = match node.get(b"Kids").map(|k| self.resolve(k)).transpose()? {
                Some(Object::Array(k)) => k,
                _ => return Err(damaged("page tree node without /Kids")),
            };
            for kid in kids {
                let Object::Ref(kid_ref) = kid else {
                    return Err(damaged("page tree kid is not a reference"));
                };
                let kd = self.resolve_dict(&kid, "a page tree kid")?;
                let is_pages = kd.get_name(b"Type") == Some(b"Pages") || kd.get(b"Kids").is_some();
                if is_pages {
                    let count = kd
                        .get_int(b"Count")
                        .and_then(|c| u64::try_from(c).ok())
                        .ok_or_else(|| damaged("page tree node without /Count"))?;
                    if remaining < count {
                        node_ref = kid_ref;
                        continue 'descend;
                    }
                    remaining -= count;
                } else {
                    if remaining == 0 {
                        return Ok(kid_ref);
                    }
                    remaining -= 1;
                }
            }
            return Err(damaged(format!(
                "page {} not found in the page tree",
                index + 1
            )));
        }
        Err(damaged("page tree too deep"))
    }

    /// The file's `/ID` first element, if any (§14.4).
    pub(crate) fn id_first(&self) -> Option<Vec<u8>> {
        match self.trailer.get(b"ID") {
            Some(Object::Array(a)) => match a.first() {
                Some(Object::Str(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Reads the subsections of a classic table after the `xref` keyword (§7.5.4).
fn read_table(
    lx: &mut Lexer<'_>,
    budget: &Budget<'_>,
) -> Result<Vec<(u32, XrefEntry)>, PadesError> {
    let mut out = Vec::new();
    loop {
        let save = lx.pos;
        let (Some(start), Some(count)) = (lx.try_uint(), lx.try_uint()) else {
            lx.pos = save;
            break;
        };
        if start.saturating_add(count) > MAX_OBJECT_NUMBER + 1 {
            return Err(damaged("xref subsection out of range"));
        }
        budget.charge_xref_entries(count)?;
        for i in 0..count {
            let (Some(offset), Some(generation)) = (lx.try_uint(), lx.try_uint()) else {
                return Err(damaged("malformed xref table entry"));
            };
            lx.skip_ws();
            let kind = lx.regular_token();
            let num = (start + i) as u32;
            let e = match kind {
                b"n" => XrefEntry::InFile {
                    offset: usize::try_from(offset)
                        .map_err(|_| damaged("xref offset too large"))?,
                    generation: u16::try_from(generation).unwrap_or(u16::MAX),
                },
                b"f" => XrefEntry::Free,
                _ => return Err(damaged("malformed xref table entry type")),
            };
            // Offset 0 with `n` is an error in some writers; treat it as free.
            let e = match e {
                XrefEntry::InFile { offset: 0, .. } => XrefEntry::Free,
                e => e,
            };
            out.push((num, e));
        }
    }
    Ok(out)
}
