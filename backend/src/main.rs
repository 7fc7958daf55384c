//! `tachiai`: parses the command line and runs it.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    backend::private_fs::restrict_new_files();
    let cli = backend::cli::Cli::parse();
    match backend::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // A refused seal key: one sentence in Japanese and English, exit 2 or 3.
            if let Some(refused) = e.downcast_ref::<backend::seal::SealKeyError>() {
                eprintln!("tachiai: {} / {refused}", refused.message_ja());
                std::process::exit(refused.exit_code());
            }
            eprintln!("tachiai: {e:#}");
            std::process::exit(1);
        }
    }
}
