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
use crate::seal::SealKit;
use crate::storage::BlobStore;
use crate::workflow::signing::{Links, SEAL_JOB, verification_method};

/// Seals agreed contracts.
pub struct SealHandler {
    kit: Arc<SealKit>,
    store: BlobStore,
    links: Links,
    download_link_days: i64,
}

impl SealHandler {
    /// A handler sealing with `kit`, storing in `store`; the parties' download links after
    /// conclusion work for 30 days.
    pub fn new(kit: Arc<SealKit>, store: BlobStore, links: Links) -> SealHandler {
        SealHandler {
            kit,
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
fn pades_error(e: &pades::PadesError) -> JobError {
    if e.is_input_rejection() {
        JobError::Permanent(format!("{} ({})", e, e.code()))
    } else {
        JobError::Retry(format!("{} ({})", e, e.code()))
    }
}

/// What is committed about one contract.
struct Snapshot {
    contract: Contract,
    recipients: Vec<Recipient>,
    documents: Vec<Document>,
}

impl Snapshot {
    fn read(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> Result<Snapshot, JobError> {
        Ok(Snapshot {
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

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: Payload = job.payload()?;
        let tenant_id = job
            .tenant_id
            .clone()
            .ok_or_else(|| JobError::Permanent("a seal job needs its tenant".into()))?;
        // Each pass commits one seal (or the conclusion); at most one pass per party + 1.
        for _ in 0..64 {
            let mut conn = ctx.pool.get().map_err(internal)?;
            let snap = Snapshot::read(&mut conn, &tenant_id, &payload.contract_id)?;
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
        Err(JobError::Retry("too many sealing passes".into()))
    }
}

impl SealHandler {
    /// Adds the B-T signature that records `r`'s agreement.
    fn seal_agreement(
        &self,
        pool: &DbPool,
        snap: &Snapshot,
        r: &Recipient,
    ) -> Result<(), JobError> {
        let base = snap
            .current_pdf()
            .ok_or_else(|| JobError::Permanent("the contract has no PDF".into()))?;
        let bytes = self.store.read(&base.sha256).map_err(internal)?;
        let mut conn = pool.get().map_err(internal)?;
        let tenant = tenants::get(&mut conn, &snap.contract.tenant_id).map_err(internal)?;
        drop(conn);
        let agreed_at = jst_text(Millis(r.agreed_at.unwrap_or(0)).unix_seconds());
        let instruction = crate::seal::SealInstruction {
            name: r.name.clone(),
            organization: Some(r.organization_name.clone()),
            email: Some(r.email.clone()),
            verification_method: Some(verification_method(r)),
            agreed_at: Some(agreed_at),
        };
        let first_seal = !snap
            .documents
            .iter()
            .any(|d| d.role == DocumentRole::Sealed);
        let now = Millis::now();
        let stamp = match (&snap.contract.stamp, first_seal) {
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
                    &format!("{}/v/{}", self.links.base, snap.contract.public_id),
                ))
            }
            _ => None,
        };
        let meta = instruction.apply(pades::SignatureMetadata {
            name: Some(crate::seal::SEAL_NAME.into()),
            location: Some(tenant.name.clone()),
            signing_time_unix: Some(now.unix_seconds()),
            stamp,
            ..pades::SignatureMetadata::default()
        });
        let signed = pades::PdfSigner::new(self.kit.signer.as_ref(), &meta)
            .level(pades::PadesLevel::BT)
            .timestamper(&self.kit.tsa)
            .revocation_fetcher(&self.kit.revocation)
            .sign(&bytes);
        let signed = match signed {
            Ok(s) => s,
            Err(e) => {
                self.record_failure(pool, snap, &e);
                return Err(pades_error(&e));
            }
        };
        let stored = self.store.put(signed.bytes()).map_err(internal)?;
        let file_name = sealed_name(snap.main_pdf().map_or("契約書.pdf", |d| &d.file_name));
        let mut conn = pool.get().map_err(internal)?;
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
            let doc = Document {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: snap.contract.tenant_id.clone(),
                contract_id: snap.contract.id.clone(),
                role: DocumentRole::Sealed,
                file_name: file_name.clone(),
                content_type: "application/pdf".into(),
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256.clone(),
                page_count: base.page_count,
                created_by: None,
                created_at: Millis::now().0,
                removed_at: None,
            };
            documents::insert(conn, &doc)?;
            fresh.sealed_document_id = Some(doc.id.clone());
            fresh.updated_at = Millis::now().0;
            recipients::save(conn, &fresh)?;
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
                        "based_on": base.sha256, "field": signed.report().field_name,
                    }),
                },
                Millis::now(),
            )?;
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(internal)
    }

