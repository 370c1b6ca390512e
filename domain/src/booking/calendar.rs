//! The booking calendar's date math: which dates a day, week or month view shows and where
//! Previous and Next lead. Weeks start on Monday; a month shows whole weeks, so its grid begins
//! and ends with days of the neighbouring months. Civil dates only: instants are `zone`'s job.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CalendarView {
    Day,
    #[default]
    Week,
    Month,
}

impl CalendarView {
    pub const ALL: [CalendarView; 3] = [CalendarView::Day, CalendarView::Week, CalendarView::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            CalendarView::Day => "day",
            CalendarView::Week => "week",
            CalendarView::Month => "month",
        }
    }

    /// The view a `view=` value names; the week when it names none (a bare `/booking`).
    pub fn parse(text: &str) -> CalendarView {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == text.trim())
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            CalendarView::Day => "Day",
            CalendarView::Week => "Week",
            CalendarView::Month => "Month",
        }
    }
}

/// What a view shows around its anchor date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The dates shown, in order (whole weeks, Monday first, for the week and the month).
    pub days: Vec<Date>,
    /// The anchors one day, week or month before and after.
    pub previous: Date,
    pub next: Date,
}

/// The dates `view` shows for `anchor`. Moving keeps the anchor's day where it can (a week on
/// keeps the weekday, a month on the day of the month), so switching views after moving stays on
/// a date the user has seen.
pub fn span(view: CalendarView, anchor: Date) -> Span {
    let (first, last, previous, next) = match view {
        CalendarView::Day => (anchor, anchor, days(anchor, -1), days(anchor, 1)),
        CalendarView::Week => {
            let monday = monday_of(anchor);
            (monday, days(monday, 6), days(anchor, -7), days(anchor, 7))
        }
        CalendarView::Month => {
            let first_of_month = anchor.replace_day(1).unwrap_or(anchor);
            let last_of_month = days(add_months(first_of_month, 1), -1);
            (
                monday_of(first_of_month),
                days(monday_of(last_of_month), 6),
                add_months(anchor, -1),
                add_months(anchor, 1),
            )
        }
    };
    let count = (last - first).whole_days().max(0) + 1;
    Span {
        days: (0..count).map(|n| days(first, n)).collect(),
        previous,
        next,
    }
}

/// The Monday on or before `date`.
pub fn monday_of(date: Date) -> Date {
    days(date, -i64::from(date.weekday().number_days_from_monday()))
}

/// The same day `months` months away, or that month's last day when it is shorter
/// (31 January → 28 February).
pub fn add_months(date: Date, months: i32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months;
    let year = index.div_euclid(12);
    let Ok(month) = Month::try_from((index.rem_euclid(12) + 1) as u8) else {
        return date;
    };
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// `date` moved by `n` days, stopping at the calendar's ends rather than overflowing (a date
/// typed into the URL can be anything `time` accepts).
fn days(date: Date, n: i64) -> Date {
    date.saturating_add(Duration::days(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn views_parse_with_the_week_as_default() {
        assert_eq!(CalendarView::parse("month"), CalendarView::Month);
        assert_eq!(CalendarView::parse(" day "), CalendarView::Day);
        assert_eq!(CalendarView::parse(""), CalendarView::Week);
        assert_eq!(CalendarView::parse("year"), CalendarView::Week);
        for view in CalendarView::ALL {
            assert_eq!(CalendarView::parse(view.as_str()), view);
        }
    }

    #[test]
    fn a_day_is_one_date_and_moves_by_one() {
        let span = span(CalendarView::Day, date!(2026 - 03 - 01));
        assert_eq!(span.days, [date!(2026 - 03 - 01)]);
        assert_eq!(span.previous, date!(2026 - 02 - 28));
        assert_eq!(span.next, date!(2026 - 03 - 02));
    }

    #[test]
    fn a_week_runs_monday_to_sunday_and_keeps_the_weekday() {
        // Thursday 2026-01-01: the week starts in the previous year.
        let span = span(CalendarView::Week, date!(2026 - 01 - 01));
        assert_eq!(span.days.len(), 7);
        assert_eq!(span.days[0], date!(2025 - 12 - 29));
        assert_eq!(span.days[6], date!(2026 - 01 - 04));
        assert_eq!(span.previous, date!(2025 - 12 - 25));
        assert_eq!(span.next, date!(2026 - 01 - 08));
        // A Sunday belongs to the week before it, not after.
        assert_eq!(
            super::span(CalendarView::Week, date!(2026 - 01 - 04)).days[0],
            date!(2025 - 12 - 29)
        );
    }

    #[test]
    fn a_month_shows_whole_weeks_with_the_neighbouring_days() {
        // May 2026 starts on a Friday and ends on a Sunday: 27–30 April lead, nothing trails.
        let may = span(CalendarView::Month, date!(2026 - 05 - 17));
        assert_eq!(may.days.first(), Some(&date!(2026 - 04 - 27)));
        assert_eq!(may.days.last(), Some(&date!(2026 - 05 - 31)));
        assert_eq!(may.days.len(), 35);
        // February 2027 starts on a Monday and ends on a Sunday: exactly four weeks.
        let february = span(CalendarView::Month, date!(2027 - 02 - 10));
        assert_eq!(february.days.first(), Some(&date!(2027 - 02 - 01)));
        assert_eq!(february.days.len(), 28);
        // August 2026 starts on a Saturday and ends on a Monday: six weeks.
        let august = span(CalendarView::Month, date!(2026 - 08 - 01));
        assert_eq!(august.days.first(), Some(&date!(2026 - 07 - 27)));
        assert_eq!(august.days.last(), Some(&date!(2026 - 09 - 06)));
        assert_eq!(august.days.len(), 42);
        for window in august.days.windows(2) {
            assert_eq!(window[1] - window[0], Duration::days(1));
        }
    }

    #[test]
    fn months_move_by_month_and_clamp_to_shorter_ones() {
        let span = span(CalendarView::Month, date!(2026 - 01 - 31));
        assert_eq!(span.previous, date!(2025 - 12 - 31));
        assert_eq!(span.next, date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
        assert_eq!(
            add_months(date!(2026 - 01 - 15), -13),
            date!(2024 - 12 - 15)
        );
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_overflow() {
        for view in CalendarView::ALL {
            let last = span(view, Date::MAX);
            assert_eq!(last.next, Date::MAX);
            let first = span(view, Date::MIN);
            assert_eq!(first.previous, Date::MIN);
        }
    }
}
