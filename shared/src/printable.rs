//! Which characters the service can print: the completion certificate and the seal stamp are
//! drawn with one embedded font (IPAexGothic), and a character it lacks would print as 〓.
//! Text that ends up in them is checked here at input, in the browser and on the server alike.
//!
//! The table (`printable_chars.bin`) is the font's character map: 8,192 bytes of bits for the
//! Basic Multilingual Plane (bit `c % 8` of byte `c / 8`), then each supplementary-plane character
//! as a little-endian `u32`, ascending. The backend's tests compare it with the embedded font
//! and rewrite it with `UPDATE_PRINTABLE_CHARS=1`.

static TABLE: &[u8] = include_bytes!("printable_chars.bin");

/// Where the table lives in the source tree, for the test that regenerates it.
pub const TABLE_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/printable_chars.bin");

const BMP_BYTES: usize = 0x10000 / 8;

/// Whether `c` prints: the font has a glyph for it, or the documents drop it (variation
/// selectors and zero-width joiners; the base character is drawn). Control characters are the
/// text parsers' business, not this table's.
pub fn is_printable(c: char) -> bool {
    if matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{200B}'..='\u{200D}')
        || c.is_control()
    {
        return true;
    }
    let cp = c as u32;
    let (bmp, supplementary) = TABLE.split_at(BMP_BYTES);
    if cp < 0x10000 {
        bmp[(cp / 8) as usize] & (1 << (cp % 8)) != 0
    } else {
        let (entries, _) = supplementary.as_chunks::<4>();
        entries
            .binary_search_by(|b| u32::from_le_bytes(*b).cmp(&cp))
            .is_ok()
    }
}

/// The characters of `text` that would not print (each once, in order of appearance): what a
/// form shows next to the field, e.g. an emoji in a contract's title.
pub fn unprintable_chars(text: &str) -> Vec<char> {
    let mut found: Vec<char> = Vec::new();
    for c in text.chars() {
        if !is_printable(c) && !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

/// The table for a font with glyphs for `chars` (the format above): how the backend's test
/// rebuilds it from the embedded font.
pub fn table_for(chars: &[char]) -> Vec<u8> {
    let mut bits = vec![0u8; BMP_BYTES];
    let mut supplementary: Vec<u32> = Vec::new();
    for &c in chars {
        let cp = c as u32;
        if cp < 0x10000 {
            bits[(cp / 8) as usize] |= 1 << (cp % 8);
        } else {
            supplementary.push(cp);
        }
    }
    supplementary.sort_unstable();
    supplementary.dedup();
    bits.extend(supplementary.iter().flat_map(|cp| cp.to_le_bytes()));
    bits
}

/// The table the crate was built with (for the backend's comparison with the font).
pub fn table() -> &'static [u8] {
    TABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_text_prints_and_emoji_do_not() {
        assert!(unprintable_chars("業務委託契約書（令和8年度）ABC 123 髙橋 〓").is_empty());
        assert_eq!(unprintable_chars("契約😀書😀🙂"), vec!['😀', '🙂']);
        // Variation selectors are dropped by the documents, the base character is drawn.
        assert!(unprintable_chars("葛\u{E0100}").is_empty());
    }

    #[test]
    fn the_table_round_trips_through_its_format() {
        let chars = ['a', 'あ', '\u{20B9F}', '\u{2A6B2}'];
        let table = table_for(&chars);
        assert_eq!(table.len(), BMP_BYTES + 8);
        assert_eq!(&table[BMP_BYTES..BMP_BYTES + 4], &0x20B9Fu32.to_le_bytes());
    }
}
