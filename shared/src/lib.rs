//! Tachiai's shared vocabulary: the domain types, the JSON DTOs of `/api/v1`, the permission
//! model and the problem codes. The server enforces with these types and the browser app
//! validates and decides what to show with the very same code, so the two cannot disagree.
//!
//! This crate does no I/O, reads no clock and draws no random numbers: it compiles for the
//! server and for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod audit;
pub mod contract;
pub mod dto;
pub mod notice;
pub mod printable;
pub mod problem;
pub mod records;
pub mod validate;
// Monthly usage report (月次利用状況報告).
pub mod report;

pub use access::{Permission, Role};
pub use problem::{Problem, ProblemCode};
// Webhooks (Webhook 通知).
pub mod webhook;
// Which browser bundle answers which path.
pub mod bundle;
// Network zones (ネットワークゾーン): LGWAN-ASP and the internet.
pub mod zone;
