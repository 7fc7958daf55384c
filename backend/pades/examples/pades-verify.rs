//! Development helper: verify every signature of a PDF with the engine's own verifier.
//!
//! ```text
//! pades-verify FILE.pdf --trust ROOT.pem [--trust ROOT.pem]...
//! ```
//! Exit status: 0 all signatures OK, 1 a signature failed, 2 usage error, 3 unreadable input.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let roots: Vec<&String> = args
        .windows(2)
        .filter(|w| w[0] == "--trust")
        .map(|w| &w[1])
        .collect();
    if args.is_empty() || roots.is_empty() {
        eprintln!("usage: pades-verify FILE.pdf --trust ROOT.pem...");
        return ExitCode::from(2);
    }
    let mut ctx = pades::ValidationContext::default();
    for r in roots {
        match std::fs::read_to_string(r)
            .map_err(|e| e.to_string())
            .and_then(|p| ctx.add_pem(&p).map_err(|e| e.to_string()))
        {
            Ok(()) => {}
            Err(e) => {
                eprintln!("{r}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let pdf = match std::fs::read(&args[0]) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{}: {e}", args[0]);
            return ExitCode::from(2);
        }
    };
    match pades::verify(&pdf, &ctx) {
        Ok(statuses) => {
            let mut ok = !statuses.is_empty();
            for s in &statuses {
                ok &= s.is_ok();
                println!(
                    "{} {:<16} {:?} {} intact={} valid={} trusted={} coverage={:?} timestamp={} {}",
                    if s.is_ok() { "OK  " } else { "FAIL" },
                    s.field_name,
                    s.kind,
                    s.sub_filter,
                    s.intact,
                    s.valid,
                    s.trusted,
                    s.coverage,
                    s.timestamp
                        .as_ref()
                        .map_or("-".to_string(), |t| t.gen_time_unix.to_string()),
                    s.problems.join("; ")
                );
            }
            if statuses.is_empty() {
                println!("no signatures");
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(3)
        }
    }
}
