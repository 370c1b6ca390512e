//! The portal's nodes as `/readyz` and Administrative Tools → Engine show them: which process
//! holds the engine's lease (and so runs the scheduler engine, monitoring and the other
//! background work), and whether the node answering is that process or a standby.

use serde::{Deserialize, Serialize};

/// What the node answering does about the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeRole {
    /// It holds the engine's lease: it runs the engine.
    Holder,
    /// Another process holds the lease (or nobody does yet): it serves pages and takes the
    /// lease over once that one's expires.
    Standby,
}

impl NodeRole {
    /// The name `/readyz` gives.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Holder => "holder",
            NodeRole::Standby => "standby",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NodeRole::Holder => "Holder: this node runs the scheduler engine",
            NodeRole::Standby => {
                "Standby: another node runs the scheduler engine; this one takes over if it stops"
            }
        }
    }
}

/// The engine's lease as it stands in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseView {
    /// The holding process: host name, process id and a start mark.
    pub holder: String,
    /// The fencing number: it grows on every takeover.
    pub epoch: i64,
    /// Since when this holder has held it, RFC 3339 in UTC.
    pub since: String,
    /// When it expires unless renewed, RFC 3339 in UTC.
    pub expires: String,
    /// It has expired: its holder stopped renewing, and a standby is about to take it.
    pub expired: bool,
}

/// The engine as seen from one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// The node answering (same form as [`LeaseView::holder`]).
    pub this_node: String,
    pub role: NodeRole,
    /// `None` until a process has taken the lease, and after a clean shutdown released it.
    pub lease: Option<LeaseView>,
}
