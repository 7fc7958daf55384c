//! The sealing job (`contract.seal`): after each agreement the service adds its PAdES B-T
//! signature recording that party; when everyone has agreed (`Concluding`) it makes the file
//! B-LTA (validation data + document timestamp), issues the sealed completion certificate
//! (合意締結証明書) and concludes the contract.
//!
//! Fail closed and idempotent. The database is the truth: a seal counts only when its row is
//! committed, together with the recipient's `sealed_document_id`, in one transaction that first
//! checks that nobody else committed a newer file meanwhile. A crash (even `kill -9`) between
//! writing the blob and committing leaves an unreferenced blob and nothing else; the job is
//! taken over after its lease and starts again from what is committed. With the TSA down no file
//! is produced, the job is retried with backoff and the contract stays `Concluding`.
//!
//! **The sending seal.** Sending a contract enqueues this job with `act: "send"`
//! ([`enqueue_sending_seal`]): the service seals the file as sent (B-T, with the visible stamp),
//! its `/Reason` naming the sender and the completed approval route ([`SendingInstruction`]),
//! and in the same transaction asks the counterparties. A concluded file therefore carries the
//! sending seal, one seal per agreement and the B-LTA document timestamp.
//!
//! **A job that cannot complete says why.** Every failure is audited (`contract.seal_failed`,
//! with the reason in Japanese); the contract's page shows it (`ContractView::seal_trouble`);
//! after [`TELL_ADMINS_AFTER_ATTEMPTS`] failed attempts, and again when the job gives up
//! (a permanent failure, or [`crate::jobs::DEFAULT_MAX_ATTEMPTS`] attempts), the tenant's
//! administrators get a mail (`contract.seal_stuck`).

use std::sync::Arc;

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{
    self, ApprovalDecision, ContractActor, ContractEvent, ContractState, DocumentRole,
    RecipientState,
};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::certificate::{self, CompletionCertificate};
use crate::clock::{Millis, jst_date, jst_text};
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{Contract, Document, Recipient};
use crate::db::queries::audit_events::{self, AuditFilter};
use crate::db::queries::{
    approvals, contracts, departments, documents, recipients, tenants, users,
};
use crate::db::{self, AnyConnection, DbPool};
use crate::jobs::{Job, JobContext, JobError, JobHandler};
use crate::mail::{self, ContractRef, Link, MailTemplate, Party};
use crate::seal::{ActiveSeal, RouteApproval, SealService, SendingInstruction, keyring};
use crate::storage::BlobStore;
use crate::workflow::seal_marks;
use crate::workflow::signing::{Links, SEAL_JOB, TenantLinks, verification_method};
use crate::workflow::webhooks;
use shared::webhook::WebhookEvent;

/// Seals agreed contracts, each seal with the key active when it is made.
pub struct SealHandler {
    seal: Arc<SealService>,
    store: BlobStore,
    links: Links,
    download_link_days: i64,
}

impl SealHandler {
    /// A handler sealing with `seal`'s active key and TSAs, storing in `store`; the parties'
    /// download links after conclusion work for 30 days.
    pub fn new(seal: Arc<SealService>, store: BlobStore, links: Links) -> SealHandler {
        SealHandler {
            seal,
            store,
            links,
            download_link_days: 30,
        }
    }

    /// How long the download link in the "concluded" mail works.
    pub fn download_link_days(mut self, days: u32) -> SealHandler {
        self.download_link_days = i64::from(days.max(1));
        self
    }
}

#[derive(serde::Deserialize)]
struct Payload {
    contract_id: String,
    /// [`SEND_ACT`]: the sending seal (then the requests to the counterparties); otherwise
    /// the agreements' seals and the conclusion.
    #[serde(default)]
    act: Option<String>,
    /// Who sent the contract (the sending seal names them).
    #[serde(default)]
    sent_by: Option<String>,
}

/// The `act` of a sending seal job.
pub const SEND_ACT: &str = "send";

/// Failed attempts after which the administrators are told that a seal job keeps failing
/// (with the default backoff about 30 seconds after the first failure); they are told again
/// when the job gives up.
pub const TELL_ADMINS_AFTER_ATTEMPTS: i32 = 3;

