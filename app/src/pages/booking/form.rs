//! New conference: the form, then a confirmation saying how to join.

use super::ZoneOptions;
use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, TextArea, action_error};
use domain::booking::{ConferenceType, DialIn};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDefaults {
    /// The date asked for, or today in the chosen zone.
    pub date: String,
    /// The zone asked for, else the browser's, else UTC.
    pub zone: String,
    pub title: String,
    pub duration_minutes: u32,
    pub systems: Vec<(i64, String)>,
}

/// What the confirmation page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub meeting: i64,
    pub title: String,
    pub local_start: String,
    pub local_end: String,
    pub zone: String,
    pub occurrences: usize,
    pub system_name: String,
    pub dial_in: DialIn,
    pub warnings: Vec<String>,
}

#[server(endpoint = "bookings/defaults")]
pub async fn booking_defaults(date: String, tz: String) -> Result<FormDefaults, AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    let date = match domain::booking::recurrence::parse_iso_date(&date) {
        Some(d) => domain::booking::recurrence::iso_date(d),
        None => domain::booking::recurrence::iso_date(
            super::zone(&tz)
                .local(time::OffsetDateTime::now_utc())
                .date(),
        ),
    };
    let bookings = crate::auth::context()?.bookings;
    let settings = bookings.settings().await.map_err(super::booking_error)?;
    // Only the systems the user may book on (their Permissions tab).
    let systems = bookings
        .offered_systems(&super::actor(&user))
        .await
        .map_err(super::booking_error)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    Ok(FormDefaults {
        date: date.clone(),
        title: bookings
            .default_title(&date)
            .await
            .map_err(super::booking_error)?,
        duration_minutes: settings.default_duration_minutes,
        systems,
        zone: super::zone(&tz).name().to_string(),
    })
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "bookings/create")]
pub async fn create_conference(
    title: String,
    date: String,
    start_time: String,
    end_time: String,
    duration_minutes: String,
    time_zone: String,
    conference_type: String,
    system: String,
    participants: String,
    passcode: domain::Redacted,
    notes: String,
    repeat: String,
    day_mon: Option<String>,
    day_tue: Option<String>,
    day_wed: Option<String>,
    day_thu: Option<String>,
    day_fri: Option<String>,
    day_sat: Option<String>,
    day_sun: Option<String>,
    ends: String,
    count: String,
    until: String,
) -> Result<Confirmation, AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    let weekdays = [
        ("mon", day_mon),
        ("tue", day_tue),
        ("wed", day_wed),
        ("thu", day_thu),
        ("fri", day_fri),
        ("sat", day_sat),
        ("sun", day_sun),
    ]
    .into_iter()
    .filter(|(_, on)| on.is_some())
    .map(|(d, _)| d.to_string())
    .collect();
    let passcode = passcode.into_inner();
    let typed_passcode = Some(passcode.trim().to_string()).filter(|p| !p.is_empty());
    let input = domain::bookings::ConferenceInput {
        title,
        date,
        start_time,
        end_time,
        duration_minutes,
        time_zone: time_zone.clone(),
        conference_type,
        system,
        participants,
        passcode,
        notes,
        repeat,
        weekdays,
        ends,
        count,
        until,
    };
    let bookings = crate::auth::context()?.bookings;
    let actor = super::actor(&user);
    let booked = bookings
        .create(&actor, &input, time::OffsetDateTime::now_utc())
        .await
        .map_err(super::booking_error)?;
    let zone = super::zone(&time_zone);
    let page = bookings
        .page(&actor, booked.meetings[0], &zone)
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, conference = booked.conference.0, meetings = booked.meetings.len(), "conference booked");
    Ok(Confirmation {
        meeting: booked.meetings[0].0,
        title: page.meeting.title.clone(),
        local_start: page.meeting.local_start.replace('T', " "),
        local_end: page.meeting.local_end.replace('T', " "),
        zone: zone.name().to_string(),
        occurrences: booked.meetings.len(),
        system_name: page.meeting.system_name.clone(),
        dial_in: domain::booking::DialIn {
            // The passcode just typed, said once on this answer to the save (the conference page
            // only says there is one).
            passcode: typed_passcode,
            ..page.dial_in
        },
        warnings: booked.warnings,
    })
}

