//! Network zones (ネットワークゾーン, 仕様 5-(12)(13)(14)): where a tenant's staff may log in
//! from, and which public URL each mail's reader gets.
//!
//! Semantics (what `docs/operations/manual.ja.md` states for auditors):
//! - A tenant without zones (never set, or removed) is unrestricted: staff log in from any
//!   address and mails link to the server's `public_url` — the behaviour before zones existed.
//! - Once set, both zones exist. A staff login, and every request with a session or an API
//!   token, must come from an address inside an *enabled* zone's blocks; otherwise it is
//!   refused with `outside_network_zone` and audited (`network_zones.refused`, with the
//!   address; one event per address, credential kind and minute, the rest counted into the next event:
//!   `audit::budget`). An enabled zone needs at least one block: an empty list never means "any"
//!   (write `0.0.0.0/0` and `::/0` for that, so that openness is explicit in the record).
//! - The address is the TCP peer's, or what a trusted proxy forwarded (`client_addr`).
//! - A switch is one database write; every server process reads the zones with the session
//!   or token on each request (one indexed read of at most two rows), so it takes effect at
//!   once, without restart or cache to invalidate. Sessions are not ended by a switch: a
//!   session refused while its address is outside works again when its zone is re-enabled.
//! - A change that would not allow the address it comes from is refused
//!   (`network_zone_lockout`), so an administrator cannot lock themselves out.
//! - Mails: staff mails link to the LGWAN zone's URL while LGWAN is enabled, else to the
//!   internet zone's (so during an LGWAN outage the switch also moves the staff links);
//!   counterparty mails, verification links and the completion certificate carry the internet
//!   zone's URL. A zone without a URL falls back to the server's `public_url`.

use std::net::IpAddr;

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{NetworkZoneSettings, NetworkZonesView, UpdateNetworkZonesRequest};
use shared::problem::ProblemCode;
use shared::validate::ValidationError;
use shared::zone::{MAX_BLOCKS_PER_ZONE, Zone, parse_public_url};

use crate::audit::budget::{Admission, Budget};
use crate::audit::{self, Entry, Origin, Outcome};
use crate::client_addr::Cidr;
use crate::clock::Millis;
use crate::db::models::NetworkZoneRow;
use crate::db::queries::network_zones;
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult};

/// One zone as the checks use it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ZoneEntry {
    zone: Zone,
    enabled: bool,
    blocks: Vec<Cidr>,
    public_url: Option<String>,
}

/// A tenant's zones (empty: unrestricted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantZones(Vec<ZoneEntry>);

impl TenantZones {
    /// Reads the tenant's zones (one query).
    pub fn load(conn: &mut AnyConnection, tenant_id: &str) -> WorkflowResult<TenantZones> {
        let rows = network_zones::list(conn, tenant_id)?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let blocks = split(&row.cidrs)
                .map(str::parse)
                .collect::<Result<Vec<Cidr>, String>>()
                .map_err(|e| anyhow::anyhow!("network zone {} of {tenant_id}: {e}", row.zone))?;
            entries.push(ZoneEntry {
                zone: row.zone,
                enabled: row.enabled,
                blocks,
                public_url: row.public_url,
            });
        }
        entries.sort_by_key(|e| Zone::ALL.iter().position(|z| *z == e.zone));
        Ok(TenantZones(entries))
    }

    /// Whether an administrator has set zones (then logins are restricted).
    pub fn configured(&self) -> bool {
        !self.0.is_empty()
    }

    /// The enabled zone `ip` is in (LGWAN first).
    pub fn zone_of(&self, ip: Option<IpAddr>) -> Option<Zone> {
        let ip = ip?;
        self.0
            .iter()
            .find(|e| e.enabled && e.blocks.iter().any(|b| b.contains(ip)))
            .map(|e| e.zone)
    }

    /// Whether staff may log in and work from `ip`.
    pub fn allows(&self, ip: Option<IpAddr>) -> bool {
        !self.configured() || self.zone_of(ip).is_some()
    }

    /// Whether `origin` (a browser's `Origin` header) is one of the zones' public URLs.
    pub fn has_url(&self, origin: &str) -> bool {
        self.0
            .iter()
            .any(|e| e.public_url.as_deref() == Some(origin))
    }

    fn entry(&self, zone: Zone) -> Option<&ZoneEntry> {
        self.0.iter().find(|e| e.zone == zone)
    }

    /// The URL staff mails link to, if a zone sets one (see the module's rules).
    pub fn staff_url(&self) -> Option<&str> {
        let enabled = Zone::STAFF_ORDER
            .iter()
            .filter_map(|z| self.entry(*z))
            .find(|e| e.enabled && e.public_url.is_some());
        enabled
            .or_else(|| self.entry(Zone::Lgwan).filter(|e| e.public_url.is_some()))
            .and_then(|e| e.public_url.as_deref())
    }

    /// The URL counterparty mails, verification links and certificates carry, if set.
    pub fn counterparty_url(&self) -> Option<&str> {
        self.entry(Zone::Internet)
            .and_then(|e| e.public_url.as_deref())
    }
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_ip(origin: &Origin) -> Option<IpAddr> {
    origin.ip.as_deref().and_then(|ip| ip.parse().ok())
}

