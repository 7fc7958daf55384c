//! The `webhook.deliver` job: one POST of a stored delivery to its endpoint, signed, with
//! short timeouts, no redirects and a capped read of the answer; every attempt recorded.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use shared::webhook::DeliveryState;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::signature::{self, EVENT_ID_HEADER};
use super::{WebhookPolicy, is_public, purpose};
use crate::clock::Millis;
use crate::db::models::{WebhookAttempt, WebhookDelivery, WebhookEndpoint};
use crate::db::queries::webhooks as q;
use crate::db::{self, AnyConnection};
use crate::jobs::{Job, JobContext, JobError, JobHandler};
use crate::secrets::KeyRing;

/// The job's kind.
pub const DELIVER_KIND: &str = "webhook.deliver";
/// Time to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for the whole exchange.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read (the rest is not awaited).
const MAX_ANSWER_BYTES: u64 = 4096;
/// The most of an answer kept in the log.
const EXCERPT_CHARS: usize = 200;

#[derive(Deserialize)]
struct Payload {
    delivery_id: String,
}

/// Posts webhook deliveries (see the module documentation).
pub struct WebhookDeliveryHandler {
    keys: Arc<KeyRing>,
    policy: WebhookPolicy,
    agent: ureq::Agent,
}

impl WebhookDeliveryHandler {
    /// A handler opening secrets with `keys`, posting as `policy` allows.
    pub fn new(keys: Arc<KeyRing>, policy: WebhookPolicy) -> WebhookDeliveryHandler {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(TOTAL_TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .user_agent("Tachiai-Webhooks/1")
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::new(),
            Guarded {
                inner: DefaultResolver::default(),
                allow_private: policy.allow_private_addresses,
            },
        );
        WebhookDeliveryHandler {
            keys,
            policy,
            agent,
        }
    }
}

/// Resolves as usual, then refuses internal addresses unless allowed: checked at the moment
/// of connecting, so a name that resolved outward at registration cannot be turned inward.
#[derive(Debug)]
struct Guarded {
    inner: DefaultResolver,
    allow_private: bool,
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if !self.allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(ureq::Error::BadUri(
                "the endpoint resolves to an internal address, which is not allowed".into(),
            ));
        }
        Ok(addrs)
    }
}

/// What one attempt got.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
    excerpt: String,
}

impl JobHandler for WebhookDeliveryHandler {
    fn kind(&self) -> &'static str {
        DELIVER_KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let p: Payload = job.payload()?;
        let tenant_id = job
            .tenant_id
            .clone()
            .ok_or_else(|| JobError::Permanent("a webhook job without a tenant".into()))?;
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let mut conn = ctx.pool.get().map_err(|e| retry(&e))?;
        let Some((delivery, endpoint)) =
            load(&mut conn, &tenant_id, &p.delivery_id).map_err(|e| retry(&e))?
        else {
            // The endpoint was deleted with its log: nothing left to deliver.
            return Ok(());
        };
        if delivery.state == DeliveryState::Delivered {
            // A second run after the first one's result was recorded.
            return Ok(());
        }
        let secrets = self.secrets(&endpoint, ctx.now)?;
        drop(conn);
        let started_at = Millis::now();
        let clock = Instant::now();
        let answer = if endpoint.active {
            self.post(
                &endpoint.url,
                &delivery,
                &secrets,
                started_at.unix_seconds(),
            )
        } else {
            Answer {
                status: None,
                error: Some("the endpoint is inactive".into()),
                excerpt: String::new(),
            }
        };
        let duration = clock.elapsed();
        let delivered = answer.status.is_some_and(|s| (200..300).contains(&s));
        let give_up = !delivered && (job.attempts >= self.policy.max_attempts || !endpoint.active);
        let mut conn = ctx.pool.get().map_err(|e| retry(&e))?;
        record(
            &mut conn,
            delivery,
            &answer,
            started_at,
            duration,
            if delivered {
                DeliveryState::Delivered
            } else if give_up {
                DeliveryState::Dead
            } else {
                DeliveryState::Retrying
            },
        )
        .map_err(|e| retry(&e))?;
        match (delivered, give_up) {
            (true, _) => Ok(()),
            (false, true) => Err(JobError::Permanent(failure(&answer))),
            (false, false) => Err(JobError::Retry(failure(&answer))),
        }
    }
}

