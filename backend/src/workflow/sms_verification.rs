//! SMS verification (SMS認証) of a counterparty (電子署名法3条, 固有性): besides the mailbox
//! (and the access code), the sender may name the recipient's Japanese mobile number. After
//! the e-mailed code the recipient can read the contract; to agree, decline or forward they
//! must also confirm a one-time code sent to that number by SMS (`signing::answerable`).
//!
//! Budgets, as the signing page is public: only a confirmed session (the mailbox proven) can
//! ask for an SMS; one code a minute and [`SENDS_PER_HOUR`] an hour per recipient (every
//! attempt counts, delivered or not); a code lives [`CODE_MINUTES`] and is stored as its SHA-256
//! only, compared in constant time; wrong codes count on the link's lock ladder with the
//! e-mailed codes (5 wrong: locked 30 minutes, then 2 and 24 hours, then the link is closed and
//! the sender told). The page and the evidence show the number masked (`090-****-5678`) only.
//!
//! Sending is a bounded synchronous call to the provider (see `crate::sms`), made while no
//! database connection is held: the code is stored first, then sent, then the outcome audited;
//! a failed send drops the code and lets the recipient ask again at once.

use serde_json::json;
use shared::audit::AuditAction;
use shared::problem::ProblemCode;
use shared::validate::MobilePhone;

use crate::audit::{Origin, Outcome};
use crate::auth::tokens;
use crate::clock::Millis;
use crate::db::models::Recipient;
use crate::db::queries::recipients;
use crate::db::{self, AnyConnection, DbPool};
use crate::sms::SmsProvider;
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::signing::{
    CODE_MINUTES, Links, by_link, check_code, count_code_failure, may_send_code, random_code,
    record, require_session,
};

/// SMS codes one recipient may be sent per hour.
pub const SENDS_PER_HOUR: i32 = 5;
const HOUR_MS: i64 = 3_600_000;

/// The recipient's mobile number, when SMS verification is required.
pub fn phone(r: &Recipient) -> Option<MobilePhone> {
    r.sms_phone.as_deref().and_then(MobilePhone::from_e164)
}

/// Drops a pending SMS code (a new link, a lock).
pub(crate) fn forget_code(r: &mut Recipient) {
    r.sms_code_hash = None;
    r.sms_code_expires_at = None;
}

fn code_digest(r: &Recipient, code: &str) -> String {
    tokens::digest(&format!("sms:{}:{code}", r.id))
}

/// The text of the SMS: short enough for one message (70 characters in UCS-2).
fn message(code: &str) -> String {
    format!(
        "立会 電子契約の認証コード: {code}（{CODE_MINUTES}分間有効）。このコードを他人に教えないでください。"
    )
}

/// The recipient of a confirmed session who has SMS verification.
fn sms_recipient(
    conn: &mut AnyConnection,
    token: &str,
    session: Option<&str>,
) -> WorkflowResult<(Recipient, MobilePhone)> {
    let (r, _) = by_link(conn, token)?;
    require_session(&r, session)?;
    let phone = phone(&r).ok_or(ProblemCode::SmsNotRequired)?;
    Ok((r, phone))
}

