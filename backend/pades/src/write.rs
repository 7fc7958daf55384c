//! PDF serialization and the incremental update (ISO 32000-1 §7.5.6).
//!
//! This is the only module that emits PDF syntax. The original bytes stay as they are (never
//! copied here): the new or replaced objects, a cross-reference section (a table, or a stream
//! when the file's newest section is one) and a trailer with `/Prev` form the tail to append.

use std::collections::BTreeMap;

use crate::document::{Document, XrefKind};
use crate::error::PadesError;
use crate::object::{Dict, ObjRef, Object};

/// A real number with at most three decimals, trailing zeros dropped (§7.3.3).
pub(crate) fn real(v: f64) -> Object {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    Object::Real(s.as_bytes().to_vec())
}

/// Compresses a stream's data for `/Filter /FlateDecode` (§7.4.4).
pub(crate) fn deflate(data: &[u8]) -> Result<Vec<u8>, PadesError> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).map_err(PadesError::crypto)?;
    enc.finish().map_err(PadesError::crypto)
}

/// Serializes `obj` into `out`. Strings are written in hexadecimal form (§7.3.4.3), which
/// needs no escaping and round-trips any byte.
pub(crate) fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(true) => out.extend_from_slice(b"true"),
        Object::Bool(false) => out.extend_from_slice(b"false"),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(r),
        Object::Str(s) => write_hex_string(out, s),
        Object::Name(n) => write_name(out, n),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(d) => write_dict(out, d),
        Object::Stream(s) => {
            let mut d = s.dict.clone();
            d.set(b"Length", Object::Int(s.data.len() as i64));
            write_dict(out, &d);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.data);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Ref(r) => out.extend_from_slice(r.to_string().as_bytes()),
    }
}

