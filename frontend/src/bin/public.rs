//! The public bundle (`public.html`): the counterparty's signing page and the verification
//! pages, without the staff app.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_public();
}
