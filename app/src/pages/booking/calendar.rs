//! The booking calendar: a day, a week (Monday first; the default) or a month in the viewer's time
//! zone, bookings shown with title, time and state, filters by system and owner, an empty hour (or
//! a month's day) to book there, today marked. Everything is a link or a form control, so it works
//! from the keyboard and without JavaScript; once hydrated, single keys move it as well, and the
//! arrow keys move between the grid's cells (Enter follows the cell's link: book, or open the day).

use super::{OwnerOptions, SystemOptions, ZoneOptions, query_value};
use crate::error::AppError;
use domain::booking::CalendarBlock;
use domain::booking::calendar::CalendarView;
use domain::booking::recurrence::parse_iso_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Meetings drawn in a day before "+N more": a busy day stays readable, and the page small
/// and quick however many bookings there are (the day view, or the conference list, has them all).
fn drawn_per_day(view: CalendarView) -> usize {
    match view {
        CalendarView::Month => 3,
        CalendarView::Week => 12,
        CalendarView::Day => 40,
    }
}

/// The single-key shortcuts, as the hint on the page lists them. Each clicks the link marked
/// `data-shortcut` with its key, so a key does exactly what its link does.
const SHORTCUTS: [(&str, &str); 6] = [
    ("p", "previous"),
    ("n", "next"),
    ("t", "today"),
    ("d", "day"),
    ("w", "week"),
    ("m", "month"),
];

fn view_key(view: CalendarView) -> &'static str {
    match view {
        CalendarView::Day => "d",
        CalendarView::Week => "w",
        CalendarView::Month => "m",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub view: CalendarView,
    /// The date the view is anchored on, `YYYY-MM-DD`; switching views keeps it.
    pub date: String,
    /// The dates shown, `YYYY-MM-DD` (whole weeks, Monday first, for the week and the month).
    pub days: Vec<String>,
    pub today: String,
    pub previous: String,
    pub next: String,
    /// The zone the times are in: the one chosen, else the browser's, else UTC.
    pub tz: String,
    /// The filters applied, which every link and the filter form keep.
    pub system: Option<i64>,
    pub mine: bool,
    pub owner: Option<i64>,
    /// The meetings drawn: each day's first [`drawn_per_day`] by start (a meeting over several
    /// days may be drawn on one and counted among another's hidden ones).
    pub meetings: Vec<CalendarBlock>,
    /// How many meetings of a day are not drawn, for the days that have any.
    pub hidden: BTreeMap<String, usize>,
    pub systems: Vec<(i64, String)>,
    /// Who owns bookings: the owner filter's choices.
    pub owners: Vec<(i64, String)>,
    pub can_book: bool,
}

impl Calendar {
    /// This calendar in another view or on another date, with the same zone and filters.
    fn href(&self, view: CalendarView, date: &str) -> String {
        let mut href = format!(
            "/booking?view={}&date={date}&tz={}",
            view.as_str(),
            query_value(&self.tz)
        );
        if let Some(system) = self.system {
            href.push_str(&format!("&system={system}"));
        }
        if self.mine {
            href.push_str("&mine=1");
        }
        if let Some(owner) = self.owner {
            href.push_str(&format!("&owner={owner}"));
        }
        href
    }

    fn book_href(&self, day: &str, time: Option<&str>) -> String {
        let time = time.map(|t| format!("&time={t}")).unwrap_or_default();
        format!("/booking/new?date={day}{time}&tz={}", query_value(&self.tz))
    }

    fn meeting_href(&self, meeting: &CalendarBlock) -> String {
        format!(
            "/booking/meetings/{}?tz={}",
            meeting.id.0,
            query_value(&self.tz)
        )
    }
}

