//! The staff app's bundle (`index.html`).
#![forbid(unsafe_code)]

fn main() {
    frontend::start_staff();
}
