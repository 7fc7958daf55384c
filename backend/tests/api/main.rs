//! API integration tests: every scenario runs on SQLite and, when 127.0.0.1:5432 answers, on
//! PostgreSQL (each in its own fresh database), against the real application.

mod helpers;
#[path = "../support/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../support/mod.rs"]
#[allow(dead_code)]
mod support;

mod administration;
mod audit;
mod auth;
mod bad_input;
mod contracts;
mod directory;
mod failures;
mod fuzz;
mod hardening;
mod integrations;
mod journey;
// Maintenance notices (お知らせ).
mod notices;
mod permissions;
// Monthly usage report (月次利用状況報告).
mod reports;
mod seal_keys;
mod web;
// Retention and disposition:
mod retention;
// Records management: the fiscal-year export.
mod exports;
// Idempotency keys and rate limits.
mod limits;
// Search over a large contract list.
mod search;
// Webhooks (Webhook 通知).
mod webhooks;
// Document templates (ひな形) and bulk sending (一括送信).
mod templates;
// Sanitisation-safe delivery: byte-exact downloads, rewritten copies traced to their original.
mod delivery;
// Observability: request IDs in problems, liveness and readiness.
mod observability;
// SMS verification of counterparties (SMS認証).
mod sms;
