//! Rate limiting of sign-ins, and the cap on password hashing at once.
//!
//! An attempt is *reserved* before its password is checked, in one step with the check (under one
//! lock), so parallel attempts cannot all pass the check before any is counted. A successful
//! sign-in releases its reservation; a failed one keeps it until the window has passed.
//!
//! Failures count against three keys, each with its own limit within `window`:
//! - the user name *from one client address* (default 5): a guesser is stopped without locking
//!   the account for its owner signing in from elsewhere;
//! - the client address, whatever the user name (default 20);
//! - the user name from all addresses together (default 100): a ceiling on a distributed guess of
//!   one account. Reaching it locks that account for everyone until the window has passed, which
//!   is why it is far above the first limit.
//!
//! IPv6 clients are counted per /64 (one host usually owns the whole prefix). Keys expire with
//! their window and at most `max_keys` are kept (the least recently used go first), so the
//! throttle's memory is bounded whatever an attacker sends.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed for one user name from one client address within `window`.
    pub per_user_and_address: u32,
    /// Failures allowed for one user name from all addresses together within `window`.
    pub per_username: u32,
    /// Failures allowed from one client address within `window`.
    pub per_address: u32,
    pub window: Duration,
    /// Use the last hop of `X-Forwarded-For` as the client address: only behind a reverse proxy
    /// that sets it (otherwise any client could claim any address).
    pub trusted_proxy: bool,
    /// Throttle keys kept at most.
    pub max_keys: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            per_user_and_address: 5,
            per_username: 100,
            per_address: 20,
            window: Duration::from_secs(15 * 60),
            trusted_proxy: false,
            max_keys: 100_000,
        }
    }
}

/// The longest user name kept as a key (longer names are no user's: they are cut).
const MAX_KEY_NAME: usize = 64;

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
enum Key {
    Username(String),
    UserAt(String, IpAddr),
    Address(IpAddr),
}

/// An attempt counted before its password is checked; give it back with
/// [`LoginThrottle::succeeded`] or [`LoginThrottle::not_evaluated`].
#[derive(Debug)]
pub struct Reservation {
    username: String,
    address: IpAddr,
    at: Instant,
}

/// In-memory failure counters. A restart forgets them, which only ever helps a legitimate user.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    state: Mutex<State>,
    hashing: HashLimiter,
}