/// `POST /signing/{token}/sms/code`: sends a fresh code by SMS to the recipient's number.
#[tracing::instrument(skip_all)]
pub fn send_code(
    pool: &DbPool,
    provider: Option<&dyn SmsProvider>,
    token: &str,
    session: Option<&str>,
    origin: &Origin,
) -> WorkflowResult<()> {
    let mut conn = pool.get()?;
    let (r0, phone) = sms_recipient(&mut conn, token, session)?;
    let Some(provider) = provider else {
        // Configured when the contract was sent, removed since: the recipient cannot go on
        // until the operator configures a provider again.
        record(
            &mut conn,
            &r0,
            origin,
            AuditAction::RecipientSmsSendFailed,
            Outcome::Failure,
            json!({ "recipient_id": r0.id, "to": phone.masked(), "error": "no SMS provider is configured" }),
        )?;
        return Err(ProblemCode::SmsSendFailed.into());
    };
    let code = format!("{:06}", random_code());
    let (digest, sends) = db::tenant_transaction(&mut conn, &r0.tenant_id, |conn| {
        let (mut r, _) = sms_recipient(conn, token, session)?;
        let now = Millis::now().0;
        may_send_code(&r, r.sms_code_expires_at, now)?;
        if r.sms_window_started_at
            .is_none_or(|start| start + HOUR_MS <= now)
        {
            r.sms_window_started_at = Some(now);
            r.sms_sends = 0;
        }
        if r.sms_sends >= SENDS_PER_HOUR {
            return Err(ProblemCode::SmsSendLimit.into());
        }
        r.sms_sends += 1;
        let digest = code_digest(&r, &code);
        r.sms_code_hash = Some(digest.clone());
        r.sms_code_expires_at = Some(now + CODE_MINUTES * 60_000);
        r.updated_at = now;
        recipients::save(conn, &r)?;
        Ok::<_, WorkflowError>((digest, r.sms_sends))
    })?;
    // No connection is held while the provider is asked.
    drop(conn);
    let sent = provider.send(&phone, &message(&code));
    let mut conn = pool.get()?;
    db::tenant_transaction(&mut conn, &r0.tenant_id, |conn| {
        let Some(mut r) = recipients::find_by_link_token(conn, &tokens::digest(token))? else {
            return Err(WorkflowError::not_found());
        };
        let details = |error: Option<String>| json!({ "recipient_id": r0.id, "to": phone.masked(), "sends_this_hour": sends, "error": error });
        match &sent {
            Ok(()) => record(
                conn,
                &r,
                origin,
                AuditAction::RecipientSmsCodeSent,
                Outcome::Success,
                details(None),
            ),
            Err(e) => {
                // The code never arrived: drop it (unless a newer one replaced it) so that the
                // recipient may ask again at once.
                if r.sms_code_hash.as_deref() == Some(digest.as_str()) {
                    forget_code(&mut r);
                    r.updated_at = Millis::now().0;
                    recipients::save(conn, &r)?;
                }
                record(
                    conn,
                    &r,
                    origin,
                    AuditAction::RecipientSmsSendFailed,
                    Outcome::Failure,
                    details(Some(e.to_string())),
                )
            }
        }
    })?;
    sent.map_err(|_| ProblemCode::SmsSendFailed.into())
}

/// `POST /signing/{token}/sms/verify`: checks the SMS code; the session may then answer.
#[tracing::instrument(skip_all)]
pub fn verify(
    conn: &mut AnyConnection,
    links: &Links,
    token: &str,
    session: Option<&str>,
    code: &str,
    origin: &Origin,
) -> WorkflowResult<()> {
    let (r0, _) = sms_recipient(conn, token, session)?;
    let outcome = db::tenant_transaction(conn, &r0.tenant_id, |conn| {
        let (mut r, phone) = sms_recipient(conn, token, session)?;
        let now = Millis::now().0;
        let pending = (r.sms_code_hash.as_deref(), r.sms_code_expires_at);
        let code_ok = match check_code(&r, pending, &code_digest(&r, code.trim()), now) {
            Ok(ok) => ok,
            Err(refused) => return Ok(Err(refused.unwrap_or(ProblemCode::SmsCodeExpired))),
        };
        if !code_ok {
            let outcome = match count_code_failure(conn, links, &mut r, now)? {
                ProblemCode::SigningCodeInvalid => ProblemCode::SmsCodeInvalid,
                other => other,
            };
            record(
                conn,
                &r,
                origin,
                match outcome {
                    ProblemCode::SigningLocked => AuditAction::RecipientSmsLocked,
                    ProblemCode::SigningLinkClosed => AuditAction::RecipientLinkClosed,
                    _ => AuditAction::RecipientSmsCodeFailed,
                },
                Outcome::Failure,
                json!({
                    "recipient_id": r.id, "to": phone.masked(), "locks": r.code_locks,
                    "locked_until": r.locked_until.map(crate::clock::rfc3339),
                }),
            )?;
            return Ok(Err(outcome));
        }
        forget_code(&mut r);
        r.otp_failures = 0;
        r.sms_verified_at = Some(now);
        r.updated_at = now;
        recipients::save(conn, &r)?;
        record(
            conn,
            &r,
            origin,
            AuditAction::RecipientSmsVerified,
            Outcome::Success,
            json!({ "recipient_id": r.id, "to": phone.masked(), "method": super::signing::verification_method(&r) }),
        )?;
        Ok::<_, WorkflowError>(Ok(()))
    })?;
    outcome.map_err(WorkflowError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_fits_one_sms() {
        assert!(message("123456").chars().count() <= 70);
        assert!(message("123456").contains("123456"));
    }
}