/// The calendar around a date. The endpoint and its `week` field are the week view's, kept for
/// the callers from before the day and month views: `week` is any date of the period to show
/// (today when empty), `view` is `day`, `week` (the default) or `month`. `owner` is a user id;
/// `mine` (the viewer) wins over it.
#[server(endpoint = "bookings/week")]
pub async fn booking_calendar(
    #[server(rename = "week")] date: String,
    tz: String,
    system: String,
    mine: String,
    #[server(default)] view: String,
    #[server(default)] owner: String,
) -> Result<Calendar, AppError> {
    use domain::booking::calendar::span;
    use domain::booking::recurrence::iso_date;
    use domain::store::bookings::MeetingFilter;
    use time::PrimitiveDateTime;
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    let zone = super::zone(&tz);
    let view = CalendarView::parse(&view);
    let today = zone.local(time::OffsetDateTime::now_utc()).date();
    let anchor = parse_iso_date(&date).unwrap_or(today);
    let span = span(view, anchor);
    let (first, last) = (span.days[0], span.days[span.days.len() - 1]);
    let midnight =
        |day: time::Date| zone.instant(PrimitiveDateTime::new(day, time::Time::MIDNIGHT));
    let system = system.parse().ok();
    let mine = mine == "1";
    let owner = super::owner_filter(&user, mine, &owner);
    let filter = MeetingFilter {
        from: Some(midnight(first)),
        to: Some(midnight(last.next_day().unwrap_or(last))),
        system: system.map(domain::system::SystemId),
        owner,
        ..MeetingFilter::default()
    };
    let context = crate::auth::context()?;
    let meetings = context
        .bookings
        .calendar(&filter, &zone)
        .await
        .map_err(super::booking_error)?;
    let days: Vec<String> = span.days.iter().map(|d| iso_date(*d)).collect();
    let (meetings, hidden) = drawn(meetings, &days, drawn_per_day(view));
    Ok(Calendar {
        view,
        date: iso_date(anchor),
        days,
        today: iso_date(today),
        previous: iso_date(span.previous),
        next: iso_date(span.next),
        tz: zone.name().to_string(),
        system,
        mine,
        // "Only mine" is its own filter: the chooser keeps showing "Anyone".
        owner: if mine { None } else { owner.map(|o| o.0) },
        meetings,
        hidden,
        systems: super::system_names().await?,
        owners: super::owner_names().await?,
        can_book: user.role.can(domain::Permission::Book),
    })
}

/// Each day's first `per_day` meetings (`blocks` come by start), and how many each day leaves out.
#[cfg(feature = "ssr")]
fn drawn(
    blocks: Vec<CalendarBlock>,
    days: &[String],
    per_day: usize,
) -> (Vec<CalendarBlock>, BTreeMap<String, usize>) {
    let mut keep = vec![false; blocks.len()];
    let mut hidden = BTreeMap::new();
    for day in days {
        let mut touching = 0;
        for (n, block) in blocks.iter().enumerate() {
            if placement(block, day).is_some() {
                keep[n] |= touching < per_day;
                touching += 1;
            }
        }
        if touching > per_day {
            hidden.insert(day.clone(), touching - per_day);
        }
    }
    let drawn = blocks
        .into_iter()
        .zip(keep)
        .filter_map(|(block, keep)| keep.then_some(block))
        .collect();
    (drawn, hidden)
}

