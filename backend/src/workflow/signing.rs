//! The counterparty's side (仕様 5-(7)): a recipient without an account reaches the contract
//! through the link in their mail (a random token, stored as its SHA-256, expiring, for one
//! recipient), confirms with a one-time code sent to the same address (6 digits, 10 minutes,
//! 5 tries, then locked: 30 minutes, 2 hours, 24 hours, and after 20 wrong codes the link is
//! closed and the sender told, until staff send a new link) and the access code when one was
//! set (at least 6 characters), and then views,
//! downloads, agrees, declines or forwards. The confirmed session is a second random token,
//! presented as a bearer token (no cookie, so no cross-site request can use it).
//!
//! Every step is audited with the recipient's IP address and user agent. An agreement enqueues
//! the sealing job; the last agreement moves the contract to `Concluding`.

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{
    self, ContractActor, ContractEvent, ContractState, DocumentRole, RecipientEvent,
    RecipientOrder, RecipientState,
};
use shared::dto::{DocumentView, SigningForwardRequest, SigningView};
use shared::problem::ProblemCode;
use shared::validate::{EmailAddress, MobilePhone, OtpCode, PlainName, Text, ValidationError};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::auth::tokens;
use crate::clock::Millis;
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{Contract, Recipient};
use crate::db::queries::{contracts, departments, documents, recipients, tenants, users};
use crate::db::{self, AnyConnection};
use diesel::QueryResult;

use crate::jobs::{self, NewJob};
use crate::mail::{self, ContractRef, Link, MailTemplate, Party, Sender};
use crate::storage::BlobStore;
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult};
use crate::workflow::views::uuid;
use crate::workflow::webhooks;
use shared::webhook::WebhookEvent;

/// A one-time code (mailed or sent by SMS) is valid this long.
pub const CODE_MINUTES: i64 = 10;
/// Wrong codes before the link locks.
const MAX_CODE_FAILURES: i32 = 5;
/// How long each successive lock of a link lasts; one more round of wrong codes after the
/// last closes the link for good, so guessing cannot go on forever.
const LOCK_MINUTES: [i64; 3] = [30, 120, 24 * 60];
/// Wrong codes in all (over every lock) after which a link is closed.
pub const MAX_TOTAL_CODE_FAILURES: i32 = MAX_CODE_FAILURES * (LOCK_MINUTES.len() as i32 + 1);
/// A confirmed session lasts this long.
pub const SESSION_MINUTES: i64 = 60;
/// The job that seals agreed contracts.
pub const SEAL_JOB: &str = "contract.seal";

/// Where links in mails point: per tenant, its network zones' URLs, else the configured
/// `public_url` (see [`crate::workflow::network_zones`]). Staff read mails on LGWAN,
/// counterparties on the internet, so each link names the URL its reader can open.
#[derive(Debug, Clone)]
pub struct Links {
    /// `public_url` of the configuration, without a trailing slash.
    base: String,
}

