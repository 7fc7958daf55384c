//! The PDF object model (ISO 32000-1 §7.3) and a small, strict-enough parser for it.
//!
//! Only what the signing update needs is parsed: the trailer, the catalog, the AcroForm and its
//! fields, the target page and the xref data. Parsing never panics: every malformed input ends in
//! [`ParseError`], which the reader turns into [`crate::PadesError::Damaged`].

use std::collections::HashSet;
use std::fmt;

use crate::limits::{Budget, LimitKind, ReadLimits};

/// Dictionaries with more keys than this find duplicates with a hash set, not by scanning.
const LINEAR_DEDUP_MAX: usize = 8;

/// An object reference `N G R` (§7.3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ObjRef {
    pub num: u32,
    pub generation: u16,
}

impl ObjRef {
    pub(crate) const fn new(num: u32, generation: u16) -> Self {
        Self { num, generation }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// A PDF object (§7.3). Reals keep their source text so that a copied dictionary is re-emitted
/// with the same value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(Vec<u8>),
    /// Literal or hexadecimal string, decoded to its bytes (§7.3.4).
    Str(Vec<u8>),
    /// Name without the slash, `#xx` escapes decoded (§7.3.5).
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Stream),
    Ref(ObjRef),
}

/// A dictionary, keys in source order (§7.3.7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Dict(pub Vec<(Vec<u8>, Object)>);

/// A stream: its dictionary and the raw (still encoded) bytes (§7.3.8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Stream {
    pub dict: Dict,
    pub data: Vec<u8>,
}

impl Dict {
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing entry in place or appending a new one.
    pub(crate) fn set(&mut self, key: &[u8], value: Object) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.0.push((key.to_vec(), value));
        }
    }

    pub(crate) fn get_name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn get_int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub(crate) fn get_ref(&self, key: &[u8]) -> Option<ObjRef> {
        match self.get(key) {
            Some(Object::Ref(r)) => Some(*r),
            _ => None,
        }
    }
}

impl Object {
    pub(crate) fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Why the bytes could not be parsed as a PDF object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The bytes are not what the syntax allows.
    Malformed(String),
    /// Parsing them would exceed the reading budget.
    Limit(LimitKind),
}

impl ParseError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        ParseError::Malformed(msg.into())
    }
}

impl From<LimitKind> for ParseError {
    fn from(k: LimitKind) -> Self {
        ParseError::Limit(k)
    }
}

pub(crate) type PResult<T> = Result<T, ParseError>;

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over the file bytes. Objects it parses are charged to its budget, if it has one.
pub(crate) struct Lexer<'a> {
    pub data: &'a [u8],
    pub pos: usize,
    budget: Option<&'a Budget<'a>>,
}

