//! A faithful Cisco Meeting Server API simulator (issue 4).
//!
//! `cms-sim` answers the CMS REST API (`/api/v1/...`) as the real server does in the seed's
//! trace and in `shared/cms-api.md`: HTTPS with a self-signed certificate (or plain HTTP),
//! Basic auth, XML in the server's own style, `failureDetails` errors, page caps, bulk syncs
//! running in the background, calls and dial-outs that ring then connect. One process serves
//! a cluster of call bridges over one shared state, injects faults on demand and logs every
//! request.
//!
//! A control API on every node, under `/_sim/` (never under `/api/v1`, no CMS auth), drives it
//! from outside with JSON:
//!
//! | route | does |
//! |---|---|
//! | `GET /_sim/faults` | the faults in force ([`Faults`] as JSON, `latency_ms` for the latency) |
//! | `PUT /_sim/faults` | replaces them (fields left out take their defaults); 400 if invalid |
//! | `GET /_sim/nodes` | every node: `node`, `url`, `up` |
//! | `PUT /_sim/nodes/<n>` | `{"up": false}` takes node n down (`"for_ms": 500` brings it back after), `{"up": true}` brings it up |
//! | `GET /_sim/requests` | the request log ([`LoggedRequest`]s), oldest first |
//! | `DELETE /_sim/requests` | empties the request log (204) |
//! | `GET /_sim/state` | a [`StateSnapshot`] |
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let cluster = cms_sim::Cluster::start(cms_sim::SimConfig { nodes: 2, ..Default::default() }).await?;
//! println!("{:?}", cluster.base_urls());
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```

mod bulk;
mod calls;
mod cluster;
mod config;
mod control;
mod faults;
mod form;
mod paging;
mod profiles;
mod reply;
mod requests;
mod routes;
mod server;
mod service;
mod snapshot;
mod spaces;
mod state;
mod tls;
mod xml;

pub use bulk::{MAX_INDEX_RANGE, SyncStatus};
pub use cluster::Cluster;
pub use config::{PageCaps, SimConfig};
pub use faults::{BulkSyncFault, Faults};
pub use requests::{DROPPED, LoggedRequest};
pub use snapshot::{
    BulkParameterSetSnapshot, BulkSyncSnapshot, CallLegSnapshot, CallSnapshot, ProfileSnapshot,
    SpaceSnapshot, StateSnapshot,
};
pub use tls::TlsIdentity;