#[component]
pub fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let calendar = Resource::new(
        move || {
            // `week` is the date's name from before the day and month views: old links still work.
            let date = Some(param("date"))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| param("week"));
            (
                date,
                param("tz"),
                param("system"),
                param("mine"),
                param("view"),
                param("owner"),
            )
        },
        |(date, tz, system, mine, view, owner)| {
            booking_calendar(date, tz, system, mine, view, owner)
        },
    );
    Effect::new(|_| {
        let keys = window_event_listener(leptos::ev::keydown, on_key);
        on_cleanup(move || keys.remove());
    });
    view! {
        <Title text="Booking" />
        <h1>"Booking"</h1>
        <Transition fallback=|| view! { <p>"Loading the calendar…"</p> }>
            {move || Suspend::new(async move {
                match calendar.await {
                    Ok(calendar) => view! { <Period calendar /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A key pressed on the calendar: an arrow moves between the grid's cells, a shortcut follows its
/// link. Neither acts with a modifier (Alt+p and Alt+n stay the links' accesskeys, Ctrl+… the
/// browser's).
fn on_key(event: leptos::ev::KeyboardEvent) {
    if event.ctrl_key() || event.alt_key() || event.meta_key() || event.default_prevented() {
        return;
    }
    if !on_arrow(&event) {
        on_shortcut(&event);
    }
}

/// Moves the focus from a grid cell (`data-cell`, numbered in the grid's order) to its neighbour:
/// the grid says how far apart left/right (`data-across`) and up/down (`data-down`) neighbours
/// are. Whether the key was an arrow on a cell.
fn on_arrow(event: &leptos::ev::KeyboardEvent) -> bool {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::HtmlElement;
    let (across, down) = match event.key().as_str() {
        "ArrowLeft" => (-1, 0),
        "ArrowRight" => (1, 0),
        "ArrowUp" => (0, -1),
        "ArrowDown" => (0, 1),
        _ => return false,
    };
    let Some(cell) = document().active_element() else {
        return false;
    };
    let Some(grid) = cell.closest("[role=grid]").ok().flatten() else {
        return false;
    };
    let number = |element: &leptos::web_sys::Element, name: &str| {
        element
            .get_attribute(name)
            .and_then(|v| v.parse::<i64>().ok())
    };
    let (Some(at), Some(step_across), Some(step_down)) = (
        number(&cell, "data-cell"),
        number(&grid, "data-across"),
        number(&grid, "data-down"),
    ) else {
        return false;
    };
    // Past the grid's edge there is nothing to move to: the focus stays (p and n change period).
    event.prevent_default();
    let target = at + across * step_across + down * step_down;
    if let Some(next) = grid
        .query_selector(&format!("[data-cell=\"{target}\"]"))
        .ok()
        .flatten()
        .and_then(|next| next.dyn_into::<HtmlElement>().ok())
    {
        // Focusing fails only for an element no longer in the page: nothing to do then.
        let _ = next.focus();
    }
    true
}

/// Follows the link of a shortcut key, unless the key is being typed into a field.
fn on_shortcut(event: &leptos::ev::KeyboardEvent) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::HtmlElement;
    let key = event.key();
    if !SHORTCUTS.iter().any(|(k, _)| *k == key) {
        return;
    }
    let typing = event
        .target()
        .and_then(|target| target.dyn_into::<HtmlElement>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                || element.is_content_editable()
        });
    if typing {
        return;
    }
    let link = document()
        .query_selector(&format!("[data-shortcut=\"{key}\"]"))
        .ok()
        .flatten()
        .and_then(|link| link.dyn_into::<HtmlElement>().ok());
    if let Some(link) = link {
        event.prevent_default();
        link.click();
    }
}

/// The period shown, with its navigation, views, filters and keys.
#[component]
fn Period(calendar: Calendar) -> impl IntoView {
    let view = calendar.view;
    let unit = view.as_str();
    let tabs = CalendarView::ALL
        .into_iter()
        .map(|v| {
            view! {
                <a href=calendar.href(v, &calendar.date) data-shortcut=view_key(v)
                    aria-current=(v == view).then_some("page")>{v.label()}</a>
            }
        })
        .collect_view();
    let shortcuts = SHORTCUTS
        .iter()
        .enumerate()
        .map(|(n, (key, what))| view! { {(n > 0).then_some(" · ")}<kbd>{*key}</kbd>" "{*what} })
        .collect_view();
    // The cells the arrow keys move between: a month's days, or the hours to book.
    let arrows = match view {
        CalendarView::Month => Some("days"),
        _ if calendar.can_book => Some("hours"),
        _ => None,
    };
    let tz = calendar.tz.clone();
    let body = match view {
        CalendarView::Month => month_grid(&calendar).into_any(),
        _ => hours_grid(&calendar).into_any(),
    };
    view! {
        <nav class="calendar-nav" aria-label=format!("{}s", view.label())>
            <a href=calendar.href(view, &calendar.previous) accesskey="p" data-shortcut="p">{format!("← Previous {unit}")}</a>
            <a href=calendar.href(view, &calendar.today) data-shortcut="t">"Today"</a>
            <a href=calendar.href(view, &calendar.next) accesskey="n" data-shortcut="n">{format!("Next {unit} →")}</a>
            {calendar.can_book.then(|| view! { <a class="button primary" href=format!("/booking/new?tz={}", query_value(&tz))>"New conference"</a> })}
            <a href=format!("/booking/conferences?tz={}", query_value(&tz))>"Conference list"</a>
        </nav>
        <nav class="tabs calendar-views" aria-label="Views">{tabs}</nav>
        <form method="get" action="/booking" class="calendar-filters">
            <input type="hidden" name="view" value=view.as_str() />
            <input type="hidden" name="date" value=calendar.date.clone() />
            <label>"Time zone "
                <select name="tz"><ZoneOptions selected=tz.clone() /></select>
            </label>
            <label>"System "
                <select name="system">
                    <SystemOptions systems=calendar.systems.clone() selected=calendar.system />
                </select>
            </label>
            <label>"Owner "
                <select name="owner">
                    <OwnerOptions owners=calendar.owners.clone() selected=calendar.owner />
                </select>
            </label>
            <label><input type="checkbox" name="mine" value="1" checked=calendar.mine />" Only my bookings"</label>
            <button type="submit">"Show"</button>
        </form>
        <p class="calendar-zone">{format!("Times in {tz}.")}{(!calendar.can_book).then_some(" Read only.")}</p>
        <p class="calendar-keys">"Keys: "{shortcuts}{arrows.map(|cells| view! { " · "<kbd>"←↑→↓"</kbd>{format!(" move between {cells}, ")}<kbd>"Enter"</kbd>" opens" })}</p>
        {body}
    }
}

/// Minutes since midnight of `HH:MM` in `YYYY-MM-DDTHH:MM`.
fn minutes(local: &str) -> u32 {
    let hh: u32 = local.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
    let mm: u32 = local.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
    hh * 60 + mm
}

/// Where a meeting sits in a day's column: top and height in % of the day, if it touches it.
fn placement(meeting: &CalendarBlock, day: &str) -> Option<(f64, f64)> {
    let (start_day, end_day) = (meeting.local_start.get(..10)?, meeting.local_end.get(..10)?);
    if start_day > day
        || end_day < day
        || (end_day == day && minutes(&meeting.local_end) == 0 && start_day != day)
    {
        return None;
    }
    let from = if start_day == day {
        minutes(&meeting.local_start)
    } else {
        0
    };
    let to = if end_day == day {
        minutes(&meeting.local_end)
    } else {
        24 * 60
    };
    let height = (to.saturating_sub(from)).max(15);
    Some((from as f64 / 14.4, height as f64 / 14.4))
}

/// `HH:MM` of `YYYY-MM-DDTHH:MM`.
fn clock(local: &str) -> &str {
    local.get(11..).unwrap_or_default()
}

fn label(meeting: &CalendarBlock) -> String {
    format!(
        "{} {}–{} {}",
        meeting.title,
        clock(&meeting.local_start),
        clock(&meeting.local_end),
        meeting.state.label()
    )
}

/// The day and week views: a column of hours per day, meetings as blocks over the empty hours
/// (links to book that hour, for those who may).
fn hours_grid(calendar: &Calendar) -> impl IntoView + use<> {
    let columns = calendar
        .days
        .iter()
        .enumerate()
        .map(|(column, day)| {
            let is_today = *day == calendar.today;
            let blocks = calendar
                .meetings
                .iter()
                .filter_map(|m| placement(m, day).map(|p| (m, p)))
                .take(drawn_per_day(calendar.view))
                .map(|(m, (top, height))| {
                    let label = label(m);
                    view! {
                        <a class=format!("booking-block state-{}", m.state.as_str())
                            href=calendar.meeting_href(m)
                            style=format!("top:{top:.3}%;height:{height:.3}%")
                            aria-label=label.clone() title=label data-meeting=m.id.0>
                            <strong>{m.title.clone()}</strong>
                            <span>{format!("{}–{}", clock(&m.local_start), clock(&m.local_end))}</span>
                            <span class="state">{m.state.label()}</span>
                        </a>
                    }
                })
                .collect_view();
            let slots = (0..24)
                .map(|hour| {
                    let at = format!("{hour:02}:00");
                    if calendar.can_book {
                        view! {
                            <a class="slot" href=calendar.book_href(day, Some(&at))
                                aria-label=format!("Book {day} {at}") data-cell=column * 24 + hour></a>
                        }
                        .into_any()
                    } else {
                        view! { <span class="slot"></span> }.into_any()
                    }
                })
                .collect_view();
            // One day is shown with its weekday's name; a week's columns are in order anyway.
            let head = match calendar.view {
                CalendarView::Day => parse_iso_date(day)
                    .map(|d| format!("{} {day}", d.weekday()))
                    .unwrap_or_else(|| day.clone()),
                _ => day.clone(),
            };
            // The rest of a busy day: its day view from the week, the conference list from the day.
            let more = calendar.hidden.get(day).map(|more| {
                let href = match calendar.view {
                    CalendarView::Day => format!(
                        "/booking/conferences?from={day}&to={day}&tz={}",
                        query_value(&calendar.tz)
                    ),
                    _ => calendar.href(CalendarView::Day, day),
                };
                view! {
                    " "<a class="more" href=href aria-label=format!("{more} more on {day}")>{format!("+{more} more")}</a>
                }
            });
            view! {
                <div class="day" class:today=is_today role="gridcell"
                    aria-current=is_today.then_some("date") data-day=day.clone()>
                    <div class="day-head">{head}{is_today.then_some(" (today)")}{more}</div>
                    <div class="day-body">{slots}{blocks}</div>
                </div>
            }
        })
        .collect_view();
    let hours = (0..24)
        .map(|h| view! { <div class="hour">{format!("{h:02}:00")}</div> })
        .collect_view();
    view! {
        // The arrow keys' neighbours: the next hour below, the same hour of the next day across.
        <div class=format!("calendar {}-view", calendar.view.as_str()) role="grid"
            aria-label=calendar.view.label() data-across="24" data-down="1">
            <div class="hours">{hours}</div>
            {columns}
        </div>
    }
}

/// The month view: its weeks, Monday first, each day with its first meetings (time, title, state)
/// and a link to its day view for the rest.
fn month_grid(calendar: &Calendar) -> impl IntoView + use<> {
    let month = calendar.date.get(..7).unwrap_or_default();
    let weeks = calendar
        .days
        .chunks(7)
        .enumerate()
        .map(|(row, week)| {
            let days = week
                .iter()
                .enumerate()
                .map(|(column, day)| {
                    let is_today = *day == calendar.today;
                    let more = calendar.hidden.get(day).copied().unwrap_or(0);
                    let listed = calendar
                        .meetings
                        .iter()
                        .filter(|m| placement(m, day).is_some())
                        .take(drawn_per_day(CalendarView::Month))
                        .map(|m| {
                            let label = label(m);
                            // A meeting carried over from the day before shows where it ends.
                            let at = if m.local_start.get(..10) == Some(day.as_str()) {
                                clock(&m.local_start).to_string()
                            } else {
                                format!("…{}", clock(&m.local_end))
                            };
                            view! {
                                <li>
                                    <a class=format!("month-meeting state-{}", m.state.as_str())
                                        href=calendar.meeting_href(m) aria-label=label.clone()
                                        title=label data-meeting=m.id.0>
                                        <span class="time">{at}</span>" "{m.title.clone()}
                                        " "<span class="state">{m.state.label()}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view();
                    let day_view = calendar.href(CalendarView::Day, day);
                    view! {
                        <div class="month-day" class:today=is_today
                            class:outside=day.get(..7) != Some(month) role="gridcell"
                            aria-current=is_today.then_some("date") data-day=day.clone()>
                            <div class="month-day-head">
                                <a class="day-number" href=day_view.clone()
                                    aria-label=format!("{day}, day view") data-cell=row * 7 + column>{day.get(8..).unwrap_or_default().trim_start_matches('0').to_string()}</a>
                                {calendar.can_book.then(|| view! {
                                    <a class="book" href=calendar.book_href(day, None)
                                        aria-label=format!("Book on {day}") title="Book on this day">"+"</a>
                                })}
                            </div>
                            <ul>{listed}</ul>
                            {(more > 0).then(|| view! {
                                <a class="more" href=day_view aria-label=format!("{more} more on {day}")>{format!("+{more} more")}</a>
                            })}
                        </div>
                    }
                })
                .collect_view();
            view! { <div class="month-week" role="row">{days}</div> }
        })
        .collect_view();
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .map(|name| view! { <div class="month-weekday" role="columnheader">{name}</div> });
    view! {
        // The arrow keys' neighbours: the next day across, the same weekday of the next week below.
        <div class="calendar month-view" role="grid" aria-label="Month" data-across="1" data-down="7">
            <div class="month-week" role="row">{names.into_iter().collect_view()}</div>
            {weeks}
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use domain::booking::{MeetingId, MeetingState};

    fn block(id: i64, start: &str, end: &str) -> CalendarBlock {
        CalendarBlock {
            id: MeetingId(id),
            title: format!("Meeting {id}"),
            local_start: start.into(),
            local_end: end.into(),
            state: MeetingState::Pending,
        }
    }

    #[test]
    fn each_day_draws_its_first_meetings_and_counts_the_rest() {
        let days = ["2026-12-07".to_string(), "2026-12-08".to_string()];
        let blocks = vec![
            // Over midnight: drawn on the 7th, the first of the 8th too.
            block(1, "2026-12-07T23:00", "2026-12-08T01:00"),
            block(2, "2026-12-08T09:00", "2026-12-08T10:00"),
            block(3, "2026-12-08T11:00", "2026-12-08T12:00"),
            block(4, "2026-12-08T13:00", "2026-12-08T14:00"),
        ];
        let (drawn, hidden) = drawn(blocks, &days, 2);
        let ids: Vec<i64> = drawn.iter().map(|b| b.id.0).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(hidden.get("2026-12-07"), None);
        assert_eq!(hidden.get("2026-12-08"), Some(&2));
    }
}
