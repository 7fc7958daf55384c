//! Stream decoding for the streams the reader needs (xref and object streams):
//! `/FlateDecode` (ISO 32000-1 §7.4.4) with the PNG and TIFF predictors of `/DecodeParms`
//! (§7.4.4.4, Table 8).

use std::io::Read;

use crate::limits::Budget;
use crate::object::{Dict, Object, PResult, ParseError};

/// Decodes `data` according to the stream dictionary's `/Filter` and `/DecodeParms`. Every
/// byte produced is charged to `budget` as it is inflated, so a "zip bomb" (or many small
/// ones) stops at the budget instead of exhausting memory.
pub(crate) fn decode_stream(dict: &Dict, data: &[u8], budget: &Budget<'_>) -> PResult<Vec<u8>> {
    let filters: Vec<&[u8]> = match dict.get(b"Filter") {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| match o {
                Object::Name(n) => Ok(n.as_slice()),
                _ => Err(ParseError::new("bad /Filter entry")),
            })
            .collect::<PResult<_>>()?,
        Some(_) => return Err(ParseError::new("bad /Filter")),
    };
    let params: Vec<Option<&Dict>> = match dict.get(b"DecodeParms") {
        None | Some(Object::Null) => vec![None; filters.len()],
        Some(Object::Dict(d)) => vec![Some(d)],
        Some(Object::Array(a)) => a.iter().map(|o| o.as_dict()).collect(),
        Some(_) => return Err(ParseError::new("bad /DecodeParms")),
    };
    budget.charge_stream_bytes(data.len() as u64)?;
    let mut buf = data.to_vec();
    for (i, f) in filters.iter().enumerate() {
        let p = params.get(i).copied().flatten();
        buf = match *f {
            b"FlateDecode" | b"Fl" => {
                let inflated = inflate(&buf, budget)?;
                apply_predictor(inflated, p)?
            }
            other => {
                return Err(ParseError::new(format!(
                    "unsupported filter /{} on a structural stream",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(buf)
}

fn inflate(data: &[u8], budget: &Budget<'_>) -> PResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(data);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match dec.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                budget.charge_stream_bytes(n as u64)?;
                budget.check_time()?;
                if out.capacity() - out.len() < n {
                    // Grow by doubling, but never beyond what the budget still allows.
                    let left = usize::try_from(budget.stream_bytes_left()).unwrap_or(usize::MAX);
                    let want = out.capacity().max(64 * 1024).min(n.saturating_add(left));
                    out.reserve_exact(want.max(n));
                }
                out.extend_from_slice(&chunk[..n]);
            }
            // Many writers omit the Adler-32 checksum or pad the stream; keep what was inflated.
            Err(_) if !out.is_empty() => break,
            Err(e) => return Err(ParseError::new(format!("FlateDecode failed: {e}"))),
        }
    }
    Ok(out)
}

fn param(p: Option<&Dict>, key: &[u8], default: i64) -> i64 {
    p.and_then(|d| d.get_int(key)).unwrap_or(default)
}

fn apply_predictor(data: Vec<u8>, p: Option<&Dict>) -> PResult<Vec<u8>> {
    let predictor = param(p, b"Predictor", 1);
    if predictor <= 1 {
        return Ok(data);
    }
    let colors = param(p, b"Colors", 1);
    let bpc = param(p, b"BitsPerComponent", 8);
    let columns = param(p, b"Columns", 1);
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bpc)
        || !(1..=1 << 20).contains(&columns)
    {
        return Err(ParseError::new("bad predictor parameters"));
    }
    // Bounded above, so the casts cannot overflow.
    let bpp = ((colors * bpc + 7) / 8) as usize;
    let row_len = ((colors * bpc * columns + 7) / 8) as usize;
    if predictor == 2 {
        if bpc != 8 {
            return Err(ParseError::new(
                "TIFF predictor only with 8 bits per component",
            ));
        }
        let mut out = data;
        for row in out.chunks_mut(row_len) {
            for i in bpp..row.len() {
                row[i] = row[i].wrapping_add(row[i - bpp]);
            }
        }
        return Ok(out);
    }
    if predictor < 10 {
        return Err(ParseError::new("unknown predictor"));
    }
    // PNG: each row is prefixed with its filter type byte. A row longer than the data is a lie
    // (absurd /Columns): refuse it rather than allocate it.
    if data.is_empty() {
        return Ok(data);
    }
    if row_len > data.len() {
        return Err(ParseError::new("predictor row longer than the stream"));
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        if chunk.len() < 2 {
            break;
        }
        let ft = chunk[0];
        let mut row = chunk[1..].to_vec();
        row.resize(row_len, 0);
        for i in 0..row_len {
            let left = if i >= bpp { row[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            let add = match ft {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(ParseError::new("bad PNG predictor row type")),
            };
            row[i] = row[i].wrapping_add(add);
        }
        out.extend_from_slice(&row);
        prev = row;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let pa = (p - i16::from(a)).abs();
    let pb = (p - i16::from(b)).abs();
    let pc = (p - i16::from(c)).abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{LimitKind, ReadLimits};
    use std::io::Write;

    #[test]
    fn a_flate_bomb_stops_at_the_budget() {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 8 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        let mut dict = Dict::default();
        dict.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
        let limits = ReadLimits {
            stream_bytes_floor: 1 << 20,
            stream_bytes_per_input_byte: 0,
            ..Default::default()
        };
        let budget = Budget::new(&bomb, &limits);
        assert_eq!(
            decode_stream(&dict, &bomb, &budget),
            Err(ParseError::Limit(LimitKind::StreamBytes))
        );
    }

    #[test]
    fn png_up_predictor_round_trip() {
        // Two rows of 3 columns, second encoded with "Up".
        let raw = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&raw).unwrap();
        let data = enc.finish().unwrap();
        let mut parms = Dict::default();
        parms.set(b"Predictor", Object::Int(12));
        parms.set(b"Columns", Object::Int(3));
        let mut dict = Dict::default();
        dict.set(b"Filter", Object::Name(b"FlateDecode".to_vec()));
        dict.set(b"DecodeParms", Object::Dict(parms));
        let budget = Budget::default_for(&data);
        assert_eq!(
            decode_stream(&dict, &data, &budget).unwrap(),
            vec![1, 2, 3, 2, 3, 4]
        );
    }
}
