//! 長期署名の延長 (archive timestamp renewal, PAdES B-LTA, ETSI EN 319 142-1 §5.5): a concluded
//! contract's latest sealed file stays verifiable while its newest document timestamp does, i.e.
//! until that timestamp's TSA certificate expires or its hash algorithm is no longer relied on.
//! Before then ([`LtvPolicy`]: a margin, default one year) the file gets the validation data of
//! that timestamp (certificates, OCSP/CRL in the DSS) and a new document timestamp
//! (`pades::renew`), and the result is stored as a **new version**: a new `Sealed` document,
//! newest of the contract; the old one stays and stays downloadable.
//!
//! * **Where the state lives.** `ltv_archives`, one row per latest sealed file (discovered from
//!   the concluded contracts, its blob read once): the newest timestamp's time, TSA, the TSA
//!   certificate's end and the imprint's digest, and the renewal's state — `current`, `failed`
//!   (retried at `next_attempt_at`), `gave_up` (attempts ran out, or a failure that retrying
//!   cannot fix; administrators act) or `renewed` (a newer version exists).
//! * **Once, with several processes.** A renewal first claims the row with one conditional
//!   UPDATE (state current/failed, no live claim; the claim holds for [`CLAIM_LEASE_MS`] of
//!   wall-clock time and counts an attempt), then commits the new document, the new row, the
//!   old row's `renewed` and the audit event in one tenant transaction that first checks that
//!   the file is still the contract's newest. A crash leaves at most an unreferenced blob and a
//!   claim that runs out.
//! * **Failures say why and stop.** A failed attempt stores its reason on the row, is audited,
//!   is retried after 1 h, 4 h, 16 h, 64 h, then gives up after [`MAX_ATTEMPTS`]; the tenant's
//!   administrators get one mail per run that renewed or failed, and the dashboard counts the
//!   files due, failing and given up.
//! * **Time.** Every "now" here is a parameter: the due computation, the validation data's and —
//!   for the built-in development TSA — the timestamp's time all take it
//!   (`tachiai ltv renew-due --now`). Only the claim's lease uses the wall clock.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::DocumentRole;

