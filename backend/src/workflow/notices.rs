//! Maintenance and outage notices (メンテナンス・障害のお知らせ, 仕様 6-(6)).
//!
//! Two publishers: the operator publishes service-wide notices (or one tenant's) with
//! `tachiai notice`, audited on the system chain (or that tenant's); a tenant's administrators
//! (`ManageNotices`) publish their own tenant's through the API, audited on its chain. Staff
//! see the current ones of their tenant and the service-wide ones as a banner on every page;
//! a counterparty's signing page shows those of the contract's tenant and the service-wide
//! ones, and nothing else (no tenant is named, an unknown link gets the service-wide ones).
//!
//! Planned maintenance is mailed to the tenants' administrators when published and again
//! [`REMINDER_LEAD_MS`] before it starts: both are `notice.mail` jobs enqueued with the notice
//! in one transaction, each with a dedupe key naming the notice, the phase and the start, so a
//! changed start schedules fresh mails while the stale ones find the start changed and send
//! nothing, and several processes send each mail once.

use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{NoticeBannerView, NoticeBannersView, NoticeRequest, NoticeView, Page};
use shared::notice::{
    self, BANNER_LEAD_MS, BANNER_MAX, NoticeKind, NoticeText, NoticeTitle, PeriodError,
    REMINDER_LEAD_MS,
};
use shared::problem::ProblemCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::{self, Entry, Origin, Outcome, SYSTEM_CHAIN_ID};
use crate::auth::tokens;
use crate::clock::Millis;
use crate::db::models::Notice;
use crate::db::queries::notices::{self, NoticeOwner};
use crate::db::queries::{recipients, tenants};
use crate::db::{self, AnyConnection};
use crate::jobs::{self, Job, JobContext, JobError, JobHandler, NewJob};
use crate::mail::{self, MailTemplate};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult};
use crate::workflow::signing::Links;
use crate::workflow::views::{notice_banner_view, notice_view};

/// The job kind that mails planned maintenance to administrators.
pub const MAIL_KIND: &str = "notice.mail";

/// A request, checked.
struct Checked {
    kind: NoticeKind,
    starts_at: i64,
    ends_at: i64,
    title: NoticeTitle,
    text: NoticeText,
}

/// An RFC 3339 time with an offset, as Unix milliseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Every field at once (title and text as field errors), then the window (a specific code).
fn check(req: &NoticeRequest, now: Millis) -> WorkflowResult<Checked> {
    let mut errors = FieldErrors::default();
    let title = errors.check("title", NoticeTitle::parse(&req.title));
    let text = errors.check("text", NoticeText::parse(&req.text));
    let (title, text) = errors.finish_with(|| Some((title?, text?)))?;
    let (Some(starts_at), Some(ends_at)) = (parse_time(&req.starts_at), parse_time(&req.ends_at))
    else {
        return Err(ProblemCode::NoticeTimeInvalid.into());
    };
    notice::check_period(starts_at, ends_at, now.0).map_err(|e| match e {
        PeriodError::EndBeforeStart => ProblemCode::NoticeEndBeforeStart,
        PeriodError::EndInPast => ProblemCode::NoticeEndInPast,
        PeriodError::TooLong => ProblemCode::NoticePeriodTooLong,
    })?;
    Ok(Checked {
        kind: req.kind,
        starts_at,
        ends_at,
        title,
        text,
    })
}

/// The audit chain a notice's changes go to: its tenant's, or the system chain.
fn chain_of(n: &Notice) -> &str {
    n.tenant_id.as_deref().unwrap_or(SYSTEM_CHAIN_ID)
}

fn record(
    conn: &mut AnyConnection,
    origin: &Origin,
    action: AuditAction,
    n: &Notice,
    details: serde_json::Value,
    now: Millis,
) -> WorkflowResult<()> {
    audit::record(
        conn,
        chain_of(n),
        origin,
        Entry {
            action,
            target: Some(("notice", &n.id)),
            outcome: Outcome::Success,
            details,
        },
        now,
    )?;
    Ok(())
}

/// Who publishes: the operator (any scope) or a tenant's administrator (their tenant only).
#[derive(Debug, Clone, Copy)]
pub struct Publisher<'a> {
    /// `None`: service-wide.
    pub tenant_id: Option<&'a str>,
    /// For the audit log.
    pub origin: &'a Origin,
}

