//! The booking calendar: a week (Monday first) in the viewer's time zone, bookings drawn as
//! blocks with title, time and state, filters by system and owner, an empty hour to click to book
//! there, today marked. Everything is a link or a form control, so it works from the keyboard
//! (and without JavaScript).

use super::ZONES;
use crate::error::AppError;
use domain::booking::MeetingView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week {
    /// The seven dates shown, `YYYY-MM-DD`, Monday first.
    pub days: Vec<String>,
    pub today: String,
    pub previous: String,
    pub next: String,
    pub tz: String,
    pub meetings: Vec<MeetingView>,
    pub systems: Vec<(i64, String)>,
    pub can_book: bool,
}

#[server(endpoint = "bookings/week")]
pub async fn booking_week(
    week: String,
    tz: String,
    system: String,
    mine: String,
) -> Result<Week, AppError> {
    use domain::booking::recurrence::{iso_date, parse_iso_date};
    use domain::store::bookings::MeetingFilter;
    use time::PrimitiveDateTime;
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    let zone = super::zone(&tz);
    let today = zone.local(time::OffsetDateTime::now_utc()).date();
    let anchor = parse_iso_date(&week).unwrap_or(today);
    let monday = anchor - time::Duration::days(anchor.weekday().number_days_from_monday() as i64);
    let days: Vec<time::Date> = (0..7).map(|n| monday + time::Duration::days(n)).collect();
    let from = zone.instant(PrimitiveDateTime::new(monday, time::Time::MIDNIGHT));
    let to = zone.instant(PrimitiveDateTime::new(
        monday + time::Duration::days(7),
        time::Time::MIDNIGHT,
    ));
    let filter = MeetingFilter {
        from: Some(from),
        to: Some(to),
        system: system.parse().ok().map(domain::system::SystemId),
        owner: (mine == "1").then_some(user.id),
        ..MeetingFilter::default()
    };
    let context = crate::auth::context()?;
    let meetings = context
        .bookings
        .list(&filter, &zone)
        .await
        .map_err(super::booking_error)?;
    Ok(Week {
        days: days.iter().map(|d| iso_date(*d)).collect(),
        today: iso_date(today),
        previous: iso_date(monday - time::Duration::days(7)),
        next: iso_date(monday + time::Duration::days(7)),
        tz: zone.name().to_string(),
        meetings,
        systems: super::system_names().await?,
        can_book: user.role.can(domain::Permission::Book),
    })
}

#[component]
pub fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let week = Resource::new(
        move || (param("week"), param("tz"), param("system"), param("mine")),
        |(week, tz, system, mine)| booking_week(week, tz, system, mine),
    );
    view! {
        <Title text="Booking" />
        <h1>"Booking"</h1>
        <Transition fallback=|| view! { <p>"Loading the calendar…"</p> }>
            {move || Suspend::new(async move {
                match week.await {
                    Ok(week) => view! { <WeekView week /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Minutes since midnight of `HH:MM` in `YYYY-MM-DDTHH:MM`.
fn minutes(local: &str) -> u32 {
    let hh: u32 = local.get(11..13).and_then(|h| h.parse().ok()).unwrap_or(0);
    let mm: u32 = local.get(14..16).and_then(|m| m.parse().ok()).unwrap_or(0);
    hh * 60 + mm
}

/// Where a meeting sits in a day's column: top and height in % of the day, if it touches it.
fn placement(meeting: &MeetingView, day: &str) -> Option<(f64, f64)> {
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

#[component]
fn WeekView(week: Week) -> impl IntoView {
    let Week {
        days,
        today,
        previous,
        next,
        tz,
        meetings,
        systems,
        can_book,
    } = week;
    let link = {
        let tz = tz.clone();
        move |to: &str| format!("/booking?week={to}&tz={tz}")
    };
    let columns = days
        .iter()
        .map(|day| {
            let is_today = *day == today;
            let blocks = meetings
                .iter()
                .filter_map(|m| placement(m, day).map(|p| (m.clone(), p)))
                .map(|(m, (top, height))| {
                    let label = format!(
                        "{} {}–{} {}",
                        m.title,
                        m.local_start.get(11..).unwrap_or_default(),
                        m.local_end.get(11..).unwrap_or_default(),
                        m.state.label()
                    );
                    view! {
                        <a class=format!("booking-block state-{}", m.state.as_str())
                            href=format!("/booking/meetings/{}?tz={}", m.id.0, tz)
                            style=format!("top:{top:.3}%;height:{height:.3}%")
                            aria-label=label.clone() title=label data-meeting=m.id.0>
                            <strong>{m.title.clone()}</strong>
                            <span>{format!("{}–{}", m.local_start.get(11..).unwrap_or_default(), m.local_end.get(11..).unwrap_or_default())}</span>
                            <span class="state">{m.state.label()}</span>
                        </a>
                    }
                })
                .collect_view();
            let slots = (0..24)
                .map(|hour| {
                    let at = format!("{hour:02}:00");
                    if can_book {
                        view! {
                            <a class="slot" href=format!("/booking/new?date={day}&time={at}&tz={tz}")
                                aria-label=format!("Book {day} {at}")></a>
                        }
                        .into_any()
                    } else {
                        view! { <span class="slot"></span> }.into_any()
                    }
                })
                .collect_view();
            view! {
                <div class="day" class:today=is_today role="gridcell"
                    aria-current=is_today.then_some("date") data-day=day.clone()>
                    <div class="day-head">{day.clone()}{is_today.then_some(" (today)")}</div>
                    <div class="day-body">{slots}{blocks}</div>
                </div>
            }
        })
        .collect_view();
    let hours = (0..24)
        .map(|h| view! { <div class="hour">{format!("{h:02}:00")}</div> })
        .collect_view();
    view! {
        <nav class="calendar-nav" aria-label="Weeks">
            <a href=link(&previous) accesskey="p">"← Previous week"</a>
            <a href=link(&today)>"Today"</a>
            <a href=link(&next) accesskey="n">"Next week →"</a>
            {can_book.then(|| view! { <a class="button primary" href=format!("/booking/new?tz={tz}")>"New conference"</a> })}
            <a href=format!("/booking/conferences?tz={tz}")>"Conference list"</a>
        </nav>
        <form method="get" action="/booking" class="calendar-filters">
            <input type="hidden" name="week" value=days.first().cloned().unwrap_or_default() />
            <label>"Time zone "
                <select name="tz">
                    {ZONES.iter().map(|z| view! { <option value=*z selected=*z == tz>{*z}</option> }).collect_view()}
                </select>
            </label>
            <label>"System "
                <select name="system">
                    <option value="">"All systems"</option>
                    {systems.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
            <label><input type="checkbox" name="mine" value="1" />" Only my bookings"</label>
            <button type="submit">"Show"</button>
        </form>
        <p class="calendar-zone">{format!("Times in {tz}.")}{(!can_book).then_some(" Read only.")}</p>
        <div class="calendar week" role="grid" aria-label="Week">
            <div class="hours">{hours}</div>
            {columns}
        </div>
    }
}