use crate::audit::{self, Entry, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::config::Config;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::Document;
use crate::db::queries::{contracts, documents, tenants};
use crate::db::{self, AnyConnection, DbPool};
use crate::mail::{self, MailTemplate};
use crate::seal::SealKit;
use crate::storage::BlobStore;
use crate::workflow::sealing::system;
use crate::workflow::signing::Links;
use crate::workflow::webhooks;
use shared::webhook::WebhookEvent;

diesel::table! {
    /// Archive timestamp state of the latest sealed files (migration `2026-12-13-000000_ltv_archives`).
    ltv_archives (document_id) {
        document_id -> Text,
        tenant_id -> Text,
        contract_id -> Text,
        timestamp_at -> Nullable<BigInt>,
        tsa_subject -> Nullable<Text>,
        tsa_not_after -> Nullable<BigInt>,
        digest_algorithm -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        renewed_document_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

use ltv_archives::dsl as a;

/// Attempts before a renewal is given up and left to administrators.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a claim on a file holds (wall clock) before another process may take it over.
pub const CLAIM_LEASE_MS: i64 = 15 * 60_000;
/// The digest algorithm whose horizon is configured (`ltv_sha256_horizon`). SHA-384/512
/// imprints are bounded by their TSA certificate only.
pub const SHA256: &str = "SHA-256";

const CURRENT: &str = "current";
const FAILED: &str = "failed";
const GAVE_UP: &str = "gave_up";
const RENEWED: &str = "renewed";
const DAY_MS: i64 = 86_400_000;

/// When archive timestamps are renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LtvPolicy {
    /// How long before the end a file is renewed, ms.
    pub margin_ms: i64,
    /// Until when SHA-256 imprints are relied on, Unix ms.
    pub sha256_horizon_ms: i64,
}

impl LtvPolicy {
    /// `ltv_margin_days` and `ltv_sha256_horizon` of the configuration.
    pub fn from_config(config: &Config) -> LtvPolicy {
        LtvPolicy {
            margin_ms: i64::from(config.ltv_margin_days) * DAY_MS,
            sha256_horizon_ms: config.ltv_sha256_horizon,
        }
    }

    /// When a timestamp stops keeping its file verifiable: its TSA certificate's end, or its
    /// digest algorithm's horizon if that comes first.
    pub fn expires_at(&self, tsa_not_after_ms: i64, digest_algorithm: &str) -> i64 {
        if digest_algorithm == SHA256 {
            tsa_not_after_ms.min(self.sha256_horizon_ms)
        } else {
            tsa_not_after_ms
        }
    }

    /// When it is renewed.
    pub fn due_at(&self, expires_at: i64) -> i64 {
        expires_at.saturating_sub(self.margin_ms)
    }
}

/// The stored row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ltv_archives)]
struct Row {
    document_id: String,
    tenant_id: String,
    contract_id: String,
    timestamp_at: Option<i64>,
    tsa_subject: Option<String>,
    tsa_not_after: Option<i64>,
    digest_algorithm: Option<String>,
    state: String,
    attempts: i32,
    next_attempt_at: i64,
    claimed_by: Option<String>,
    claimed_until: Option<i64>,
    last_error: Option<String>,
    renewed_document_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn expires_at(&self, policy: &LtvPolicy) -> Option<i64> {
        Some(policy.expires_at(self.tsa_not_after?, self.digest_algorithm.as_deref()?))
    }

    fn new(doc: &Document, pdf: &[u8], at: i64) -> Row {
        let mut row = Row {
            document_id: doc.id.clone(),
            tenant_id: doc.tenant_id.clone(),
            contract_id: doc.contract_id.clone(),
            timestamp_at: None,
            tsa_subject: None,
            tsa_not_after: None,
            digest_algorithm: None,
            state: CURRENT.into(),
            attempts: 0,
            next_attempt_at: 0,
            claimed_by: None,
            claimed_until: None,
            last_error: None,
            renewed_document_id: None,
            created_at: at,
            updated_at: at,
        };
        match pades::newest_archive_timestamp(pdf) {
            Ok(ts) => {
                row.timestamp_at = Some(ts.gen_time_unix.saturating_mul(1000));
                row.tsa_subject = Some(ts.tsa_subject);
                row.tsa_not_after = Some(ts.tsa_not_after_unix.saturating_mul(1000));
                row.digest_algorithm = Some(ts.digest_algorithm.to_owned());
            }
            Err(e) => {
                row.state = GAVE_UP.into();
                row.last_error = Some(format!(
                    "no archive timestamp could be read from the file: {e} ({})",
                    e.code()
                ));
            }
        }
        row
    }
}

/// One latest sealed file, as `tachiai ltv status` and the dashboard show it.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveStatus {
    /// 団体コード.
    pub tenant: String,
    /// 契約番号.
    pub contract_number: String,
    /// The contract's id.
    pub contract_id: String,
    /// The file's document id.
    pub document_id: String,
    /// The newest archive timestamp's time (RFC 3339), if one was found.
    pub timestamp_at: Option<String>,
    /// Its TSA.
    pub tsa_subject: Option<String>,
    /// When it stops keeping the file verifiable (RFC 3339).
    pub expires_at: Option<String>,
    /// When it is renewed (RFC 3339).
    pub due_at: Option<String>,
    /// Due as of the time asked about (and not given up).
    pub due: bool,
    /// `current`, `failed` or `gave_up`.
    pub state: String,
    /// Renewal attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Files found and registered in this run.
    pub discovered: usize,
    /// Files due and claimed.
    pub attempted: usize,
    /// New versions stored.
    pub renewed: usize,
    /// Attempts that failed and will be retried.
    pub failed: usize,
    /// Attempts that failed for the last time.
    pub gave_up: usize,
    /// Files another process was renewing (claimed elsewhere).
    pub skipped: usize,
}

/// The latest sealed file of every concluded contract, `(tenant, contract) → document`.
fn latest_sealed(conn: &mut AnyConnection) -> QueryResult<Vec<Document>> {
    use crate::db::schema::contracts::dsl as c;
    use crate::db::schema::documents::dsl as d;
    let concluded = c::contracts.filter(c::state.eq("concluded")).select(c::id);
    let docs: Vec<Document> = d::documents
        .filter(d::role.eq(DocumentRole::Sealed.as_str()))
        .filter(d::removed_at.is_null())
        .filter(d::contract_id.eq_any(concluded))
        .order((d::contract_id, d::created_at, d::id))
        .select(Document::as_select())
        .load(conn)?;
    let mut newest: BTreeMap<(String, String), Document> = BTreeMap::new();
    for doc in docs {
        newest.insert((doc.tenant_id.clone(), doc.contract_id.clone()), doc);
    }
    Ok(newest.into_values().collect())
}

/// Registers the latest sealed files that have no row yet (their blob read once).
fn discover(conn: &mut AnyConnection, store: &BlobStore) -> anyhow::Result<usize> {
    let known: HashSet<String> = a::ltv_archives
        .select(a::document_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut added = 0;
    for doc in latest_sealed(conn)? {
        if known.contains(&doc.id) {
            continue;
        }
        let row = match store.read(&doc.sha256) {
            Ok(bytes) => Row::new(&doc, &bytes, Millis::now().0),
            Err(e) => {
                tracing::warn!(document = %doc.id, error = %e, "sealed file unreadable");
                continue;
            }
        };
        match diesel::insert_into(a::ltv_archives)
            .values(&row)
            .execute(conn)
        {
            Ok(_) => added += 1,
            // Another process registered it meanwhile.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(added)
}

/// Every latest sealed file not renewed yet, soonest due first, as of `now`.
pub fn status(
    conn: &mut AnyConnection,
    store: &BlobStore,
    policy: &LtvPolicy,
    now: Millis,
) -> anyhow::Result<Vec<ArchiveStatus>> {
    discover(conn, store)?;
    let rows: Vec<Row> = a::ltv_archives
        .filter(a::state.ne(RENEWED))
        .select(Row::as_select())
        .load(conn)?;
    let codes: BTreeMap<String, String> = tenants::list_chains(conn)?
        .into_iter()
        .map(|t| (t.id, t.code))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let expires = r.expires_at(policy);
        let due_at = expires.map(|e| policy.due_at(e));
        let number = contracts::get(conn, TenantId(&r.tenant_id), ContractId(&r.contract_id))
            .map(|c| c.contract_number)
            .unwrap_or_default();
        out.push(ArchiveStatus {
            tenant: codes.get(&r.tenant_id).cloned().unwrap_or_default(),
            contract_number: number,
            contract_id: r.contract_id,
            document_id: r.document_id,
            timestamp_at: r.timestamp_at.map(rfc3339),
            tsa_subject: r.tsa_subject,
            expires_at: expires.map(rfc3339),
            due_at: due_at.map(rfc3339),
            due: r.state != GAVE_UP && due_at.is_some_and(|d| d <= now.0),
            state: r.state,
            attempts: r.attempts,
            last_error: r.last_error,
        });
    }
    out.sort_by(|x, y| (&x.due_at, &x.document_id).cmp(&(&y.due_at, &y.document_id)));
    Ok(out)
}

/// Files of one tenant: due now or soon, failing, given up (the dashboard's figures).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TenantFigures {
    /// Due within the next 30 days (renewed automatically).
    pub due_soon: i64,
    /// The last renewal attempt failed; it will be retried.
    pub failing: i64,
    /// Given up: administrators must act.
    pub gave_up: i64,
}

/// The dashboard's figures for `tenant_id`, as of `now`.
pub fn figures(
    conn: &mut AnyConnection,
    tenant_id: &str,
    policy: &LtvPolicy,
    now: Millis,
) -> QueryResult<TenantFigures> {
    let rows: Vec<Row> = a::ltv_archives
        .filter(a::tenant_id.eq(tenant_id).and(a::state.ne(RENEWED)))
        .select(Row::as_select())
        .load(conn)?;
    let mut f = TenantFigures::default();
    for r in rows {
        match r.state.as_str() {
            FAILED => f.failing += 1,
            GAVE_UP => f.gave_up += 1,
            _ => {
                if r.expires_at(policy)
                    .is_some_and(|e| policy.due_at(e) <= now.0 + 30 * DAY_MS)
                {
                    f.due_soon += 1;
                }
            }
        }
    }
    Ok(f)
}

/// The dashboard's renewal figures when `actor` administers the tenant (`manage_settings`),
/// as of now.
pub fn dashboard_figures(
    conn: &mut AnyConnection,
    actor: &crate::workflow::actor::Actor,
    policy: &LtvPolicy,
) -> crate::workflow::error::WorkflowResult<Option<shared::dto::ArchiveRenewalView>> {
    if !actor
        .permissions
        .contains(&shared::access::Permission::ManageSettings)
    {
        return Ok(None);
    }
    let f = figures(conn, &actor.tenant_id, policy, Millis::now())?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(Some(shared::dto::ArchiveRenewalView {
        due_soon: n(f.due_soon),
        failing: n(f.failing),
        gave_up: n(f.gave_up),
    }))
}

/// Why an attempt failed; `permanent` when retrying cannot help.
struct Failure {
    reason: String,
    permanent: bool,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure {
            reason: e.to_string(),
            permanent: false,
        }
    }
}

/// What renews: where files are, the seal's TSA and revocation sources, when, and who.
pub struct Renewer<'a> {
    /// Database.
    pub pool: &'a DbPool,
    /// Blob store of the files.
    pub store: &'a BlobStore,
    /// TSA and revocation sources.
    pub kit: &'a SealKit,
    /// Margin and horizon.
    pub policy: LtvPolicy,
    /// The staff app's URLs (for the administrators' mail).
    pub links: &'a Links,
    /// This process, for the claim (`host:pid`).
    pub worker: String,
}

