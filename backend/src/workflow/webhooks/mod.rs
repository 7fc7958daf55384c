//! Webhooks (Webhook 通知): a tenant's endpoints, the events posted to them, and the delivery
//! log.
//!
//! - **Emit inside the business transaction.** A state change calls [`emit`] on its own
//!   connection: one delivery row and one `webhook.deliver` job per active endpoint subscribed
//!   to the event, committed with the change or not at all.
//! - **At least once, with a stable event ID.** The job posts the stored body; a worker killed
//!   after the receiver got it and before the result was recorded posts it again after its
//!   lease, with the same `Tachiai-Event-Id` (and body `id`): receivers dedupe by it.
//! - **Signed.** `Tachiai-Signature: t=…,v1=…` ([`signature`]), under the endpoint's secret,
//!   sealed at rest with the server's secret key ([`KeyRing`]); during a rotation's overlap
//!   also under the previous secret.
//! - **Only where allowed.** Endpoints must be http(s); private, loopback and other internal
//!   addresses are refused at registration and again when connecting (so a name that later
//!   resolves inward is refused too) unless the operator sets `webhook_allow_private_addresses`.

pub mod delivery;
pub mod signature;

use std::net::{IpAddr, ToSocketAddrs};

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{
    Page, WebhookDeliveryView, WebhookEndpointRequest, WebhookEndpointView, WebhookRotateRequest,
    WebhookSecretView,
};
use shared::problem::ProblemCode;
use shared::validate::ValidationError;
use shared::webhook::{DeliveryState, WebhookEvent};

use crate::clock::{Millis, rfc3339};
use crate::db::models::{Contract, WebhookDelivery, WebhookEndpoint};
use crate::db::queries::webhooks as q;
use crate::db::{self, AnyConnection};
use crate::jobs::{self, NewJob};
use crate::secrets::KeyRing;
use crate::workflow::views::{webhook_delivery_view, webhook_endpoint_view};
use crate::workflow::{Actor, PageRequest, WorkflowError, WorkflowResult};

pub use delivery::{DELIVER_KIND, WebhookDeliveryHandler};

/// The longest description.
const MAX_DESCRIPTION_CHARS: usize = 200;
/// A rotated secret signs beside the new one this long unless the request says otherwise.
const DEFAULT_OVERLAP_MINUTES: u32 = 1440;
/// The longest overlap: a week.
const MAX_OVERLAP_MINUTES: u32 = 10_080;
/// The job's own limit; the handler gives up after the policy's `max_attempts` first.
const JOB_MAX_ATTEMPTS: i32 = 100;

/// Where deliveries may go and how often they are tried (`webhook_*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Loopback, private and other internal addresses are allowed (default: refused).
    pub allow_private_addresses: bool,
    /// Attempts before a delivery is given up.
    pub max_attempts: i32,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        WebhookPolicy {
            allow_private_addresses: false,
            max_attempts: jobs::DEFAULT_MAX_ATTEMPTS,
        }
    }
}

impl WebhookPolicy {
    /// From `webhook_allow_private_addresses` and `webhook_max_attempts`.
    pub fn from_settings(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<WebhookPolicy> {
        let allow = match get("webhook_allow_private_addresses").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(v) => anyhow::bail!(
                "setting `webhook_allow_private_addresses`: `{v}` is not true or false"
            ),
        };
        let max_attempts = match get("webhook_max_attempts") {
            None => jobs::DEFAULT_MAX_ATTEMPTS,
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=JOB_MAX_ATTEMPTS).contains(n))
                .ok_or_else(|| {
                    anyhow::anyhow!("setting `webhook_max_attempts`: `{v}` is not 1 to 100")
                })?,
        };
        Ok(WebhookPolicy {
            allow_private_addresses: allow,
            max_attempts,
        })
    }

    /// The rows `tachiai config list` prints.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "webhook_allow_private_addresses",
                self.allow_private_addresses.to_string(),
            ),
            ("webhook_max_attempts", self.max_attempts.to_string()),
        ]
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), documentation, benchmarking, multicast, broadcast, reserved or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