#[derive(Debug, Default)]
struct State {
    keys: HashMap<Key, Vec<Instant>>,
    swept: Option<Instant>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self::with_hashing(policy, HashLimiter::default())
    }

    /// A throttle whose password checks go through `hashing`.
    pub fn with_hashing(policy: ThrottlePolicy, hashing: HashLimiter) -> Self {
        Self {
            policy,
            state: Mutex::default(),
            hashing,
        }
    }

    pub fn hashing(&self) -> &HashLimiter {
        &self.hashing
    }

    /// The address a sign-in is counted against: the peer's, or behind a trusted proxy the last
    /// hop of `X-Forwarded-For` (the address the proxy saw) when it is one.
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.policy.trusted_proxy {
            return peer;
        }
        forwarded_for
            .and_then(|list| list.rsplit(',').next())
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok())
            .unwrap_or(peer)
    }

    fn keys(&self, username: &str, address: IpAddr) -> [(Key, u32); 3] {
        let name: String = username.chars().take(MAX_KEY_NAME).collect();
        let address = counted(address);
        [
            (
                Key::UserAt(name.clone(), address),
                self.policy.per_user_and_address,
            ),
            (Key::Username(name), self.policy.per_username),
            (Key::Address(address), self.policy.per_address),
        ]
    }

    /// Counts an attempt for this user name and address, or `Err(wait)` when one of them has
    /// used up its attempts (nothing is counted then).
    pub fn reserve(
        &self,
        username: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<Reservation, Duration> {
        let keys = self.keys(username, address);
        let window = self.policy.window;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.sweep(now, window, self.policy.max_keys);
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys {
            let times = state.keys.get_mut(key).map(|times| {
                times.retain(|t| now.saturating_duration_since(*t) < window);
                &*times
            });
            let used = times.map_or(0, Vec::len);
            if used >= *limit as usize {
                let oldest = times.and_then(|t| t.first()).copied().unwrap_or(now);
                wait = wait.max(window.saturating_sub(now.saturating_duration_since(oldest)));
                wait = wait.max(Duration::from_secs(1));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in keys {
            state.keys.entry(key).or_default().push(now);
        }
        Ok(Reservation {
            username: username.to_string(),
            address,
            at: now,
        })
    }

    /// A successful sign-in: the user name's failures from this address are forgotten, and this
    /// attempt is not counted against the user name or the address.
    pub fn succeeded(&self, reservation: Reservation) {
        let [(user_at, _), others @ ..] = self.keys(&reservation.username, reservation.address);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.keys.remove(&user_at);
        for (key, _) in others {
            state.forget(&key, reservation.at);
        }
    }

    /// An attempt whose password was never checked (no hashing slot): it does not count.
    pub fn not_evaluated(&self, reservation: Reservation) {
        let keys = self.keys(&reservation.username, reservation.address);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in keys {
            state.forget(&key, reservation.at);
        }
    }

    /// Keys held now (expired ones may linger until the next sweep).
    pub fn keys_held(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys
            .len()
    }
}

impl State {
    /// Drops expired keys once per window, and the least recently used ones beyond `max_keys`.
    fn sweep(&mut self, now: Instant, window: Duration, max_keys: usize) {
        let due = self
            .swept
            .is_none_or(|at| now.saturating_duration_since(at) >= window);
        if due || self.keys.len() >= max_keys {
            self.keys.retain(|_, times| {
                times.retain(|t| now.saturating_duration_since(*t) < window);
                !times.is_empty()
            });
            self.swept = Some(now);
        }
        if self.keys.len() >= max_keys {
            let mut last_used: Vec<Instant> = self
                .keys
                .values()
                .filter_map(|times| times.last().copied())
                .collect();
            last_used.sort_unstable();
            // Keep the newer half.
            let keep_from = last_used[last_used.len() / 2];
            self.keys
                .retain(|_, times| times.last().is_some_and(|t| *t > keep_from));
        }
    }

    fn forget(&mut self, key: &Key, at: Instant) {
        if let Some(times) = self.keys.get_mut(key) {
            if let Some(i) = times.iter().rposition(|t| *t == at) {
                times.remove(i);
            }
            if times.is_empty() {
                self.keys.remove(key);
            }
        }
    }
}

/// The address a client is counted as: IPv4 as it is (also when mapped into IPv6), IPv6 per /64.
fn counted(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// A password check or hash could not start soon enough: the server is busy with others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks at once")]
pub struct Busy;

/// Caps the password hashes computed at once (argon2 holds ~19 MiB for each), so a burst of
/// sign-ins cannot drive the server's memory up. Counts what it ran, for tests and metrics.
#[derive(Debug, Clone)]
pub struct HashLimiter(Arc<Gate>);

#[derive(Debug)]
struct Gate {
    permits: Arc<tokio::sync::Semaphore>,
    /// How long a sign-in waits for a slot before it is refused.
    wait: Duration,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    evaluations: AtomicU64,
}

/// Hashes at once by default, and how long a sign-in waits for one.
pub const DEFAULT_CONCURRENT_HASHES: usize = 2;
pub const DEFAULT_HASH_WAIT: Duration = Duration::from_secs(1);

impl Default for HashLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENT_HASHES, DEFAULT_HASH_WAIT)
    }
}

