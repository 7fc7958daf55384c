//! The administration bundle (`admin.html`): users, departments, address book, settings,
//! route templates and the own account.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_admin();
}