#[component]
pub fn NewConferencePage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let date = param("date");
    let start = param("time");
    let tz = param("tz");
    // "Book conference with this system" (a system's Status tab) names the system to preselect.
    let system = param("system");
    let create = form_action::<CreateConference>();
    // Only a success replaces the form: a refusal keeps what was typed, with the errors beside it.
    let booked = Memo::new(move |_| create.value().get().and_then(Result::ok));
    // Owned here, not by the form: a success disposes the form while its field messages are
    // still being told of the new value, and a signal owned by the form would be read disposed.
    let error = action_error(create);
    let defaults = Resource::new(move || (), {
        let (date, tz) = (date.clone(), tz.clone());
        move |_| booking_defaults(date.clone(), tz.clone())
    });
    view! {
        <Title text="New conference" />
        <h1>"New conference"</h1>
        {move || match booked.get() {
            Some(done) => view! { <Confirmed done /> }.into_any(),
            None => {
                let (start, system) = (start.clone(), system.clone());
                view! {
                    <Transition fallback=|| view! { <p>"Loading…"</p> }>
                        {move || {
                            let (start, system) = (start.clone(), system.clone());
                            Suspend::new(async move {
                                match defaults.await {
                                    Ok(d) => view! { <ConferenceForm create error defaults=d start system /> }.into_any(),
                                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                                }
                            })
                        }}
                    </Transition>
                }
                .into_any()
            }
        }}
    }
}