impl Links {
    /// From the configured public URL.
    pub fn new(public_url: &str) -> Links {
        Links {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The tenant's two URLs (one read of its zones).
    pub fn of(&self, conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<TenantLinks> {
        let (staff, counterparty) =
            crate::workflow::network_zones::urls(conn, tenant_id, &self.base)?;
        Ok(TenantLinks {
            staff,
            counterparty,
        })
    }

    /// The URL the tenant's staff open the service with.
    pub fn staff(&self, conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<String> {
        Ok(self.of(conn, tenant_id)?.staff)
    }
}

/// One tenant's URLs, without a trailing slash.
#[derive(Debug, Clone)]
pub struct TenantLinks {
    /// For staff mails (the LGWAN zone's while it is enabled).
    pub staff: String,
    /// For counterparty mails, verification links and certificates (the internet zone's).
    pub counterparty: String,
}

impl TenantLinks {
    /// A counterparty's signing page.
    pub fn signing(&self, token: &str) -> String {
        format!("{}/sign/{token}", self.counterparty)
    }

    /// A contract's page in the staff app.
    pub fn contract(&self, id: &str) -> String {
        format!("{}/contracts/{id}", self.staff)
    }

    /// The public verification page of a concluded contract.
    pub fn verification(&self, public_id: &str) -> String {
        format!("{}/v/{public_id}", self.counterparty)
    }
}

fn party(r: &Recipient) -> Party {
    Party {
        name: r.name.clone(),
        organization: r.organization_name.clone(),
    }
}

fn contract_ref(c: &Contract) -> ContractRef {
    ContractRef {
        title: c.title.clone(),
        number: c.contract_number.clone(),
    }
}

fn mailbox(name: &str, email: &str) -> WorkflowResult<lettre::message::Mailbox> {
    mail::mailbox(name, email)
        .ok_or_else(|| WorkflowError::field("email", ValidationError::InvalidEmail))
}

/// Which mail carries a new link.
pub enum Notice<'a> {
    /// The first request (確認依頼).
    Request,
    /// Handed over by a colleague (転送).
    Forwarded(&'a Recipient),
    /// A reminder (リマインド).
    Reminder,
}

/// Issues a fresh link to `r` and mails it (inside the caller's transaction, so the token, the
/// recipient's state and the mail commit together). The previous link stops working.
#[tracing::instrument(skip_all, fields(tenant_id = %contract.tenant_id, contract_id = %contract.id))]
pub fn notify(
    conn: &mut AnyConnection,
    links: &Links,
    contract: &Contract,
    r: &mut Recipient,
    notice: Notice<'_>,
    origin: &Origin,
) -> WorkflowResult<()> {
    let token = tokens::random_token();
    let now = Millis::now().0;
    let expires = contract
        .expires_at
        .unwrap_or(now + 14 * 86_400_000)
        .max(now + 86_400_000);
    r.link_token_hash = Some(tokens::digest(&token));
    r.link_expires_at = Some(expires);
    r.session_token_hash = None;
    // A new link is a new secret: its guessing allowance starts afresh.
    r.code_locks = 0;
    r.otp_failures = 0;
    r.locked_until = None;
    r.otp_hash = None;
    r.otp_expires_at = None;
    super::sms_verification::forget_code(r);
    r.sms_verified_at = None;
    r.state = RecipientState::Notified;
    r.notified_at = Some(now);
    r.updated_at = now;
    recipients::save(conn, r)?;
    let tenant = tenants::get(conn, &contract.tenant_id)?;
    let department = match &contract.department_id {
        Some(d) => departments::get(conn, &contract.tenant_id, d)
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let person = users::get(
        conn,
        TenantId(&contract.tenant_id),
        UserId(&contract.created_by),
    )
    .map(|u| u.name)
    .unwrap_or_default();
    let sender = Sender {
        tenant: tenant.name,
        department,
        person,
    };
    let url = links.of(conn, &contract.tenant_id)?.signing(&token);
    let link = Link {
        url,
        expires_at: Millis(expires),
    };
    let message = Some(contract.message.clone()).filter(|m| !m.is_empty());
    let template = match notice {
        Notice::Reminder => MailTemplate::Reminder(mail::Reminder {
            recipient: party(r),
            sender,
            contract: contract_ref(contract),
            link,
            access_code_required: r.access_code_hash.is_some(),
        }),
        Notice::Request => MailTemplate::SigningRequest(mail::SigningRequest {
            recipient: party(r),
            sender,
            contract: contract_ref(contract),
            link,
            access_code_required: r.access_code_hash.is_some(),
            message,
        }),
        Notice::Forwarded(by) => MailTemplate::Forwarded(mail::Forwarded {
            recipient: party(r),
            forwarded_by: party(by),
            sender,
            contract: contract_ref(contract),
            link,
            access_code_required: r.access_code_hash.is_some(),
            message,
        }),
    };
    mail::enqueue(
        conn,
        &contract.tenant_id,
        &mailbox(&r.name, &r.email)?,
        &template,
    )?;
    audit::record(
        conn,
        &contract.tenant_id,
        origin,
        Entry {
            action: AuditAction::RecipientNotified,
            target: Some(("contract", &contract.id)),
            outcome: Outcome::Success,
            details: json!({ "recipient_id": r.id, "name": r.name, "email": r.email, "link_expires_at": crate::clock::rfc3339(expires) }),
        },
        Millis::now(),
    )?;
    Ok(())
}

/// Asks the recipients whose turn it is when a contract goes out (all of them in parallel
/// order, the first in sequential order), inside the caller's transaction. Called by the
/// sealing job once the file is sealed at sending, so that every counterparty sees the sealed
/// file. Returns the addresses asked.
pub fn ask_first(
    conn: &mut AnyConnection,
    links: &Links,
    contract: &Contract,
    recipients: &mut [Recipient],
    origin: &Origin,
) -> WorkflowResult<Vec<String>> {
    let parallel = contract.recipient_order == RecipientOrder::Parallel;
    let mut asked = Vec::new();
    for (i, r) in recipients.iter_mut().enumerate() {
        if r.state == RecipientState::Waiting && (parallel || i == 0) {
            notify(conn, links, contract, r, Notice::Request, origin)?;
            asked.push(r.email.clone());
        }
    }
    Ok(asked)
}

fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let shown: String = local.chars().take(2).collect();
            format!("{shown}***@{domain}")
        }
        None => "***".into(),
    }
}

/// The recipient behind a link, refusing unknown (404), closed and dead (410) links.
pub(super) fn by_link(
    conn: &mut AnyConnection,
    token: &str,
) -> WorkflowResult<(Recipient, Contract)> {
    let r = recipients::find_by_link_token(conn, &tokens::digest(token))?
        .ok_or_else(WorkflowError::not_found)?;
    if link_closed(&r) {
        return Err(ProblemCode::SigningLinkClosed.into());
    }
    let c = contracts::get(conn, TenantId(&r.tenant_id), ContractId(&r.contract_id))?;
    // The signing use-cases' spans learn whose contract the link is for only here.
    let span = tracing::Span::current();
    span.record("tenant_id", r.tenant_id.as_str());
    span.record("contract_id", c.id.as_str());
    let now = Millis::now().0;
    let dead = r.link_expires_at.is_none_or(|e| e < now)
        || r.state == RecipientState::Forwarded
        || matches!(
            c.state,
            ContractState::Draft | ContractState::Cancelled | ContractState::Expired
        );
    if dead {
        return Err(ProblemCode::SigningLinkExpired.into());
    }
    Ok((r, c))
}

fn verified_session(r: &Recipient, session: Option<&str>) -> bool {
    let now = Millis::now().0;
    match (session, &r.session_token_hash, r.session_expires_at) {
        (Some(s), Some(h), Some(exp)) => {
            exp > now && tokens::constant_time_eq(&tokens::digest(s), h)
        }
        _ => false,
    }
}

pub(super) fn require_session(r: &Recipient, session: Option<&str>) -> WorkflowResult<()> {
    if verified_session(r, session) {
        Ok(())
    } else {
        Err(ProblemCode::SigningVerificationRequired.into())
    }
}

fn origin_for(r: &Recipient, origin: &Origin) -> Origin {
    Origin {
        actor_id: None,
        actor_label: format!("recipient:{}", r.email),
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    }
}

pub(super) fn record(
    conn: &mut AnyConnection,
    r: &Recipient,
    origin: &Origin,
    action: AuditAction,
    outcome: Outcome,
    details: serde_json::Value,
) -> WorkflowResult<()> {
    audit::record(
        conn,
        &r.tenant_id,
        &origin_for(r, origin),
        Entry {
            action,
            target: Some(("contract", &r.contract_id)),
            outcome,
            details,
        },
        Millis::now(),
    )?;
    Ok(())
}

/// The files a recipient may see: the newest contract PDF (sealed if sealed) and attachments.
fn visible_documents(
    conn: &mut AnyConnection,
    c: &Contract,
) -> WorkflowResult<Vec<crate::db::models::Document>> {
    let all = documents::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
    let newest_pdf = all
        .iter()
        .rev()
        .find(|d| d.role == DocumentRole::Sealed)
        .or_else(|| all.iter().rev().find(|d| d.role == DocumentRole::Main))
        .cloned();
    let mut out: Vec<_> = newest_pdf.into_iter().collect();
    out.extend(
        all.into_iter()
            .filter(|d| matches!(d.role, DocumentRole::Attachment | DocumentRole::Certificate)),
    );
    Ok(out)
}

/// `GET /signing/{token}`.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn view(
    conn: &mut AnyConnection,
    token: &str,
    session: Option<&str>,
) -> WorkflowResult<SigningView> {
    let (r, c) = by_link(conn, token)?;
    let tenant = tenants::get(conn, &r.tenant_id)?;
    let verified = verified_session(&r, session);
    let documents = if verified {
        visible_documents(conn, &c)?
            .iter()
            .map(|d| DocumentView {
                id: uuid(&d.id),
                role: d.role,
                file_name: d.file_name.clone(),
                content_type: d.content_type.clone(),
                size: d.size,
                sha256: d.sha256.clone(),
                page_count: d.page_count,
                created_at: crate::clock::rfc3339(d.created_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SigningView {
        tenant_name: tenant.name,
        recipient_name: r.name.clone(),
        recipient_organization: r.organization_name.clone(),
        email_hint: email_hint(&r.email),
        access_code_required: r.access_code_hash.is_some(),
        state: r.state,
        verified,
        title: verified.then(|| c.title.clone()),
        contract_number: verified.then(|| c.contract_number.clone()),
        amount_yen: if verified { c.amount_yen } else { None },
        contract_state: verified.then_some(c.state),
        message: verified
            .then(|| c.message.clone())
            .filter(|m| !m.is_empty()),
        allow_forwarding: c.allow_forwarding,
        documents,
        expires_at: r.link_expires_at.map(crate::clock::rfc3339),
        period_start: c.period_start.clone().filter(|_| verified),
        period_end: c.period_end.clone().filter(|_| verified),
        sms_required: r.sms_phone.is_some(),
        sms_verified: verified && r.sms_verified_at.is_some(),
        phone_hint: super::sms_verification::phone(&r)
            .filter(|_| verified)
            .map(|p| p.masked()),
    })
}

pub(super) fn random_code() -> u32 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source is available");
    u32::from_le_bytes(b) % 1_000_000
}

fn code_digest(r: &Recipient, code: &str) -> String {
    tokens::digest(&format!("{}:{code}", r.id))
}

/// Refuses a fresh code while the link is locked, or when the pending one (expiring at
/// `expires_at`) was sent less than a minute ago.
pub(super) fn may_send_code(
    r: &Recipient,
    expires_at: Option<i64>,
    now: i64,
) -> Result<(), ProblemCode> {
    if r.locked_until.is_some_and(|l| l > now) {
        return Err(ProblemCode::SigningLocked);
    }
    if expires_at.is_some_and(|e| e - CODE_MINUTES * 60_000 + 60_000 > now) {
        return Err(ProblemCode::SigningCodeTooSoon);
    }
    Ok(())
}

/// Compares the digest of a given code with the pending code `(hash, expires_at)` in constant
/// time: `Ok(match)`, or `Err(Some(signing_locked))` while locked, `Err(None)` when no code is
/// pending or it expired.
pub(super) fn check_code(
    r: &Recipient,
    pending: (Option<&str>, Option<i64>),
    given_digest: &str,
    now: i64,
) -> Result<bool, Option<ProblemCode>> {
    if r.locked_until.is_some_and(|l| l > now) {
        return Err(Some(ProblemCode::SigningLocked));
    }
    match pending {
        (Some(hash), Some(exp)) if exp >= now => Ok(tokens::constant_time_eq(given_digest, hash)),
        _ => Err(None),
    }
}

/// `POST /signing/{token}/code`: mails a fresh one-time code.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn send_code(conn: &mut AnyConnection, token: &str, origin: &Origin) -> WorkflowResult<()> {
    let (r, _) = by_link(conn, token)?;
    db::tenant_transaction(conn, &r.tenant_id, |conn| {
        let mut r = recipients::find_by_link_token(conn, &tokens::digest(token))?
            .ok_or_else(WorkflowError::not_found)?;
        let now = Millis::now().0;
        may_send_code(&r, r.otp_expires_at, now)?;
        let code = format!("{:06}", random_code());
        r.otp_hash = Some(code_digest(&r, &code));
        r.otp_expires_at = Some(now + CODE_MINUTES * 60_000);
        r.updated_at = now;
        recipients::save(conn, &r)?;
        let code = OtpCode::parse(&code).expect("six digits");
        mail::enqueue(
            conn,
            &r.tenant_id,
            &mailbox(&r.name, &r.email)?,
            &MailTemplate::OneTimeCode(mail::OneTimeCode {
                recipient_name: r.name.clone(),
                code,
                minutes_valid: CODE_MINUTES as u32,
            }),
        )?;
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientCodeSent,
            Outcome::Success,
            json!({ "recipient_id": r.id }),
        )
    })
}

/// `POST /signing/{token}/verify`: checks the one-time code (and access code); returns the
/// session token for the next requests.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn verify(
    conn: &mut AnyConnection,
    links: &Links,
    token: &str,
    code: &str,
    access_code: Option<&str>,
    origin: &Origin,
) -> WorkflowResult<String> {
    let (r0, _) = by_link(conn, token)?;
    // The access code is checked with argon2id outside the transaction.
    let access_ok = match &r0.access_code_hash {
        Some(h) => access_code.is_some_and(|a| crate::auth::password::verify(a.trim(), h)),
        None => true,
    };
    let outcome = db::tenant_transaction(conn, &r0.tenant_id, |conn| {
        let mut r = recipients::find_by_link_token(conn, &tokens::digest(token))?
            .ok_or_else(WorkflowError::not_found)?;
        let now = Millis::now().0;
        let pending = (r.otp_hash.as_deref(), r.otp_expires_at);
        let code_ok = match check_code(&r, pending, &code_digest(&r, code.trim()), now) {
            Ok(ok) => ok,
            Err(refused) => return Ok(Err(refused.unwrap_or(ProblemCode::SigningCodeExpired))),
        };
        if !(code_ok && access_ok) {
            let outcome = count_code_failure(conn, links, &mut r, now)?;
            record(
                conn,
                &r,
                origin,
                match outcome {
                    ProblemCode::SigningLocked => AuditAction::RecipientLocked,
                    ProblemCode::SigningLinkClosed => AuditAction::RecipientLinkClosed,
                    _ => AuditAction::RecipientCodeFailed,
                },
                Outcome::Failure,
                json!({
                    "recipient_id": r.id, "code_ok": code_ok, "access_code_ok": access_ok,
                    "locks": r.code_locks, "locked_until": r.locked_until.map(crate::clock::rfc3339),
                }),
            )?;
            return Ok(Err(outcome));
        }
        let state = r.state;
        let next = contract::apply_recipient(state, RecipientEvent::Verify)
            .map_err(|_| WorkflowError::from(ProblemCode::ContractStateConflict));
        let session = tokens::random_token();
        if let Ok(next) = next {
            r.state = next;
        }
        r.otp_hash = None;
        r.otp_expires_at = None;
        r.otp_failures = 0;
        r.verified_at = Some(now);
        r.viewed_at.get_or_insert(now);
        // A new session confirms the SMS code anew.
        r.sms_verified_at = None;
        r.session_token_hash = Some(tokens::digest(&session));
        r.session_expires_at = Some(now + SESSION_MINUTES * 60_000);
        r.updated_at = now;
        recipients::save(conn, &r)?;
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientVerified,
            Outcome::Success,
            json!({ "recipient_id": r.id, "method": verification_method(&r) }),
        )?;
        Ok::<_, WorkflowError>(Ok(session))
    })?;
    outcome.map_err(WorkflowError::from)
}

