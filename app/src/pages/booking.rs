//! Booking: the calendar, the new-conference form, the conference list and a conference's page,
//! with the server functions they call. Rules live in `domain::bookings`; these stay thin.

mod calendar;
mod conference;
mod form;
mod list;
mod settings;

pub use calendar::BookingPage;
pub use conference::MeetingPage;
pub use form::NewConferencePage;
pub use list::ConferenceListPage;
pub use settings::ConferenceSettingsPage;

#[cfg(feature = "ssr")]
use crate::error::AppError;

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

/// The viewer's zone from a form or query value (UTC when empty or unknown).
#[cfg(feature = "ssr")]
fn zone(tz: &str) -> domain::zone::Zone {
    domain::zone::Zone::parse(tz).unwrap_or_else(|_| domain::zone::Zone::utc())
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