impl HashLimiter {
    pub fn new(concurrent: usize, wait: Duration) -> Self {
        Self(Arc::new(Gate {
            permits: Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))),
            wait,
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            evaluations: AtomicU64::new(0),
        }))
    }

    /// Runs `work` (one hash or check) once a slot is free: waiting at most the limiter's wait
    /// when `patient` is false, else as long as it takes. The work runs to its end, holding its
    /// slot, even if the caller goes away.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
        patient: bool,
    ) -> Result<T, Busy> {
        let acquire = self.0.permits.clone().acquire_owned();
        let permit = if patient {
            acquire.await.map_err(|_| Busy)?
        } else {
            tokio::time::timeout(self.0.wait, acquire)
                .await
                .map_err(|_| Busy)?
                .map_err(|_| Busy)?
        };
        let gate = self.0.clone();
        tokio::spawn(async move {
            let now = gate.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            gate.peak.fetch_max(now, Ordering::SeqCst);
            gate.evaluations.fetch_add(1, Ordering::SeqCst);
            let out = work.await;
            gate.in_flight.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(|_| Busy)
    }

    /// Hashes and checks run so far.
    pub fn evaluations(&self) -> u64 {
        self.0.evaluations.load(Ordering::SeqCst)
    }

    /// The most that ever ran at once.
    pub fn peak(&self) -> usize {
        self.0.peak.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            per_user_and_address: 3,
            per_username: 6,
            per_address: 5,
            window: Duration::from_secs(60),
            ..ThrottlePolicy::default()
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn reserving_counts_at_once_and_refuses_beyond_the_limit() {
        let throttle = LoginThrottle::new(policy());
        let t0 = Instant::now();
        let held: Vec<_> = (0..3)
            .map(|_| throttle.reserve("alice", ip("10.0.0.1"), t0).unwrap())
            .collect();
        // Three reserved and not yet decided: a fourth is refused before any password check.
        let wait = throttle.reserve("alice", ip("10.0.0.1"), t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
        assert!(throttle.reserve("bob", ip("10.0.0.1"), t0).is_ok());
        // From another address alice can still sign in.
        assert!(throttle.reserve("alice", ip("10.0.0.2"), t0).is_ok());
        drop(held);
        assert!(
            throttle
                .reserve("alice", ip("10.0.0.1"), t0 + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn the_per_user_ceiling_spans_addresses() {
        let throttle = LoginThrottle::new(policy());
        let t0 = Instant::now();
        for i in 0..6 {
            throttle
                .reserve("alice", ip(&format!("10.0.1.{i}")), t0)
                .unwrap();
        }
        assert!(throttle.reserve("alice", ip("10.0.2.1"), t0).is_err());
    }

    #[test]
    fn an_address_is_limited_across_usernames_and_ipv6_per_prefix() {
        let throttle = LoginThrottle::new(policy());
        let t0 = Instant::now();
        for i in 0..5 {
            throttle
                .reserve(&format!("user{i}"), ip(&format!("2001:db8::{i}")), t0)
                .unwrap();
        }
        assert!(throttle.reserve("fresh", ip("2001:db8::ffff"), t0).is_err());
        assert!(throttle.reserve("fresh", ip("2001:db8:0:1::1"), t0).is_ok());
    }

    #[test]
    fn success_releases_and_unchecked_attempts_do_not_count() {
        let throttle = LoginThrottle::new(policy());
        let t0 = Instant::now();
        for _ in 0..2 {
            throttle.reserve("alice", ip("10.0.0.1"), t0).unwrap();
        }
        let ok = throttle.reserve("alice", ip("10.0.0.1"), t0).unwrap();
        throttle.succeeded(ok);
        for _ in 0..3 {
            let r = throttle.reserve("alice", ip("10.0.0.1"), t0).unwrap();
            throttle.not_evaluated(r);
        }
        assert!(throttle.reserve("alice", ip("10.0.0.1"), t0).is_ok());
    }

    #[test]
    fn keys_expire_and_stay_bounded() {
        let throttle = LoginThrottle::new(ThrottlePolicy {
            max_keys: 300,
            per_address: 1_000_000,
            ..policy()
        });
        let t0 = Instant::now();
        for i in 0..10_000 {
            let _ = throttle.reserve(&format!("user{i}"), ip("10.0.0.1"), t0);
            assert!(throttle.keys_held() <= 300 + 3, "{}", throttle.keys_held());
        }
        let later = t0 + Duration::from_secs(120);
        let _ = throttle.reserve("late", ip("10.9.9.9"), later);
        assert_eq!(throttle.keys_held(), 3, "the expired keys are gone");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let peer = ip("127.0.0.1");
        let direct = LoginThrottle::new(policy());
        assert_eq!(direct.client_address(peer, Some("10.1.1.1")), peer);
        let proxied = LoginThrottle::new(ThrottlePolicy {
            trusted_proxy: true,
            ..policy()
        });
        assert_eq!(
            proxied.client_address(peer, Some("6.6.6.6, 10.1.1.1")),
            ip("10.1.1.1")
        );
        assert_eq!(proxied.client_address(peer, Some("garbage")), peer);
        assert_eq!(proxied.client_address(peer, None), peer);
    }

    #[tokio::test]
    async fn hashing_is_capped() {
        let limiter = HashLimiter::new(2, Duration::from_millis(50));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter
                    .run(tokio::time::sleep(Duration::from_millis(200)), false)
                    .await
            }));
        }
        let mut busy = 0;
        for task in tasks {
            if task.await.unwrap().is_err() {
                busy += 1;
            }
        }
        assert_eq!(limiter.peak(), 2);
        assert_eq!(limiter.evaluations(), 2);
        assert_eq!(busy, 8);
    }
}