/// Whether the link was closed for wrong codes: locked once more than there are lock steps.
fn link_closed(r: &Recipient) -> bool {
    usize::try_from(r.code_locks).is_ok_and(|n| n > LOCK_MINUTES.len())
}

/// Counts a wrong code on `r` (saved): every [`MAX_CODE_FAILURES`] lock the link for the next
/// of [`LOCK_MINUTES`]; after the last, the link is closed and the contract's creator mailed.
/// Returns the answer for the recipient.
pub(super) fn count_code_failure(
    conn: &mut AnyConnection,
    links: &Links,
    r: &mut Recipient,
    now: i64,
) -> WorkflowResult<ProblemCode> {
    r.otp_failures += 1;
    r.updated_at = now;
    if r.otp_failures < MAX_CODE_FAILURES {
        recipients::save(conn, r)?;
        return Ok(ProblemCode::SigningCodeInvalid);
    }
    r.otp_failures = 0;
    r.otp_hash = None;
    r.otp_expires_at = None;
    super::sms_verification::forget_code(r);
    let round = usize::try_from(r.code_locks).unwrap_or(usize::MAX);
    r.code_locks += 1;
    if let Some(minutes) = LOCK_MINUTES.get(round) {
        r.locked_until = Some(now + minutes * 60_000);
        recipients::save(conn, r)?;
        return Ok(ProblemCode::SigningLocked);
    }
    // `code_locks` is now beyond the lock steps: the link is closed (see `link_closed`).
    r.session_token_hash = None;
    recipients::save(conn, r)?;
    let c = contracts::get(conn, TenantId(&r.tenant_id), ContractId(&r.contract_id))?;
    let (staff_name, to) = staff_mailbox(conn, &c)?;
    let staff_link = links.of(conn, &c.tenant_id)?.contract(&c.id);
    mail::enqueue(
        conn,
        &c.tenant_id,
        &to,
        &MailTemplate::SigningLinkClosed(mail::SigningLinkClosed {
            staff_name,
            contract: contract_ref(&c),
            recipient: party(r),
            failures: MAX_TOTAL_CODE_FAILURES as u32,
            link: staff_link,
        }),
    )?;
    Ok(ProblemCode::SigningLinkClosed)
}

