//! The one time encoding of both databases: Unix milliseconds in a 64-bit integer column,
//! converted here, at the store's edge, to and from `time::OffsetDateTime`.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A moment as stored.
pub fn ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A stored moment (out of range: the epoch).
pub fn from_ms(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn now_ms() -> i64 {
    ms(OffsetDateTime::now_utc())
}

/// A stored moment as the pages take it (RFC 3339, UTC).
pub fn rfc3339(at: i64) -> String {
    from_ms(at).format(&Rfc3339).unwrap_or_default()
}

/// An RFC 3339 moment (what the pages' records carry) as stored.
pub fn ms_of_rfc3339(at: &str) -> Option<i64> {
    OffsetDateTime::parse(at, &Rfc3339).ok().map(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_round_trip_to_the_millisecond() {
        let at = datetime!(2026-11-24 09:00:01.234_567 UTC);
        assert_eq!(ms(at), 1_795_510_801_234);
        assert_eq!(from_ms(ms(at)), datetime!(2026-11-24 09:00:01.234 UTC));
        assert_eq!(rfc3339(ms(at)), "2026-11-24T09:00:01.234Z");
        assert_eq!(ms_of_rfc3339("2026-11-24T09:00:01.234Z"), Some(ms(at)));
        assert_eq!(ms_of_rfc3339("2026-11-24T10:00:01.234+01:00"), Some(ms(at)));
        assert_eq!(ms_of_rfc3339("yesterday"), None);
        assert_eq!(from_ms(i64::MAX), OffsetDateTime::UNIX_EPOCH);
    }
}