#[component]
fn ConferenceForm(
    create: ServerAction<CreateConference>,
    error: Signal<Option<AppError>>,
    defaults: FormDefaults,
    start: String,
    /// The system to preselect (its id), if the user may book on it; else Automatic.
    system: String,
) -> impl IntoView {
    // After a refused plain post: what was typed (`crate::flash`).
    let kept = crate::flash::Kept::of::<CreateConference>();
    let value = move |name: &str, default: String| kept.value(name, default);
    let invalid = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field(field))
                .is_some()
                .to_string()
        }
    };
    let start = if start.is_empty() {
        "09:00".to_string()
    } else {
        start
    };
    let field = move |id: &'static str, label: &'static str, input: AnyView| {
        view! {
            <label for=id>{label}</label>
            <div>{input}<FieldMessage error=error field=id /></div>
        }
    };
    view! {
        <ActionForm action=create attr:class="form grid" attr:aria-label="New conference">
            {field("title", "Title", view! { <input id="title" name="title" required value=value("title", defaults.title) aria-invalid=invalid("title") /> }.into_any())}
            {field("date", "Date", view! { <input id="date" name="date" type="date" required value=value("date", defaults.date.clone()) aria-invalid=invalid("date") /> }.into_any())}
            {field("start_time", "Start", view! { <input id="start_time" name="start_time" type="time" required value=value("start_time", start) aria-invalid=invalid("start_time") /> }.into_any())}
            {field("end_time", "End (or leave empty and give a duration)", view! { <input id="end_time" name="end_time" type="time" value=value("end_time", String::new()) aria-invalid=invalid("end_time") /> }.into_any())}
            {field("duration_minutes", "Duration (minutes)", view! { <input id="duration_minutes" name="duration_minutes" type="number" min="1" max="1440" value=value("duration_minutes", defaults.duration_minutes.to_string()) aria-invalid=invalid("duration_minutes") /> }.into_any())}
            {field("time_zone", "Time zone", view! {
                <select id="time_zone" name="time_zone">
                    <ZoneOptions selected=value("time_zone", defaults.zone.clone()) />
                </select>
            }.into_any())}
            {field("conference_type", "Type", view! {
                <select id="conference_type" name="conference_type">
                    {ConferenceType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=kept.selected("conference_type", t.as_str(), false)>{t.label()}</option> }).collect_view()}
                </select>
            }.into_any())}
            {field("system", "System", view! {
                <select id="system" name="system" aria-invalid=invalid("system")>
                    <option value="auto">"Automatic (first with a free placeholder)"</option>
                    {defaults.systems.iter().map(|(id, name)| {
                        let chosen = kept.selected("system", &id.to_string(), system.trim() == id.to_string());
                        view! { <option value=*id selected=chosen>{name.clone()}</option> }
                    }).collect_view()}
                </select>
            }.into_any())}
            {field("participants", "Participants to dial (SIP URIs, one per line)", view! { <TextArea value=value("participants", String::new()) attr:id="participants" attr:name="participants" attr:rows="3" attr:aria-invalid=invalid("participants") /> }.into_any())}
            {field("passcode", "Passcode (digits, optional)", view! { <input id="passcode" name="passcode" inputmode="numeric" autocomplete="off" aria-invalid=invalid("passcode") /> }.into_any())}
            {field("notes", "Notes", view! { <TextArea value=value("notes", String::new()) attr:id="notes" attr:name="notes" attr:rows="2" /> }.into_any())}
            {field("repeat", "Repeats", view! {
                <select id="repeat" name="repeat">
                    {[("none", "Does not repeat"), ("daily", "Daily"), ("weekdays", "Every weekday"), ("weekly", "Weekly on the days below"), ("monthly", "Monthly")]
                        .map(|(v, label)| view! { <option value=v selected=kept.selected("repeat", v, false)>{label}</option> })}
                </select>
            }.into_any())}
            {field("weekdays", "Days (weekly)", view! {
                <span class="weekdays">
                    {["mon", "tue", "wed", "thu", "fri", "sat", "sun"].into_iter().map(|d| view! {
                        <label><input type="checkbox" name=format!("day_{d}") value="1" checked=kept.checked(&format!("day_{d}"), false) />{d}</label>
                    }).collect_view()}
                </span>
            }.into_any())}
            {field("ends", "Series ends", view! {
                <span>
                    <select id="ends" name="ends">
                        <option value="count">"after"</option>
                        <option value="until" selected=kept.selected("ends", "until", false)>"on date"</option>
                    </select>
                    <input name="count" type="number" min="1" max="200" value=value("count", "1".into()) aria-label="Occurrences" />
                    <input name="until" type="date" value=value("until", String::new()) aria-label="Last date" />
                    <FieldMessage error=error field="count" />
                    <FieldMessage error=error field="until" />
                </span>
            }.into_any())}
            <div class="actions">
                <FormMessage error=error />
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Book"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn Confirmed(done: Confirmation) -> impl IntoView {
    let slot_note = if done.dial_in.call_id.is_none() {
        Some(view! {
            <p class="note">
                "The exact call ID is the placeholder chosen when the meeting starts: one of "
                {done.dial_in.range.clone().unwrap_or_else(|| "the system's placeholders".into())}
                ". It is shown on the conference page from then on."
            </p>
        })
    } else {
        None
    };
    view! {
        <section class="card confirmation" role="status">
            <h2>"Booked: " {done.title.clone()}</h2>
            <p>{format!("{} – {} ({})", done.local_start, done.local_end, done.zone)}
                {(done.occurrences > 1).then(|| format!(", {} occurrences", done.occurrences))}</p>
            <p>{format!("On {}", done.system_name)}</p>
            <h3>"How to join"</h3>
            <dl>
                <dt>"Call ID"</dt><dd>{done.dial_in.call_id.clone().unwrap_or_else(|| "assigned at start".into())}</dd>
                <dt>"Video address"</dt><dd>{done.dial_in.uri.clone().unwrap_or_else(|| done.dial_in.range.clone().map(|r| format!("<call ID>@{}", r.rsplit('@').next().unwrap_or_default())).unwrap_or_else(|| "assigned at start".into()))}</dd>
                <dt>"Passcode"</dt><dd>{done.dial_in.passcode.clone().unwrap_or_else(|| "none".into())}</dd>
            </dl>
            {slot_note}
            {done.warnings.iter().map(|w| view! { <p class="warning">{w.clone()}</p> }).collect_view()}
            <p><a href=format!("/booking/meetings/{}?tz={}", done.meeting, done.zone)>"Open the conference page"</a>
               " · " <a href=format!("/booking?tz={}", done.zone)>"Back to the calendar"</a></p>
        </section>
    }
}