/// Publishes a notice; planned maintenance schedules its mails in the same transaction.
pub fn publish(
    conn: &mut AnyConnection,
    by: Publisher<'_>,
    req: &NoticeRequest,
) -> WorkflowResult<Notice> {
    let now = Millis::now();
    let c = check(req, now)?;
    let n = Notice {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: by.tenant_id.map(str::to_owned),
        kind: c.kind,
        title: c.title.into_inner(),
        body: c.text.into_inner(),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        created_by: by.origin.actor_label.clone(),
        created_at: now.0,
        updated_at: now.0,
        withdrawn_at: None,
    };
    db::tenant_transaction(conn, chain_of(&n), |conn| {
        notices::insert(conn, &n)?;
        let mails = schedule_mails(conn, &n, now)?;
        record(
            conn,
            by.origin,
            AuditAction::NoticePublished,
            &n,
            json!({
                "kind": n.kind, "title": n.title,
                "starts_at": crate::clock::rfc3339(n.starts_at),
                "ends_at": crate::clock::rfc3339(n.ends_at),
                "scope": if n.tenant_id.is_some() { "tenant" } else { "service" },
                "mail_jobs": mails,
            }),
            now,
        )
    })?;
    Ok(n)
}

/// Changes a notice's kind, window, title or text; a withdrawn one is refused.
pub fn update(
    conn: &mut AnyConnection,
    owner: NoticeOwner<'_>,
    origin: &Origin,
    id: &str,
    req: &NoticeRequest,
) -> WorkflowResult<Notice> {
    let now = Millis::now();
    let before = notices::get(conn, owner, id)?;
    if before.withdrawn_at.is_some() {
        return Err(ProblemCode::NoticeWithdrawn.into());
    }
    let c = check(req, now)?;
    db::tenant_transaction(conn, chain_of(&before), |conn| {
        // Re-read under the lock: a withdrawal may have committed meanwhile.
        let mut n = notices::get(conn, owner, id)?;
        if n.withdrawn_at.is_some() {
            return Err(ProblemCode::NoticeWithdrawn.into());
        }
        n.kind = c.kind;
        n.title = c.title.into_inner();
        n.body = c.text.into_inner();
        n.starts_at = c.starts_at;
        n.ends_at = c.ends_at;
        n.updated_at = now.0;
        notices::save(conn, &n)?;
        let mails = schedule_mails(conn, &n, now)?;
        record(
            conn,
            origin,
            AuditAction::NoticeUpdated,
            &n,
            json!({
                "kind": [before.kind, n.kind],
                "title": [&before.title, &n.title],
                "text_changed": before.body != n.body,
                "starts_at": [crate::clock::rfc3339(before.starts_at), crate::clock::rfc3339(n.starts_at)],
                "ends_at": [crate::clock::rfc3339(before.ends_at), crate::clock::rfc3339(n.ends_at)],
                "mail_jobs": mails,
            }),
            now,
        )?;
        Ok(n)
    })
}

/// Withdraws a notice: banners stop showing it, its pending mails send nothing.
pub fn withdraw(
    conn: &mut AnyConnection,
    owner: NoticeOwner<'_>,
    origin: &Origin,
    id: &str,
) -> WorkflowResult<Notice> {
    let now = Millis::now();
    let found = notices::get(conn, owner, id)?;
    db::tenant_transaction(conn, chain_of(&found), |conn| {
        let mut n = notices::get(conn, owner, id)?;
        if n.withdrawn_at.is_some() {
            return Err(ProblemCode::NoticeWithdrawn.into());
        }
        n.withdrawn_at = Some(now.0);
        n.updated_at = now.0;
        notices::save(conn, &n)?;
        record(
            conn,
            origin,
            AuditAction::NoticeWithdrawn,
            &n,
            json!({ "kind": n.kind, "title": n.title }),
            now,
        )?;
        Ok(n)
    })
}

/// What the mail job is asked to do.
#[derive(Debug, Serialize, Deserialize)]
struct MailJob {
    notice_id: String,
    /// The start the mail announces: a notice whose start changed since sends nothing.
    starts_at: i64,
    /// The day-before reminder rather than the announcement.
    reminder: bool,
}

