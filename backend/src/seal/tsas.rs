//! The list of RFC 3161 time-stamp authorities in the database (`tsa_servers`), tried in order
//! by every seal job ([`super::service::ServiceTsa`]); editable while the service runs. While
//! the list is empty the configured `tsa_urls` are used (the initial/default list), and without
//! those the development PKI's TSA. Every change is an audit event in the `_system` chain.

use diesel::prelude::*;
use serde_json::json;
use shared::audit::AuditAction;
use shared::problem::ProblemCode;

use crate::audit::{Origin, Outcome, SYSTEM_CHAIN_ID};
use crate::clock::Millis;
use crate::db::schema::tsa_servers;
use crate::db::{self, AnyConnection};

/// Why a TSA list change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// Refused; nothing changed.
    #[error("{}", .0.message_en())]
    Refused(ProblemCode),
    /// The database.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<TsaError> for crate::workflow::WorkflowError {
    fn from(e: TsaError) -> Self {
        match e {
            TsaError::Refused(code) => code.into(),
            TsaError::Db(e) => e.into(),
        }
    }
}

/// An http(s) URL with a host, no spaces, at most 2000 characters.
pub fn check_url(url: &str) -> Result<String, TsaError> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && url.len() <= 2000
                && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(TsaError::Refused(ProblemCode::TsaUrlInvalid)),
    }
}

fn record(
    conn: &mut AnyConnection,
    origin: &Origin,
    action: AuditAction,
    id: &str,
    details: serde_json::Value,
    now: Millis,
) -> QueryResult<()> {
    super::keyring::record_in_system_chain(
        conn,
        origin,
        action,
        Some(("tsa", id)),
        Outcome::Success,
        details,
        now,
    )
}

/// Rewrites the positions 1..n in the given order.
fn renumber(conn: &mut AnyConnection, ids: &[String]) -> QueryResult<()> {
    for (i, id) in ids.iter().enumerate() {
        diesel::update(tsa_servers::table.find(id))
            .set(tsa_servers::position.eq(i as i32 + 1))
            .execute(conn)?;
    }
    Ok(())
}

fn ordered_ids(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    Ok(super::service::tsa_list(conn)?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// Adds `url` at `position` (from 1; default last). Returns its ID.
pub fn add(
    conn: &mut AnyConnection,
    url: &str,
    position: Option<u32>,
    origin: &Origin,
    now: Millis,
) -> Result<String, TsaError> {
    let url = check_url(url)?;
    let id = uuid::Uuid::new_v4().to_string();
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        let taken = tsa_servers::table
            .filter(tsa_servers::url.eq(&url))
            .count()
            .get_result::<i64>(conn)?;
        if taken > 0 {
            return Err(TsaError::Refused(ProblemCode::TsaDuplicate));
        }
        let mut ids = ordered_ids(conn)?;
        let at = position.map_or(ids.len(), |p| (p.max(1) as usize - 1).min(ids.len()));
        diesel::insert_into(tsa_servers::table)
            .values((
                tsa_servers::id.eq(&id),
                tsa_servers::url.eq(&url),
                tsa_servers::position.eq(at as i32 + 1),
                tsa_servers::created_at.eq(now.0),
            ))
            .execute(conn)?;
        ids.insert(at, id.clone());
        renumber(conn, &ids)?;
        record(
            conn,
            origin,
            AuditAction::TsaAdded,
            &id,
            json!({ "url": url, "position": at + 1 }),
            now,
        )?;
        Ok(id.clone())
    })
}

/// Removes a TSA (by ID, or by its URL).
pub fn remove(
    conn: &mut AnyConnection,
    id_or_url: &str,
    origin: &Origin,
    now: Millis,
) -> Result<(), TsaError> {
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        let (id, url) = find(conn, id_or_url)?;
        diesel::delete(tsa_servers::table.find(&id)).execute(conn)?;
        let ids = ordered_ids(conn)?;
        renumber(conn, &ids)?;
        record(
            conn,
            origin,
            AuditAction::TsaRemoved,
            &id,
            json!({ "url": url }),
            now,
        )?;
        Ok(())
    })
}

/// Moves a TSA to `position` (from 1) in the failover order.
pub fn move_to(
    conn: &mut AnyConnection,
    id_or_url: &str,
    position: u32,
    origin: &Origin,
    now: Millis,
) -> Result<(), TsaError> {
    db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        let (id, url) = find(conn, id_or_url)?;
        let mut ids = ordered_ids(conn)?;
        let from = ids.iter().position(|i| *i == id).unwrap_or(0);
        let moved = ids.remove(from);
        let to = (position.max(1) as usize - 1).min(ids.len());
        ids.insert(to, moved);
        renumber(conn, &ids)?;
        record(
            conn,
            origin,
            AuditAction::TsaMoved,
            &id,
            json!({ "url": url, "from": from + 1, "to": to + 1 }),
            now,
        )?;
        Ok(())
    })
}

fn find(conn: &mut AnyConnection, id_or_url: &str) -> Result<(String, String), TsaError> {
    tsa_servers::table
        .filter(
            tsa_servers::id
                .eq(id_or_url.trim())
                .or(tsa_servers::url.eq(id_or_url.trim())),
        )
        .select((tsa_servers::id, tsa_servers::url))
        .first(conn)
        .optional()?
        .ok_or(TsaError::Refused(ProblemCode::NotFound))
}
