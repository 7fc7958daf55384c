//! The administration bundle (`admin.html`): users, departments, address book, settings,
//! audit log and the own account.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_admin();
}
