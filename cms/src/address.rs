//! What an administrator types as a system's address, parsed into a typed endpoint.
//!
//! A bare address means HTTPS (CMS serves its API on the Web Admin port, 443 unless told);
//! plain HTTP only when written out, for labs and the simulator.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A host: an IP address or a DNS name (lower-cased, syntax checked).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// Where a CMS API lives: scheme, host and port, all explicit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    host: Host,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address is empty")]
    Empty,
    #[error("unsupported scheme \"{0}\": use https:// (or http:// for a lab)")]
    UnsupportedScheme(String),
    #[error(
        "the address must be a host with an optional port, without a path, query or user (got \"{0}\")"
    )]
    UnexpectedPart(String),
    #[error("\"{0}\" is not a valid port (1-65535)")]
    InvalidPort(String),
    #[error("IPv6 addresses must be written in brackets, for example [2001:db8::5]:445")]
    UnbracketedIpv6,
    #[error("\"{0}\" is not a valid IPv6 address")]
    InvalidIpv6(String),
    #[error("\"{0}\" is neither an IPv4 address nor a valid host name")]
    InvalidHost(String),
}

impl Endpoint {
    /// Parses `10.0.0.5`, `10.0.0.5:445`, `cms1.example.com:445`, `https://…`, `http://…`,
    /// `[::1]:445`. A single trailing `/` is tolerated; any other path is refused.
    pub fn parse(input: &str) -> Result<Endpoint, AddressError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AddressError::Empty);
        }
        let (scheme, rest) = match input.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
            Some((scheme, _)) => return Err(AddressError::UnsupportedScheme(scheme.to_owned())),
            None => (Scheme::Https, input),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(AddressError::Empty);
        }
        if authority.contains(['/', '?', '#', '@']) || authority.contains(char::is_whitespace) {
            return Err(AddressError::UnexpectedPart(input.to_owned()));
        }
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            Some(port) => parse_port(port)?,
            None => scheme.default_port(),
        };
        Ok(Endpoint { scheme, host, port })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `path` (which starts with `/`) on this endpoint.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{self}{path_and_query}")
    }
}

fn split_host_port(authority: &str) -> Result<(Host, Option<&str>), AddressError> {
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or_else(|| AddressError::InvalidIpv6(authority.to_owned()))?;
        let ip = Ipv6Addr::from_str(ip).map_err(|_| AddressError::InvalidIpv6(ip.to_owned()))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| AddressError::UnexpectedPart(authority.to_owned()))?,
            ),
        };
        return Ok((Host::Ip(IpAddr::V6(ip)), port));
    }
    match authority.matches(':').count() {
        0 => Ok((parse_host(authority)?, None)),
        1 => {
            let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
            Ok((parse_host(host)?, Some(port)))
        }
        _ => Err(AddressError::UnbracketedIpv6),
    }
}

fn parse_port(port: &str) -> Result<u16, AddressError> {
    match port.parse::<u16>() {
        Ok(number) if number != 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(number),
        _ => Err(AddressError::InvalidPort(port.to_owned())),
    }
}

fn parse_host(host: &str) -> Result<Host, AddressError> {
    let invalid = || AddressError::InvalidHost(host.to_owned());
    if let Ok(ip) = Ipv4Addr::from_str(host) {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    // A name whose last label is all digits is a mistyped IPv4 address (`10.0.0.256`).
    let looks_numeric = labels
        .last()
        .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()));
    if name.is_empty() || name.len() > 253 || looks_numeric || !labels.iter().all(label_ok) {
        return Err(invalid());
    }
    Ok(Host::Name(name))
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)
    }
}

impl FromStr for Endpoint {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::parse(s)
    }
}

impl Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Endpoint::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(input: &str) -> String {
        Endpoint::parse(input).unwrap().to_string()
    }

    #[test]
    fn bare_addresses_mean_https() {
        assert_eq!(shown("10.0.0.5"), "https://10.0.0.5:443");
        assert_eq!(shown(" 10.0.0.5:445 "), "https://10.0.0.5:445");
        assert_eq!(
            shown("CMS1.Example.com:445"),
            "https://cms1.example.com:445"
        );
        assert_eq!(shown("[::1]:445"), "https://[::1]:445");
        assert_eq!(shown("[2001:db8::5]"), "https://[2001:db8::5]:443");
    }

    #[test]
    fn explicit_schemes_are_kept() {
        assert_eq!(shown("https://14.80.82.31"), "https://14.80.82.31:443");
        assert_eq!(shown("HTTP://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(shown("http://lab"), "http://lab:80");
        let endpoint = Endpoint::parse("http://[::1]:9000").unwrap();
        assert_eq!(endpoint.scheme(), Scheme::Http);
        assert_eq!(endpoint.host(), &Host::Ip("::1".parse().unwrap()));
        assert_eq!(endpoint.port(), 9000);
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        let cases = [
            ("", AddressError::Empty),
            ("   ", AddressError::Empty),
            ("https://", AddressError::Empty),
            (
                "ftp://10.0.0.5",
                AddressError::UnsupportedScheme("ftp".into()),
            ),
            ("10.0.0.5:0", AddressError::InvalidPort("0".into())),
            ("10.0.0.5:65536", AddressError::InvalidPort("65536".into())),
            ("10.0.0.5:", AddressError::InvalidPort("".into())),
            ("10.0.0.5:+44", AddressError::InvalidPort("+44".into())),
            ("::1", AddressError::UnbracketedIpv6),
            ("[::g]:445", AddressError::InvalidIpv6("::g".into())),
            ("[::1", AddressError::InvalidIpv6("[::1".into())),
            ("10.0.0.256", AddressError::InvalidHost("10.0.0.256".into())),
            (
                "bad_host.example",
                AddressError::InvalidHost("bad_host.example".into()),
            ),
            (
                "-cms.example",
                AddressError::InvalidHost("-cms.example".into()),
            ),
            ("a..b", AddressError::InvalidHost("a..b".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(Endpoint::parse(input), Err(expected), "input {input:?}");
        }
        for input in [
            "https://10.0.0.5/api",
            "admin@10.0.0.5",
            "10.0.0.5?x=1",
            "10.0.0.5 445",
            "[::1]x",
        ] {
            assert!(
                matches!(Endpoint::parse(input), Err(AddressError::UnexpectedPart(_))),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn messages_are_readable() {
        let err = Endpoint::parse("::1").unwrap_err();
        assert!(err.to_string().contains("brackets"), "{err}");
    }

    #[test]
    fn serde_round_trips_through_the_display_form() {
        let endpoint = Endpoint::parse("cms1.example.com:445").unwrap();
        let json = serde_json::to_string(&endpoint).unwrap();
        assert_eq!(json, "\"https://cms1.example.com:445\"");
        assert_eq!(serde_json::from_str::<Endpoint>(&json).unwrap(), endpoint);
        assert!(serde_json::from_str::<Endpoint>("\"ftp://x\"").is_err());
    }

    #[test]
    fn no_input_makes_the_parser_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let pieces = [
            "https://", "http://", "[", "]", ":", "::1", "445", "10.0.0.5", ".", "/", "é", "@",
            "-", "a", " ", "0",
        ];
        let mut accepted = 0;
        for _ in 0..20_000 {
            let input: String = (0..rng.gen_range(0..8))
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect();
            if let Ok(endpoint) = Endpoint::parse(&input) {
                accepted += 1;
                assert_eq!(
                    Endpoint::parse(&endpoint.to_string()),
                    Ok(endpoint),
                    "{input:?}"
                );
            }
        }
        assert!(accepted > 100, "{accepted}");
    }
}