/// How the recipient was identified, in Japanese (recorded in the signature and certificate):
/// the mailbox, the mobile phone (masked, `090-****-5678`) when SMS verification was required,
/// and the access code when one was set.
pub fn verification_method(r: &Recipient) -> String {
    let mut method = String::from("メールアドレス確認（ワンタイムパスワード）");
    if let Some(phone) = super::sms_verification::phone(r) {
        method.push_str(&format!("、SMS認証（{}）", phone.masked()));
    }
    if r.access_code_hash.is_some() {
        method.push_str("およびアクセスコード");
    }
    method
}

/// A file for a confirmed recipient, saved or shown in the page (`purpose`).
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn download(
    conn: &mut AnyConnection,
    store: &BlobStore,
    token: &str,
    session: Option<&str>,
    document_id: &str,
    origin: &Origin,
    purpose: super::purpose::Purpose,
) -> WorkflowResult<super::contracts::Download> {
    let (r, c) = by_link(conn, token)?;
    require_session(&r, session)?;
    let document = visible_documents(conn, &c)?
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or_else(WorkflowError::not_found)?;
    if !store
        .exists(&document.sha256)
        .map_err(|e| WorkflowError::Internal(e.into()))?
    {
        return Err(WorkflowError::Internal(anyhow::anyhow!(
            "stored file {} is missing",
            document.sha256
        )));
    }
    db::tenant_transaction(conn, &r.tenant_id, |conn| {
        let label = origin_for(&r, origin).actor_label;
        let Some(action) = purpose.action(
            conn,
            (&r.tenant_id, &r.contract_id, &label, &document.id),
            AuditAction::RecipientDownloaded,
            AuditAction::RecipientViewed,
        )?
        else {
            return Ok(());
        };
        if action == AuditAction::RecipientViewed {
            webhooks::emit(conn, WebhookEvent::ContractViewed, &c)?;
        }
        record(
            conn,
            &r,
            origin,
            action,
            Outcome::Success,
            json!({ "recipient_id": r.id, "document_id": document.id, "sha256": document.sha256 }),
        )
    })?;
    Ok(super::contracts::Download { document })
}