    fn record_failure(&self, pool: &DbPool, snap: &Snapshot, e: &pades::PadesError) {
        if let Ok(mut conn) = pool.get() {
            let _ = db::tenant_transaction(&mut conn, &snap.contract.tenant_id, |conn| {
                audit::record(
                    conn,
                    &snap.contract.tenant_id,
                    &system(),
                    Entry {
                        action: AuditAction::ContractSealFailed,
                        target: Some(("contract", &snap.contract.id)),
                        outcome: Outcome::Failure,
                        details: json!({ "reason": e.code(), "detail": e.to_string() }),
                    },
                    Millis::now(),
                )
                .map(|_| ())
            });
        }
    }

    /// B-LTA on the signed file, the sealed completion certificate, and `Concluded`.
    fn conclude(&self, pool: &DbPool, snap: &Snapshot) -> Result<(), JobError> {
        let base = snap
            .current_pdf()
            .ok_or_else(|| JobError::Permanent("the contract has no PDF".into()))?;
        let bytes = self.store.read(&base.sha256).map_err(internal)?;
        let lta = match pades::renew(&bytes, &self.kit.tsa, &self.kit.revocation) {
            Ok(b) => b,
            Err(e) => {
                self.record_failure(pool, snap, &e);
                return Err(pades_error(&e));
            }
        };
        let final_pdf = self.store.put(&lta).map_err(internal)?;
        let now = Millis::now();
        let mut conn = pool.get().map_err(internal)?;
        let cert = self
            .certificate(&mut conn, snap, &final_pdf.sha256, now)
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
        let sealed_cert = pades::PdfSigner::new(self.kit.signer.as_ref(), &meta)
            .level(pades::PadesLevel::BLTA)
            .timestamper(&self.kit.tsa)
            .revocation_fetcher(&self.kit.revocation)
            .sign(&cert_pdf);
        let sealed_cert = match sealed_cert {
            Ok(s) => s,
            Err(e) => {
                self.record_failure(pool, snap, &e);
                return Err(pades_error(&e));
            }
        };
        let cert_blob = self.store.put(sealed_cert.bytes()).map_err(internal)?;
        let mut conn = pool.get().map_err(internal)?;
        let links = &self.links;
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
                documents::insert(
                    conn,
                    &Document {
                        id: uuid::Uuid::new_v4().to_string(),
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
                    },
                )?;
            }
            c.state = next;
            c.concluded_at = Some(at);
            c.concluded_on = Some(jst_date(at));
            c.updated_at = at;
            contracts::save(conn, &c)?;
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
                    }),
                },
                Millis::now(),
            )?;
            // Mails: each party gets a fresh link to download the concluded contract.
            let tenant = tenants::get(conn, &c.tenant_id)?;
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
                                url: format!("{}/sign/{token}", links.base),
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
                        link: format!("{}/contracts/{}", links.base, c.id),
                    }),
                )?;
            }
            Ok::<_, anyhow::Error>(())
        })
        .map_err(internal)
    }

    /// The certificate's data, from what is committed.
    fn certificate(
        &self,
        conn: &mut AnyConnection,
        snap: &Snapshot,
        final_sha256: &str,
        now: Millis,
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
            verification_url: format!("{}/v/{}", self.links.base, c.public_id),
            issued_at_unix: now.unix_seconds(),
            seal_subject: subject_of(self.kit.signer.certificate()),
            tsa_name: "立会 内蔵タイムスタンプ局（開発用）".into(),
        })
    }
}

fn subject_of(cert: &x509_cert::Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
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
