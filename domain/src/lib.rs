//! Bridgekeeper's domain: the model shared with the UI and, under `ssr`, the services and the store
//! behind them.

pub mod audit;
pub mod booking;
pub mod navigator;
pub mod next_path;
pub mod node;
pub mod redacted;
pub mod role;
pub mod system;
pub mod system_access;
pub mod system_status;
pub mod ticket;
pub mod user;
pub mod validation;

#[cfg(feature = "ssr")]
pub mod bookings;
#[cfg(feature = "ssr")]
pub mod folders;
#[cfg(feature = "ssr")]
pub mod lease;
#[cfg(feature = "ssr")]
pub mod live_participants;
#[cfg(feature = "ssr")]
pub mod login_throttle;
#[cfg(feature = "ssr")]
pub mod monitoring;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod scheduler;
#[cfg(feature = "ssr")]
pub mod secret_box;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod system_settings;
#[cfg(feature = "ssr")]
pub mod systems;
#[cfg(feature = "ssr")]
pub mod tickets;
#[cfg(feature = "ssr")]
pub mod trace_log;
#[cfg(feature = "ssr")]
pub mod users;
#[cfg(feature = "ssr")]
pub mod zone;

pub use redacted::Redacted;
pub use role::{Permission, Role};
pub use user::{UserId, UserSummary, Username};
pub use validation::{FieldError, FieldErrors};
