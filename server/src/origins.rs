//! Which Host names and origins this portal answers as: its listen address (and the localhost
//! names when it listens on loopback), and the `--public-url` it is reached at behind a proxy.
//! Used by Host validation and by the cross-site check, which compares scheme, host and port.

use std::net::SocketAddr;

/// An origin: scheme, host (lower case, IPv6 in brackets) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an origin such as https://portal.example.com (http or https, no path)")]
pub struct BadPublicUrl;

impl Origin {
    /// `scheme://host[:port]` (a trailing `/` is allowed, nothing else after the authority).
    pub fn parse(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = default_port(&scheme)?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = split_authority(authority)?;
        Some(Origin {
            scheme,
            host,
            port: port.unwrap_or(default),
        })
    }

    /// For `--public-url`.
    pub fn parse_public_url(url: &str) -> Result<Origin, BadPublicUrl> {
        Self::parse(url).ok_or(BadPublicUrl)
    }

    /// Whether a `Host` header (`host[:port]`) names this origin.
    fn is_host(&self, host: &str, port: Option<u16>) -> bool {
        self.host == host && port.unwrap_or(default_port(&self.scheme).unwrap_or(0)) == self.port
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// `host[:port]`, `[v6][:port]` → lower-case host and port.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':')?),
        };
        (format!("[{v6}]"), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (authority.to_string(), None),
        }
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || "-._[]:".contains(c);
    if host.is_empty() || host.len() > 253 || !host.chars().all(valid) {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// The origins the portal answers as.
#[derive(Debug, Clone)]
pub struct Origins {
    known: Vec<Origin>,
    /// Listening on every interface with no `--public-url`: any Host is served, and a request's
    /// origin must be its own Host under this scheme.
    any_host: Option<String>,
}

impl Origins {
    /// From the listen address and the public URL. `secure` (`--secure-cookies`) says users
    /// come over HTTPS, for the case without a public URL on an unspecified address.
    pub fn new(listen: SocketAddr, public_url: Option<&Origin>, secure: bool) -> Self {
        let port = listen.port();
        let mut known: Vec<Origin> = public_url.into_iter().cloned().collect();
        let http = |host: &str| Origin {
            scheme: "http".into(),
            host: host.into(),
            port,
        };
        let ip = listen.ip();
        if ip.is_loopback() {
            known.extend(["127.0.0.1", "localhost", "[::1]"].map(http));
        } else if !ip.is_unspecified() {
            known.push(http(&match ip {
                std::net::IpAddr::V4(v4) => v4.to_string(),
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            }));
        }
        let any_host = (ip.is_unspecified() && public_url.is_none())
            .then(|| if secure { "https" } else { "http" }.to_string());
        Origins { known, any_host }
    }

    /// Whether a request's `Host` is one this portal answers as.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some((host, port)) = split_authority(host) else {
            return false;
        };
        self.any_host.is_some() || self.known.iter().any(|o| o.is_host(&host, port))
    }

    /// Whether `origin` (an `Origin` header, or a `Referer`) is this very portal as reached
    /// with `Host`: the same scheme, host and port.
    pub fn same_origin(&self, host: &str, origin: &str) -> bool {
        let (Some((host, port)), Some(origin)) = (split_authority(host), origin_of(origin)) else {
            return false;
        };
        if !origin.is_host(&host, port) {
            return false;
        }
        match &self.any_host {
            Some(scheme) => origin.scheme == *scheme,
            None => self.known.contains(&origin),
        }
    }

    /// What the portal answers as, for a refusal's message.
    pub fn describe(&self) -> String {
        if self.any_host.is_some() {
            return "any host".into();
        }
        let names: Vec<String> = self.known.iter().map(Origin::to_string).collect();
        names.join(", ")
    }
}

/// The origin of a URL (`https://host:port/path…` → its scheme, host and port).
fn origin_of(url: &str) -> Option<Origin> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Origin::parse(&format!("{scheme}://{}", &rest[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_listens_as_its_address_and_localhost() {
        let origins = Origins::new("127.0.0.1:3000".parse().unwrap(), None, false);
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(origins.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example",
            "127.0.0.1:3001",
            "localhost",
            "",
            "a b",
            "x:99999",
        ] {
            assert!(!origins.host_allowed(host), "{host}");
        }
        assert!(origins.same_origin("127.0.0.1:3000", "http://127.0.0.1:3000"));
        assert!(origins.same_origin("localhost:3000", "http://localhost:3000/booking?x"));
        assert!(!origins.same_origin("127.0.0.1:3000", "https://127.0.0.1:3000"));
        assert!(!origins.same_origin("127.0.0.1:3000", "http://localhost:3000"));
        assert!(!origins.same_origin("127.0.0.1:3000", "http://127.0.0.1:3001"));
        assert!(!origins.same_origin("127.0.0.1:3000", "null"));
        assert!(!origins.same_origin("127.0.0.1:3000", "http://127.0.0.1:3000.evil.example"));
    }

    #[test]
    fn a_public_url_is_the_origin_behind_a_proxy() {
        let public = Origin::parse_public_url("https://Portal.Example.com/").unwrap();
        let origins = Origins::new("0.0.0.0:3000".parse().unwrap(), Some(&public), true);
        assert!(origins.host_allowed("portal.example.com"));
        assert!(origins.host_allowed("portal.example.com:443"));
        assert!(!origins.host_allowed("evil.example"));
        assert!(!origins.host_allowed("portal.example.com:3000"));
        assert!(origins.same_origin("portal.example.com", "https://portal.example.com"));
        assert!(!origins.same_origin("portal.example.com", "http://portal.example.com"));
        assert!(Origin::parse_public_url("ftp://x").is_err());
        assert!(Origin::parse_public_url("https://x/path").is_err());
        assert!(Origin::parse_public_url("https://user@x").is_err());
    }

    #[test]
    fn every_interface_without_a_public_url_takes_the_request_host() {
        let origins = Origins::new("0.0.0.0:3000".parse().unwrap(), None, false);
        assert!(origins.host_allowed("10.1.2.3:3000"));
        assert!(origins.same_origin("10.1.2.3:3000", "http://10.1.2.3:3000"));
        assert!(!origins.same_origin("10.1.2.3:3000", "https://10.1.2.3:3000"));
        assert!(!origins.same_origin("10.1.2.3:3000", "http://evil.example"));
    }
}
