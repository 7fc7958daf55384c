//! One module per route; each page owns its resources and actions.

pub mod account;
pub mod address_book;
pub mod audit;
pub mod departments;
pub mod home;
pub mod login;
pub mod not_found;
pub mod organization_edit;
pub mod organization_new;
pub mod settings;
pub mod user_edit;
pub mod user_new;
pub mod users;