/// Checks an endpoint URL: its shape, and unless private addresses are allowed, that its host
/// resolves only to public addresses.
fn check_url(url: &str, policy: &WebhookPolicy) -> WorkflowResult<String> {
    let url = url.trim();
    let (host, port) =
        shared::webhook::check_url(url).map_err(|_| ProblemCode::WebhookUrlInvalid)?;
    if !policy.allow_private_addresses {
        let addrs: Vec<_> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|_| ProblemCode::WebhookUrlNotAllowed)?
            .collect();
        if addrs.is_empty() || addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(ProblemCode::WebhookUrlNotAllowed.into());
        }
    }
    Ok(url.to_owned())
}

/// An endpoint's fields, checked.
struct Checked {
    url: String,
    description: String,
    events: String,
    active: bool,
}

fn check(req: &WebhookEndpointRequest, policy: &WebhookPolicy) -> WorkflowResult<Checked> {
    let url = check_url(&req.url, policy)?;
    let description = req.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(WorkflowError::field(
            "description",
            ValidationError::TooLong,
        ));
    }
    if description.chars().any(char::is_control) {
        return Err(WorkflowError::field(
            "description",
            ValidationError::InvalidCharacters,
        ));
    }
    if req.events.is_empty() {
        return Err(WorkflowError::field(
            "events",
            ValidationError::EmptySelection,
        ));
    }
    Ok(Checked {
        url,
        description,
        events: shared::webhook::join_events(&req.events),
        active: req.active,
    })
}

/// A new signing secret: `whsec_` and 32 random bytes in base64url. The HMAC key is this
/// whole string's bytes.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    format!("whsec_{}", data_encoding::BASE64URL_NOPAD.encode(&bytes))
}

/// The associated data of an endpoint's sealed secrets.
fn purpose(endpoint_id: &str) -> String {
    format!("webhook:{endpoint_id}")
}

fn events_of(e: &WebhookEndpoint) -> WorkflowResult<Vec<WebhookEvent>> {
    Ok(shared::webhook::parse_events(&e.events)?)
}

fn view(e: &WebhookEndpoint) -> WorkflowResult<WebhookEndpointView> {
    Ok(webhook_endpoint_view(e, events_of(e)?))
}

/// What the audit log records of an endpoint (never its secret).
fn audited(e: &WebhookEndpoint) -> serde_json::Value {
    json!({ "url": e.url, "description": e.description, "events": e.events, "active": e.active })
}

/// `GET /webhooks`: the tenant's endpoints.
pub fn list_endpoints(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<Vec<WebhookEndpointView>> {
    actor.require(conn, Permission::ManageWebhooks)?;
    q::list_endpoints(conn, &actor.tenant_id)?
        .iter()
        .map(view)
        .collect()
}

/// `POST /webhooks`: registers an endpoint; its secret is in the answer, and only there.
pub fn create_endpoint(
    conn: &mut AnyConnection,
    actor: &Actor,
    keys: &KeyRing,
    policy: &WebhookPolicy,
    req: &WebhookEndpointRequest,
) -> WorkflowResult<WebhookSecretView> {
    actor.require(conn, Permission::ManageWebhooks)?;
    let c = check(req, policy)?;
    let id = uuid::Uuid::new_v4().to_string();
    let secret = new_secret();
    let now = Millis::now().0;
    let row = WebhookEndpoint {
        secret: keys.seal(&purpose(&id), secret.as_bytes()),
        id,
        tenant_id: actor.tenant_id.clone(),
        url: c.url,
        description: c.description,
        events: c.events,
        active: c.active,
        previous_secret: None,
        previous_secret_until: None,
        created_by: actor.user_id.clone(),
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        q::insert_endpoint(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::WebhookCreated,
            Some(("webhook", &row.id)),
            audited(&row),
        )
    })?;
    Ok(WebhookSecretView {
        endpoint: view(&row)?,
        secret,
    })
}

