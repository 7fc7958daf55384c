//! Mail: templates (Japanese, then English; text and HTML), and delivery through the durable
//! job queue, so that a relay that is down delays a mail but never loses it.
//!
//! [`enqueue`] renders the message at once and stores it as a `mail.send` job on the caller's
//! connection, inside the caller's transaction: the mail exists if and only if the change
//! that calls for it commits, and a pending mail survives restarts and template changes.
//! [`SendMailHandler`] sends it through the configured transport (the `.eml` outbox by
//! default, or SMTP) and then replaces the stored message by a short record, so that links
//! and one-time codes do not stay in the database; a job that finds that record (its worker
//! died after sending) does not send again.
//!
//! This module must not know about contracts: callers fill a [`MailTemplate`].

mod config;
mod render;
mod templates;
mod transport;

use std::time::{Duration, UNIX_EPOCH};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::jobs::{self, Job, JobContext, JobError, JobHandler, JobId, NewJob};

pub use config::{
    DEFAULT_FROM, DEFAULT_FROM_NAME, MailConfig, MailTransportConfig, SmtpConfig, SmtpSecurity,
};
pub use render::{Rendered, SUBJECT_PREFIX};
pub use templates::{
    AccountLocked, Agreed, ApprovalRequested, Approved, Concluded, ConcludedNotice, ContractRef,
    Declined, Expiring, ForwardNotice, Forwarded, Link, LtvReport, MailTemplate, OneTimeCode,
    Party, Reminder, SealTrouble, Sender, SentBack, SigningLinkClosed, SigningRequest, Viewed,
};
// Maintenance notices (お知らせ).
pub use templates::Maintenance;
// Monthly usage report (月次利用状況報告).
pub use templates::MonthlyReport;
pub use transport::write_outbox;

#[doc(hidden)]
pub use templates::samples;

/// The job kind that sends a mail.
pub const SEND_KIND: &str = "mail.send";

/// `Name <address>`, or `None` when the stored address does not parse.
pub fn mailbox(name: &str, email: &str) -> Option<Mailbox> {
    let address: Address = email.parse().ok()?;
    Some(Mailbox::new(Some(name.to_owned()), address))
}

/// The stored job payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Payload {
    /// Rendered, waiting to be sent.
    Pending(PendingMail),
    /// Sent; what is left for the operator.
    Sent(SentMail),
}

#[derive(Debug, Serialize, Deserialize)]
struct PendingMail {
    template: String,
    to_name: Option<String>,
    to_email: String,
    subject: String,
    text: String,
    html: String,
    /// The local part of the `Message-ID` (the domain is the sender's, added at sending).
    message_id: String,
    /// The `Date`: when the mail was written, Unix milliseconds.
    date: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct SentMail {
    template: String,
    to_email: String,
    subject: String,
    message_id: String,
    sent_at: i64,
    delivered_to: String,
}

/// Renders `template` for `to` and queues it on `conn` (inside the caller's transaction, if
/// any). The job can be cancelled, retried and inspected like any other.
pub fn enqueue(
    conn: &mut AnyConnection,
    tenant_id: &str,
    to: &Mailbox,
    template: &MailTemplate,
) -> Result<JobId, EnqueueError> {
    enqueue_job(conn, tenant_id, to, template, None)
}

/// Like [`enqueue`], but at most once per `dedupe_key` (e.g. `"signing_request:{recipient}:{n}"`):
/// a second call returns the first mail's job.
pub fn enqueue_once(
    conn: &mut AnyConnection,
    tenant_id: &str,
    to: &Mailbox,
    template: &MailTemplate,
    dedupe_key: &str,
) -> Result<JobId, EnqueueError> {
    enqueue_job(conn, tenant_id, to, template, Some(dedupe_key))
}

fn enqueue_job(
    conn: &mut AnyConnection,
    tenant_id: &str,
    to: &Mailbox,
    template: &MailTemplate,
    dedupe_key: Option<&str>,
) -> Result<JobId, EnqueueError> {
    let rendered = template.render();
    let payload = Payload::Pending(PendingMail {
        template: template.name().to_owned(),
        to_name: to.name.clone(),
        to_email: to.email.to_string(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        message_id: uuid::Uuid::new_v4().simple().to_string(),
        date: Millis::now().0,
    });
    let payload = serde_json::to_value(&payload)?;
    let mut job = NewJob::new(SEND_KIND, payload)
        .tenant(tenant_id)
        .max_attempts(template.max_attempts());
    if let Some(key) = dedupe_key {
        job = job.dedupe_key(key);
    }
    Ok(jobs::enqueue(conn, job)?)
}

/// Why a mail could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    /// The job could not be written.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    /// The mail could not be turned into the job's JSON payload.
    #[error("mail job payload: {0}")]
    Payload(#[from] serde_json::Error),
}

/// The `mail.send` handler.
pub struct SendMailHandler {
    from: Mailbox,
    transport: transport::Transport,
}

impl SendMailHandler {
    /// A handler sending as `config.from` through `config.transport`.
    pub fn new(config: &MailConfig) -> anyhow::Result<SendMailHandler> {
        Ok(SendMailHandler {
            from: config.from.clone(),
            transport: transport::Transport::from_config(&config.transport)?,
        })
    }

    fn message(&self, mail: &PendingMail) -> Result<Message, JobError> {
        let address: Address = mail.to_email.parse().map_err(|e| {
            JobError::Permanent(format!("`{}` is not an e-mail address: {e}", mail.to_email))
        })?;
        let date = UNIX_EPOCH + Duration::from_millis(u64::try_from(mail.date).unwrap_or(0));
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(mail.to_name.clone(), address))
            .subject(mail.subject.clone())
            .date(date)
            .message_id(Some(format!(
                "<{}@{}>",
                mail.message_id,
                self.from.email.domain()
            )))
            // RFC 3834: no out-of-office replies to a notification.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| JobError::Permanent(format!("cannot build the message: {e}")))
    }
}

impl JobHandler for SendMailHandler {
    fn kind(&self) -> &'static str {
        SEND_KIND
    }

    #[tracing::instrument(name = "mail", skip_all, fields(
        tenant_id = job.tenant_id.as_deref().unwrap_or("-"),
        template = tracing::field::Empty,
    ))]
    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let mail = match job.payload::<Payload>()? {
            Payload::Pending(mail) => mail,
            Payload::Sent(_) => return Ok(()),
        };
        tracing::Span::current().record("template", mail.template.as_str());
        let message = self.message(&mail)?;
        let delivered_to = self
            .transport
            .send(message.envelope(), &message.formatted())
            .inspect_err(|e| {
                let retried = matches!(e, JobError::Retry(_)) && job.attempts < job.max_attempts;
                crate::metrics::global().mail_failed(retried);
            })?;
        tracing::info!(template = %mail.template, %delivered_to, "mail sent");
        let sent = Payload::Sent(SentMail {
            template: mail.template,
            to_email: mail.to_email,
            subject: mail.subject,
            message_id: mail.message_id,
            sent_at: Millis::now().0,
            delivered_to,
        });
        // The mail is out: a failure here only means a repeat if the job runs again.
        let forgotten = serde_json::to_value(&sent)
            .map_err(anyhow::Error::from)
            .and_then(|v| {
                let mut conn = ctx.pool.get()?;
                Ok(jobs::replace_payload(&mut conn, job, &v)?)
            });
        if let Err(e) = forgotten {
            tracing::warn!(error = %e, "mail sent, but its stored copy could not be replaced");
        }
        Ok(())
    }
}
