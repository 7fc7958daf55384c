//! The templates bundle (`templates.html`): document templates (ひな形) and bulk sending (一括送信).
#![forbid(unsafe_code)]

fn main() {
    frontend::start_templates();
}
