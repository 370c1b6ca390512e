//! How a simulated cluster is set up.

use crate::faults::Faults;
use crate::tls::TlsIdentity;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Per-collection server page caps: a list GET returns at most `min(limit, cap)` items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCaps {
    pub co_spaces: usize,
    pub calls: usize,
    pub call_legs: usize,
    /// Every other collection (participants, profiles, bulk objects, call bridges).
    pub others: usize,
}

impl Default for PageCaps {
    fn default() -> Self {
        PageCaps {
            co_spaces: 20,
            calls: 10,
            call_legs: 10,
            others: 10,
        }
    }
}

#[derive(Clone)]
pub struct SimConfig {
    /// Call bridges in the cluster; each listens on its own port over the same state.
    pub nodes: usize,
    pub bind: IpAddr,
    /// One port per node; empty = free ports chosen by the system.
    pub ports: Vec<u16>,
    /// HTTPS with a self-signed certificate generated at start; `false` = plain HTTP.
    pub tls: bool,
    /// The certificate and key to serve; `None` = a fresh self-signed one.
    pub tls_identity: Option<TlsIdentity>,
    pub username: String,
    pub password: String,
    pub software_version: String,
    pub page_caps: PageCaps,
    /// A dial-out is `ringing`, then `connected` once this has passed.
    pub dial_connect_delay: Duration,
    /// Remote parties containing this substring fail to connect: their leg ends instead.
    pub failing_remote_pattern: Option<String>,
    /// Each step of a bulk sync (pending → running → complete) takes this long.
    pub bulk_sync_step: Duration,
    /// Start with the users' own spaces of the seed ("Cool Bridge Space", ...).
    pub seed_user_spaces: bool,
    /// This many more users' own spaces (for paging tests and benches).
    pub extra_user_spaces: usize,
    /// Faults in force from the start.
    pub faults: Faults,
    /// The request log keeps at most this many entries (the oldest go first).
    pub request_log_limit: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            nodes: 1,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: Vec::new(),
            tls: true,
            tls_identity: None,
            username: "admin".to_owned(),
            password: "admin".to_owned(),
            software_version: "2.0(RC)".to_owned(),
            page_caps: PageCaps::default(),
            dial_connect_delay: Duration::from_secs(1),
            failing_remote_pattern: None,
            bulk_sync_step: Duration::from_millis(100),
            seed_user_spaces: true,
            extra_user_spaces: 0,
            faults: Faults::default(),
            request_log_limit: 100_000,
        }
    }
}

/// Written by hand so that the password never reaches a log through `{:?}`.
impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("nodes", &self.nodes)
            .field("bind", &self.bind)
            .field("ports", &self.ports)
            .field("tls", &self.tls)
            .field("tls_identity", &self.tls_identity)
            .field("username", &self.username)
            .field("password", &"*****")
            .field("software_version", &self.software_version)
            .field("page_caps", &self.page_caps)
            .field("dial_connect_delay", &self.dial_connect_delay)
            .field("failing_remote_pattern", &self.failing_remote_pattern)
            .field("bulk_sync_step", &self.bulk_sync_step)
            .field("seed_user_spaces", &self.seed_user_spaces)
            .field("extra_user_spaces", &self.extra_user_spaces)
            .field("faults", &self.faults)
            .field("request_log_limit", &self.request_log_limit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        let cfg = SimConfig {
            password: "hunter2".to_owned(),
            ..SimConfig::default()
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("username: \"admin\""));
    }
}
