//! `tachiai`: parses the command line and runs it.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    backend::private_fs::restrict_new_files();
    let cli = backend::cli::Cli::parse();
    match backend::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("tachiai: {e:#}");
            std::process::exit(1);
        }
    }
}
