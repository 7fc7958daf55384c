//! The administration bundle (`admin.html`): users, departments, address book and route
//! templates.
#![forbid(unsafe_code)]

fn main() {
    frontend::start_admin();
}