/// `PUT /webhooks/{id}`: changes the URL, description, events or active flag.
pub fn update_endpoint(
    conn: &mut AnyConnection,
    actor: &Actor,
    policy: &WebhookPolicy,
    id: &str,
    req: &WebhookEndpointRequest,
) -> WorkflowResult<WebhookEndpointView> {
    actor.require(conn, Permission::ManageWebhooks)?;
    let c = check(req, policy)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let mut row = q::get_endpoint(conn, &actor.tenant_id, id)?;
        let before = audited(&row);
        row.url = c.url;
        row.description = c.description;
        row.events = c.events;
        row.active = c.active;
        row.updated_at = Millis::now().0;
        q::save_endpoint(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::WebhookUpdated,
            Some(("webhook", id)),
            json!({ "before": before, "after": audited(&row) }),
        )?;
        view(&row)
    })
}

/// `DELETE /webhooks/{id}`: the endpoint and its delivery log; queued deliveries lapse.
pub fn delete_endpoint(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<()> {
    actor.require(conn, Permission::ManageWebhooks)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let row = q::get_endpoint(conn, &actor.tenant_id, id)?;
        q::delete_endpoint(conn, &actor.tenant_id, id)?;
        actor.audit(
            conn,
            AuditAction::WebhookDeleted,
            Some(("webhook", id)),
            audited(&row),
        )
    })
}

/// `POST /webhooks/{id}/rotate-secret`: a new secret (in the answer, only there); the old one
/// keeps signing beside it for the overlap, so receivers can switch without losing events.
pub fn rotate_secret(
    conn: &mut AnyConnection,
    actor: &Actor,
    keys: &KeyRing,
    id: &str,
    req: &WebhookRotateRequest,
) -> WorkflowResult<WebhookSecretView> {
    actor.require(conn, Permission::ManageWebhooks)?;
    let overlap = req.overlap_minutes.unwrap_or(DEFAULT_OVERLAP_MINUTES);
    if overlap > MAX_OVERLAP_MINUTES {
        return Err(WorkflowError::field(
            "overlap_minutes",
            ValidationError::OutOfRange,
        ));
    }
    let secret = new_secret();
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let mut row = q::get_endpoint(conn, &actor.tenant_id, id)?;
        let now = Millis::now();
        let until = now.plus_minutes(i64::from(overlap)).0;
        row.previous_secret = (overlap > 0).then(|| row.secret.clone());
        row.previous_secret_until = (overlap > 0).then_some(until);
        row.secret = keys.seal(&purpose(&row.id), secret.as_bytes());
        row.updated_at = now.0;
        q::save_endpoint(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::WebhookSecretRotated,
            Some(("webhook", id)),
            json!({ "overlap_minutes": overlap, "previous_secret_until": (overlap > 0).then(|| rfc3339(until)) }),
        )?;
        Ok(WebhookSecretView {
            endpoint: view(&row)?,
            secret: secret.clone(),
        })
    })
}

/// `GET /webhooks/{id}/deliveries`: the delivery log of an endpoint, newest first.
pub fn list_deliveries(
    conn: &mut AnyConnection,
    actor: &Actor,
    endpoint_id: &str,
    page: PageRequest,
) -> WorkflowResult<Page<WebhookDeliveryView>> {
    actor.require(conn, Permission::ManageWebhooks)?;
    q::get_endpoint(conn, &actor.tenant_id, endpoint_id)?;
    let (rows, total) = q::list_deliveries(
        conn,
        &actor.tenant_id,
        endpoint_id,
        page.page,
        page.per_page,
    )?;
    let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
    let attempts = q::list_attempts(conn, &actor.tenant_id, &ids)?;
    let items = rows
        .iter()
        .map(|d| webhook_delivery_view(d, &attempts))
        .collect();
    Ok(page.wrap(items, total))
}

