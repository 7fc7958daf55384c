//! Who is on the other end: the TCP peer, or — when that peer is one of the operator's reverse
//! proxies (`trusted_proxies`) — the address the proxy says it forwarded for.
//!
//! Without this, every user behind nginx shares the proxy's address: one throttle locks all of
//! them out, and audit events and agreements record the proxy. With it, a client can never
//! choose its own address: forwarded headers are read only from a trusted peer, right to left,
//! skipping further trusted proxies, and the first other address is the client's.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::http::header::HeaderMap;

/// An address block, `10.0.0.0/8`, `2001:db8::/32` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside the block (an IPv4-mapped IPv6 address counts as its IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    a[..full] == b[..full] && (rest == 0 || (a[full] ^ b[full]) & (0xFFu8 << (8 - rest)) == 0)
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let network = canonical(
            addr.parse::<IpAddr>()
                .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?,
        );
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0-{max}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The reverse proxies whose forwarded headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses a comma-separated list of CIDR blocks (empty: trust no one).
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of them.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then the nearest
    /// untrusted hop of `Forwarded` (RFC 7239) or, without it, `X-Forwarded-For`. A header a
    /// trusted proxy sent in a form we cannot read leaves the proxy's own address.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.contains(peer) {
            return Some(peer);
        }
        let hops = forwarded_for(headers).or_else(|| x_forwarded_for(headers));
        let Some(hops) = hops else {
            return Some(peer);
        };
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.contains(client) {
                        return Some(client);
                    }
                }
                None => return Some(client),
            }
        }
        Some(client)
    }
}

impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self.0.iter().map(Cidr::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// The `for=` of every `Forwarded` element, in order (`None` for an obfuscated or unreadable
/// one); `None` when there is no such header.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    let mut any = false;
    for value in headers.get_all("forwarded") {
        any = true;
        let text = value.to_str().ok()?;
        for element in text.split(',') {
            let hop = element.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| node_ip(v.trim()))
            });
            hops.push(hop.flatten());
        }
    }
    any.then_some(hops)
}

/// A `Forwarded` node: `192.0.2.1`, `"192.0.2.1:80"`, `"[2001:db8::1]:4711"`, `unknown`.
fn node_ip(v: &str) -> Option<IpAddr> {
    let v = v.trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse()
        .ok()
        .or_else(|| v.rsplit_once(':').and_then(|(a, _)| a.parse().ok()))
}

fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    let mut any = false;
    for value in headers.get_all("x-forwarded-for") {
        any = true;
        let text = value.to_str().ok()?;
        hops.extend(text.split(',').map(|h| node_ip(h.trim())));
    }
    any.then_some(hops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_blocks_parse_and_match() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains(ip("10.1.255.3")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        assert!(!c.contains(ip("10.2.0.1")));
        let c: Cidr = "2001:db8::/33".parse().unwrap();
        assert!(c.contains(ip("2001:db8:7fff::1")));
        assert!(!c.contains(ip("2001:db8:8000::1")));
        assert!(
            "192.0.2.7"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("192.0.2.7"))
        );
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse("10.0.0.0/8, ,::1").is_ok());
        assert!(TrustedProxies::parse("10.0.0.0/8,nope").is_err());
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        let proxies = TrustedProxies::parse("127.0.0.1,10.0.0.0/8").unwrap();
        let spoof = headers(&[("x-forwarded-for", "198.51.100.1")]);
        // An untrusted peer cannot choose its address.
        assert_eq!(
            none.client_ip(Some(ip("203.0.113.5")), &spoof),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(
            proxies.client_ip(Some(ip("203.0.113.5")), &spoof),
            Some(ip("203.0.113.5"))
        );
        // Through the proxy: the nearest untrusted hop, not the client-supplied first entry.
        let chain = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &chain),
            Some(ip("203.0.113.9"))
        );
        let fwd = headers(&[(
            "forwarded",
            "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.9",
        )]);
        assert_eq!(
            proxies.client_ip(Some(ip("10.9.9.9")), &fwd),
            Some(ip("2001:db8::7"))
        );
        // No header, or an unreadable hop: the proxy's own address.
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &HeaderMap::new()),
            Some(ip("127.0.0.1"))
        );
        let garbage = headers(&[("x-forwarded-for", "<script>, 10.0.0.3")]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &garbage),
            Some(ip("10.0.0.3"))
        );
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &hidden),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(proxies.client_ip(None, &chain), None);
    }
}
