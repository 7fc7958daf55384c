//! Building blocks that take props and render; they never fetch.

pub mod contract;
pub mod department;
pub mod form;
pub mod org_form;
pub mod pager;
pub mod pdf_view;
pub mod qr;
pub mod rows;
pub mod shell;
pub mod stamp_picker;
pub mod status;
pub mod steps_editor;
pub mod user_form;
// Maintenance notices (お知らせ).
pub mod notice_banner;