/// Applies a recipient's answer to the contract through the state machine.
fn contract_event(
    conn: &mut AnyConnection,
    c: &mut Contract,
    event: ContractEvent,
) -> WorkflowResult<ContractState> {
    let state = c.state;
    let facts = crate::workflow::contracts::background_facts(state, false);
    let next = contract::apply(state, &event, &facts, &ContractActor::Recipient)
        .map_err(|_| WorkflowError::from(ProblemCode::ContractStateConflict))?;
    c.state = next;
    c.updated_at = Millis::now().0;
    contracts::save(conn, c)?;
    Ok(next)
}

fn answerable(
    conn: &mut AnyConnection,
    token: &str,
    session: Option<&str>,
) -> WorkflowResult<(Recipient, Contract)> {
    let (r, c) = by_link(conn, token)?;
    require_session(&r, session)?;
    if c.state != ContractState::Sent {
        return Err(ProblemCode::ContractStateConflict.into());
    }
    // With SMS verification every answer needs the SMS code too (the session's, see `verify`).
    if r.sms_phone.is_some() && r.sms_verified_at.is_none() {
        return Err(ProblemCode::SmsVerificationRequired.into());
    }
    Ok((r, c))
}

fn staff_mailbox(
    conn: &mut AnyConnection,
    c: &Contract,
) -> WorkflowResult<(String, lettre::message::Mailbox)> {
    let u = users::get(conn, TenantId(&c.tenant_id), UserId(&c.created_by))?;
    Ok((u.name.clone(), mailbox(&u.name, &u.email)?))
}

