//! Rate limiting of failed logins, per user name and per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed for one user name within `window`.
    pub per_username: u32,
    /// Failures allowed from one client address within `window`.
    pub per_address: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_username: 5,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum Key {
    Username(String),
    Address(IpAddr),
}

/// In-memory failure counters. A restart forgets them, which only ever helps a legitimate user.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            failures: Mutex::default(),
        }
    }

    /// `Err(wait)` when this user name or address has used up its attempts.
    pub fn check(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for (key, limit) in [
            (
                Key::Username(username.to_string()),
                self.policy.per_username,
            ),
            (Key::Address(address), self.policy.per_address),
        ] {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < self.policy.window);
                if times.len() as u32 >= limit
                    && let Some(oldest) = times.first()
                {
                    wait = wait.max(self.policy.window - now.duration_since(*oldest));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    pub fn record_failure(&self, username: &str, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in [Key::Username(username.to_string()), Key::Address(address)] {
            failures.entry(key).or_default().push(now);
        }
    }

    /// A successful login clears the user name's failures (not the address's).
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Username(username.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            per_username: 3,
            per_address: 5,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn locks_a_username_after_its_failures_then_forgets_them() {
        let throttle = LoginThrottle::new(policy());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("alice", ip, t0).is_ok());
            throttle.record_failure("alice", ip, t0);
        }
        let wait = throttle.check("alice", ip, t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
        assert!(
            throttle.check("bob", ip, t0).is_ok(),
            "other users are not locked"
        );
        assert!(
            throttle
                .check("alice", ip, t0 + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn locks_an_address_across_usernames() {
        let throttle = LoginThrottle::new(policy());
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        let other: IpAddr = "10.1.2.4".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..5 {
            throttle.record_failure(&format!("user{i}"), ip, t0);
        }
        assert!(throttle.check("fresh", ip, t0).is_err());
        assert!(throttle.check("fresh", other, t0).is_ok());
    }

    #[test]
    fn success_clears_the_username() {
        let throttle = LoginThrottle::new(policy());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            throttle.record_failure("alice", ip, t0);
        }
        throttle.record_success("alice");
        assert!(throttle.check("alice", ip, t0).is_ok());
    }
}
