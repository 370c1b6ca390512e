//! Recurrence: which dates a series meets on, in the booking's own calendar (its time zone's
//! civil dates). Turning those into instants, across DST changes, is `zone`'s job.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month, Weekday};

/// The most occurrences one booking may have.
pub const MAX_OCCURRENCES: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    Daily,
    /// Monday to Friday.
    Weekdays,
    /// On the chosen days of each week (at least one).
    Weekly(Vec<Weekday>),
    /// On the first date's day of the month; months without that day are skipped.
    Monthly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecurrenceEnd {
    /// The last date a meeting may fall on (inclusive).
    Until(Date),
    /// This many occurrences in all.
    Count(u16),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub frequency: Frequency,
    pub end: RecurrenceEnd,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("choose at least one day of the week")]
    NoDays,
    #[error("the series must end on or after its first date")]
    EndsBeforeStart,
    #[error("a series has at most {MAX_OCCURRENCES} occurrences")]
    TooMany,
    #[error("a series has at least one occurrence")]
    NoOccurrence,
    #[error("unreadable recurrence `{0}`")]
    Unreadable(String),
}

const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "mon"),
    (Weekday::Tuesday, "tue"),
    (Weekday::Wednesday, "wed"),
    (Weekday::Thursday, "thu"),
    (Weekday::Friday, "fri"),
    (Weekday::Saturday, "sat"),
    (Weekday::Sunday, "sun"),
];

pub fn weekday_name(day: Weekday) -> &'static str {
    DAYS.iter()
        .find(|(d, _)| *d == day)
        .map(|(_, n)| *n)
        .unwrap_or("mon")
}

pub fn parse_weekday(name: &str) -> Option<Weekday> {
    DAYS.iter().find(|(_, n)| *n == name).map(|(d, _)| *d)
}

impl Frequency {
    fn matches(&self, date: Date) -> bool {
        match self {
            Frequency::Daily | Frequency::Monthly => true,
            Frequency::Weekdays => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
            Frequency::Weekly(days) => days.contains(&date.weekday()),
        }
    }
}

impl Recurrence {
    /// The dates of the series whose first meeting is on `first` (a weekly or weekday series
    /// starts on the first matching date on or after it), checked against the limits.
    pub fn dates(&self, first: Date) -> Result<Vec<Date>, RecurrenceError> {
        if matches!(&self.frequency, Frequency::Weekly(days) if days.is_empty()) {
            return Err(RecurrenceError::NoDays);
        }
        let wanted = match self.end {
            RecurrenceEnd::Count(0) => return Err(RecurrenceError::NoOccurrence),
            RecurrenceEnd::Count(n) if n as usize > MAX_OCCURRENCES => {
                return Err(RecurrenceError::TooMany);
            }
            RecurrenceEnd::Count(n) => n as usize,
            RecurrenceEnd::Until(until) if until < first => {
                return Err(RecurrenceError::EndsBeforeStart);
            }
            RecurrenceEnd::Until(_) => MAX_OCCURRENCES + 1,
        };
        let within = |date: Date| match self.end {
            RecurrenceEnd::Until(until) => date <= until,
            RecurrenceEnd::Count(_) => true,
        };
        let mut dates = Vec::new();
        match self.frequency {
            Frequency::Monthly => {
                let (mut year, mut month) = (first.year(), first.month());
                // Enough months to find `wanted` dates even when short months are skipped.
                for _ in 0..(wanted * 2 + 12) {
                    if let Ok(date) = Date::from_calendar_date(year, month, first.day()) {
                        if !within(date) || dates.len() == wanted {
                            break;
                        }
                        dates.push(date);
                    }
                    if month == Month::December {
                        year += 1;
                    }
                    month = month.next();
                }
            }
            _ => {
                let mut date = first;
                while within(date) && dates.len() < wanted {
                    if self.frequency.matches(date) {
                        dates.push(date);
                    }
                    match date.next_day() {
                        Some(next) => date = next,
                        None => break,
                    }
                }
            }
        }
        if dates.len() > MAX_OCCURRENCES {
            return Err(RecurrenceError::TooMany);
        }
        if dates.is_empty() {
            return Err(RecurrenceError::NoOccurrence);
        }
        Ok(dates)
    }

