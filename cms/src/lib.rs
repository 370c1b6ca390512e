//! The Cisco Meeting Server API connector (issue 3): the only code in Bridgekeeper that talks
//! to a CMS. Typed operations ([`ops`]), typed errors ([`CmsError`]), an API trace with secrets
//! masked ([`trace`]), failover along a system's addresses, and the meeting lifecycle steps the
//! scheduler engine runs ([`lifecycle`]). It knows nothing of the UI or the database.
//!
//! ```no_run
//! use std::sync::Arc;
//! use cms::lifecycle::{self, MeetingDress, PlaceholderPlan, PollPolicy, TMS_NAME_PREFIX};
//! use cms::ops::call_legs::RemoteParty;
//! use cms::{Connector, ConnectorConfig, Credentials, Endpoint, NumericIdRange, Passcode, Target};
//!
//! # async fn demo(pem: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let primary = Target {
//!     endpoint: Endpoint::parse("10.0.0.5:445")?,
//!     credentials: Credentials::new("admin", "secret"),
//! };
//! let mut config = ConnectorConfig::new(primary);
//! config.tls = cms::TlsMode::PinnedCertificate(cms::PinnedCertificate::from_pem(pem)?);
//! let cms = Connector::new(config, Arc::new(cms::NoTrace))?;
//!
//! let profiles = lifecycle::prepare_profiles(&cms).await?;
//! let plan = PlaceholderPlan::new(NumericIdRange::new(1, 5)?, TMS_NAME_PREFIX, "example.com")?;
//! let placeholders =
//!     lifecycle::provision_placeholders(&cms, &plan, &profiles, &PollPolicy::default(), |_| {}).await?;
//!
//! let dress = MeetingDress { title: "Weekly sync".into(), passcode: Passcode::parse("4711")? };
//! let desk = RemoteParty::parse("desk.ex90@example.com")?;
//! let meeting = lifecycle::start_meeting(&cms, &placeholders[0], &dress, &[desk]).await?;
//! lifecycle::extend_meeting(&cms, &placeholders[0], &dress).await?;
//! lifecycle::end_meeting(&cms, &placeholders[0], Some(&meeting.call)).await?;
//! # Ok(()) }
//! ```

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
