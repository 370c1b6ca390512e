//! Booking: the calendar, the new-conference form, the conference list and a conference's page,
//! with the server functions they call. Rules live in `domain::bookings`; these stay thin.

mod audit;
mod calendar;
mod conference;
mod form;
mod list;
mod settings;

pub use audit::AuditLogPage;
pub use calendar::BookingPage;
pub use conference::MeetingPage;
pub use form::NewConferencePage;
pub use list::ConferenceListPage;
pub use settings::ConferenceSettingsPage;

#[cfg(feature = "ssr")]
use crate::error::AppError;
use leptos::prelude::*;

/// Zones offered by the time zone choosers (any IANA name is accepted).
pub const ZONES: [&str; 14] = [
    "UTC",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[cfg(feature = "ssr")]
fn booking_error(e: domain::bookings::BookingError) -> AppError {
    use domain::bookings::BookingError;
    match e {
        BookingError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        BookingError::NotFound => AppError::NotFound.with_status(),
        BookingError::Forbidden(why) => {
            tracing::warn!(why, "booking refused");
            AppError::Forbidden.with_status()
        }
        BookingError::Internal(cause) => AppError::internal("booking", cause),
    }
}

#[cfg(feature = "ssr")]
fn actor(user: &domain::UserSummary) -> domain::bookings::Actor {
    domain::bookings::Actor {
        id: user.id,
        name: user.username.to_string(),
        role: user.role,
    }
}

/// The options of a time zone chooser: the usual zones, and `selected` as well when it is
/// another one (the browser's own zone, say), so the chooser always shows the zone in use.
#[component]
fn ZoneOptions(selected: String) -> impl IntoView {
    let other = (!ZONES.contains(&selected.as_str())).then(
        || view! { <option value=selected.clone() selected=true>{selected.clone()}</option> },
    );
    let usual = ZONES
        .iter()
        .map(|z| view! { <option value=*z selected=*z == selected>{*z}</option> })
        .collect_view();
    view! { {other}{usual} }
}

/// A zone name in a query string: IANA names are letters, digits and `/_-+`, and only `+`
/// (`Etc/GMT+5`) would be misread, as a space.
fn query_value(zone: &str) -> String {
    zone.replace('+', "%2B")
}

/// The viewer's zone: the one chosen (a form or query value), else the browser's (the cookie the
/// shell's script keeps it in), else UTC. Neither value is trusted: each must name a known zone.
#[cfg(feature = "ssr")]
fn zone(tz: &str) -> domain::zone::Zone {
    use domain::zone::Zone;
    Zone::parse(tz)
        .ok()
        .or_else(|| browser_zone().and_then(|name| Zone::parse(&name).ok()))
        .unwrap_or_else(Zone::utc)
}

/// The browser's zone as the request being served carries it, if it does.
#[cfg(feature = "ssr")]
fn browser_zone() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == crate::shell::ZONE_COOKIE).then(|| value.to_string())
        })
}

/// `Name` of each system, for choosers and filters.
#[cfg(feature = "ssr")]
async fn system_names() -> Result<Vec<(i64, String)>, AppError> {
    Ok(crate::auth::context()?
        .systems
        .list()
        .await
        .map_err(|e| AppError::internal("listing systems", e))?
        .into_iter()
        .map(|s| (s.id.0, s.display_name()))
        .collect())
}

/// `Name` of each user who owns a booking, for the owner filters.
#[cfg(feature = "ssr")]
async fn owner_names() -> Result<Vec<(i64, String)>, AppError> {
    Ok(crate::auth::context()?
        .bookings
        .owners()
        .await
        .map_err(booking_error)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect())
}

/// The owner a filter asks for: the viewer with "only mine", else the one chosen, if any.
#[cfg(feature = "ssr")]
fn owner_filter(viewer: &domain::UserSummary, mine: bool, owner: &str) -> Option<domain::UserId> {
    if mine {
        Some(viewer.id)
    } else {
        owner.parse().ok().map(domain::UserId)
    }
}

/// The options of an owner chooser: anyone, then each owner by name.
#[component]
fn OwnerOptions(owners: Vec<(i64, String)>, selected: Option<i64>) -> impl IntoView {
    view! {
        <option value="">"Anyone"</option>
        {owners.into_iter().map(|(id, name)| view! {
            <option value=id selected=selected == Some(id)>{name}</option>
        }).collect_view()}
    }
}

/// The options of a system chooser: all systems, then each by name.
#[component]
fn SystemOptions(systems: Vec<(i64, String)>, selected: Option<i64>) -> impl IntoView {
    view! {
        <option value="">"All systems"</option>
        {systems.into_iter().map(|(id, name)| view! {
            <option value=id selected=selected == Some(id)>{name}</option>
        }).collect_view()}
    }
}
