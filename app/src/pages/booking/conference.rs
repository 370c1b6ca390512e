//! A conference's page: details, state, dial-in information, participants, the lifecycle's
//! history with each CMS step's outcome; Extend, End now, Cancel and a new title.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, TextArea, action_error, confirm_first};
use domain::booking::{ConferencePage, ConferenceType, LiveParticipants, MeetingState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[server(endpoint = "bookings/conference")]
pub async fn conference_details(id: i64, tz: String) -> Result<ConferencePage, AppError> {
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    crate::auth::context()?
        .bookings
        .page(
            &super::actor(&user),
            domain::booking::MeetingId(id),
            &super::zone(&tz),
        )
        .await
        .map_err(super::booking_error)
}

/// Extending is for the owner, an administrator, or the help desk on a live meeting: the
/// booking service decides.
#[server(endpoint = "bookings/extend")]
pub async fn extend_conference(id: i64, minutes: i64) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    crate::auth::context()?
        .bookings
        .extend(
            &super::actor(&user),
            domain::booking::MeetingId(id),
            minutes,
        )
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, minutes, "meeting extended");
    Ok(())
}

#[server(endpoint = "bookings/end")]
pub async fn end_conference(id: i64) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    crate::auth::context()?
        .bookings
        .end_now(
            &super::actor(&user),
            domain::booking::MeetingId(id),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, "meeting ended");
    Ok(())
}

/// Edits one occurrence: title and times while pending, the title only while it runs.
#[server(endpoint = "bookings/edit")]
pub async fn edit_conference(
    id: i64,
    title: String,
    date: String,
    start_time: String,
    end_time: String,
) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    let edit = domain::bookings::MeetingEdit {
        title,
        date,
        start_time,
        end_time,
    };
    crate::auth::context()?
        .bookings
        .edit(
            &super::actor(&user),
            domain::booking::MeetingId(id),
            &edit,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, "meeting edited");
    Ok(())
}

/// Who is connected, read from the call bridge while the meeting runs.
#[server(endpoint = "bookings/participants")]
pub async fn participant_states(id: i64) -> Result<LiveParticipants, AppError> {
    crate::auth::require(domain::Permission::ViewBookings).await?;
    crate::auth::context()?
        .live_participants
        .of(domain::booking::MeetingId(id))
        .await
        .map_err(super::booking_error)
}

/// Edits the conference, every occurrence of its series: the title of every occurrence not
/// over, the shared type, participants, passcode and notes, (when given) the times of the
/// pending ones ahead, and (when another is chosen) the system of the pending ones.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "bookings/edit-series")]
pub async fn edit_series(
    id: i64,
    title: String,
    start_time: String,
    end_time: String,
    conference_type: String,
    system: String,
    participants: String,
    passcode: domain::Redacted,
    remove_passcode: Option<String>,
    notes: String,
) -> Result<usize, AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    let edit = domain::bookings::SeriesEdit {
        title,
        start_time,
        end_time,
        participants,
        passcode: passcode.into_inner(),
        remove_passcode: remove_passcode.is_some(),
        notes,
        conference_type,
        system,
    };
    let changed = crate::auth::context()?
        .bookings
        .edit_series(
            &super::actor(&user),
            domain::booking::MeetingId(id),
            &edit,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, changed, "series edited");
    Ok(changed)
}

#[server(endpoint = "bookings/cancel-series")]
pub async fn cancel_series(id: i64) -> Result<usize, AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    let cancelled = crate::auth::context()?
        .bookings
        .cancel_series(&super::actor(&user), domain::booking::MeetingId(id))
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, cancelled, "series cancelled");
    Ok(cancelled)
}

#[server(endpoint = "bookings/cancel")]
pub async fn cancel_conference(id: i64) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::Book).await?;
    crate::auth::context()?
        .bookings
        .cancel(&super::actor(&user), domain::booking::MeetingId(id))
        .await
        .map_err(super::booking_error)?;
    tracing::info!(by = %user.username, meeting = id, "meeting cancelled");
    Ok(())
}

