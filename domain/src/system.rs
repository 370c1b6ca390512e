//! Meeting servers as the UI sees them: never a password.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SystemId(pub i64);

/// Whether the portal can talk to the system, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Connectivity {
    Reachable,
    NoResponse,
    AuthenticationFailed,
    CertificateNotTrusted,
}

impl Connectivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Reachable => "reachable",
            Connectivity::NoResponse => "no_response",
            Connectivity::AuthenticationFailed => "authentication_failed",
            Connectivity::CertificateNotTrusted => "certificate_not_trusted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Connectivity::Reachable,
            Connectivity::NoResponse,
            Connectivity::AuthenticationFailed,
            Connectivity::CertificateNotTrusted,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Connectivity::Reachable => "Reachable on LAN",
            Connectivity::NoResponse => "No Response",
            Connectivity::AuthenticationFailed => "Authentication failed",
            Connectivity::CertificateNotTrusted => "Certificate not trusted",
        }
    }
}

/// How the portal trusts the system's HTTPS certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TlsChoice {
    /// Verify against the system's root certificates (the default).
    Verify,
    /// Trust exactly one given certificate (PEM).
    Pinned,
    /// Do not verify (explicitly chosen).
    Insecure,
}

impl TlsChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsChoice::Verify => "verify",
            TlsChoice::Pinned => "pinned",
            TlsChoice::Insecure => "insecure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [TlsChoice::Verify, TlsChoice::Pinned, TlsChoice::Insecure]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TlsChoice::Verify => "Verify against trusted roots",
            TlsChoice::Pinned => "Trust this certificate (PEM)",
            TlsChoice::Insecure => "Do not verify",
        }
    }
}

/// A row of the Navigator's system list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSummary {
    pub id: SystemId,
    /// As the administrator typed it, normalised (`https://10.0.0.5:445`).
    pub address: String,
    pub name: String,
    pub description: String,
    pub system_type: String,
    pub software_version: Option<String>,
    pub connectivity: Connectivity,
    pub open_tickets: u32,
}

impl SystemSummary {
    /// The name, or TMS's "No Name (address)" while it has none.
    pub fn display_name(&self) -> String {
        if self.name.trim().is_empty() {
            format!("No Name ({})", self.host())
        } else {
            self.name.clone()
        }
    }

    /// The address without the scheme, as shown in TMS (`14.80.82.30`).
    pub fn host(&self) -> &str {
        self.address
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&self.address)
    }
}

/// A call bridge of a system's cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterMember {
    pub bridge_id: String,
    pub name: String,
    pub address: Option<String>,
}

/// A system's page: everything but its credentials' secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemDetail {
    pub summary: SystemSummary,
    pub username: String,
    pub tls: TlsChoice,
    pub cluster_enabled: bool,
    pub members: Vec<ClusterMember>,
    /// Open and acknowledged tickets, newest first.
    pub tickets: Vec<crate::ticket::Ticket>,
}

pub const SYSTEM_TYPE: &str = "Cisco Meeting Server";