pub(crate) fn write_dict(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    for (k, v) in &d.0 {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

fn write_name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if (0x21..=0x7e).contains(&b) && !crate::object::is_delimiter(b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

fn write_hex_string(out: &mut Vec<u8>, s: &[u8]) {
    // Plain printable ASCII stays readable as a literal string (§7.3.4.2); anything else is hex.
    if s.len() <= 256
        && s.iter()
            .all(|b| (0x20..0x7f).contains(b) && !matches!(b, b'(' | b')' | b'\\'))
    {
        out.push(b'(');
        out.extend_from_slice(s);
        out.push(b')');
        return;
    }
    out.push(b'<');
    out.extend_from_slice(hex(s).as_bytes());
    out.push(b'>');
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A PDF text string (§7.9.2.2): UTF-16BE with a byte order mark, so Japanese text survives.
pub(crate) fn text_string(s: &str) -> Object {
    let mut v = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_be_bytes());
    }
    Object::Str(v)
}

/// A date string `D:YYYYMMDDHHmmSS+00'00'` (§7.9.4) for a UNIX time in seconds, in UTC.
pub(crate) fn pdf_date(unix_secs: i64) -> String {
    let (y, mo, d, h, mi, s) = crate::time::civil_from_unix(unix_secs);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+00'00'")
}

/// Appends one revision to an existing file (pyHanko's `IncrementalPdfFileWriter`).
pub(crate) struct IncrementalWriter<'a> {
    original: &'a [u8],
    prev: usize,
    kind: XrefKind,
    trailer: Dict,
    next_num: u32,
    /// New or replaced objects, serialized without the `N G obj` header.
    objects: BTreeMap<ObjRef, Vec<u8>>,
}

/// The appended revision: the bytes that follow the original (`tail`) and the offset in the
/// whole output of every object written. The original is never copied: whoever holds it (a
/// `Vec`, a memory-mapped file) appends the tail.
pub(crate) struct WrittenUpdate {
    pub tail: Vec<u8>,
    /// Length of the original: where `tail` starts in the output.
    pub base: usize,
    pub offsets: BTreeMap<ObjRef, usize>,
}

impl WrittenUpdate {
    /// Where the body of object `r` (after its `N G obj` line) starts in the output.
    pub(crate) fn body_offset(&self, r: ObjRef) -> usize {
        self.offsets[&r] + obj_header(r).len()
    }
}

fn obj_header(r: ObjRef) -> String {
    format!("{} {} obj\n", r.num, r.generation)
}

/// `/ByteRange` before the offsets are known: room for three 10-digit numbers.
const BYTE_RANGE_PLACEHOLDER: &[u8] = b"[0 0000000000 0000000000 0000000000]";

/// A signature or document-timestamp dictionary (§12.8.1, Table 252; §12.8.5) with a
/// `/ByteRange` placeholder and `/Contents` reserved as zeros, and where they are in the body.
pub(crate) struct SignatureDictBody {
    pub body: Vec<u8>,
    /// Offset of the `/ByteRange` array in the body.
    pub byte_range_at: usize,
    /// Offset of the `/Contents` hex string (its `<`) in the body.
    pub contents_at: usize,
}

/// Serializes `head` (`/Type`, `/Filter`, `/SubFilter`), then `/ByteRange` and `/Contents`
/// (`reserved` bytes, as hex), then `rest`.
pub(crate) fn signature_dict(head: &Dict, reserved: usize, rest: &Dict) -> SignatureDictBody {
    let mut body = Vec::with_capacity(reserved * 2 + 512);
    body.extend_from_slice(b"<<");
    let entry = |body: &mut Vec<u8>, k: &[u8], v: &Object| {
        write_name(body, k);
        body.push(b' ');
        write_object(body, v);
        body.push(b' ');
    };
    for (k, v) in &head.0 {
        entry(&mut body, k, v);
    }
    write_name(&mut body, b"ByteRange");
    body.push(b' ');
    let byte_range_at = body.len();
    body.extend_from_slice(BYTE_RANGE_PLACEHOLDER);
    body.push(b' ');
    write_name(&mut body, b"Contents");
    body.push(b' ');
    let contents_at = body.len();
    body.push(b'<');
    body.resize(body.len() + reserved * 2, b'0');
    body.push(b'>');
    body.push(b' ');
    for (k, v) in &rest.0 {
        entry(&mut body, k, v);
    }
    body.extend_from_slice(b">>");
    SignatureDictBody {
        body,
        byte_range_at,
        contents_at,
    }
}

/// Writes `range` over the `/ByteRange` placeholder at `at`, padded with spaces to its width.
pub(crate) fn patch_byte_range(bytes: &mut [u8], at: usize, range: [usize; 4]) {
    let mut array = Vec::new();
    write_object(
        &mut array,
        &Object::Array(range.iter().map(|&v| Object::Int(v as i64)).collect()),
    );
    let width = BYTE_RANGE_PLACEHOLDER.len();
    let close = array.pop();
    debug_assert_eq!(close, Some(b']'));
    array.resize(width - 1, b' ');
    array.push(b']');
    bytes[at..at + width].copy_from_slice(&array);
}

impl<'a> IncrementalWriter<'a> {
    pub(crate) fn new(doc: &Document<'a>) -> Self {
        let mut trailer = Dict::default();
        for key in [&b"Root"[..], b"Info"] {
            if let Some(v) = doc.trailer.get(key) {
                trailer.set(key, v.clone());
            }
        }
        let first_id = doc.id_first();
        let mut second = crate::sha256(&doc.data[doc.data.len().saturating_sub(4096)..]).to_vec();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        second.extend_from_slice(&nanos.to_be_bytes());
        let second = crate::sha256(&second)[..16].to_vec();
        let first = first_id.unwrap_or_else(|| second.clone());
        trailer.set(
            b"ID",
            Object::Array(vec![Object::Str(first), Object::Str(second)]),
        );
        IncrementalWriter {
            original: doc.data,
            prev: doc.startxref,
            kind: doc.last_kind,
            trailer,
            next_num: doc.size.max(1),
            objects: BTreeMap::new(),
        }
    }

    /// Reserves a new object number.
    pub(crate) fn alloc(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        r
    }

    /// Writes (or replaces) object `r` with `obj`.
    pub(crate) fn put(&mut self, r: ObjRef, obj: &Object) {
        let mut body = Vec::new();
        write_object(&mut body, obj);
        self.objects.insert(r, body);
    }

    /// Writes object `r` with an already serialized body.
    pub(crate) fn put_raw(&mut self, r: ObjRef, body: Vec<u8>) {
        self.objects.insert(r, body);
    }

    /// Produces the update that follows the original bytes.
    pub(crate) fn finish(mut self) -> WrittenUpdate {
        let extra: usize = self.objects.values().map(|b| b.len() + 32).sum();
        let base = self.original.len();
        let mut out = Vec::with_capacity(extra + 1024);
        if !matches!(self.original.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let mut offsets = BTreeMap::new();
        for (r, body) in &self.objects {
            offsets.insert(*r, base + out.len());
            out.extend_from_slice(obj_header(*r).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let prev = Object::Int(self.prev as i64);
        match self.kind {
            XrefKind::Stream => {
                let xref_ref = self.alloc();
                let xref_offset = base + out.len();
                offsets.insert(xref_ref, xref_offset);
                let size = self.next_num;
                let mut rows: Vec<(u32, Vec<u8>)> = offsets
                    .iter()
                    .map(|(r, off)| {
                        let mut row = vec![1u8];
                        row.extend_from_slice(&(*off as u64).to_be_bytes()[3..]); // 5 bytes
                        row.extend_from_slice(&r.generation.to_be_bytes());
                        (r.num, row)
                    })
                    .collect();
                rows.sort_by_key(|(n, _)| *n);
                let mut index = Vec::new();
                let mut data = Vec::new();
                for (start, count) in runs(rows.iter().map(|(n, _)| *n)) {
                    index.push(Object::Int(i64::from(start)));
                    index.push(Object::Int(i64::from(count)));
                }
                for (_, row) in &rows {
                    data.extend_from_slice(row);
                }
                let mut d = self.trailer.clone();
                d.set(b"Type", Object::Name(b"XRef".to_vec()));
                d.set(b"Size", Object::Int(i64::from(size)));
                d.set(b"Index", Object::Array(index));
                d.set(
                    b"W",
                    Object::Array(vec![Object::Int(1), Object::Int(5), Object::Int(2)]),
                );
                d.set(b"Prev", prev);
                let stream = Object::Stream(crate::object::Stream { dict: d, data });
                out.extend_from_slice(format!("{} 0 obj\n", xref_ref.num).as_bytes());
                write_object(&mut out, &stream);
                out.extend_from_slice(b"\nendobj\n");
                out.extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
            }
            XrefKind::Table | XrefKind::Hybrid => {
                let xref_offset = base + out.len();
                out.extend_from_slice(b"xref\n0 1\n0000000000 65535 f\r\n");
                let nums: Vec<u32> = offsets.keys().map(|r| r.num).collect();
                let mut it = offsets.iter();
                for (start, count) in runs(nums.into_iter()) {
                    out.extend_from_slice(format!("{start} {count}\n").as_bytes());
                    for _ in 0..count {
                        if let Some((r, off)) = it.next() {
                            out.extend_from_slice(
                                format!("{off:010} {:05} n\r\n", r.generation).as_bytes(),
                            );
                        }
                    }
                }
                let mut t = self.trailer.clone();
                t.set(b"Size", Object::Int(i64::from(self.next_num)));
                t.set(b"Prev", prev);
                out.extend_from_slice(b"trailer\n");
                write_dict(&mut out, &t);
                out.extend_from_slice(format!("\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes());
            }
        }
        WrittenUpdate {
            tail: out,
            base,
            offsets,
        }
    }
}

/// Groups sorted object numbers into `(start, count)` runs of consecutive numbers.
fn runs(nums: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for n in nums {
        match out.last_mut() {
            Some((s, c)) if *s + *c == n => *c += 1,
            _ => out.push((n, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings_are_escaped() {
        let mut out = Vec::new();
        write_object(
            &mut out,
            &Object::Array(vec![
                Object::Name(b"A B#".to_vec()),
                Object::Str(b"(x)".to_vec()),
            ]),
        );
        assert_eq!(out, b"[/A#20B#23 <287829>]");
        out.clear();
        write_object(&mut out, &Object::Str(b"D:2026".to_vec()));
        assert_eq!(out, b"(D:2026)");
    }

    #[test]
    fn runs_group_consecutive_numbers() {
        assert_eq!(
            runs([3, 4, 5, 9, 11, 12].into_iter()),
            vec![(3, 3), (9, 1), (11, 2)]
        );
    }

    #[test]
    fn japanese_text_is_utf16be_with_bom() {
        assert_eq!(
            text_string("立会"),
            Object::Str(vec![0xFE, 0xFF, 0x7A, 0xCB, 0x4F, 0x1A])
        );
    }
}