/// `POST /signing/{token}/agree`: 合意. Needs explicit consent.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn agree(
    conn: &mut AnyConnection,
    links: &Links,
    token: &str,
    session: Option<&str>,
    consent: bool,
    origin: &Origin,
) -> WorkflowResult<()> {
    if !consent {
        return Err(ProblemCode::ConsentRequired.into());
    }
    let (r0, _) = answerable(conn, token, session)?;
    db::tenant_transaction(conn, &r0.tenant_id, |conn| {
        let (mut r, mut c) = answerable(conn, token, session)?;
        let state = r.state;
        let next = contract::apply_recipient(state, RecipientEvent::Agree)
            .map_err(|_| WorkflowError::from(ProblemCode::ContractStateConflict))?;
        let now = Millis::now().0;
        r.state = next;
        r.agreed_at = Some(now);
        r.action_ip = origin.ip.clone();
        r.action_user_agent = origin.user_agent.clone();
        r.updated_at = now;
        recipients::save(conn, &r)?;
        let mut all =
            recipients::list_for_contract(conn, TenantId(&c.tenant_id), ContractId(&c.id))?;
        all.retain(|x| x.state != RecipientState::Forwarded);
        let remaining: Vec<usize> = all
            .iter()
            .enumerate()
            .filter(|(_, x)| x.state != RecipientState::Agreed)
            .map(|(i, _)| i)
            .collect();
        let last = remaining.is_empty();
        contract_event(conn, &mut c, ContractEvent::RecipientAgreed { last })?;
        webhooks::emit(conn, WebhookEvent::ContractAgreed, &c)?;
        // The file the signing page shows now (the file as sealed at sending, or with the seals
        // of earlier agreements after it): its hash, as the view and download events record it.
        let shown = visible_documents(conn, &c)?
            .into_iter()
            .find(|d| matches!(d.role, DocumentRole::Sealed | DocumentRole::Main));
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientAgreed,
            Outcome::Success,
            json!({ "recipient_id": r.id, "name": r.name, "organization": r.organization_name, "email": r.email, "method": verification_method(&r), "last": last,
                    "document_id": shown.as_ref().map(|d| &d.id), "sha256": shown.as_ref().map(|d| &d.sha256) }),
        )?;
        // Sequential order: the next one's turn.
        let order = c.recipient_order;
        if order == RecipientOrder::Sequential
            && let Some(&i) = remaining.first()
            && all[i].state == RecipientState::Waiting
        {
            let mut next = all[i].clone();
            notify(
                conn,
                links,
                &c,
                &mut next,
                Notice::Request,
                &origin_for(&r, origin),
            )?;
        }
        jobs::enqueue(
            conn,
            NewJob::new(SEAL_JOB, json!({ "contract_id": c.id }))
                .tenant(&c.tenant_id)
                .dedupe_key(&format!("seal:{}", r.id)),
        )?;
        let (staff_name, to) = staff_mailbox(conn, &c)?;
        let staff_link = links.of(conn, &c.tenant_id)?.contract(&c.id);
        mail::enqueue(
            conn,
            &c.tenant_id,
            &to,
            &MailTemplate::Agreed(mail::Agreed {
                staff_name,
                contract: contract_ref(&c),
                by: party(&r),
                at: Millis(now),
                remaining: remaining.len() as u32,
                link: staff_link,
            }),
        )?;
        tracing::info!(recipient_id = %r.id, last, "agreement recorded; seal queued");
        Ok(())
    })
}