/// Enqueues the seal of the sending act, inside the send transaction (so the contract is `Sent`
/// and the job exists together, or neither is).
///
/// **Decision: the counterparties are asked only after the sending seal.** The job seals the
/// file and, in the same transaction, mails the requests; until then the contract is 相手方確認中
/// but nobody has a link. So every counterparty views, downloads and agrees to the file as sealed
/// at sending — one version, whose hash the view, download and agreement events record — and no
/// agreement can be given on an unsealed file that a later seal would change under it. If the
/// TSA is down the job is retried with backoff (the contract waits, visibly: the contract page
/// shows why, and administrators are mailed after a few attempts and when it gives up); staff
/// can still send the contract back (下書きに戻す) or cancel it. The alternative — asking the
/// counterparties at once and sealing in the background — would let a counterparty agree to a
/// file without the city's seal, so it was not taken.
pub fn enqueue_sending_seal(
    conn: &mut AnyConnection,
    contract: &Contract,
    sent_by: &str,
) -> diesel::QueryResult<crate::jobs::JobId> {
    let key = format!(
        "seal-send:{}:{}",
        contract.id,
        contract.sent_at.unwrap_or_default()
    );
    crate::jobs::enqueue(
        conn,
        crate::jobs::NewJob::new(
            SEAL_JOB,
            json!({ "contract_id": contract.id, "act": SEND_ACT, "sent_by": sent_by }),
        )
        .tenant(&contract.tenant_id)
        .dedupe_key(&key),
    )
}

/// A failed seal step: the job's error and what it means in Japanese.
struct Failure {
    error: JobError,
    reason_ja: String,
}

impl From<JobError> for Failure {
    fn from(error: JobError) -> Failure {
        Failure {
            error,
            reason_ja: "電子署名の処理中にエラーが発生しました（データベースまたはファイル保存）。"
                .into(),
        }
    }
}

/// The origin of what the service does by itself (sealing, renewals).
pub(crate) fn system() -> Origin {
    Origin {
        actor_id: None,
        actor_label: "system".into(),
        ip: None,
        user_agent: None,
    }
}

fn internal(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

/// Why sealing failed: infrastructure (retry) or the file itself (give up).
fn pades_error(e: &pades::PadesError) -> Failure {
    let error = if e.is_input_rejection() {
        JobError::Permanent(format!("{} ({})", e, e.code()))
    } else {
        JobError::Retry(format!("{} ({})", e, e.code()))
    };
    Failure {
        error,
        reason_ja: crate::seal::message_ja(e),
    }
}

/// What is committed about one contract.
struct Snapshot {
    contract: Contract,
    recipients: Vec<Recipient>,
    documents: Vec<Document>,
    /// The tenant's URLs (the stamp and the certificate carry the verification URL).
    links: TenantLinks,
}

impl Snapshot {
    fn read(
        conn: &mut AnyConnection,
        links: &Links,
        tenant_id: &str,
        id: &str,
    ) -> Result<Snapshot, JobError> {
        Ok(Snapshot {
            links: links.of(conn, tenant_id).map_err(internal)?,
            contract: contracts::get(conn, TenantId(tenant_id), ContractId(id))
                .map_err(internal)?,
            recipients: recipients::list_for_contract(conn, TenantId(tenant_id), ContractId(id))
                .map_err(internal)?,
            documents: documents::list_for_contract(conn, TenantId(tenant_id), ContractId(id))
                .map_err(internal)?,
        })
    }

    /// The file the next seal goes on: the newest sealed one, else the uploaded main PDF.
    fn current_pdf(&self) -> Option<&Document> {
        self.documents
            .iter()
            .rev()
            .find(|d| d.role == DocumentRole::Sealed)
            .or_else(|| {
                self.documents
                    .iter()
                    .rev()
                    .find(|d| d.role == DocumentRole::Main)
            })
    }

    fn main_pdf(&self) -> Option<&Document> {
        self.documents
            .iter()
            .rev()
            .find(|d| d.role == DocumentRole::Main)
    }

    fn active(&self) -> impl Iterator<Item = &Recipient> {
        self.recipients
            .iter()
            .filter(|r| r.state != RecipientState::Forwarded)
    }

    /// The next agreement without its seal, in the order of agreement.
    fn next_unsealed(&self) -> Option<&Recipient> {
        self.active()
            .filter(|r| r.state == RecipientState::Agreed && r.sealed_document_id.is_none())
            .min_by_key(|r| (r.agreed_at, r.position))
    }
}

impl JobHandler for SealHandler {
    fn kind(&self) -> &'static str {
        SEAL_JOB
    }

    #[tracing::instrument(name = "seal", skip_all, fields(
        tenant_id = job.tenant_id.as_deref().unwrap_or("-"),
        contract_id = tracing::field::Empty,
        act = tracing::field::Empty,
    ))]
    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: Payload = job.payload()?;
        let span = tracing::Span::current();
        span.record("contract_id", payload.contract_id.as_str());
        span.record("act", payload.act.as_deref().unwrap_or("agreements"));
        let tenant_id = job
            .tenant_id
            .clone()
            .ok_or_else(|| JobError::Permanent("a seal job needs its tenant".into()))?;
        self.passes(ctx, &tenant_id, &payload).map_err(|f| {
            self.report_failure(&ctx.pool, job, &tenant_id, &payload.contract_id, &f);
            f.error
        })
    }
}