/// Retry delay after `attempts` failures: 1 h · 4ⁿ⁻¹, at most a week.
fn retry_delay_ms(attempts: i32) -> i64 {
    let n = attempts.saturating_sub(1).clamp(0, 10) as u32;
    (3_600_000i64 << (2 * n)).min(7 * DAY_MS)
}

fn system_time(at: Millis) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(at.0).unwrap_or(0))
}

impl Renewer<'_> {
    /// One run as of `now`: registers new files, renews every file due (and not claimed by
    /// another process), and mails each tenant's administrators what happened.
    pub fn run(&self, now: Millis) -> anyhow::Result<RunReport> {
        let mut conn = self.pool.get()?;
        let mut report = RunReport {
            discovered: discover(&mut conn, self.store)?,
            ..RunReport::default()
        };
        let rows: Vec<Row> = a::ltv_archives
            .filter(a::state.eq_any([CURRENT, FAILED]))
            .filter(a::next_attempt_at.le(now.0))
            .select(Row::as_select())
            .load(&mut conn)?;
        drop(conn);
        // Per tenant: renewed count, failure lines, given up count.
        let mut per_tenant: BTreeMap<String, (u32, Vec<String>, u32)> = BTreeMap::new();
        for row in rows {
            if row
                .expires_at(&self.policy)
                .is_none_or(|e| self.policy.due_at(e) > now.0)
            {
                continue;
            }
            if !self.claim(&row)? {
                report.skipped += 1;
                continue;
            }
            report.attempted += 1;
            let attempts = row.attempts + 1;
            let entry = per_tenant.entry(row.tenant_id.clone()).or_default();
            match self.renew_one(&row, now) {
                Ok(true) => {
                    report.renewed += 1;
                    entry.0 += 1;
                }
                Ok(false) => report.skipped += 1,
                Err(f) => {
                    let gave_up = f.permanent || attempts >= MAX_ATTEMPTS;
                    self.record_failure(&row, attempts, &f, gave_up, now)?;
                    if gave_up {
                        report.gave_up += 1;
                        entry.2 += 1;
                    } else {
                        report.failed += 1;
                    }
                    let number = self.contract_number(&row);
                    entry.1.push(format!("{number}: {}", f.reason));
                }
            }
        }
        for (tenant_id, (renewed, failures, gave_up)) in per_tenant {
            if let Err(e) = self.notify_admins(&tenant_id, renewed, failures, gave_up) {
                tracing::warn!(tenant = %tenant_id, error = %e, "could not mail the renewal report");
            }
        }
        Ok(report)
    }

    fn contract_number(&self, row: &Row) -> String {
        self.pool
            .get()
            .ok()
            .and_then(|mut c| {
                contracts::get(
                    &mut c,
                    TenantId(&row.tenant_id),
                    ContractId(&row.contract_id),
                )
                .ok()
            })
            .map_or_else(|| row.contract_id.clone(), |c| c.contract_number)
    }

    /// Takes the row for this process: one conditional UPDATE, so two processes never both
    /// get it. Counts an attempt.
    fn claim(&self, row: &Row) -> anyhow::Result<bool> {
        let wall = Millis::now().0;
        let mut conn = self.pool.get()?;
        let n = diesel::update(
            a::ltv_archives
                .filter(a::document_id.eq(&row.document_id))
                .filter(a::state.eq_any([CURRENT, FAILED]))
                .filter(a::attempts.eq(row.attempts))
                .filter(a::claimed_until.is_null().or(a::claimed_until.lt(wall))),
        )
        .set((
            a::claimed_by.eq(&self.worker),
            a::claimed_until.eq(wall + CLAIM_LEASE_MS),
            a::attempts.eq(row.attempts + 1),
            a::updated_at.eq(wall),
        ))
        .execute(&mut conn)?;
        Ok(n == 1)
    }

    /// Renews `row`'s file. `Ok(false)`: the file is no longer the contract's newest.
    fn renew_one(&self, row: &Row, now: Millis) -> Result<bool, Failure> {
        let mut conn = self.pool.get()?;
        let base = documents::get(
            &mut conn,
            TenantId(&row.tenant_id),
            ContractId(&row.contract_id),
            &row.document_id,
        )?;
        drop(conn);
        let at = system_time(now);
        // Renewed in a mapped copy: memory does not grow with the file.
        let (renewed, new_row_template) =
            crate::seal::files::work_on_blob(self.store, &base.sha256, |file| {
                pades::renew_file_at(
                    file,
                    &self.kit.tsa.at(at),
                    &self.kit.revocation.at(at),
                    now.unix_seconds(),
                )?;
                Ok(Row::new(
                    &base,
                    pades::PdfSource::bytes(file),
                    Millis::now().0,
                ))
            })
            .map_err(|e| match e {
                crate::seal::files::FileSealError::Pades(e) => Failure {
                    reason: format!("{e} ({})", e.code()),
                    permanent: e.is_input_rejection(),
                },
                other => other.into(),
            })?;
        let new_expiry = new_row_template.expires_at(&self.policy);
        let old_expiry = row.expires_at(&self.policy);
        match new_expiry {
            None => {
                return Err(Failure {
                    reason: new_row_template
                        .last_error
                        .unwrap_or_else(|| "the renewed file has no timestamp".into()),
                    permanent: false,
                });
            }
            Some(e) if self.policy.due_at(e) <= now.0 => {
                let why = if old_expiry.is_some_and(|o| e <= o) {
                    "the new timestamp would not last longer than the old one (the hash algorithm's horizon is reached: a TSA with a stronger hash is needed)"
                } else {
                    "the new timestamp would itself be due for renewal: the TSA's certificate ends within the renewal margin (configure a TSA with a newer certificate)"
                };
                return Err(Failure {
                    reason: format!(
                        "{why}; TSA {}, valid until {}",
                        new_row_template.tsa_subject.unwrap_or_default(),
                        rfc3339(e)
                    ),
                    permanent: false,
                });
            }
            Some(_) => {}
        }
        let stored = crate::seal::files::store_pending(self.store, renewed)?;
        let mut conn = self.pool.get()?;
        let committed = db::tenant_transaction(&mut conn, &row.tenant_id, |conn| {
            let docs = documents::list_for_contract(
                conn,
                TenantId(&row.tenant_id),
                ContractId(&row.contract_id),
            )?;
            let newest = docs.iter().rev().find(|d| d.role == DocumentRole::Sealed);
            if newest.map(|d| &d.id) != Some(&base.id) {
                diesel::update(a::ltv_archives.filter(a::document_id.eq(&row.document_id)))
                    .set((
                        a::claimed_by.eq(None::<String>),
                        a::claimed_until.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                return Ok::<_, anyhow::Error>(false);
            }
            let wall = Millis::now().0.max(base.created_at + 1);
            let doc = Document {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: base.tenant_id.clone(),
                contract_id: base.contract_id.clone(),
                role: DocumentRole::Sealed,
                file_name: base.file_name.clone(),
                content_type: "application/pdf".into(),
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256.clone(),
                page_count: base.page_count,
                created_by: None,
                created_at: wall,
                removed_at: None,
            };
            documents::insert(conn, &doc)?;
            crate::workflow::seal_marks::record(conn, self.store, &doc)?;
            let mut new_row = new_row_template;
            new_row.document_id = doc.id.clone();
            diesel::insert_into(a::ltv_archives)
                .values(&new_row)
                .execute(conn)?;
            diesel::update(a::ltv_archives.filter(a::document_id.eq(&row.document_id)))
                .set((
                    a::state.eq(RENEWED),
                    a::renewed_document_id.eq(Some(&doc.id)),
                    a::claimed_by.eq(None::<String>),
                    a::claimed_until.eq(None::<i64>),
                    a::last_error.eq(None::<String>),
                    a::updated_at.eq(wall),
                ))
                .execute(conn)?;
            let contract =
                contracts::get(conn, TenantId(&row.tenant_id), ContractId(&row.contract_id))?;
            webhooks::emit(conn, WebhookEvent::ContractRenewed, &contract)?;
            audit::record(
                conn,
                &row.tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractLtvRenewed,
                    target: Some(("contract", &row.contract_id)),
                    outcome: Outcome::Success,
                    details: json!({
                        "level": "B-LTA", "document_id": doc.id, "sha256": doc.sha256,
                        "based_on": base.id, "based_on_sha256": base.sha256,
                        "previous_tsa": row.tsa_subject,
                        "previous_expires_at": old_expiry.map(rfc3339),
                        "tsa": new_row.tsa_subject,
                        "timestamp_at": new_row.timestamp_at.map(rfc3339),
                        "expires_at": new_expiry.map(rfc3339),
                        "as_of": rfc3339(now.0),
                    }),
                },
                Millis::now(),
            )?;
            Ok(true)
        })?;
        Ok(committed)
    }

    fn record_failure(
        &self,
        row: &Row,
        attempts: i32,
        f: &Failure,
        gave_up: bool,
        now: Millis,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        let reason: String = f.reason.chars().take(2000).collect();
        db::tenant_transaction(&mut conn, &row.tenant_id, |conn| {
            diesel::update(a::ltv_archives.filter(a::document_id.eq(&row.document_id)))
                .set((
                    a::state.eq(if gave_up { GAVE_UP } else { FAILED }),
                    a::next_attempt_at.eq(now.0 + retry_delay_ms(attempts)),
                    a::last_error.eq(Some(&reason)),
                    a::claimed_by.eq(None::<String>),
                    a::claimed_until.eq(None::<i64>),
                    a::updated_at.eq(Millis::now().0),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &row.tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractLtvRenewalFailed,
                    target: Some(("contract", &row.contract_id)),
                    outcome: Outcome::Failure,
                    details: json!({
                        "document_id": row.document_id, "attempt": attempts,
                        "gave_up": gave_up, "reason": reason,
                        "next_attempt_at": (!gave_up).then(|| rfc3339(now.0 + retry_delay_ms(attempts))),
                        "as_of": rfc3339(now.0),
                    }),
                },
                Millis::now(),
            )?;
            Ok::<_, anyhow::Error>(())
        })
    }

    fn notify_admins(
        &self,
        tenant_id: &str,
        renewed: u32,
        failures: Vec<String>,
        gave_up: u32,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        db::tenant_transaction(&mut conn, tenant_id, |conn| {
            let tenant = tenants::get(conn, tenant_id)?;
            let link = format!("{}/", self.links.staff(conn, tenant_id)?);
            for (u, to) in crate::workflow::users::admin_mailboxes(conn, tenant_id)? {
                mail::enqueue(
                    conn,
                    tenant_id,
                    &to,
                    &MailTemplate::LtvReport(mail::LtvReport {
                        admin_name: u.name.clone(),
                        tenant: tenant.name.clone(),
                        renewed,
                        failures: failures.clone(),
                        gave_up,
                        link: link.clone(),
                    }),
                )?;
            }
            Ok::<_, anyhow::Error>(())
        })
    }
}

