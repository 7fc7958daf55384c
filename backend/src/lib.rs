//! Tachiai (立会): the server and operator CLI of a witness-type electronic contract service
//! for Japanese local governments.
//!
//! Data flows one way: `api` → `workflow` → (`db`, `audit`, `auth`). Handlers stay thin,
//! use-cases own transactions and audit events, and `db` is the only place with SQL.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod certificate;
pub mod cli;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod db;
pub mod jobs;
pub mod mail;
pub mod private_fs;
pub mod request_id;
pub mod seal;
pub mod secrets;
pub mod sms;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;
pub mod workflow;
// The browser app's files compressed once at start.
pub mod precompressed;
// Observability: Prometheus metrics and the readiness checks.
pub mod metrics;
pub mod readiness;
