//! The tenant's network zones (`/api/v1/settings/network-zones`): where staff may log in from
//! and which public URL each zone's readers get in mails.

use serde::{Deserialize, Serialize};

use crate::zone::Zone;

/// One zone's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NetworkZoneSettings {
    /// Which zone.
    pub zone: Zone,
    /// Staff may log in from this zone's address blocks (接続元). An enabled zone needs at
    /// least one block; a disabled zone keeps its blocks for the next switch.
    pub enabled: bool,
    /// The zone's address blocks: IP addresses or CIDR blocks, at most 100
    /// (`0.0.0.0/0` and `::/0` for "any address": an empty list never means "any").
    pub cidrs: Vec<String>,
    /// The URL this zone's readers open the service with (an origin: `https://host[:port]`,
    /// no path); `null`: the server's `public_url`. Staff mails link to the LGWAN zone's URL
    /// while that zone is enabled, else to the internet zone's; counterparty mails,
    /// verification links and the completion certificate to the internet zone's.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://keiyaku.city.example.lg.jp")
    )]
    pub public_url: Option<String>,
}

/// The tenant's zones, and where the asking request comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkZonesView {
    /// False until an administrator sets zones: then staff may log in from any address.
    pub configured: bool,
    /// Both zones, LGWAN first (unconfigured: disabled, no blocks, no URL).
    pub zones: Vec<NetworkZoneSettings>,
    /// The address this request came from, as the zone check sees it.
    pub client_address: Option<String>,
    /// The enabled zone that address is in, if any.
    pub client_zone: Option<Zone>,
    /// The URL staff mails link to now.
    pub staff_url: String,
    /// The URL counterparty mails, verification links and certificates carry now.
    pub counterparty_url: String,
}

/// `PUT /api/v1/settings/network-zones`: both zones, each once. Refused
/// (`network_zone_lockout`) when the requesting address would not be allowed afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateNetworkZonesRequest {
    /// Every zone once.
    pub zones: Vec<NetworkZoneSettings>,
}