impl SealHandler {
    fn passes(&self, ctx: &JobContext, tenant_id: &str, payload: &Payload) -> Result<(), Failure> {
        if payload.act.as_deref() == Some(SEND_ACT) {
            let mut conn = ctx.pool.get().map_err(internal)?;
            let snap = Snapshot::read(&mut conn, &self.links, tenant_id, &payload.contract_id)?;
            drop(conn);
            return self.seal_sending(&ctx.pool, &snap, payload.sent_by.as_deref());
        }
        // Each pass commits one seal (or the conclusion); at most one pass per party + 1.
        for _ in 0..64 {
            let mut conn = ctx.pool.get().map_err(internal)?;
            let snap = Snapshot::read(&mut conn, &self.links, tenant_id, &payload.contract_id)?;
            drop(conn);
            if let Some(r) = snap.next_unsealed() {
                self.seal_agreement(&ctx.pool, &snap, r)?;
                continue;
            }
            let all_sealed = snap.active().all(|r| r.sealed_document_id.is_some());
            if snap.contract.state == ContractState::Concluding && all_sealed {
                self.conclude(&ctx.pool, &snap)?;
            }
            return Ok(());
        }
        Err(JobError::Retry("too many sealing passes".into()).into())
    }

    /// Audits a failed run and, after [`TELL_ADMINS_AFTER_ATTEMPTS`] attempts or when the job
    /// gives up, mails the tenant's administrators. Best effort: the job's own failure is what
    /// counts, and is recorded by the worker whatever happens here.
    fn report_failure(
        &self,
        pool: &DbPool,
        job: &Job,
        tenant_id: &str,
        contract_id: &str,
        f: &Failure,
    ) {
        let gave_up = matches!(f.error, JobError::Permanent(_)) || job.attempts >= job.max_attempts;
        let tell = gave_up || job.attempts == TELL_ADMINS_AFTER_ATTEMPTS;
        let detail = f.error.to_string();
        let Ok(mut conn) = pool.get() else { return };
        let links = &self.links;
        let result = db::tenant_transaction(&mut conn, tenant_id, |conn| {
            audit::record(
                conn,
                tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractSealFailed,
                    target: Some(("contract", contract_id)),
                    outcome: Outcome::Failure,
                    details: json!({
                        "reason_ja": f.reason_ja, "detail": detail, "attempt": job.attempts,
                        "max_attempts": job.max_attempts, "gave_up": gave_up,
                    }),
                },
                Millis::now(),
            )?;
            if !tell {
                return Ok(());
            }
            let c = contracts::get(conn, TenantId(tenant_id), ContractId(contract_id))?;
            let mut told = Vec::new();
            let staff_link = links.of(conn, tenant_id)?.contract(&c.id);
            for (u, to) in crate::workflow::users::admin_mailboxes(conn, tenant_id)? {
                mail::enqueue(
                    conn,
                    tenant_id,
                    &to,
                    &MailTemplate::SealTrouble(mail::SealTrouble {
                        staff_name: u.name.clone(),
                        contract: ContractRef {
                            title: c.title.clone(),
                            number: c.contract_number.clone(),
                        },
                        reason_ja: f.reason_ja.clone(),
                        detail: detail.clone(),
                        attempts: job.attempts,
                        gave_up,
                        link: staff_link.clone(),
                    }),
                )?;
                told.push(u.email.clone());
            }
            audit::record(
                conn,
                tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractSealStuck,
                    target: Some(("contract", contract_id)),
                    outcome: Outcome::Failure,
                    details: json!({
                        "reason_ja": f.reason_ja, "attempt": job.attempts, "gave_up": gave_up,
                        "told": told,
                    }),
                },
                Millis::now(),
            )?;
            Ok::<_, anyhow::Error>(())
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, contract = contract_id, "could not report a seal failure");
        }
    }

    /// The visible stamp, on the first seal of the file only (the sending seal, or for a
    /// contract sent before sending seals existed, the first agreement's).
    fn first_stamp(
        &self,
        snap: &Snapshot,
        now: Millis,
    ) -> Result<Option<pades::VisibleStamp>, JobError> {
        let first_seal = !snap
            .documents
            .iter()
            .any(|d| d.role == DocumentRole::Sealed);
        Ok(match (&snap.contract.stamp, first_seal) {
            (Some(s), true) => {
                let p: shared::dto::StampPlacement = serde_json::from_str(s)
                    .map_err(|e| JobError::Permanent(format!("stored stamp: {e}")))?;
                Some(crate::seal::standard_stamp(
                    crate::seal::japanese_font().map_err(internal)?,
                    p.page,
                    [p.x, p.y, p.width, p.height],
                    crate::seal::SEAL_NAME,
                    &snap.contract.contract_number,
                    &jst_text(now.unix_seconds()),
                    &snap.links.verification(&snap.contract.public_id),
                ))
            }
            _ => None,
        })
    }

    /// The completed approval route of the contract's current round, in the order decided.
    fn completed_route(
        conn: &mut AnyConnection,
        c: &Contract,
    ) -> anyhow::Result<Vec<RouteApproval>> {
        let steps = approvals::steps(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
        let mut out = Vec::new();
        for d in approvals::decisions(
            conn,
            TenantId(&c.tenant_id),
            ContractId(&c.id),
            c.approval_round,
        )? {
            if d.decision != ApprovalDecision::Approved {
                continue;
            }
            out.push(RouteApproval {
                step: steps
                    .iter()
                    .find(|s| s.id == d.step_id)
                    .map_or_else(|| "（変更前のルート）".to_owned(), |s| s.name.clone()),
                approver: users::get(conn, TenantId(&c.tenant_id), UserId(&d.user_id))
                    .map(|u| u.name)
                    .unwrap_or_default(),
                at: jst_text(Millis(d.at).unix_seconds()),
            });
        }
        Ok(out)
    }

    /// The seal of the sending act (B-T, the visible stamp), then, in the same transaction,
    /// the requests to the counterparties. Nothing happens when the contract is no longer
    /// `Sent` (sent back, cancelled) or the file is sealed already (a second run).
    fn seal_sending(
        &self,
        pool: &DbPool,
        snap: &Snapshot,
        sent_by: Option<&str>,
    ) -> Result<(), Failure> {
        let c = &snap.contract;
        let sealed_already = snap
            .documents
            .iter()
            .any(|d| d.role == DocumentRole::Sealed);
        if c.state != ContractState::Sent || sealed_already {
            return Ok(());
        }
        let base = snap
            .main_pdf()
            .ok_or_else(|| JobError::Permanent("the contract has no PDF".into()))?;
        let mut conn = pool.get().map_err(internal)?;
        let tenant = tenants::get(&mut conn, &c.tenant_id).map_err(internal)?;
        let department = match &c.department_id {
            Some(d) => departments::get(&mut conn, &c.tenant_id, d)
                .map(|d| d.name)
                .ok(),
            None => None,
        };
        let sender_id = sent_by.unwrap_or(&c.created_by);
        let sender =
            users::get(&mut conn, TenantId(&c.tenant_id), UserId(sender_id)).map_err(internal)?;
        let route = Self::completed_route(&mut conn, c).map_err(internal)?;
        let (key, tsa) = self.resolve(&mut conn, pool)?;
        drop(conn);
        let instruction = SendingInstruction {
            tenant: tenant.name.clone(),
            department,
            sender: sender.name.clone(),
            sent_at: c.sent_at.map(|t| jst_text(Millis(t).unix_seconds())),
            approvals: route.clone(),
        };
        let now = Millis::now();
        let meta = instruction.apply(pades::SignatureMetadata {
            name: Some(crate::seal::SEAL_NAME.into()),
            location: Some(tenant.name.clone()),
            signing_time_unix: Some(now.unix_seconds()),
            stamp: self.first_stamp(snap, now)?,
            ..pades::SignatureMetadata::default()
        });
        let signer = pades::PdfSigner::new(key.signer.as_ref(), &meta)
            .level(pades::PadesLevel::BT)
            .timestamper(&tsa)
            .revocation_fetcher(self.seal.revocation());
        let (stored, (_, report)) = self.seal_blob(&base.sha256, |f| signer.sign_file(f))?;
        let file_name = sealed_name(&base.file_name);
        let mut conn = pool.get().map_err(internal)?;
        let links = &self.links;
        let mut committed = false;
        db::tenant_transaction(&mut conn, &c.tenant_id, |conn| {
            let fresh = contracts::get(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
            let docs =
                documents::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
            if fresh.state != ContractState::Sent
                || fresh.sent_at != c.sent_at
                || docs.iter().any(|d| d.role == DocumentRole::Sealed)
            {
                return Ok(());
            }
            let doc = sealed_document(c, file_name.clone(), &stored, base.page_count);
            documents::insert(conn, &doc)?;
            seal_marks::record(conn, &self.store, &doc)?;
            keyring::record_seal(conn, &doc.tenant_id, &doc.id, &key, Millis::now())?;
            let route_json: Vec<_> = route
                .iter()
                .map(|a| json!({ "step": a.step, "approver": a.approver, "at": a.at }))
                .collect();
            audit::record(
                conn,
                &c.tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractSendingSealed,
                    target: Some(("contract", &c.id)),
                    outcome: Outcome::Success,
                    details: json!({
                        "level": "B-T", "sent_by": sender.id, "sender": sender.name,
                        "route": route_json, "reason": meta.reason, "document_id": doc.id,
                        "sha256": doc.sha256, "based_on": base.sha256,
                        "field": report.field_name, "seal_key": key.key_id,
                        "seal_source": key.source, "seal_certificate_sha256": key.cert_sha256,
                    }),
                },
                Millis::now(),
            )?;
            let mut all =
                recipients::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
            crate::workflow::signing::ask_first(conn, links, &fresh, &mut all, &system())
                .map_err(|e| anyhow::anyhow!("asking the counterparties: {e}"))?;
            committed = true;
            Ok::<_, anyhow::Error>(())
        })
        .map_err(internal)?;
        if committed {
            crate::metrics::global().seal_made("B-T");
            tracing::info!(pades_level = "B-T", "sending seal committed");
        }
        Ok(())
    }

    /// Adds the B-T signature that records `r`'s agreement.
    fn seal_agreement(&self, pool: &DbPool, snap: &Snapshot, r: &Recipient) -> Result<(), Failure> {
        let base = snap
            .current_pdf()
            .ok_or_else(|| JobError::Permanent("the contract has no PDF".into()))?;
        let mut conn = pool.get().map_err(internal)?;
        let tenant = tenants::get(&mut conn, &snap.contract.tenant_id).map_err(internal)?;
        let (key, tsa) = self.resolve(&mut conn, pool)?;
        drop(conn);
        let agreed_at = jst_text(Millis(r.agreed_at.unwrap_or(0)).unix_seconds());
        let instruction = crate::seal::SealInstruction {
            name: r.name.clone(),
            organization: Some(r.organization_name.clone()),
            email: Some(r.email.clone()),
            verification_method: Some(verification_method(r)),
            agreed_at: Some(agreed_at),
        };
        let now = Millis::now();
        let stamp = self.first_stamp(snap, now)?;
        let meta = instruction.apply(pades::SignatureMetadata {
            name: Some(crate::seal::SEAL_NAME.into()),
            location: Some(tenant.name.clone()),
            signing_time_unix: Some(now.unix_seconds()),
            stamp,
            ..pades::SignatureMetadata::default()
        });
        let signer = pades::PdfSigner::new(key.signer.as_ref(), &meta)
            .level(pades::PadesLevel::BT)
            .timestamper(&tsa)
            .revocation_fetcher(self.seal.revocation());
        let (stored, (_, report)) = self.seal_blob(&base.sha256, |f| signer.sign_file(f))?;
        let file_name = sealed_name(snap.main_pdf().map_or("契約書.pdf", |d| &d.file_name));
        let mut conn = pool.get().map_err(internal)?;
        let mut committed = false;
        db::tenant_transaction(&mut conn, &snap.contract.tenant_id, |conn| {
            // Committed meanwhile by another worker? Then this file is dropped.
            let now_docs = documents::list_for_contract(
                conn,
                TenantId(&snap.contract.tenant_id),
                ContractId(&snap.contract.id),
            )?;
            let newest = now_docs
                .iter()
                .rev()
                .find(|d| d.role == DocumentRole::Sealed)
                .or_else(|| now_docs.iter().rev().find(|d| d.role == DocumentRole::Main));
            let mut fresh = recipients::list_for_contract(
                conn,
                TenantId(&r.tenant_id),
                ContractId(&r.contract_id),
            )?
            .into_iter()
            .find(|x| x.id == r.id)
            .ok_or(diesel::result::Error::NotFound)?;
            if fresh.sealed_document_id.is_some() || newest.map(|d| &d.id) != Some(&base.id) {
                return Ok(());
            }
            let doc = sealed_document(&snap.contract, file_name.clone(), &stored, base.page_count);
            documents::insert(conn, &doc)?;
            seal_marks::record(conn, &self.store, &doc)?;
            keyring::record_seal(conn, &doc.tenant_id, &doc.id, &key, Millis::now())?;
            fresh.sealed_document_id = Some(doc.id.clone());
            fresh.updated_at = Millis::now().0;
            recipients::save(conn, &fresh)?;
            webhooks::emit(conn, WebhookEvent::ContractSealed, &snap.contract)?;
            audit::record(
                conn,
                &snap.contract.tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractSealed,
                    target: Some(("contract", &snap.contract.id)),
                    outcome: Outcome::Success,
                    details: json!({
                        "level": "B-T", "recipient_id": r.id, "instructed_by": r.name,
                        "reason": meta.reason, "document_id": doc.id, "sha256": doc.sha256,
                        "based_on": base.sha256, "field": report.field_name,
                        "seal_key": key.key_id, "seal_source": key.source,
                        "seal_certificate_sha256": key.cert_sha256,
                    }),
                },
                Millis::now(),
            )?;
            committed = true;
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(internal)?;
        if committed {
            crate::metrics::global().seal_made("B-T");
            tracing::info!(pades_level = "B-T", recipient_id = %r.id, "agreement seal committed");
        }
        Ok(())
    }

    /// Seals the stored file `sha256` into a new stored file by `work`, in memory that does not
    /// grow with the file.
    fn seal_blob<T>(
        &self,
        sha256: &str,
        work: impl FnOnce(&mut pades::MappedPdf) -> Result<T, pades::PadesError>,
    ) -> Result<(crate::storage::StoredBlob, T), Failure> {
        crate::seal::files::seal_blob(&self.store, sha256, work).map_err(|e| match e {
            crate::seal::files::FileSealError::Pades(e) => pades_error(&e),
            other => internal(other).into(),
        })
    }

    /// The key active now and the TSAs listed now: each seal uses what is current when it is
    /// made, so a key or TSA change needs no restart.
    fn resolve(
        &self,
        conn: &mut AnyConnection,
        pool: &DbPool,
    ) -> Result<(ActiveSeal, crate::seal::service::ServiceTsa<'_>), JobError> {
        let key = self.seal.active(conn).map_err(internal)?;
        let tsa = self.seal.timestamper(conn, pool).map_err(internal)?;
        Ok((key, tsa))
    }

    /// B-LTA on the signed file, the sealed completion certificate, and `Concluded`.
    fn conclude(&self, pool: &DbPool, snap: &Snapshot) -> Result<(), Failure> {
        let base = snap
            .current_pdf()
            .ok_or_else(|| JobError::Permanent("the contract has no PDF".into()))?;
        let mut conn = pool.get().map_err(internal)?;
        let (key, tsa) = self.resolve(&mut conn, pool)?;
        drop(conn);
        let now = Millis::now().unix_seconds();
        let (final_pdf, ()) = self.seal_blob(&base.sha256, |f| {
            pades::renew_file_at(f, &tsa, self.seal.revocation(), now)
        })?;
        let now = Millis::now();
        let mut conn = pool.get().map_err(internal)?;
        let cert = self
            .certificate(&mut conn, snap, &final_pdf.sha256, now, &key)
            .map_err(internal)?;
        drop(conn);
        let cert_pdf = certificate::render(&cert).map_err(internal)?;
        let meta = pades::SignatureMetadata {
            name: Some(crate::seal::SEAL_NAME.into()),
            reason: Some(format!(
                "合意締結証明書（契約番号 {}）の発行",
                snap.contract.contract_number
            )),
            signing_time_unix: Some(now.unix_seconds()),
            ..pades::SignatureMetadata::default()
        };
        let sealed_cert = pades::PdfSigner::new(key.signer.as_ref(), &meta)
            .level(pades::PadesLevel::BLTA)
            .timestamper(&tsa)
            .revocation_fetcher(self.seal.revocation())
            .sign(&cert_pdf);
        let sealed_cert = sealed_cert.map_err(|e| pades_error(&e))?;
        let cert_blob = self.store.put(sealed_cert.bytes()).map_err(internal)?;
        let mut conn = pool.get().map_err(internal)?;
        let links = &self.links;
        let mut committed = false;
        db::tenant_transaction(&mut conn, &snap.contract.tenant_id, |conn| {
            let mut c = contracts::get(
                conn,
                TenantId(&snap.contract.tenant_id),
                ContractId(&snap.contract.id),
            )?;
            let docs =
                documents::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
            let newest = docs.iter().rev().find(|d| d.role == DocumentRole::Sealed);
            if c.state != ContractState::Concluding || newest.map(|d| &d.id) != Some(&base.id) {
                return Ok(());
            }
            let facts =
                crate::workflow::contracts::background_facts(ContractState::Concluding, true);
            let next = contract::apply(
                ContractState::Concluding,
                &ContractEvent::Sealed,
                &facts,
                &ContractActor::System,
            )
            .map_err(|e| anyhow::anyhow!("the state machine refused the seal: {e}"))?;
            let at = Millis::now().0;
            let main_name = sealed_name(snap.main_pdf().map_or("契約書.pdf", |d| &d.file_name));
            for (role, name, blob, pages) in [
                (DocumentRole::Sealed, main_name, &final_pdf, base.page_count),
                (
                    DocumentRole::Certificate,
                    format!("合意締結証明書_{}.pdf", c.contract_number),
                    &cert_blob,
                    None,
                ),
            ] {
                let id = uuid::Uuid::new_v4().to_string();
                let doc = Document {
                    id: id.clone(),
                    tenant_id: c.tenant_id.clone(),
                    contract_id: c.id.clone(),
                    role,
                    file_name: name,
                    content_type: "application/pdf".into(),
                    size: i64::try_from(blob.size).unwrap_or(i64::MAX),
                    sha256: blob.sha256.clone(),
                    page_count: pages,
                    created_by: None,
                    created_at: at,
                    removed_at: None,
                };
                documents::insert(conn, &doc)?;
                seal_marks::record(conn, &self.store, &doc)?;
                if role == DocumentRole::Certificate {
                    // B-LTA adds a document timestamp, not a seal; the certificate is sealed.
                    keyring::record_seal(conn, &c.tenant_id, &id, &key, Millis(at))?;
                }
            }
            c.state = next;
            c.concluded_at = Some(at);
            c.concluded_on = Some(jst_date(at));
            c.updated_at = at;
            contracts::save(conn, &c)?;
            webhooks::emit(conn, WebhookEvent::ContractConcluded, &c)?;
            audit::record(
                conn,
                &c.tenant_id,
                &system(),
                Entry {
                    action: AuditAction::ContractConcluded,
                    target: Some(("contract", &c.id)),
                    outcome: Outcome::Success,
                    details: json!({
                        "level": "B-LTA", "sha256": final_pdf.sha256,
                        "certificate_sha256": cert_blob.sha256, "concluded_on": c.concluded_on,
                        "seal_key": key.key_id, "seal_source": key.source,
                    }),
                },
                Millis::now(),
            )?;
            // Mails: each party gets a fresh link to download the concluded contract.
            let tenant = tenants::get(conn, &c.tenant_id)?;
            let tenant_links = links.of(conn, &c.tenant_id)?;
            for r in recipients::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?
            {
                if r.state != RecipientState::Agreed {
                    continue;
                }
                let mut r = r;
                let token = crate::auth::tokens::random_token();
                let expires = at + self.download_link_days * 86_400_000;
                r.link_token_hash = Some(crate::auth::tokens::digest(&token));
                r.link_expires_at = Some(expires);
                r.session_token_hash = None;
                r.updated_at = at;
                recipients::save(conn, &r)?;
                if let Some(to) = mail::mailbox(&r.name, &r.email) {
                    mail::enqueue(
                        conn,
                        &c.tenant_id,
                        &to,
                        &MailTemplate::Concluded(mail::Concluded {
                            recipient: Party {
                                name: r.name.clone(),
                                organization: r.organization_name.clone(),
                            },
                            tenant: tenant.name.clone(),
                            contract: ContractRef {
                                title: c.title.clone(),
                                number: c.contract_number.clone(),
                            },
                            download: Link {
                                url: tenant_links.signing(&token),
                                expires_at: Millis(expires),
                            },
                        }),
                    )?;
                }
            }
            if let Ok(u) = users::get(conn, TenantId(&c.tenant_id), UserId(&c.created_by))
                && let Some(to) = mail::mailbox(&u.name, &u.email)
            {
                mail::enqueue(
                    conn,
                    &c.tenant_id,
                    &to,
                    &MailTemplate::ConcludedNotice(mail::ConcludedNotice {
                        staff_name: u.name.clone(),
                        contract: ContractRef {
                            title: c.title.clone(),
                            number: c.contract_number.clone(),
                        },
                        link: tenant_links.contract(&c.id),
                    }),
                )?;
            }
            committed = true;
            Ok::<_, anyhow::Error>(())
        })
        .map_err(internal)?;
        if committed {
            crate::metrics::global().seal_made("B-LTA");
            tracing::info!(pades_level = "B-LTA", "contract concluded");
        }
        Ok(())
    }

    /// The certificate's data, from what is committed.
    fn certificate(
        &self,
        conn: &mut AnyConnection,
        snap: &Snapshot,
        final_sha256: &str,
        now: Millis,
        key: &ActiveSeal,
    ) -> anyhow::Result<CompletionCertificate> {
        let c = &snap.contract;
        let tenant = tenants::get(conn, &c.tenant_id)?;
        let department = match &c.department_id {
            Some(d) => departments::get(conn, &c.tenant_id, d)
                .map(|d| d.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let mut docs = Vec::new();
        if let Some(main) = snap.main_pdf() {
            docs.push(certificate::CertifiedDocument {
                file_name: main.file_name.clone(),
                role: DocumentRole::Main,
                size_bytes: main.size.max(0) as u64,
                pages: main.page_count.map(|p| p.max(0) as u32),
                original_sha256: main.sha256.clone(),
                sealed_sha256: Some(final_sha256.to_owned()),
            });
        }
        for a in snap
            .documents
            .iter()
            .filter(|d| d.role == DocumentRole::Attachment)
        {
            docs.push(certificate::CertifiedDocument {
                file_name: a.file_name.clone(),
                role: DocumentRole::Attachment,
                size_bytes: a.size.max(0) as u64,
                pages: a.page_count.map(|p| p.max(0) as u32),
                original_sha256: a.sha256.clone(),
                sealed_sha256: None,
            });
        }
        let by_id = |id: &str| snap.recipients.iter().find(|r| r.id == id);
        let parties = snap
            .active()
            .map(|r| certificate::AgreedParty {
                organisation: r.organization_name.clone(),
                name: r.name.clone(),
                email: r.email.clone(),
                verification_method: verification_method(r),
                ip_address: r.action_ip.clone().unwrap_or_default(),
                user_agent: r.action_user_agent.clone().unwrap_or_default(),
                agreed_at: jst_text(Millis(r.agreed_at.unwrap_or(0)).unix_seconds()),
                note: r
                    .forwarded_from
                    .as_deref()
                    .and_then(by_id)
                    .map(|f| format!("{} 様から転送", f.name)),
            })
            .collect();
        let steps = approvals::steps(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
        let mut approvals_out = Vec::new();
        for round in 1..=c.approval_round {
            for d in approvals::decisions(conn, TenantId(&c.tenant_id), ContractId(&c.id), round)? {
                let step = steps
                    .iter()
                    .find(|s| s.id == d.step_id)
                    .map_or_else(|| "（変更前のルート）".to_owned(), |s| s.name.clone());
                let approver = users::get(conn, TenantId(&c.tenant_id), UserId(&d.user_id))
                    .map(|u| u.name)
                    .unwrap_or_default();
                approvals_out.push(certificate::ApprovalRecord {
                    step,
                    approver,
                    decision: if d.decision == ApprovalDecision::Approved {
                        certificate::ApprovalDecision::Approved
                    } else {
                        certificate::ApprovalDecision::SentBack
                    },
                    decided_at: jst_text(Millis(d.at).unix_seconds()),
                    comment: Some(d.comment.clone()).filter(|c| !c.is_empty()),
                });
            }
        }
        let (mut events, _) = audit_events::list(
            conn,
            &c.tenant_id,
            &AuditFilter {
                action: None,
                actor_id: None,
                target_id: Some(&c.id),
                from: None,
                until: None,
            },
            1,
            500,
        )?;
        events.reverse();
        let sending_seal = events
            .iter()
            .rev()
            .find(|e| e.action == AuditAction::ContractSendingSealed.as_str())
            .and_then(|e| {
                let d: serde_json::Value = serde_json::from_str(&e.details).ok()?;
                let reason = d.get("reason")?.as_str()?.to_owned();
                Some(format!(
                    "{}　{reason}",
                    jst_text(Millis(e.at).unix_seconds())
                ))
            });
        let events = events
            .iter()
            .map(|e| certificate::TimelineEvent {
                at: jst_text(Millis(e.at).unix_seconds()),
                actor: e.actor_label.clone(),
                action: AuditAction::parse(&e.action)
                    .map_or_else(|| e.action.clone(), |a| a.label_ja().to_owned()),
            })
            .collect();
        Ok(CompletionCertificate {
            tenant_name: tenant.name,
            contract_number: c.contract_number.clone(),
            title: c.title.clone(),
            department,
            counterparty: c.counterparty_name.clone(),
            amount_yen: c.amount_yen,
            contract_period: match (&c.period_start, &c.period_end) {
                (Some(from), Some(to)) => Some(certificate::ContractPeriod {
                    from: from.clone(),
                    to: to.clone(),
                }),
                _ => None,
            },
            concluded_on: jst_date(now.0),
            documents: docs,
            parties,
            approvals: approvals_out,
            events,
            verification_url: snap.links.verification(&c.public_id),
            issued_at_unix: now.unix_seconds(),
            seal_subject: subject_of(key.signer.certificate()),
            tsa_name: "立会 内蔵タイムスタンプ局（開発用）".into(),
            sending_seal,
        })
    }
}

fn subject_of(cert: &x509_cert::Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

/// The row of a sealed file of `c` just stored as `stored`.
fn sealed_document(
    c: &Contract,
    file_name: String,
    stored: &crate::storage::StoredBlob,
    page_count: Option<i32>,
) -> Document {
    Document {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: c.tenant_id.clone(),
        contract_id: c.id.clone(),
        role: DocumentRole::Sealed,
        file_name,
        content_type: "application/pdf".into(),
        size: i64::try_from(stored.size).unwrap_or(i64::MAX),
        sha256: stored.sha256.clone(),
        page_count,
        created_by: None,
        created_at: Millis::now().0,
        removed_at: None,
    }
}

/// `契約書.pdf` → `契約書（電子署名済）.pdf`.
fn sealed_name(original: &str) -> String {
    match original.rsplit_once('.') {
        Some((stem, ext)) if ext.eq_ignore_ascii_case("pdf") => format!("{stem}（電子署名済）.pdf"),
        _ => format!("{original}（電子署名済）.pdf"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dates() {
        assert_eq!(sealed_name("契約書.PDF"), "契約書（電子署名済）.pdf");
        assert_eq!(sealed_name("contract"), "contract（電子署名済）.pdf");
    }
}