impl WebhookDeliveryHandler {
    /// The secrets that sign at `now`: the previous one while its overlap lasts, then the
    /// current one.
    fn secrets(&self, e: &WebhookEndpoint, now: Millis) -> Result<Vec<Vec<u8>>, JobError> {
        let open = |sealed: &str| {
            self.keys.open(&purpose(&e.id), sealed).map_err(|err| {
                JobError::Permanent(format!("the endpoint's secret does not open: {err}"))
            })
        };
        let mut out = Vec::new();
        if let (Some(prev), Some(until)) = (&e.previous_secret, e.previous_secret_until)
            && now.0 < until
        {
            out.push(open(prev)?);
        }
        out.push(open(&e.secret)?);
        Ok(out)
    }

    fn post(&self, url: &str, d: &WebhookDelivery, secrets: &[Vec<u8>], t: i64) -> Answer {
        let keys: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
        let sig = signature::header(&keys, t, d.body.as_bytes());
        let sent = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .header(EVENT_ID_HEADER, &d.event_id)
            .header(signature::HEADER, &sig)
            .send(d.body.as_bytes());
        match sent {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                // What arrived of the answer is enough for the log; a broken answer body does
                // not undo the status the endpoint already gave.
                let mut bytes = Vec::new();
                let _ = resp
                    .body_mut()
                    .as_reader()
                    .take(MAX_ANSWER_BYTES)
                    .read_to_end(&mut bytes);
                let excerpt: String = String::from_utf8_lossy(&bytes)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(EXCERPT_CHARS)
                    .collect();
                Answer {
                    status: Some(status),
                    error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
                    excerpt,
                }
            }
            Err(e) => Answer {
                status: None,
                error: Some(e.to_string()),
                excerpt: String::new(),
            },
        }
    }
}

fn failure(a: &Answer) -> String {
    a.error.clone().unwrap_or_else(|| "no answer".into())
}

/// The delivery and its endpoint, or `None` when either is gone.
fn load(
    conn: &mut AnyConnection,
    tenant_id: &str,
    delivery_id: &str,
) -> diesel::QueryResult<Option<(WebhookDelivery, WebhookEndpoint)>> {
    let d = match q::get_delivery(conn, tenant_id, delivery_id) {
        Ok(d) => d,
        Err(diesel::result::Error::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    match q::get_endpoint(conn, tenant_id, &d.endpoint_id) {
        Ok(e) => Ok(Some((d, e))),
        Err(diesel::result::Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Records an attempt and the delivery's new state in one transaction.
fn record(
    conn: &mut AnyConnection,
    mut d: WebhookDelivery,
    a: &Answer,
    at: Millis,
    duration: Duration,
    state: DeliveryState,
) -> diesel::QueryResult<()> {
    let tenant_id = d.tenant_id.clone();
    db::tenant_transaction(conn, &tenant_id, |conn| {
        // The row as it is now: a redelivery may have been queued meanwhile.
        let fresh = q::get_delivery(conn, &d.tenant_id, &d.id)?;
        d.attempts = fresh.attempts + 1;
        d.state = state;
        d.last_status = a.status.map(i32::from);
        d.last_error = a.error.clone();
        d.updated_at = Millis::now().0;
        if state == DeliveryState::Delivered {
            d.delivered_at = Some(d.updated_at);
        }
        q::insert_attempt(
            conn,
            &WebhookAttempt {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: d.tenant_id.clone(),
                delivery_id: d.id.clone(),
                attempt: d.attempts,
                at: at.0,
                status: d.last_status,
                duration_ms: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
                error: d.last_error.clone(),
                response_excerpt: a.excerpt.clone(),
            },
        )?;
        q::save_delivery(conn, &d)
    })
}
