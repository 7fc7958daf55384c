//! The settings bundle (`settings.html`): the organisation's settings and the own account.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_settings();
}