/// `POST /signing/{token}/decline`: 却下 with a reason; the contract is Declined.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn decline(
    conn: &mut AnyConnection,
    links: &Links,
    token: &str,
    session: Option<&str>,
    reason: &str,
    origin: &Origin,
) -> WorkflowResult<()> {
    let reason = Text::parse(reason)
        .map_err(|e| WorkflowError::field("reason", e))?
        .into_inner();
    let (r0, _) = answerable(conn, token, session)?;
    db::tenant_transaction(conn, &r0.tenant_id, |conn| {
        let (mut r, mut c) = answerable(conn, token, session)?;
        let state = r.state;
        let next = contract::apply_recipient(state, RecipientEvent::Decline)
            .map_err(|_| WorkflowError::from(ProblemCode::ContractStateConflict))?;
        let now = Millis::now().0;
        r.state = next;
        r.declined_at = Some(now);
        r.decline_reason = Some(reason.clone());
        r.action_ip = origin.ip.clone();
        r.action_user_agent = origin.user_agent.clone();
        r.updated_at = now;
        recipients::save(conn, &r)?;
        contract_event(conn, &mut c, ContractEvent::RecipientDeclined)?;
        webhooks::emit(conn, WebhookEvent::ContractDeclined, &c)?;
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientDeclined,
            Outcome::Success,
            json!({ "recipient_id": r.id, "reason": reason }),
        )?;
        let (staff_name, to) = staff_mailbox(conn, &c)?;
        let staff_link = links.of(conn, &c.tenant_id)?.contract(&c.id);
        mail::enqueue(
            conn,
            &c.tenant_id,
            &to,
            &MailTemplate::Declined(mail::Declined {
                staff_name,
                contract: contract_ref(&c),
                by: party(&r),
                reason: reason.clone(),
                link: staff_link,
            }),
        )?;
        Ok(())
    })
}

/// How often one recipient's request may be handed on (a chain of colleagues), so that a link
/// cannot be used to send the service's mail to any number of addresses.
pub const MAX_FORWARDS: usize = 3;

