//! The editor bundle (`editor.html`): a new contract and a draft's edit page.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_editor();
}
