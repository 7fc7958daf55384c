//! `notices`: maintenance and outage notices. A tenant's notices are read with its
//! `tenant_id`; service-wide notices have none and are read by every tenant's banner, and
//! changed only by the operator ([`NoticeOwner::Service`]).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::Notice;
use crate::db::schema::notices::dsl as n;

/// Whose notices a query may touch.
#[derive(Debug, Clone, Copy)]
pub enum NoticeOwner<'a> {
    /// One tenant's notices only (its administrators).
    Tenant(&'a str),
    /// Any notice (the operator's command line, the mail job).
    Service,
}

pub fn insert(conn: &mut AnyConnection, notice: &Notice) -> QueryResult<()> {
    diesel::insert_into(n::notices)
        .values(notice.clone())
        .execute(conn)
        .map(|_| ())
}

/// The notice `id` if `owner` may see it; another tenant's is `NotFound`.
pub fn get(conn: &mut AnyConnection, owner: NoticeOwner<'_>, id: &str) -> QueryResult<Notice> {
    let q = n::notices.filter(n::id.eq(id)).into_boxed();
    let q = match owner {
        NoticeOwner::Tenant(t) => q.filter(n::tenant_id.eq(t)),
        NoticeOwner::Service => q,
    };
    q.select(Notice::as_select()).first(conn)
}

/// A tenant's own notices (not the service-wide ones), newest first, one page.
pub fn list_of_tenant(
    conn: &mut AnyConnection,
    tenant_id: &str,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<Notice>, i64)> {
    let total = n::notices
        .filter(n::tenant_id.eq(tenant_id))
        .count()
        .get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = n::notices
        .filter(n::tenant_id.eq(tenant_id))
        .order((n::created_at.desc(), n::id))
        .limit(limit)
        .offset(offset)
        .select(Notice::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every notice not ended before `since` (the operator's list), by start.
pub fn list_all_since(conn: &mut AnyConnection, since: i64) -> QueryResult<Vec<Notice>> {
    n::notices
        .filter(n::ends_at.gt(since))
        .order((n::starts_at, n::id))
        .select(Notice::as_select())
        .load(conn)
}

/// The notices of one scope a banner may show at `now`: the tenant's own (`Some`) or the
/// service-wide ones (`None`); not withdrawn, not ended, starting before `now + lead`; by
/// start, at most `limit`.
pub fn list_shown(
    conn: &mut AnyConnection,
    tenant_id: Option<&str>,
    now: i64,
    lead: i64,
    limit: i64,
) -> QueryResult<Vec<Notice>> {
    let q = n::notices
        .filter(n::withdrawn_at.is_null())
        .filter(n::ends_at.gt(now))
        .filter(n::starts_at.le(now.saturating_add(lead)))
        .into_boxed();
    let q = match tenant_id {
        Some(t) => q.filter(n::tenant_id.eq(t)),
        None => q.filter(n::tenant_id.is_null()),
    };
    q.order((n::starts_at, n::id))
        .limit(limit)
        .select(Notice::as_select())
        .load(conn)
}

/// Stores a changed notice (by value: its kind is written as text).
pub fn save(conn: &mut AnyConnection, notice: &Notice) -> QueryResult<usize> {
    diesel::update(n::notices.filter(n::id.eq(&notice.id)))
        .set((
            n::kind.eq(notice.kind.as_str()),
            n::title.eq(&notice.title),
            n::body.eq(&notice.body),
            n::starts_at.eq(notice.starts_at),
            n::ends_at.eq(notice.ends_at),
            n::updated_at.eq(notice.updated_at),
            n::withdrawn_at.eq(notice.withdrawn_at),
        ))
        .execute(conn)
}