/// How a refused request presented itself, for the audit event.
#[derive(Debug, Clone, Copy)]
pub enum Attempt {
    /// `POST /auth/login`.
    Login,
    /// A request with a session cookie.
    Session,
    /// A request with an API token.
    ApiToken,
}

impl Attempt {
    fn as_str(self) -> &'static str {
        match self {
            Attempt::Login => "login",
            Attempt::Session => "session",
            Attempt::ApiToken => "api_token",
        }
    }
}

/// Reads the tenant's zones and refuses (`outside_network_zone`, audited with the address) a
/// staff login or request from outside its enabled zones. `origin` carries the actor when
/// known. Returns the zones for the caller's other checks (the browser's `Origin`).
pub fn check_staff_address(
    conn: &mut AnyConnection,
    tenant_id: &str,
    origin: &Origin,
    attempt: Attempt,
) -> WorkflowResult<TenantZones> {
    let zones = TenantZones::load(conn, tenant_id)?;
    if zones.allows(parse_ip(origin)) {
        return Ok(zones);
    }
    let now = Millis::now();
    let address = origin.ip.as_deref().unwrap_or_default();
    let Admission::Write {
        not_recorded_before,
    } = Budget::network_zone_refusals().admit(tenant_id, address, attempt.as_str(), now)
    else {
        return Err(ProblemCode::OutsideNetworkZone.into());
    };
    db::tenant_transaction(conn, tenant_id, |conn| {
        audit::record(
            conn,
            tenant_id,
            origin,
            Entry {
                action: AuditAction::NetworkZoneRefused,
                target: origin.actor_id.as_deref().map(|id| ("user", id)),
                outcome: Outcome::Failure,
                details: json!({
                    "credential": attempt.as_str(),
                    "address": origin.ip,
                    "enabled_zones": zones.0.iter().filter(|e| e.enabled).map(|e| e.zone).collect::<Vec<_>>(),
                    "not_recorded_before": not_recorded_before,
                }),
            },
            now,
        )
        .map(|_| ())
    })?;
    Err(ProblemCode::OutsideNetworkZone.into())
}

/// The two URLs of a tenant: `public_url` unless a zone sets its own.
pub fn urls(
    conn: &mut AnyConnection,
    tenant_id: &str,
    public_url: &str,
) -> diesel::QueryResult<(String, String)> {
    let rows = network_zones::list(conn, tenant_id)?;
    // URLs need no address blocks: a row whose blocks cannot be read still names its URL.
    let zones = TenantZones(
        rows.into_iter()
            .map(|r| ZoneEntry {
                zone: r.zone,
                enabled: r.enabled,
                blocks: Vec::new(),
                public_url: r.public_url,
            })
            .collect(),
    );
    let fallback = public_url.trim_end_matches('/');
    Ok((
        zones.staff_url().unwrap_or(fallback).to_owned(),
        zones.counterparty_url().unwrap_or(fallback).to_owned(),
    ))
}

fn view(
    conn: &mut AnyConnection,
    actor: &Actor,
    public_url: &str,
) -> WorkflowResult<NetworkZonesView> {
    let zones = TenantZones::load(conn, &actor.tenant_id)?;
    let (staff_url, counterparty_url) = urls(conn, &actor.tenant_id, public_url)?;
    let ip = parse_ip(&actor.origin);
    let settings = Zone::ALL
        .iter()
        .map(|&zone| match zones.entry(zone) {
            Some(e) => NetworkZoneSettings {
                zone,
                enabled: e.enabled,
                cidrs: e.blocks.iter().map(Cidr::to_string).collect(),
                public_url: e.public_url.clone(),
            },
            None => NetworkZoneSettings {
                zone,
                enabled: false,
                cidrs: Vec::new(),
                public_url: None,
            },
        })
        .collect();
    Ok(NetworkZonesView {
        configured: zones.configured(),
        zones: settings,
        client_address: actor.origin.ip.clone(),
        client_zone: zones.zone_of(ip),
        staff_url,
        counterparty_url,
    })
}

