//! How long a signed-in session lasts: an idle timeout that every request renews, and an absolute
//! lifetime from sign-in that no activity extends.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session this old ends, however active.
    pub lifetime: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            lifetime: Duration::hours(12),
        }
    }
}

/// The last-seen time is rewritten at most this often (not on every request).
pub const RENEW_AFTER: Duration = Duration::minutes(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Still valid; `renew` says the last-seen time is to be rewritten now.
    Active {
        renew: bool,
    },
    Expired,
}

impl SessionPolicy {
    /// Judges a session signed in at `signed_in_at` and last seen at `last_seen` (Unix seconds).
    pub fn judge(&self, signed_in_at: i64, last_seen: i64, now: i64) -> Verdict {
        let since = |t: i64| Duration::seconds(now.saturating_sub(t).max(0));
        if since(signed_in_at) >= self.lifetime || since(last_seen) >= self.idle {
            Verdict::Expired
        } else {
            Verdict::Active {
                renew: since(last_seen) >= RENEW_AFTER,
            }
        }
    }
}

/// The time sessions are judged by: the system's, moved forward by what tests ask.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    ahead_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let ahead = Duration::seconds(self.ahead_seconds.load(Ordering::SeqCst));
        OffsetDateTime::now_utc()
            .checked_add(ahead)
            .unwrap_or(OffsetDateTime::now_utc())
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: std::time::Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        let _ = self
            .ahead_seconds
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                Some(s.saturating_add(seconds))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_slides_and_lifetime_does_not() {
        let policy = SessionPolicy {
            idle: Duration::minutes(30),
            lifetime: Duration::hours(12),
        };
        assert_eq!(policy.judge(0, 0, 59), Verdict::Active { renew: false });
        assert_eq!(policy.judge(0, 0, 60), Verdict::Active { renew: true });
        assert_eq!(
            policy.judge(0, 2400, 2400 + 29 * 60),
            Verdict::Active { renew: true }
        );
        assert_eq!(policy.judge(0, 2400, 2400 + 30 * 60), Verdict::Expired);
        assert_eq!(policy.judge(0, 12 * 3600 - 60, 12 * 3600), Verdict::Expired);
        assert_eq!(policy.judge(100, 100, 0), Verdict::Active { renew: false });
        assert_eq!(policy.judge(i64::MIN, i64::MIN, i64::MAX), Verdict::Expired);
    }
}