/// For planned maintenance ahead: the announcement now and, when the start is more than a day
/// away, the reminder a day before. Returns how many jobs were enqueued (0 otherwise).
fn schedule_mails(conn: &mut AnyConnection, n: &Notice, now: Millis) -> WorkflowResult<usize> {
    if n.kind != NoticeKind::Planned || n.starts_at <= now.0 {
        return Ok(0);
    }
    let mut phases = vec![(false, now)];
    let remind_at = n.starts_at - REMINDER_LEAD_MS;
    if remind_at > now.0 {
        phases.push((true, Millis(remind_at)));
    }
    for (reminder, run_at) in &phases {
        let key = format!(
            "notice.mail:{}:{}:{}",
            n.id,
            if *reminder { "reminder" } else { "published" },
            n.starts_at
        );
        let payload = serde_json::to_value(MailJob {
            notice_id: n.id.clone(),
            starts_at: n.starts_at,
            reminder: *reminder,
        })
        .map_err(|e| WorkflowError::Internal(e.into()))?;
        let mut job = NewJob::new(MAIL_KIND, payload)
            .run_at(*run_at)
            .dedupe_key(&key);
        if let Some(t) = &n.tenant_id {
            job = job.tenant(t);
        }
        jobs::enqueue(conn, job).map_err(|e| WorkflowError::Internal(e.into()))?;
    }
    Ok(phases.len())
}

/// Runs `notice.mail`: mails the administrators of the notice's tenant (of every tenant for a
/// service-wide notice), unless the notice was withdrawn, changed its start or kind, or
/// ended. Each mail has its own dedupe key, so a second run sends nothing new.
pub struct NoticeMailHandler {
    links: Links,
}

impl NoticeMailHandler {
    /// Mails link to `links.base`.
    pub fn new(links: Links) -> NoticeMailHandler {
        NoticeMailHandler { links }
    }
}

impl JobHandler for NoticeMailHandler {
    fn kind(&self) -> &'static str {
        MAIL_KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let p: MailJob = job.payload()?;
        let mut conn = ctx
            .pool
            .get()
            .map_err(|e| JobError::Retry(format!("no database connection: {e}")))?;
        mail_admins(&mut conn, &self.links, &p, ctx.now)
            .map(|_| ())
            .map_err(|e| JobError::Retry(format!("{e:#}")))
    }
}