/// `GET /settings/network-zones` (needs `manage_settings`).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    public_url: &str,
) -> WorkflowResult<NetworkZonesView> {
    actor.require(conn, Permission::ManageSettings)?;
    view(conn, actor, public_url)
}

/// Checks the request: every zone once, blocks that parse (at most 100 each), an enabled zone
/// with at least one block, URLs that are origins.
fn parse_request(
    req: &UpdateNetworkZonesRequest,
    now: i64,
    tenant_id: &str,
) -> WorkflowResult<TenantZonesInput> {
    let mut e = FieldErrors::default();
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for &zone in Zone::ALL {
        let found: Vec<&NetworkZoneSettings> =
            req.zones.iter().filter(|z| z.zone == zone).collect();
        let field = format!("zones.{zone}");
        let [z] = found.as_slice() else {
            e.push(&field, ValidationError::Required);
            continue;
        };
        let mut blocks = Vec::new();
        if z.cidrs.len() > MAX_BLOCKS_PER_ZONE {
            e.push(&format!("{field}.cidrs"), ValidationError::TooLong);
        }
        for (i, raw) in z.cidrs.iter().enumerate().take(MAX_BLOCKS_PER_ZONE) {
            match raw.parse::<Cidr>() {
                Ok(b) if raw.len() <= 64 => blocks.push(b),
                _ => e.push(
                    &format!("{field}.cidrs[{i}]"),
                    ValidationError::InvalidAddressBlock,
                ),
            }
        }
        if z.enabled && z.cidrs.is_empty() {
            e.push(&format!("{field}.cidrs"), ValidationError::Required);
        }
        let public_url = match z.public_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(raw) => match parse_public_url(raw) {
                Ok(url) => Some(url),
                Err(err) => {
                    e.push(&format!("{field}.public_url"), err);
                    None
                }
            },
        };
        rows.push(NetworkZoneRow {
            tenant_id: tenant_id.to_owned(),
            zone,
            enabled: z.enabled,
            cidrs: blocks
                .iter()
                .map(Cidr::to_string)
                .collect::<Vec<_>>()
                .join(","),
            public_url: public_url.clone(),
            updated_at: now,
        });
        entries.push(ZoneEntry {
            zone,
            enabled: z.enabled,
            blocks,
            public_url,
        });
    }
    if req.zones.len() > Zone::ALL.len() {
        e.push("zones", ValidationError::TooLong);
    }
    e.finish()?;
    Ok(TenantZonesInput {
        rows,
        zones: TenantZones(entries),
    })
}

struct TenantZonesInput {
    rows: Vec<NetworkZoneRow>,
    zones: TenantZones,
}

/// `PUT /settings/network-zones`: sets both zones, or switches one on or off (needs
/// `manage_settings`; audited with before and after; effective at the next request).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &UpdateNetworkZonesRequest,
    public_url: &str,
) -> WorkflowResult<NetworkZonesView> {
    actor.require(conn, Permission::ManageSettings)?;
    let input = parse_request(req, Millis::now().0, &actor.tenant_id)?;
    if !input.zones.allows(parse_ip(&actor.origin)) {
        actor.deny(
            conn,
            ProblemCode::NetworkZoneLockout,
            json!({ "address": actor.origin.ip }),
        )?;
    }
    let before = view(conn, actor, public_url)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| -> WorkflowResult<()> {
        network_zones::replace(conn, &actor.tenant_id, &input.rows)?;
        actor.audit(
            conn,
            AuditAction::NetworkZonesUpdated,
            Some(("tenant", &actor.tenant_id)),
            json!({
                "before": { "configured": before.configured, "zones": before.zones },
                "after": { "configured": true, "zones": req_settings(&input.zones) },
            }),
        )
    })?;
    view(conn, actor, public_url)
}

fn req_settings(zones: &TenantZones) -> Vec<NetworkZoneSettings> {
    zones
        .0
        .iter()
        .map(|e| NetworkZoneSettings {
            zone: e.zone,
            enabled: e.enabled,
            cidrs: e.blocks.iter().map(Cidr::to_string).collect(),
            public_url: e.public_url.clone(),
        })
        .collect()
}

