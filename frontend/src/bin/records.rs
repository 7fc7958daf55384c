//! The records bundle (`records.html`): audit log, notices, retention, reports and exports.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_records();
}
