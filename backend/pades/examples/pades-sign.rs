//! Development helper: sign one PDF.
//!
//! ```text
//! pades-sign IN.pdf OUT.pdf (--p12 FILE PASSWORD | --key KEY.pem --cert CERT.pem [--chain CA.pem]...)
//!            [--tsa-url URL]... [--field NAME] [--reason TEXT] [--level B-B|B-T|B-LT|B-LTA]
//!            [--visible PAGE,X,Y,W,H [--font FONT.ttf]]
//! ```
//! Exit status: 0 signed, 2 usage error, 3 input rejected, 1 other failure.

use std::process::ExitCode;

use pades::{HttpTimeStamper, LocalKeySigner, PadesLevel, PdfSigner, SignatureMetadata};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!(
            "usage: pades-sign IN OUT (--p12 FILE PASSWORD | --key KEY --cert CERT [--chain CA]...) [--tsa-url URL]... [--field NAME] [--reason TEXT]"
        );
        ExitCode::from(2)
    };
    if args.len() < 2 {
        return usage();
    }
    let (input, output) = (&args[0], &args[1]);
    let (mut key, mut cert, mut chain, mut p12, mut tsa) =
        (None, None, Vec::new(), None, Vec::new());
    let mut meta = SignatureMetadata::default();
    let mut level = None;
    let mut visible = None;
    let mut font = None;
    let mut i = 2;
    while i < args.len() {
        let next = |j: usize| args.get(j).cloned();
        match args[i].as_str() {
            "--key" => key = next(i + 1),
            "--cert" => cert = next(i + 1),
            "--chain" => chain.extend(next(i + 1)),
            "--tsa-url" => tsa.extend(next(i + 1)),
            "--field" => meta.field_name = next(i + 1),
            "--reason" => meta.reason = next(i + 1),
            "--visible" => {
                let v: Vec<f64> = next(i + 1)
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|x| x.parse().ok())
                    .collect();
                if v.len() != 5 {
                    return usage();
                }
                visible = Some((v[0] as u32, [v[1], v[2], v[3], v[4]]));
            }
            "--font" => font = next(i + 1),
            "--level" => {
                level = match next(i + 1).as_deref() {
                    Some("B-B") => Some(PadesLevel::BB),
                    Some("B-T") => Some(PadesLevel::BT),
                    Some("B-LT") => Some(PadesLevel::BLT),
                    Some("B-LTA") => Some(PadesLevel::BLTA),
                    _ => return usage(),
                }
            }
            "--p12" => {
                p12 = next(i + 1).zip(next(i + 2));
                i += 1;
            }
            _ => return usage(),
        }
        i += 2;
    }
    let signer = match (p12, key, cert) {
        (Some((file, pw)), _, _) => match std::fs::read(&file) {
            Ok(d) => LocalKeySigner::from_pkcs12(&d, &pw),
            Err(e) => {
                eprintln!("{file}: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(k), Some(c)) => {
            let chain: Vec<&std::path::Path> = chain.iter().map(std::path::Path::new).collect();
            LocalKeySigner::from_pem_files(k.as_ref(), c.as_ref(), &chain)
        }
        _ => return usage(),
    };
    let signer = match signer {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let original = match std::fs::read(input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{input}: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some((page, rect)) = visible {
        let path =
            font.unwrap_or_else(|| "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf".into());
        let f = match pades::TrueTypeFont::from_file(path.as_ref(), 0) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let url = "https://example.jp/v/R8-000123";
        let lines = ["電子署名済", "Example signer", "2026-11-25 14:05 JST", url];
        meta.stamp =
            Some(pades::VisibleStamp::new(f, page, rect, lines.map(String::from).to_vec()).qr(url));
    }
    let http = HttpTimeStamper::new(tsa.clone());
    let mut ps = PdfSigner::new(&signer, &meta);
    if !tsa.is_empty() {
        ps = ps.timestamper(&http);
    }
    if let Some(l) = level {
        ps = ps.level(l);
    }
    let t0 = std::time::Instant::now();
    match ps.sign(&original) {
        Ok(signed) => {
            let elapsed = t0.elapsed();
            if let Err(e) = std::fs::write(output, signed.bytes()) {
                eprintln!("{output}: {e}");
                return ExitCode::from(1);
            }
            eprintln!(
                "signed in {:.1} ms: {:?}",
                elapsed.as_secs_f64() * 1e3,
                signed.report()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{} ({})", e, e.code());
            ExitCode::from(if e.is_input_rejection() { 3 } else { 1 })
        }
    }
}