impl<'a> Lexer<'a> {
    /// A lexer for tokens outside any document budget (the header, `startxref`); nesting is
    /// still limited to the default.
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Self {
            data,
            pos,
            budget: None,
        }
    }

    /// A lexer whose parsed objects and nesting count against `budget`.
    pub(crate) fn with_budget(data: &'a [u8], pos: usize, budget: &'a Budget<'a>) -> Self {
        Self {
            data,
            pos,
            budget: Some(budget),
        }
    }

    fn max_nesting(&self) -> usize {
        self.budget
            .map_or(ReadLimits::default().max_nesting, Budget::max_nesting)
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Skips white space and comments (§7.2.3, §7.2.4).
    pub(crate) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a run of regular characters (a keyword or a number) without consuming delimiters.
    pub(crate) fn regular_token(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// Consumes `keyword` (after white space) or fails.
    pub(crate) fn expect_keyword(&mut self, keyword: &[u8]) -> PResult<()> {
        self.skip_ws();
        let save = self.pos;
        let tok = self.regular_token();
        if tok == keyword {
            Ok(())
        } else {
            self.pos = save;
            Err(ParseError::new(format!(
                "expected `{}` at offset {}",
                String::from_utf8_lossy(keyword),
                save
            )))
        }
    }

    /// Tries to read an unsigned integer token; restores the position on failure.
    pub(crate) fn try_uint(&mut self) -> Option<u64> {
        self.skip_ws();
        let save = self.pos;
        let tok = self.regular_token();
        if !tok.is_empty() && tok.iter().all(u8::is_ascii_digit) && tok.len() <= 18 {
            std::str::from_utf8(tok).ok()?.parse().ok()
        } else {
            self.pos = save;
            None
        }
    }

    /// Parses one direct object; `N G R` becomes a reference.
    pub(crate) fn parse_object(&mut self) -> PResult<Object> {
        self.parse_object_depth(0)
    }

    fn parse_object_depth(&mut self, depth: usize) -> PResult<Object> {
        if depth > self.max_nesting() {
            return Err(match self.budget {
                Some(b) => ParseError::Limit(b.too_deep()),
                None => ParseError::Limit(LimitKind::Nesting),
            });
        }
        if let Some(b) = self.budget {
            b.charge_objects(1)?;
        }
        self.skip_ws();
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(ParseError::new("unexpected end of file in object"));
        };
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()?))
            }
            b'(' => Ok(Object::Str(self.literal_string()?)),
            b'<' => {
                if self.data.get(self.pos + 1) == Some(&b'<') {
                    self.pos += 2;
                    Ok(Object::Dict(self.dict_body(depth)?))
                } else {
                    Ok(Object::Str(self.hex_string()?))
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(ParseError::new("unterminated array")),
                        _ => items.push(self.parse_object_depth(depth + 1)?),
                    }
                }
                Ok(Object::Array(items))
            }
            _ if is_regular(b) => {
                let tok = self.regular_token();
                match tok {
                    b"true" => Ok(Object::Bool(true)),
                    b"false" => Ok(Object::Bool(false)),
                    b"null" => Ok(Object::Null),
                    _ => self.number_or_ref(tok, start),
                }
            }
            _ => Err(ParseError::new(format!(
                "unexpected byte 0x{b:02x} at offset {start}"
            ))),
        }
    }

    fn number_or_ref(&mut self, tok: &[u8], start: usize) -> PResult<Object> {
        let is_int = !tok.is_empty()
            && tok
                .iter()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (i == 0 && (*c == b'+' || *c == b'-')))
            && tok.iter().any(u8::is_ascii_digit);
        if is_int {
            let text = std::str::from_utf8(tok).map_err(|_| ParseError::new("bad number"))?;
            let value: i64 = text
                .parse()
                .map_err(|_| ParseError::new(format!("integer out of range at {start}")))?;
            // Look ahead for `G R`.
            if value >= 0 && tok[0].is_ascii_digit() {
                let save = self.pos;
                if let Some(generation) = self.try_uint() {
                    self.skip_ws();
                    if self.peek() == Some(b'R')
                        && self.data.get(self.pos + 1).is_none_or(|c| !is_regular(*c))
                    {
                        self.pos += 1;
                        let num = u32::try_from(value)
                            .map_err(|_| ParseError::new("object number out of range"))?;
                        let generation = u16::try_from(generation)
                            .map_err(|_| ParseError::new("generation out of range"))?;
                        return Ok(Object::Ref(ObjRef::new(num, generation)));
                    }
                }
                self.pos = save;
            }
            return Ok(Object::Int(value));
        }
        let is_real = tok
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.'))
            && tok.iter().any(u8::is_ascii_digit);
        if is_real {
            return Ok(Object::Real(tok.to_vec()));
        }
        Err(ParseError::new(format!(
            "unexpected token `{}` at offset {start}",
            String::from_utf8_lossy(&tok[..tok.len().min(32)])
        )))
    }

    fn name_body(&mut self) -> PResult<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hex = self.data.get(self.pos..self.pos + 2);
                match hex.and_then(|h| Some((hex_val(h[0])?, hex_val(h[1])?))) {
                    Some((hi, lo)) => {
                        out.push(hi << 4 | lo);
                        self.pos += 2;
                    }
                    None => out.push(b'#'),
                }
            } else {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn literal_string(&mut self) -> PResult<Vec<u8>> {
        // at '('
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let Some(b) = self.peek() else {
                return Err(ParseError::new("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(ParseError::new("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> PResult<Vec<u8>> {
        // at '<'
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(b) = self.peek() else {
                return Err(ParseError::new("unterminated hex string"));
            };
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Ok(out);
            }
            if is_whitespace(b) {
                continue;
            }
            let v = hex_val(b).ok_or_else(|| ParseError::new("bad hex string"))?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }

    fn dict_body(&mut self, depth: usize) -> PResult<Dict> {
        let mut dict = Dict::default();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    dedup_keys(&mut dict);
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name_body()?;
                    let value = self.parse_object_depth(depth + 1)?;
                    dict.0.push((key, value));
                }
                None => return Err(ParseError::new("unterminated dictionary")),
                _ => {
                    return Err(ParseError::new(format!(
                        "dictionary key expected at offset {}",
                        self.pos
                    )));
                }
            }
        }
    }
}