/// `POST /signing/{token}/forward`: 転送 to a colleague, who is verified the same way: a link of
/// their own, and — if the city set one — the same access code.
#[tracing::instrument(skip_all, fields(tenant_id = tracing::field::Empty, contract_id = tracing::field::Empty))]
pub fn forward(
    conn: &mut AnyConnection,
    links: &Links,
    token: &str,
    session: Option<&str>,
    req: &SigningForwardRequest,
    origin: &Origin,
) -> WorkflowResult<()> {
    // The names go into the service's own mails (to the colleague, to the city's staff): a
    // counterparty may type only plain names there, never a message or a link.
    let mut e = FieldErrors::default();
    let name = e.check("name", PlainName::parse(&req.name));
    let email = e.check("email", EmailAddress::parse(&req.email));
    let org = e.check(
        "organization_name",
        crate::workflow::error::optional(req.organization_name.as_deref(), PlainName::parse),
    );
    let phone = e.check(
        "mobile_phone",
        crate::workflow::error::optional(req.mobile_phone.as_deref(), MobilePhone::parse),
    );
    e.finish()?;
    let (r0, c0) = answerable(conn, token, session)?;
    if !c0.allow_forwarding {
        return Err(ProblemCode::ForwardingNotAllowed.into());
    }
    // The city's SMS requirement goes with the request, never the forwarder's number: the
    // forwarder (confirmed by SMS themselves) names the colleague's mobile number.
    let phone = phone.flatten();
    match (&r0.sms_phone, &phone) {
        (Some(_), None) => {
            return Err(WorkflowError::field(
                "mobile_phone",
                ValidationError::Required,
            ));
        }
        (None, Some(_)) => return Err(ProblemCode::SmsNotRequired.into()),
        _ => {}
    }
    db::tenant_transaction(conn, &r0.tenant_id, |conn| {
        let (mut r, c) = answerable(conn, token, session)?;
        let forwards = recipients::list_for_contract(
            conn,
            TenantId(&r.tenant_id),
            ContractId(&r.contract_id),
        )?
        .iter()
        .filter(|x| x.position == r.position && x.forwarded_from.is_some())
        .count();
        if forwards >= MAX_FORWARDS {
            return Err(ProblemCode::ForwardLimitReached.into());
        }
        let state = r.state;
        let next = contract::apply_recipient(state, RecipientEvent::Forward)
            .map_err(|_| WorkflowError::from(ProblemCode::ContractStateConflict))?;
        let now = Millis::now().0;
        r.state = next;
        r.forwarded_at = Some(now);
        // The link stays known so that it answers 410 (handed over), not 404.
        r.session_token_hash = None;
        r.action_ip = origin.ip.clone();
        r.action_user_agent = origin.user_agent.clone();
        r.updated_at = now;
        recipients::save(conn, &r)?;
        let mut colleague = Recipient {
            forwarded_from: Some(r.id.clone()),
            sms_phone: phone.as_ref().map(|p| p.e164().to_owned()),
            ..Recipient::waiting(
                &r.tenant_id,
                &r.contract_id,
                r.position,
                org.clone()
                    .flatten()
                    .map(PlainName::into_inner)
                    .unwrap_or_else(|| r.organization_name.clone()),
                name.clone().map(PlainName::into_inner).unwrap_or_default(),
                email
                    .as_ref()
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                // The access code the city gave out of band still guards the request: the
                // colleague must get it from the one who forwarded.
                r.access_code_hash.clone(),
                now,
            )
        };
        recipients::insert(conn, &colleague)?;
        webhooks::emit(conn, WebhookEvent::ContractForwarded, &c)?;
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientForwarded,
            Outcome::Success,
            json!({ "recipient_id": r.id, "to_recipient_id": colleague.id, "to_name": colleague.name, "to_email": colleague.email, "access_code_carried_over": colleague.access_code_hash.is_some(), "forwards_before": forwards,
                    "sms_phone_given_by_forwarder": phone.as_ref().map(MobilePhone::masked) }),
        )?;
        notify(
            conn,
            links,
            &c,
            &mut colleague,
            Notice::Forwarded(&r),
            &origin_for(&r, origin),
        )?;
        let (staff_name, to) = staff_mailbox(conn, &c)?;
        let staff_link = links.of(conn, &c.tenant_id)?.contract(&c.id);
        mail::enqueue(
            conn,
            &c.tenant_id,
            &to,
            &MailTemplate::ForwardNotice(mail::ForwardNotice {
                staff_name,
                contract: contract_ref(&c),
                from: party(&r),
                to: party(&colleague),
                link: staff_link,
            }),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_hints_hide_most_of_the_local_part() {
        assert_eq!(email_hint("yamada@example.co.jp"), "ya***@example.co.jp");
        assert_eq!(email_hint("a@b.jp"), "a***@b.jp");
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..100 {
            assert!(random_code() < 1_000_000);
        }
    }
}