#[component]
pub fn MeetingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tz = move || query.read().get("tz").unwrap_or_default();
    let extend = form_action::<ExtendConference>();
    let end = form_action::<EndConference>();
    let cancel = form_action::<CancelConference>();
    let edit = form_action::<EditConference>();
    let edit_series = form_action::<EditSeries>();
    let cancel_series = form_action::<CancelSeries>();
    // Only a saved edit reloads the page: a refusal keeps what was typed beside its errors.
    let edit_saved = crate::widgets::successes(edit);
    let series_saved = crate::widgets::successes(edit_series);
    // The participants' state is read again every few seconds once the page is interactive.
    let tick = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|n| *n += 1),
            std::time::Duration::from_secs(5),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let live = Resource::new(move || (id(), tick.get()), |(id, _)| participant_states(id));
    let page = Resource::new(
        move || {
            (
                id(),
                tz(),
                extend.version().get(),
                end.version().get(),
                cancel.version().get(),
                edit_saved.get(),
                series_saved.get(),
                cancel_series.version().get(),
            )
        },
        |(id, tz, ..)| conference_details(id, tz),
    );
    // The buttons' refusals (a meeting that is no longer running, no room to extend into) have
    // no input to stand beside but the custom extension's minutes: they are said here in full.
    let errors = [
        action_error(extend),
        action_error(end),
        action_error(cancel),
        action_error(cancel_series),
    ];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    // Each answer is drawn on new nodes, keyed by its number, never patched onto the previous
    // one's: with erased components (.cargo/config.toml) a patch removes every attribute of an
    // element and sets it again, and Chromium then leaves a date or time input whose type went
    // time → text → time without a layout box (painted, but clicks reach the form).
    let answers = StoredValue::new(0u64);
    view! {
        <Title text="Conference" />
        <FormMessage error=error fields=BUTTON_FIELDS />
        <Transition fallback=|| view! { <p>"Loading the conference…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        answers.update_value(|n| *n += 1);
                        let answer = (answers.get_value(), page);
                        view! {
                            <For each=move || [answer.clone()] key=|(n, _)| *n
                                children=move |(_, page)| view! { <Details page extend end cancel edit edit_series cancel_series legs=live /> } />
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(
    page: ConferencePage,
    extend: ServerAction<ExtendConference>,
    end: ServerAction<EndConference>,
    cancel: ServerAction<CancelConference>,
    edit: ServerAction<EditConference>,
    edit_series: ServerAction<EditSeries>,
    cancel_series: ServerAction<CancelSeries>,
    legs: Resource<Result<LiveParticipants, AppError>>,
) -> impl IntoView {
    let m = page.meeting.clone();
    let id = m.id.0;
    let live = m.state.is_live();
    let pending = m.state == MeetingState::Pending;
    let dial = page.dial_in.clone();
    let extend_error = action_error(extend);
    let kept_minutes = crate::flash::Kept::of::<ExtendConference>().value("minutes", "");
    let step = page.extend_step_minutes;
    view! {
        <h1>{m.title.clone()}</h1>
        <p class=format!("state state-{}", m.state.as_str()) data-state=m.state.as_str()>
            "State: " <strong>{m.state.label()}</strong>
            {m.failure.clone().map(|f| format!(" — {f}"))}
        </p>
        <dl class="details">
            <dt>"When"</dt><dd>{format!("{} – {} ({})", m.local_start.replace('T', " "), m.local_end.replace('T', " "), page.zone)}</dd>
            <dt>"System"</dt><dd>{m.system_name.clone()}</dd>
            <dt>"Type"</dt><dd>{m.conference_type.label()}</dd>
            <dt>"Booked by"</dt><dd>{m.owner.clone()}</dd>
            {page.recurrence.clone().map(|r| view! { <dt>"Repeats"</dt><dd>{r}</dd> })}
            <dt>"Call ID"</dt><dd>{dial.call_id.clone().unwrap_or_else(|| format!("assigned at start ({})", dial.range.clone().unwrap_or_default()))}</dd>
            <dt>"Video address"</dt><dd>{dial.uri.clone().unwrap_or_else(|| "assigned at start".into())}</dd>
            <dt>"Passcode"</dt><dd>{dial.passcode.clone().unwrap_or_else(|| "none".into())}</dd>
            <dt>"Notes"</dt><dd>{page.notes.clone()}</dd>
        </dl>
        <h2>"Participants"</h2>
        {if live {
            view! { <LiveList legs /> }.into_any()
        } else {
            view! {
                <ul class="participants">
                    {page.participants.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}
                </ul>
            }
            .into_any()
        }}
        <div class="actions">
            {(page.may_extend && (live || pending)).then(|| view! {
                {[step, 2 * step].map(|minutes| view! {
                    <ActionForm action=extend attr:class="inline">
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="minutes" value=minutes />
                        <button type="submit">{format!("Extend +{minutes}")}</button>
                    </ActionForm>
                })}
                <ActionForm action=extend attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <input name="minutes" type="number" min="1" max="1440" aria-label="Minutes to extend by" value=kept_minutes.clone()
                        aria-invalid=move || extend_error.get().and_then(|e| e.field("minutes")).map(|_| "true") />
                    <button type="submit">"Extend"</button>
                    <FieldMessage error=extend_error field="minutes" />
                </ActionForm>
            })}
            {(page.may_extend && live).then(|| view! {
                <ActionForm action=end attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="danger" on:click=confirm_first("End this meeting now?".to_string())>"End now"</button>
                </ActionForm>
            })}
            {(page.may_change && pending).then(|| view! {
                <ActionForm action=cancel attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="danger" on:click=confirm_first("Cancel this meeting?".to_string())>"Cancel meeting"</button>
                </ActionForm>
            })}
        </div>
        {(page.may_change && (pending || live)).then(|| view! { <OccurrenceForm page=page.clone() edit /> })}
        <h2>"History"</h2>
        <table class="events">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"Step"</th><th>"Outcome"</th></tr></thead>
            <tbody>
                {page.events.iter().map(|e| view! {
                    <tr>
                        <td><time datetime=e.at.clone()>{e.at.replace('T', " ").replace('Z', " UTC")}</time></td>
                        <td>{e.actor.clone().unwrap_or_else(|| "Scheduler".into())}</td>
                        <td>{e.action.clone()}</td>
                        <td>{e.outcome.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        // A single meeting's conference form is the series form of a series of one.
        {(page.series.len() == 1 && page.may_change && (pending || live)).then(|| view! { <SeriesForm page=page.clone() edit_series /> })}
        {(page.series.len() > 1).then(|| {
            let pending_ahead = page.series.iter().filter(|s| s.state == MeetingState::Pending).count();
            view! {
                <h2>"Series"</h2>
                <ul class="series">
                    {page.series.iter().map(|s| view! {
                        <li><a href=format!("/booking/meetings/{}", s.id.0)>{format!("{} {}", s.local_start.replace('T', " "), s.state.label())}</a></li>
                    }).collect_view()}
                </ul>
                {page.may_change.then(|| view! {
                    <SeriesForm page=page.clone() edit_series />
                    {(pending_ahead > 0).then(|| view! {
                        <ActionForm action=cancel_series attr:class="inline">
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class="danger"
                                on:click=confirm_first(format!("Cancel the {pending_ahead} occurrence(s) of this series that have not started?"))>
                                {format!("Cancel the series ({pending_ahead} not started)")}
                            </button>
                        </ActionForm>
                    })}
                })}
            }
        })}
    }
}

/// The only input beside the page's buttons: the custom extension's minutes.
const BUTTON_FIELDS: &[&str] = &["minutes"];

/// The fields the occurrence form shows; a refusal about anything else (the participants'
/// other meetings, the system closed to booking) is said in its form message.
const OCCURRENCE_FIELDS: &[&str] = &["title", "date", "start_time", "end_time"];

/// Edit one occurrence: title, date and times while pending, the title only while it runs.
#[component]
fn OccurrenceForm(page: ConferencePage, edit: ServerAction<EditConference>) -> impl IntoView {
    let m = page.meeting;
    let pending = m.state == MeetingState::Pending;
    let (date, start) = m
        .local_start
        .split_once('T')
        .map(|(d, t)| (d.to_string(), t.to_string()))
        .unwrap_or_default();
    let end_time = m
        .local_end
        .split_once('T')
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    let error = action_error(edit);
    let kept = crate::flash::Kept::of::<EditConference>();
    let (date, start, end_time) = (
        kept.value("date", date),
        kept.value("start_time", start),
        kept.value("end_time", end_time),
    );
    let invalid =
        move |field: &'static str| error.get().and_then(|e| e.field(field)).map(|_| "true");
    view! {
        <details class="card" open=move || error.get().is_some()>
            <summary>"Edit this occurrence"</summary>
            <FormMessage error=error fields=OCCURRENCE_FIELDS />
            <ActionForm action=edit attr:class="form grid" attr:aria-label="Edit this occurrence">
                <input type="hidden" name="id" value=m.id.0 />
                <label for="edit-title">"Title"</label>
                <div><input id="edit-title" name="title" value=kept.value("title", m.title.clone()) required aria-invalid=move || invalid("title") />
                    <FieldMessage error=error field="title" /></div>
                <label for="edit-date">"Date"</label>
                <div><input id="edit-date" name="date" type="date" value=date disabled=!pending aria-invalid=move || invalid("date") />
                    <FieldMessage error=error field="date" /></div>
                <label for="edit-start">"Start"</label>
                <div><input id="edit-start" name="start_time" type="time" value=start disabled=!pending aria-invalid=move || invalid("start_time") />
                    <FieldMessage error=error field="start_time" /></div>
                <label for="edit-end">"End"</label>
                <div><input id="edit-end" name="end_time" type="time" value=end_time disabled=!pending aria-invalid=move || invalid("end_time") />
                    <FieldMessage error=error field="end_time" /></div>
                {(!pending).then_some(view! { <input type="hidden" name="date" value="" /><input type="hidden" name="start_time" value="" /><input type="hidden" name="end_time" value="" /> })}
                <div class="actions"><button type="submit">"Save"</button></div>
            </ActionForm>
        </details>
    }
}

/// The fields the series form shows.
const SERIES_FIELDS: &[&str] = &[
    "title",
    "start_time",
    "end_time",
    "conference_type",
    "system",
    "participants",
    "passcode",
    "notes",
];

/// Edit the conference (every occurrence of a series): what they share, new times for those
/// still ahead, and the system of those not started.
#[component]
fn SeriesForm(page: ConferencePage, edit_series: ServerAction<EditSeries>) -> impl IntoView {
    let m = page.meeting;
    let (name, saved) = if page.series.len() > 1 {
        ("Edit the series", "The series is saved.")
    } else {
        ("Edit the conference", "The conference is saved.")
    };
    let current_system = page
        .series
        .iter()
        .find(|s| s.state == MeetingState::Pending)
        .map_or(m.system, |s| s.system);
    let result = edit_series.value();
    let error = action_error(edit_series);
    let kept = crate::flash::Kept::of::<EditSeries>();
    let invalid =
        move |field: &'static str| error.get().and_then(|e| e.field(field)).map(|_| "true");
    let row = move |id: &'static str, field: &'static str, label: &'static str, input: AnyView| {
        view! {
            <label for=id>{label}</label>
            <div>{input}<FieldMessage error=error field=field /></div>
        }
    };
    view! {
        <details class="card" open=move || result.get().is_some()>
            <summary>{name}</summary>
            <FormMessage error=error fields=SERIES_FIELDS />
            <ActionForm action=edit_series attr:class="form grid" attr:aria-label=name>
                <input type="hidden" name="id" value=m.id.0 />
                {row("series-title", "title", "Title", view! {
                    <input id="series-title" name="title" value=kept.value("title", m.title.clone()) required aria-invalid=move || invalid("title") />
                }.into_any())}
                {row("series-start", "start_time", "New start time", view! {
                    <input id="series-start" name="start_time" type="time" value=kept.value("start_time", "") aria-describedby="series-times" aria-invalid=move || invalid("start_time") />
                }.into_any())}
                {row("series-end", "end_time", "New end time", view! {
                    <input id="series-end" name="end_time" type="time" value=kept.value("end_time", "") aria-describedby="series-times" aria-invalid=move || invalid("end_time") />
                }.into_any())}
                <p id="series-times" class="note">{format!("Empty: each occurrence keeps its times. Given: every occurrence not started yet moves to them on its own date ({}).", page.zone)}</p>
                {row("series-type", "conference_type", "Type", view! {
                    <select id="series-type" name="conference_type" aria-invalid=move || invalid("conference_type")>
                        {ConferenceType::ALL.iter().map(|t| view! { <option value=t.as_str() selected=kept.selected("conference_type", t.as_str(), *t == m.conference_type)>{t.label()}</option> }).collect_view()}
                    </select>
                }.into_any())}
                {row("series-system", "system", "System", view! {
                    <select id="series-system" name="system" aria-describedby="series-system-note" aria-invalid=move || invalid("system")>
                        {page.systems.iter().map(|(id, name)| view! { <option value=id.0 selected=kept.selected("system", &id.0.to_string(), *id == current_system)>{name.clone()}</option> }).collect_view()}
                        <option value="auto" selected=kept.selected("system", "auto", false)>"Automatic (first with a free placeholder)"</option>
                    </select>
                }.into_any())}
                <p id="series-system-note" class="note">"Another system takes every occurrence not started yet; a running one stays where it is."</p>
                {row("series-participants", "participants", "Participants", view! {
                    <TextArea value=kept.value("participants", page.participants.join("\n")) attr:id="series-participants" attr:name="participants" attr:rows="3" attr:aria-invalid=move || invalid("participants") />
                }.into_any())}
                {row("series-passcode", "passcode", "New passcode", view! {
                    <input id="series-passcode" name="passcode" inputmode="numeric" autocomplete="off" aria-invalid=move || invalid("passcode")
                        placeholder=if page.dial_in.passcode.is_some() { "keep the current one" } else { "none" } />
                }.into_any())}
                <label for="series-remove-passcode">"Remove the passcode"</label>
                <input id="series-remove-passcode" name="remove_passcode" type="checkbox" value="1" />
                {row("series-notes", "notes", "Notes", view! {
                    <TextArea value=kept.value("notes", page.notes.clone()) attr:id="series-notes" attr:name="notes" attr:rows="3" attr:aria-invalid=move || invalid("notes") />
                }.into_any())}
                <div class="actions"><button type="submit">"Save the series"</button></div>
            </ActionForm>
            {move || matches!(result.get(), Some(Ok(_))).then(|| view! { <p role="status">{saved}</p> })}
        </details>
    }
}

/// The participants of a running meeting with their call legs' state.
#[component]
fn LiveList(legs: Resource<Result<LiveParticipants, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"Asking the call bridge…"</p> }>
            {move || Suspend::new(async move {
                match legs.await {
                    Ok(LiveParticipants::Call(people)) if people.is_empty() => view! { <p>"Nobody is connected."</p> }.into_any(),
                    Ok(LiveParticipants::Call(people)) => view! {
                        <table class="participants live">
                            <thead><tr><th>"Participant"</th><th>"State"</th></tr></thead>
                            <tbody>
                                {people.into_iter().map(|p| view! {
                                    <tr data-participant=p.address.clone()>
                                        <td>{p.address.clone()}{p.dialled_in.then_some(" (dialled in)")}</td>
                                        <td class=format!("leg-{}", p.state.as_str()) data-leg=p.state.as_str()>{p.state.label().to_string()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Ok(LiveParticipants::NoCall) => view! { <p>"The call is not on the server yet."</p> }.into_any(),
                    Ok(LiveParticipants::Unavailable(why)) => view! { <p class="warning">{format!("Live state unavailable: {why}. Trying again…")}</p> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