/// Duplicate keys: the first one wins, as in most readers. Linear in the number of keys (a
/// trailer with 80,000 keys must not take seconds).
fn dedup_keys(dict: &mut Dict) {
    let n = dict.0.len();
    if n < 2 {
        return;
    }
    let keep: Vec<bool> = if n <= LINEAR_DEDUP_MAX {
        (0..n)
            .map(|i| !dict.0[..i].iter().any(|(k, _)| *k == dict.0[i].0))
            .collect()
    } else {
        let mut seen = HashSet::with_capacity(n);
        dict.0
            .iter()
            .map(|(k, _)| seen.insert(k.as_slice()))
            .collect()
    };
    if keep.iter().all(|k| *k) {
        return;
    }
    let mut flags = keep.into_iter();
    dict.0.retain(|_| flags.next().unwrap_or(false));
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Finds `needle` in `hay` starting at `from`.
pub(crate) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Finds the last `needle` in `hay`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Object {
        Lexer::new(s.as_bytes(), 0).parse_object().unwrap()
    }

    #[test]
    fn parses_nested_dictionary_with_reference_and_strings() {
        let o = parse("<< /A 1 0 R /B [1 -2 3.5 (a\\)b) <48 49>] /C#20D /x >>");
        let d = o.as_dict().unwrap();
        assert_eq!(d.get_ref(b"A"), Some(ObjRef::new(1, 0)));
        assert_eq!(
            d.get(b"B"),
            Some(&Object::Array(vec![
                Object::Int(1),
                Object::Int(-2),
                Object::Real(b"3.5".to_vec()),
                Object::Str(b"a)b".to_vec()),
                Object::Str(b"HI".to_vec()),
            ]))
        );
        assert_eq!(d.get_name(b"C D"), Some(&b"x"[..]));
    }

    #[test]
    fn integers_followed_by_non_r_are_not_references() {
        assert_eq!(
            parse("[1 2 3]"),
            Object::Array(vec![Object::Int(1), Object::Int(2), Object::Int(3)])
        );
        assert!(
            Lexer::new(b"[1 0 Rx]", 0).parse_object().is_err(),
            "`Rx` is not the R keyword"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let s = "[".repeat(100_000);
        assert_eq!(
            Lexer::new(s.as_bytes(), 0).parse_object(),
            Err(ParseError::Limit(LimitKind::Nesting))
        );
        let s = "<</A ".repeat(100_000);
        let budget = Budget::default_for(s.as_bytes());
        assert_eq!(
            Lexer::with_budget(s.as_bytes(), 0, &budget).parse_object(),
            Err(ParseError::Limit(LimitKind::Nesting))
        );
        assert_eq!(budget.exceeded(), Some(LimitKind::Nesting));
    }

    #[test]
    fn duplicate_keys_keep_the_first_value_in_small_and_large_dictionaries() {
        let small = parse("<< /A 1 /B 2 /A 3 >>");
        assert_eq!(
            small.as_dict().unwrap().0,
            vec![
                (b"A".to_vec(), Object::Int(1)),
                (b"B".to_vec(), Object::Int(2))
            ]
        );
        let mut text = String::from("<<");
        for i in 0..100 {
            text.push_str(&format!(" /K{} {i}", i % 40));
        }
        text.push_str(" >>");
        let large = parse(&text);
        let d = large.as_dict().unwrap();
        assert_eq!(d.0.len(), 40);
        assert_eq!(d.get(b"K7"), Some(&Object::Int(7)));
    }
}