/// `POST /webhooks/deliveries/{id}/redeliver`: posts the same event (same ID and body) again,
/// whatever became of it; a fresh set of attempts.
pub fn redeliver(
    conn: &mut AnyConnection,
    actor: &Actor,
    delivery_id: &str,
) -> WorkflowResult<WebhookDeliveryView> {
    actor.require(conn, Permission::ManageWebhooks)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let mut d = q::get_delivery(conn, &actor.tenant_id, delivery_id)?;
        d.state = DeliveryState::Pending;
        d.updated_at = Millis::now().0;
        q::save_delivery(conn, &d)?;
        let job = enqueue_delivery(conn, &d)?;
        actor.audit(
            conn,
            AuditAction::WebhookRedelivered,
            Some(("webhook", &d.endpoint_id)),
            json!({ "delivery_id": d.id, "event_id": d.event_id, "event_type": d.event_type, "job": job.as_str() }),
        )?;
        let attempts = q::list_attempts(conn, &actor.tenant_id, std::slice::from_ref(&d.id))?;
        Ok(webhook_delivery_view(&d, &attempts))
    })
}

fn enqueue_delivery(
    conn: &mut AnyConnection,
    d: &WebhookDelivery,
) -> diesel::QueryResult<jobs::JobId> {
    jobs::enqueue(
        conn,
        NewJob::new(DELIVER_KIND, json!({ "delivery_id": d.id }))
            .tenant(&d.tenant_id)
            .max_attempts(JOB_MAX_ATTEMPTS),
    )
}

/// Posts `event` about `contract` to every active endpoint of its tenant subscribed to it: a
/// delivery row and a job each, on the caller's connection (inside the caller's transaction),
/// all with one event ID. Returns how many endpoints get it.
pub fn emit(
    conn: &mut AnyConnection,
    event: WebhookEvent,
    contract: &Contract,
) -> diesel::QueryResult<usize> {
    let tenant_id = &contract.tenant_id;
    let endpoints: Vec<WebhookEndpoint> = q::list_active_endpoints(conn, tenant_id)?
        .into_iter()
        .filter(|e| {
            e.events
                .split(',')
                .any(|name| WebhookEvent::parse(name) == Some(event))
        })
        .collect();
    if endpoints.is_empty() {
        return Ok(0);
    }
    let event_id = uuid::Uuid::new_v4().to_string();
    let now = Millis::now().0;
    let body = json!({
        "id": event_id,
        "type": event,
        "created_at": rfc3339(now),
        "tenant": tenant_id,
        "data": {
            "contract": {
                "id": contract.id,
                "number": contract.contract_number,
                "title": contract.title,
                "state": contract.state,
                "counterparty_name": contract.counterparty_name,
            }
        }
    })
    .to_string();
    for e in &endpoints {
        let d = WebhookDelivery {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant_id.clone(),
            endpoint_id: e.id.clone(),
            event_id: event_id.clone(),
            event_type: event,
            contract_id: Some(contract.id.clone()),
            body: body.clone(),
            state: DeliveryState::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            created_at: now,
            updated_at: now,
            delivered_at: None,
        };
        q::insert_delivery(conn, &d)?;
        enqueue_delivery(conn, &d)?;
    }
    Ok(endpoints.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "133.242.0.1", "2001:4860:4860::8888"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_policy_defaults_to_refusing_private_addresses() {
        let none = |_: &str| None;
        assert_eq!(
            WebhookPolicy::from_settings(&none).unwrap(),
            WebhookPolicy::default()
        );
        assert!(!WebhookPolicy::default().allow_private_addresses);
        let yes = |k: &str| (k == "webhook_allow_private_addresses").then(|| "true".to_owned());
        assert!(
            WebhookPolicy::from_settings(&yes)
                .unwrap()
                .allow_private_addresses
        );
        let bad = |_: &str| Some("maybe".to_owned());
        assert!(WebhookPolicy::from_settings(&bad).is_err());
        let policy = WebhookPolicy::default();
        assert!(matches!(
            check_url("http://127.0.0.1:9/", &policy),
            Err(WorkflowError::Refused(ProblemCode::WebhookUrlNotAllowed))
        ));
        assert!(matches!(
            check_url("ftp://example.jp/", &policy),
            Err(WorkflowError::Refused(ProblemCode::WebhookUrlInvalid))
        ));
    }
}
