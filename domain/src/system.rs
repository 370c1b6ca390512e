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
        display_name(&self.name, &self.address)
    }

    /// The address without the scheme, as shown in TMS (`14.80.82.30`).
    pub fn host(&self) -> &str {
        host(&self.address)
    }
}

/// A system's name as every page shows it: its name, or TMS's "No Name (host)" while it has
/// none. The one place this is computed (the store reads name and address).
pub fn display_name(name: &str, address: &str) -> String {
    if name.trim().is_empty() {
        format!("No Name ({})", host(address))
    } else {
        name.to_string()
    }
}

/// An address without its scheme, as shown in TMS (`14.80.82.30`).
pub fn host(address: &str) -> &str {
    address
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(address)
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
    /// Domain, Numeric ID Base and Quantity, once set.
    pub extended: Option<ExtendedSettings>,
    /// The Numeric ID range whose placeholder spaces exist on the server.
    pub provisioned: Option<IdRange>,
    /// Placeholder provisioning under way or just finished.
    pub provisioning: Option<Provisioning>,
}

/// A range of numeric IDs: `base ..= base + quantity - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRange {
    pub base: u64,
    pub quantity: u64,
}

impl IdRange {
    pub fn last(&self) -> u64 {
        self.base + self.quantity - 1
    }

    pub fn contains(&self, index: u64) -> bool {
        (self.base..=self.last()).contains(&index)
    }
}

/// The Extended Settings of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendedSettings {
    pub domain: String,
    pub range: IdRange,
}

/// What saving Extended Settings will do to the placeholder spaces, said before it is done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionPlan {
    /// Ranges of indexes whose spaces will be created.
    pub create: Vec<IdRange>,
    /// Ranges of indexes whose spaces will be deleted (never one in use by a running meeting).
    pub remove: Vec<IdRange>,
    /// Spaces that stay as they are.
    pub keep: u64,
}

impl ProvisionPlan {
    /// What turns the placeholders of `current` (none yet, or a range) into those of `wanted`.
    pub fn between(current: Option<IdRange>, wanted: IdRange) -> ProvisionPlan {
        let Some(current) = current else {
            return ProvisionPlan {
                create: vec![wanted],
                ..ProvisionPlan::default()
            };
        };
        ProvisionPlan {
            create: difference(wanted, current),
            remove: difference(current, wanted),
            keep: overlap(current, wanted),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.remove.is_empty()
    }

    pub fn created(&self) -> u64 {
        self.create.iter().map(|r| r.quantity).sum()
    }

    pub fn removed(&self) -> u64 {
        self.remove.iter().map(|r| r.quantity).sum()
    }

    /// The plan in words, for the page to say before anything is done.
    pub fn describe(&self) -> String {
        let ranges = |rs: &[IdRange]| {
            rs.iter()
                .map(|r| format!("{}–{}", r.base, r.last()))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        let mut parts = Vec::new();
        if !self.create.is_empty() {
            parts.push(format!(
                "create {} placeholder space(s) ({})",
                self.created(),
                ranges(&self.create)
            ));
        }
        if !self.remove.is_empty() {
            parts.push(format!(
                "delete {} placeholder space(s) ({}) that are not in use",
                self.removed(),
                ranges(&self.remove)
            ));
        }
        if self.keep > 0 {
            parts.push(format!("keep {} as they are", self.keep));
        }
        if parts.is_empty() {
            "The placeholder spaces stay as they are.".to_string()
        } else {
            let text = parts.join(", ");
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str() + ".")
                .unwrap_or_default()
        }
    }
}

/// The parts of `a` outside `b` (at most two ranges).
fn difference(a: IdRange, b: IdRange) -> Vec<IdRange> {
    let mut out = Vec::new();
    if a.base < b.base {
        let last = a.last().min(b.base - 1);
        out.push(IdRange {
            base: a.base,
            quantity: last - a.base + 1,
        });
    }
    if a.last() > b.last() {
        let first = a.base.max(b.last() + 1);
        out.push(IdRange {
            base: first,
            quantity: a.last() - first + 1,
        });
    }
    out
}

fn overlap(a: IdRange, b: IdRange) -> u64 {
    let first = a.base.max(b.base);
    let last = a.last().min(b.last());
    if first <= last { last - first + 1 } else { 0 }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProvisioningState {
    Running,
    Complete,
    Failed,
}

/// Progress of placeholder provisioning, shown live on the Extended Settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioning {
    pub state: ProvisioningState,
    /// What is happening or what happened, in words.
    pub message: String,
    pub plan: ProvisionPlan,
}

pub const SYSTEM_TYPE: &str = "Cisco Meeting Server";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_system_without_a_name_is_named_by_its_host() {
        for (name, address, shown) in [
            ("Main", "https://10.0.0.5:445", "Main"),
            ("", "https://10.0.0.5:445", "No Name (10.0.0.5:445)"),
            ("   ", "http://cms.example.com", "No Name (cms.example.com)"),
            ("", "cms.example.com", "No Name (cms.example.com)"),
        ] {
            assert_eq!(display_name(name, address), shown, "{name:?} {address:?}");
        }
    }

    fn r(base: u64, quantity: u64) -> IdRange {
        IdRange { base, quantity }
    }

    #[test]
    fn a_first_range_creates_everything() {
        let plan = ProvisionPlan::between(None, r(1, 5));
        assert_eq!(plan.create, [r(1, 5)]);
        assert!(plan.remove.is_empty());
        assert_eq!(plan.describe(), "Create 5 placeholder space(s) (1–5).");
    }

    #[test]
    fn growing_shrinking_and_moving_ranges() {
        let grow = ProvisionPlan::between(Some(r(1, 5)), r(1, 8));
        assert_eq!(
            (grow.create, grow.remove, grow.keep),
            (vec![r(6, 3)], vec![], 5)
        );
        let shrink = ProvisionPlan::between(Some(r(1, 5)), r(2, 3));
        assert_eq!(
            (shrink.create, shrink.remove, shrink.keep),
            (vec![], vec![r(1, 1), r(5, 1)], 3)
        );
        let moved = ProvisionPlan::between(Some(r(1, 5)), r(100, 5));
        assert_eq!(
            (moved.create, moved.remove, moved.keep),
            (vec![r(100, 5)], vec![r(1, 5)], 0)
        );
        let same = ProvisionPlan::between(Some(r(1, 5)), r(1, 5));
        assert!(same.is_empty());
        assert_eq!(same.describe(), "Keep 5 as they are.");
    }
}