/// `DELETE /settings/network-zones`: removes the zones; staff may log in from anywhere again
/// and mails link to `public_url` (needs `manage_settings`; audited with what was removed).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn clear(
    conn: &mut AnyConnection,
    actor: &Actor,
    public_url: &str,
) -> WorkflowResult<NetworkZonesView> {
    actor.require(conn, Permission::ManageSettings)?;
    let before = view(conn, actor, public_url)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| -> WorkflowResult<()> {
        network_zones::replace(conn, &actor.tenant_id, &[])?;
        actor.audit(
            conn,
            AuditAction::NetworkZonesCleared,
            Some(("tenant", &actor.tenant_id)),
            json!({ "before": { "configured": before.configured, "zones": before.zones } }),
        )
    })?;
    view(conn, actor, public_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::error::WorkflowError;

    fn zones(list: &[(Zone, bool, &str, Option<&str>)]) -> TenantZones {
        TenantZones(
            list.iter()
                .map(|(zone, enabled, blocks, url)| ZoneEntry {
                    zone: *zone,
                    enabled: *enabled,
                    blocks: split(blocks).map(|b| b.parse().unwrap()).collect(),
                    public_url: url.map(str::to_owned),
                })
                .collect(),
        )
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn unconfigured_allows_all_and_enabled_blocks_decide() {
        assert!(TenantZones::default().allows(None));
        let z = zones(&[
            (
                Zone::Lgwan,
                true,
                "10.20.0.0/16",
                Some("https://lg.example"),
            ),
            (
                Zone::Internet,
                false,
                "0.0.0.0/0",
                Some("https://net.example"),
            ),
        ]);
        assert_eq!(z.zone_of(ip("10.20.1.2")), Some(Zone::Lgwan));
        assert!(!z.allows(ip("203.0.113.9")));
        assert!(!z.allows(None));
        assert_eq!(z.staff_url(), Some("https://lg.example"));
        assert_eq!(z.counterparty_url(), Some("https://net.example"));
        assert!(z.has_url("https://net.example") && !z.has_url("https://evil.example"));
        // LGWAN outage: the internet zone on, LGWAN off — staff links move with the switch.
        let z = zones(&[
            (
                Zone::Lgwan,
                false,
                "10.20.0.0/16",
                Some("https://lg.example"),
            ),
            (
                Zone::Internet,
                true,
                "0.0.0.0/0,::/0",
                Some("https://net.example"),
            ),
        ]);
        assert_eq!(z.zone_of(ip("203.0.113.9")), Some(Zone::Internet));
        assert_eq!(z.zone_of(ip("2001:db8::1")), Some(Zone::Internet));
        assert_eq!(z.staff_url(), Some("https://net.example"));
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let req = |zones: Vec<NetworkZoneSettings>| UpdateNetworkZonesRequest { zones };
        let s = |zone, enabled, cidrs: &[&str], url: Option<&str>| NetworkZoneSettings {
            zone,
            enabled,
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
            public_url: url.map(str::to_owned),
        };
        let fields = |r: &UpdateNetworkZonesRequest| match parse_request(r, 0, "t") {
            Err(WorkflowError::Invalid(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Ok(_) => Vec::new(),
            Err(e) => panic!("{e}"),
        };
        let ok = req(vec![
            s(
                Zone::Lgwan,
                true,
                &["10.20.0.0/16"],
                Some("https://LG.example/"),
            ),
            s(Zone::Internet, false, &[], None),
        ]);
        let parsed = parse_request(&ok, 0, "t").unwrap();
        assert_eq!(parsed.rows[0].cidrs, "10.20.0.0/16");
        assert_eq!(
            parsed.rows[0].public_url.as_deref(),
            Some("https://lg.example")
        );
        assert_eq!(
            fields(&req(vec![
                s(Zone::Lgwan, true, &[], None),
                s(Zone::Internet, false, &["nope"], Some("ftp://x")),
            ])),
            vec![
                ("zones.lgwan.cidrs".to_owned(), ValidationError::Required),
                (
                    "zones.internet.cidrs[0]".to_owned(),
                    ValidationError::InvalidAddressBlock
                ),
                (
                    "zones.internet.public_url".to_owned(),
                    ValidationError::InvalidPublicUrl
                ),
            ]
        );
        assert_eq!(
            fields(&req(vec![s(Zone::Lgwan, false, &[], None)])),
            vec![("zones.internet".to_owned(), ValidationError::Required)]
        );
    }
}