/// Queues the mails of one job; returns how many administrators were addressed.
fn mail_admins(
    conn: &mut AnyConnection,
    links: &Links,
    p: &MailJob,
    now: Millis,
) -> anyhow::Result<usize> {
    let n = match notices::get(conn, NoticeOwner::Service, &p.notice_id) {
        Ok(n) => n,
        Err(diesel::result::Error::NotFound) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let stale = n.withdrawn_at.is_some()
        || n.kind != NoticeKind::Planned
        || n.starts_at != p.starts_at
        || n.ends_at <= now.0;
    if stale {
        return Ok(0);
    }
    let tenant_ids: Vec<String> = match &n.tenant_id {
        Some(t) => vec![t.clone()],
        None => tenants::list_chains(conn)?
            .into_iter()
            .map(|t| t.id)
            .filter(|id| id != SYSTEM_CHAIN_ID)
            .collect(),
    };
    let phase = if p.reminder { "reminder" } else { "published" };
    let mut addressed = 0;
    for tenant_id in tenant_ids {
        addressed += db::tenant_transaction(conn, &tenant_id, |conn| -> anyhow::Result<usize> {
            let tenant = tenants::get(conn, &tenant_id)?;
            let link = format!("{}/", links.staff(conn, &tenant_id)?);
            let mut count = 0;
            for (u, to) in crate::workflow::users::admin_mailboxes(conn, &tenant_id)? {
                mail::enqueue_once(
                    conn,
                    &tenant_id,
                    &to,
                    &MailTemplate::Maintenance(mail::Maintenance {
                        admin_name: u.name.clone(),
                        tenant: tenant.name.clone(),
                        title: n.title.clone(),
                        text: n.body.clone(),
                        starts_at: Millis(n.starts_at),
                        ends_at: Millis(n.ends_at),
                        reminder: p.reminder,
                        link: link.clone(),
                    }),
                    &format!("notice:{}:{phase}:{}:{}", n.id, n.starts_at, u.id),
                )?;
                count += 1;
            }
            Ok(count)
        })?;
    }
    Ok(addressed)
}

/// The banner's notices for `tenant_id` (`None`: service-wide only) at `now`: the service-wide
/// ones and the tenant's, each at most [`BANNER_MAX`], merged (active first, an outage before
/// the rest, the operator's before the tenant's, then by start) and cut to [`BANNER_MAX`], so
/// a tenant's own notices can never push the service-wide ones out of the banner.
fn banners(
    conn: &mut AnyConnection,
    tenant_id: Option<&str>,
    now: Millis,
) -> WorkflowResult<NoticeBannersView> {
    let limit = BANNER_MAX as i64;
    let mut rows = notices::list_shown(conn, None, now.0, BANNER_LEAD_MS, limit)?;
    if let Some(t) = tenant_id {
        rows.extend(notices::list_shown(
            conn,
            Some(t),
            now.0,
            BANNER_LEAD_MS,
            limit,
        )?);
    }
    rows.sort_by_key(|n| {
        (
            !notice::is_active(n.starts_at, n.ends_at, now.0),
            !n.kind.is_urgent(),
            n.tenant_id.is_some(),
            n.starts_at,
        )
    });
    rows.truncate(BANNER_MAX);
    Ok(NoticeBannersView {
        notices: rows
            .iter()
            .map(|n| notice_banner_view(n, now))
            .collect::<Vec<NoticeBannerView>>(),
    })
}

/// `GET /notices/current`: what the banner on every staff page shows. Every signed-in user
/// may read it (also before a required password change: the banner is on that page too).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id))]
pub fn current_notices(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<NoticeBannersView> {
    banners(conn, Some(&actor.tenant_id), Millis::now())
}

/// `GET /signing/{token}/notices`: the notices for a counterparty's signing page: the
/// service-wide ones and those of the tenant behind the link. An unknown link gets the
/// service-wide ones and the same shape, so the answer tells nothing of tenants or links.
#[tracing::instrument(skip_all)]
pub fn signing_notices(conn: &mut AnyConnection, token: &str) -> WorkflowResult<NoticeBannersView> {
    let tenant_id = if token.len() <= 128 {
        recipients::find_by_link_token(conn, &tokens::digest(token))?.map(|r| r.tenant_id)
    } else {
        None
    };
    banners(conn, tenant_id.as_deref(), Millis::now())
}

/// `GET /notices`: the tenant's own notices, newest first (needs `manage_notices`).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id))]
pub fn list_tenant_notices(
    conn: &mut AnyConnection,
    actor: &Actor,
    page: PageRequest,
) -> WorkflowResult<Page<NoticeView>> {
    actor.require(conn, Permission::ManageNotices)?;
    let now = Millis::now();
    let (rows, total) = notices::list_of_tenant(conn, &actor.tenant_id, page.page, page.per_page)?;
    Ok(page.wrap(rows.iter().map(|n| notice_view(n, now)).collect(), total))
}

/// `POST /notices`: publishes a notice of the actor's tenant.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_tenant_notice(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &NoticeRequest,
) -> WorkflowResult<NoticeView> {
    actor.require(conn, Permission::ManageNotices)?;
    let n = publish(
        conn,
        Publisher {
            tenant_id: Some(&actor.tenant_id),
            origin: &actor.origin,
        },
        req,
    )?;
    Ok(notice_view(&n, Millis::now()))
}

/// `PUT /notices/{id}`: changes one of the tenant's notices (a service-wide one, or another
/// tenant's, is `not_found`).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_tenant_notice(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &NoticeRequest,
) -> WorkflowResult<NoticeView> {
    actor.require(conn, Permission::ManageNotices)?;
    let n = update(
        conn,
        NoticeOwner::Tenant(&actor.tenant_id),
        &actor.origin,
        id,
        req,
    )?;
    Ok(notice_view(&n, Millis::now()))
}

/// `POST /notices/{id}/withdraw`: withdraws one of the tenant's notices.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn withdraw_tenant_notice(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<NoticeView> {
    actor.require(conn, Permission::ManageNotices)?;
    let n = withdraw(
        conn,
        NoticeOwner::Tenant(&actor.tenant_id),
        &actor.origin,
        id,
    )?;
    Ok(notice_view(&n, Millis::now()))
}

/// The operator's list (`tachiai notice list`): every notice not ended a day ago or more, with
/// its tenant's code (`None`: service-wide).
pub fn list_for_operator(
    conn: &mut AnyConnection,
    now: Millis,
) -> WorkflowResult<Vec<(Notice, Option<String>)>> {
    let codes: std::collections::HashMap<String, String> = tenants::list_chains(conn)?
        .into_iter()
        .map(|t| (t.id, t.code))
        .collect();
    Ok(notices::list_all_since(conn, now.0 - 86_400_000)?
        .into_iter()
        .map(|n| {
            let code = n.tenant_id.as_ref().and_then(|t| codes.get(t).cloned());
            (n, code)
        })
        .collect())
}
