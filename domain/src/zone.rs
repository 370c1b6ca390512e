//! Time zones (IANA names, from the system's tz database): a booking's civil times become
//! instants here, and instants become a viewer's civil times. DST is handled as calendars do:
//! a civil time skipped by a spring-forward gap moves forward by the gap, an ambiguous one in an
//! autumn fold is the first (earlier) of the two.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A known IANA time zone name (`Europe/Madrid`, `UTC`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    name: String,
    #[serde(skip, default = "utc")]
    tz: jiff::tz::TimeZone,
}

fn utc() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::UTC
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a known time zone")]
pub struct UnknownZone(pub String);

impl Zone {
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(UnknownZone(name.to_string()));
        }
        let tz = jiff::tz::TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))?;
        Ok(Zone {
            name: name.to_string(),
            tz,
        })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instant of a civil time in this zone.
    pub fn instant(&self, local: PrimitiveDateTime) -> OffsetDateTime {
        let civil = jiff::civil::DateTime::new(
            local.year() as i16,
            u8::from(local.month()) as i8,
            local.day() as i8,
            local.hour() as i8,
            local.minute() as i8,
            local.second() as i8,
            0,
        );
        let seconds = civil
            .ok()
            .and_then(|c| self.tz.to_ambiguous_zoned(c).compatible().ok())
            .map(|z| z.timestamp().as_second())
            .unwrap_or_else(|| local.assume_utc().unix_timestamp());
        OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The civil time of an instant in this zone.
    pub fn local(&self, instant: OffsetDateTime) -> PrimitiveDateTime {
        let fallback = PrimitiveDateTime::new(instant.date(), instant.time());
        let Ok(ts) = jiff::Timestamp::from_second(instant.unix_timestamp()) else {
            return fallback;
        };
        let dt = ts.to_zoned(self.tz.clone()).datetime();
        Month::try_from(dt.month() as u8)
            .ok()
            .and_then(|m| Date::from_calendar_date(dt.year() as i32, m, dt.day() as u8).ok())
            .zip(Time::from_hms(dt.hour() as u8, dt.minute() as u8, dt.second() as u8).ok())
            .map(|(d, t)| PrimitiveDateTime::new(d, t))
            .unwrap_or(fallback)
    }
}

/// `2026-11-24T09:30`.
pub fn format_local(local: PrimitiveDateTime) -> String {
    format!(
        "{}T{:02}:{:02}",
        crate::booking::recurrence::iso_date(local.date()),
        local.hour(),
        local.minute()
    )
}

/// RFC 3339 in UTC, to the second.
pub fn format_utc(instant: OffsetDateTime) -> String {
    instant
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|i| {
            i.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// The instants a list's date filter covers, dates typed in `zone` (both included): from the
/// first date's midnight to the midnight after the last. An unreadable or out-of-range date
/// (see [`crate::booking::recurrence::parse_iso_date`]) leaves its side open; no arithmetic here
/// can overflow.
pub fn date_range(
    zone: &Zone,
    from: &str,
    to: &str,
) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
    let midnight = |date: Date| zone.instant(PrimitiveDateTime::new(date, Time::MIDNIGHT));
    let from = crate::booking::recurrence::parse_iso_date(from).map(midnight);
    let to = crate::booking::recurrence::parse_iso_date(to)
        .and_then(Date::next_day)
        .map(midnight);
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn date_ranges_never_overflow() {
        let utc = Zone::utc();
        let (from, to) = date_range(&utc, "2026-01-01", "2026-01-01");
        assert_eq!(to.unwrap() - from.unwrap(), time::Duration::days(1));
        for extreme in [
            "9999-12-31",
            "-9999-01-01",
            "999999-01-01",
            "0000-01-01",
            "x",
        ] {
            let (from, to) = date_range(&utc, extreme, extreme);
            assert_eq!((from, to), (None, None), "{extreme}");
        }
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(Zone::parse("Europe/Madrid").is_ok());
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(Zone::parse("").is_err());
    }

    #[test]
    fn civil_times_follow_dst() {
        let madrid = Zone::parse("Europe/Madrid").unwrap();
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(
            madrid.instant(datetime!(2026-01-15 09:00)),
            datetime!(2026-01-15 08:00 UTC)
        );
        assert_eq!(
            madrid.instant(datetime!(2026-07-15 09:00)),
            datetime!(2026-07-15 07:00 UTC)
        );
        // 2026-03-29 02:30 does not exist in Madrid: it moves forward by the gap.
        assert_eq!(
            madrid.instant(datetime!(2026-03-29 02:30)),
            datetime!(2026-03-29 01:30 UTC)
        );
        // 2026-10-25 02:30 happens twice: the first (still summer time).
        assert_eq!(
            madrid.instant(datetime!(2026-10-25 02:30)),
            datetime!(2026-10-25 00:30 UTC)
        );
        assert_eq!(
            madrid.local(datetime!(2026-07-15 07:00 UTC)),
            datetime!(2026-07-15 09:00)
        );
    }
}