/// Forgets a disposed contract's files (保存期間・廃棄): their blobs are deleted, so there is
/// nothing left to renew, and discovery only looks at concluded contracts.
pub(crate) fn forget_contract(
    conn: &mut AnyConnection,
    tenant_id: &str,
    contract_id: &str,
) -> diesel::QueryResult<usize> {
    diesel::delete(
        a::ltv_archives.filter(
            a::tenant_id
                .eq(tenant_id)
                .and(a::contract_id.eq(contract_id)),
        ),
    )
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_of_certificate_end_and_hash_horizon_decides() {
        let p = LtvPolicy {
            margin_ms: 365 * DAY_MS,
            sha256_horizon_ms: 2_000_000_000_000,
        };
        assert_eq!(p.expires_at(1_900_000_000_000, SHA256), 1_900_000_000_000);
        assert_eq!(p.expires_at(2_100_000_000_000, SHA256), 2_000_000_000_000);
        assert_eq!(
            p.expires_at(2_100_000_000_000, "SHA-512"),
            2_100_000_000_000
        );
        assert_eq!(
            p.due_at(2_000_000_000_000),
            2_000_000_000_000 - 365 * DAY_MS
        );
    }

    #[test]
    fn retries_back_off_and_stay_bounded() {
        let hours: Vec<i64> = (1..=6).map(|n| retry_delay_ms(n) / 3_600_000).collect();
        assert_eq!(hours, [1, 4, 16, 64, 168, 168]);
    }
}
