//! A large, valid PDF for the memory tests and benchmarks: one page showing one uncompressed
//! RGB image of pseudo-random pixels (incompressible, so no layer can shrink it), written
//! piece by piece with a classic cross-reference table.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a one-page PDF of about `size` bytes (at least 12 KiB of image data) to `path`.
pub fn write_big_pdf(path: &Path, size: usize) -> std::io::Result<()> {
    const WIDTH: usize = 4096;
    let row = WIDTH * 3;
    let height = (size / row).max(1);
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut pos = 0usize;
    let mut offsets = Vec::new();
    let mut put = |out: &mut BufWriter<std::fs::File>, bytes: &[u8]| -> std::io::Result<usize> {
        out.write_all(bytes)?;
        let at = pos;
        pos += bytes.len();
        Ok(at)
    };
    put(&mut out, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")?;
    let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q";
    let objects: [Vec<u8>; 4] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(put(&mut out, format!("{} 0 obj\n", i + 1).as_bytes())?);
        put(&mut out, body)?;
        put(&mut out, b"\nendobj\n")?;
    }
    let length = row * height;
    offsets.push(put(
        &mut out,
        format!(
            "5 0 obj\n<< /Type /XObject /Subtype /Image /Width {WIDTH} /Height {height} \
             /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {length} >>\nstream\n"
        )
        .as_bytes(),
    )?);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut chunk = vec![0u8; row * 64];
    let mut left = length;
    while left > 0 {
        for word in chunk.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes()[..word.len()]);
        }
        let n = left.min(chunk.len());
        put(&mut out, &chunk[..n])?;
        left -= n;
    }
    put(&mut out, b"\nendstream\nendobj\n")?;
    let xref = put(&mut out, b"xref\n0 6\n0000000000 65535 f\r\n")?;
    for off in &offsets {
        put(&mut out, format!("{off:010} 00000 n\r\n").as_bytes())?;
    }
    put(
        &mut out,
        format!(
            "trailer\n<< /Size 6 /Root 1 0 R /ID [<0123456789abcdef0123456789abcdef> \
             <0123456789abcdef0123456789abcdef>] >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    )?;
    out.flush()
}