    /// The stored form: `daily;count=5`, `weekly:mon,wed;until=2026-12-31`.
    pub fn encode(&self) -> String {
        let frequency = match &self.frequency {
            Frequency::Daily => "daily".to_string(),
            Frequency::Weekdays => "weekdays".to_string(),
            Frequency::Monthly => "monthly".to_string(),
            Frequency::Weekly(days) => format!(
                "weekly:{}",
                days.iter()
                    .map(|d| weekday_name(*d))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let end = match self.end {
            RecurrenceEnd::Count(n) => format!("count={n}"),
            RecurrenceEnd::Until(date) => format!("until={}", iso_date(date)),
        };
        format!("{frequency};{end}")
    }

    pub fn decode(text: &str) -> Result<Recurrence, RecurrenceError> {
        let unreadable = || RecurrenceError::Unreadable(text.to_string());
        let (frequency, end) = text.split_once(';').ok_or_else(unreadable)?;
        let frequency = match frequency {
            "daily" => Frequency::Daily,
            "weekdays" => Frequency::Weekdays,
            "monthly" => Frequency::Monthly,
            other => {
                let days = other.strip_prefix("weekly:").ok_or_else(unreadable)?;
                Frequency::Weekly(
                    days.split(',')
                        .map(parse_weekday)
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(unreadable)?,
                )
            }
        };
        let end = if let Some(n) = end.strip_prefix("count=") {
            RecurrenceEnd::Count(n.parse().map_err(|_| unreadable())?)
        } else if let Some(d) = end.strip_prefix("until=") {
            RecurrenceEnd::Until(parse_iso_date(d).ok_or_else(unreadable)?)
        } else {
            return Err(unreadable());
        };
        Ok(Recurrence { frequency, end })
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.frequency {
            Frequency::Daily => "Every day".to_string(),
            Frequency::Weekdays => "Every weekday".to_string(),
            Frequency::Monthly => "Every month".to_string(),
            Frequency::Weekly(days) => format!(
                "Every week on {}",
                days.iter()
                    .map(|d| weekday_name(*d))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        match self.end {
            RecurrenceEnd::Count(n) => write!(f, "{what}, {n} times"),
            RecurrenceEnd::Until(d) => write!(f, "{what}, until {}", iso_date(d)),
        }
    }
}

/// `2026-11-24`.
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The years a typed date may have: far from the ends of the calendar types, so a day, a time
/// zone's offset or a meeting's length added to any parsed date cannot overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9000;

/// Reads `2026-11-24` (a year in [`YEARS`]).
pub fn parse_iso_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if text.len() > 10 {
        return None;
    }
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok().filter(|y| YEARS.contains(y))?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rec(frequency: Frequency, end: RecurrenceEnd) -> Recurrence {
        Recurrence { frequency, end }
    }

    #[test]
    fn daily_and_weekdays_by_count() {
        let daily = rec(Frequency::Daily, RecurrenceEnd::Count(3));
        assert_eq!(
            daily.dates(date!(2026 - 12 - 31)).unwrap(),
            [
                date!(2026 - 12 - 31),
                date!(2027 - 01 - 01),
                date!(2027 - 01 - 02)
            ]
        );
        // Friday 2026-11-27: Fri, Mon, Tue.
        let weekdays = rec(Frequency::Weekdays, RecurrenceEnd::Count(3));
        assert_eq!(
            weekdays.dates(date!(2026 - 11 - 27)).unwrap(),
            [
                date!(2026 - 11 - 27),
                date!(2026 - 11 - 30),
                date!(2026 - 12 - 01)
            ]
        );
    }

    #[test]
    fn weekly_on_chosen_days_until_a_date() {
        let weekly = rec(
            Frequency::Weekly(vec![Weekday::Monday, Weekday::Thursday]),
            RecurrenceEnd::Until(date!(2026 - 12 - 07)),
        );
        // Tuesday 2026-11-24.
        assert_eq!(
            weekly.dates(date!(2026 - 11 - 24)).unwrap(),
            [
                date!(2026 - 11 - 26),
                date!(2026 - 11 - 30),
                date!(2026 - 12 - 03),
                date!(2026 - 12 - 07)
            ]
        );
        assert_eq!(
            rec(Frequency::Weekly(vec![]), RecurrenceEnd::Count(2)).dates(date!(2026 - 11 - 24)),
            Err(RecurrenceError::NoDays)
        );
    }

    #[test]
    fn monthly_skips_months_without_the_day() {
        let monthly = rec(Frequency::Monthly, RecurrenceEnd::Count(4));
        assert_eq!(
            monthly.dates(date!(2027 - 01 - 31)).unwrap(),
            [
                date!(2027 - 01 - 31),
                date!(2027 - 03 - 31),
                date!(2027 - 05 - 31),
                date!(2027 - 07 - 31)
            ]
        );
    }

    #[test]
    fn limits_are_enforced() {
        let first = date!(2026 - 11 - 24);
        assert_eq!(
            rec(Frequency::Daily, RecurrenceEnd::Count(201)).dates(first),
            Err(RecurrenceError::TooMany)
        );
        assert_eq!(
            rec(
                Frequency::Daily,
                RecurrenceEnd::Until(date!(2028 - 01 - 01))
            )
            .dates(first),
            Err(RecurrenceError::TooMany)
        );
        assert_eq!(
            rec(
                Frequency::Daily,
                RecurrenceEnd::Until(date!(2026 - 11 - 23))
            )
            .dates(first),
            Err(RecurrenceError::EndsBeforeStart)
        );
        assert_eq!(
            rec(Frequency::Daily, RecurrenceEnd::Count(200))
                .dates(first)
                .unwrap()
                .len(),
            200
        );
        // Saturday only, until a Friday: nothing.
        assert_eq!(
            rec(
                Frequency::Weekly(vec![Weekday::Saturday]),
                RecurrenceEnd::Until(date!(2026 - 11 - 27))
            )
            .dates(first),
            Err(RecurrenceError::NoOccurrence)
        );
    }

    #[test]
    fn the_stored_form_round_trips() {
        for r in [
            rec(Frequency::Daily, RecurrenceEnd::Count(5)),
            rec(
                Frequency::Weekdays,
                RecurrenceEnd::Until(date!(2026 - 12 - 31)),
            ),
            rec(
                Frequency::Weekly(vec![Weekday::Monday, Weekday::Sunday]),
                RecurrenceEnd::Count(9),
            ),
            rec(Frequency::Monthly, RecurrenceEnd::Count(12)),
        ] {
            assert_eq!(
                Recurrence::decode(&r.encode()),
                Ok(r.clone()),
                "{}",
                r.encode()
            );
        }
        assert!(Recurrence::decode("yearly;count=2").is_err());
    }
}
