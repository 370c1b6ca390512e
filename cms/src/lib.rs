//! The Cisco Meeting Server API connector (issue 3): the only code in Bridgekeeper that talks
//! to a CMS. Typed operations ([`ops`]), typed errors ([`CmsError`]), an API trace with secrets
//! masked ([`trace`]), failover along a system's addresses, and the meeting lifecycle steps the
//! scheduler engine runs ([`lifecycle`]). It knows nothing of the UI or the database.

pub mod address;
mod client;
pub mod config;
pub mod error;
mod form;
pub mod ids;
pub mod lifecycle;
pub mod model;
pub mod ops;
pub mod range;
pub mod secret;
pub mod tls;
pub mod trace;
mod xml;

pub use address::{AddressError, Endpoint, Host, Scheme};
pub use client::Connector;
pub use config::{ConnectorConfig, Credentials, RetryPolicy, Target};
pub use error::{CmsError, ConfigError, ErrorKind, Method};
pub use range::{NumericIdRange, RangeError};
pub use secret::{Passcode, Secret};
pub use tls::{PinnedCertificate, TlsMode};
pub use trace::{MemoryTrace, NoTrace, TraceEntry, TraceSink};
