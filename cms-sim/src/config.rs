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

#[derive(Debug, Clone)]
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
