//! How a connector is set up: the systems to talk to (in failover order), TLS, limits, retries.

use std::fmt;
use std::num::NonZeroUsize;
use std::time::Duration;

use rand::Rng;

use crate::address::Endpoint;
use crate::secret::Secret;
use crate::tls::TlsMode;

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: Secret,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            password: Secret::new(password),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// One address of the system with the credentials that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
}

/// How `503 busy` (and, for idempotent requests, a lost connection) is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (at least 1).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based): exponential, capped, and jittered
    /// between half and all of it so that clients that failed together do not retry together.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let full = exponential.min(self.max_delay);
        let half = full / 2;
        half + full
            .saturating_sub(half)
            .mul_f64(rand::thread_rng().r#gen::<f64>())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// Used whenever it answers.
    pub primary: Target,
    /// Tried in order when the ones before them cannot be reached (Alternate IP, cluster members).
    pub alternates: Vec<Target>,
    pub tls: TlsMode,
    /// Per request, from connecting until the whole body has arrived.
    pub request_timeout: Duration,
    /// For establishing a connection (capped by `request_timeout`): short, so that a dead
    /// primary costs little before failover.
    pub connect_timeout: Duration,
    /// Requests in flight at once on each endpoint.
    pub max_in_flight: NonZeroUsize,
    pub retry: RetryPolicy,
    /// How long an unreachable endpoint is skipped before it is tried again.
    pub failover_cooldown: Duration,
}

impl ConnectorConfig {
    pub fn new(primary: Target) -> ConnectorConfig {
        ConnectorConfig {
            primary,
            alternates: Vec::new(),
            tls: TlsMode::default(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            max_in_flight: NonZeroUsize::new(4).unwrap_or(NonZeroUsize::MIN),
            retry: RetryPolicy::default(),
            failover_cooldown: Duration::from_secs(30),
        }
    }

    pub(crate) fn targets(&self) -> impl Iterator<Item = &Target> {
        std::iter::once(&self.primary).chain(&self.alternates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_masked_in_debug() {
        let credentials = Credentials::new("admin", "hunter2");
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("admin") && shown.contains("*****"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..200 {
            let first = policy.delay(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.delay(3);
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350));
            assert!(policy.delay(40) <= Duration::from_millis(350));
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| policy.delay(2)).collect();
        assert!(samples.len() > 1, "no jitter");
    }
}
