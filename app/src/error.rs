//! The error every server function returns: what the user may see, never internals.

use domain::FieldErrors;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Input problems, per form field.
    #[error("Please correct the highlighted fields: {0}")]
    Invalid(FieldErrors),
    /// A refusal the user can act on (wrong credentials, too many attempts, …).
    #[error("{0}")]
    Refused(String),
    #[error("Not found.")]
    NotFound,
    /// Details are logged on the server, never sent to the browser.
    #[error("Something went wrong on the server; the details are in its log.")]
    Internal,
    /// The request could not be read: an argument that does not decode, or one missing.
    #[error("{0}")]
    BadRequest(String),
    /// The request's body is over the server's limit ([`MAX_BODY_BYTES`]).
    #[error("The request is too large: at most 2 MiB is accepted.")]
    TooLarge,
    /// The request itself failed (network, decoding).
    #[error("{0}")]
    Transport(String),
}

/// The largest request body the server reads (axum's default limit, stated where its answer is).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

impl AppError {
    /// The message for one form field, if this error has one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.for_field(name).map(str::to_string),
            _ => None,
        }
    }

    /// A message for the whole form: field errors are shown beside their fields instead.
    pub fn banner(&self) -> Option<String> {
        match self {
            AppError::Invalid(_) => Some("Please correct the highlighted fields.".to_string()),
            other => Some(other.to_string()),
        }
    }

    /// A message for a form whose inputs show the messages of `shown` fields beside them: the
    /// other fields' messages (a rule about the whole meeting, a button without an input) are
    /// said here, each after its field's name.
    pub fn banner_beside(&self, shown: &[&str]) -> Option<String> {
        let AppError::Invalid(errors) = self else {
            return self.banner();
        };
        let mut parts: Vec<String> = Vec::new();
        if errors.0.iter().any(|e| shown.contains(&e.field.as_str())) {
            parts.push("Please correct the highlighted fields.".to_string());
        }
        parts.extend(
            errors
                .0
                .iter()
                .filter(|e| !shown.contains(&e.field.as_str()))
                .map(|e| format!("{}: {}.", field_label(&e.field), e.message)),
        );
        Some(parts.join(" "))
    }

    /// Logs the cause and hides it from the browser.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        AppError::Internal
    }

    #[cfg(feature = "ssr")]
    fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Refused(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets the HTTP status of the server function's response to match the error, except for a
    /// plain (JavaScript-less) form post, which must stay a redirect back to the form.
    #[cfg(feature = "ssr")]
    pub fn with_status(self) -> Self {
        use leptos::prelude::use_context;
        let plain_form = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if !plain_form && let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.status());
        }
        self
    }
}

/// A field's name as a user reads it: `end_time` is "End time".
fn field_label(field: &str) -> String {
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl FromServerFnError for AppError {
    // Decoded from text like the answers (`crate::codec`).
    type Encoder = crate::codec::JsonText;

    /// On the server, an argument that does not decode or a body over the limit is the
    /// request's fault (400, 413), not the server's; anything else is a transport failure.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(detail) => AppError::BadRequest(unreadable(&detail)),
            ServerFnErrorErr::MissingArg(field) => {
                AppError::BadRequest(format!("{} is missing.", field_label(&field)))
            }
            ServerFnErrorErr::Deserialization(detail) if detail.contains("length limit") => {
                AppError::TooLarge
            }
            other => return AppError::Transport(other.to_string()),
        };
        #[cfg(feature = "ssr")]
        let error = error.with_status();
        error
    }
}

/// What a user reads for arguments that do not decode: the field when the decoder names it
/// (``missing field `title` ``), the decoder's words (bounded) otherwise.
fn unreadable(detail: &str) -> String {
    let named = detail
        .split_once("field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field)
        .filter(|field| field.len() <= 40);
    match named {
        Some(field) if detail.contains("missing field") => {
            format!("{} is missing.", field_label(field))
        }
        Some(field) => format!("{} could not be read.", field_label(field)),
        None => {
            let words: String = detail.chars().take(160).collect();
            format!("The form could not be read ({words}).")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_arguments_name_their_field_when_the_decoder_does() {
        assert_eq!(
            unreadable("failed with reason: missing field `end_time`"),
            "End time is missing."
        );
        assert_eq!(
            unreadable("invalid type: found `x` for field `minutes`"),
            "Minutes could not be read."
        );
        let long = unreadable(&"é".repeat(10_000));
        assert!(long.starts_with("The form could not be read") && long.chars().count() < 200);
    }

    #[test]
    fn a_banner_says_what_no_field_shows() {
        let mut errors = FieldErrors::single("title", "is required");
        errors.add(
            "end_time",
            "the system has no free placeholder for that time",
        );
        let error = AppError::Invalid(errors);
        assert_eq!(
            error.banner_beside(&["title"]).unwrap(),
            "Please correct the highlighted fields. \
             End time: the system has no free placeholder for that time."
        );
        assert_eq!(
            error.banner_beside(&["title", "end_time"]).unwrap(),
            "Please correct the highlighted fields."
        );
        assert_eq!(AppError::NotFound.banner_beside(&[]).unwrap(), "Not found.");
    }
}
