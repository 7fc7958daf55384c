//! Development helper: renew the archive timestamp of a PAdES file.
//!
//! ```text
//! pades-renew IN.pdf OUT.pdf --tsa-url URL [--tsa-url URL]...
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let urls: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--tsa-url")
        .map(|w| w[1].clone())
        .collect();
    if args.len() < 4 || urls.is_empty() {
        eprintln!("usage: pades-renew IN.pdf OUT.pdf --tsa-url URL...");
        return ExitCode::from(2);
    }
    let input = match std::fs::read(&args[0]) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{}: {e}", args[0]);
            return ExitCode::from(2);
        }
    };
    let tsa = pades::HttpTimeStamper::new(urls);
    match pades::renew(&input, &tsa, &pades::HttpRevocationFetcher::default()) {
        Ok(out) => match std::fs::write(&args[1], out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{}: {e}", args[1]);
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("{e} ({})", e.code());
            ExitCode::from(if e.is_input_rejection() { 3 } else { 1 })
        }
    }
}
