//! The answer to a plain form post, for the page the browser is sent back to.
//!
//! Without JavaScript an `ActionForm` is an ordinary `<form>` posting to its server function.
//! The server (`bridgekeeper::plain_form`) runs the function, keeps its answer and what was typed
//! (secrets left out) in the session as a [`Flash`], and sends the browser back with a 303; the
//! next page takes the flash (once) and renders it: [`form_action`] gives the form's action the
//! answer it would have had with JavaScript, and [`Kept`] fills the form in again after a
//! refusal. With JavaScript the same action gets the same answer from its own request, so a page
//! shows both the same way.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The session key the flash waits under, between the post and the next page.
pub const SESSION_KEY: &str = "plain_form_answer";

/// One plain form post's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The server function's path (`ServerFn::PATH`): which form this answers.
    pub form: String,
    /// What was typed, in order, without the fields that hold secrets ([`is_secret`]).
    pub fields: Vec<(String, String)>,
    /// Whether the function refused (then `answer` is an [`AppError`]).
    pub failed: bool,
    /// The function's answer as its JSON encoding, secrets blanked.
    pub answer: String,
}

/// Fields (and answer keys) never kept: passwords, passcodes, secrets and tokens.
pub fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "secret", "token"].iter().any(|s| name.contains(s))
}

/// The flash of the page being shown, shared with the browser so that the hydrated page is the
/// page the server rendered.
#[derive(Clone)]
struct PageFlash(Option<Flash>);

/// Reads this request's flash (put there by the server) once, for the whole page. Called by `App`.
pub fn provide_flash() {
    let flash = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Flash>().cloned())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<Flash>
        }
    })
    .into_inner();
    provide_context(PageFlash(flash));
}

fn flash_for(path: &str) -> Option<Flash> {
    use_context::<PageFlash>()
        .and_then(|PageFlash(flash)| flash)
        .filter(|flash| flash.form == path)
}

/// The action of a form: [`ServerAction::new`], holding the answer of its plain post if this page
/// follows one.
pub fn form_action<F>() -> ServerAction<F>
where
    F: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    F::Output: DeserializeOwned + Send + Sync + 'static,
{
    let action = ServerAction::<F>::new();
    if let Some(flash) = flash_for(F::PATH) {
        let answer = if flash.failed {
            serde_json::from_str::<AppError>(&flash.answer).map(Err)
        } else {
            serde_json::from_str::<F::Output>(&flash.answer).map(Ok)
        };
        if let Ok(answer) = answer {
            action.value().set(Some(answer));
        }
    }
    action
}

/// What was typed into a form whose plain post was refused: the values to fill it in with again.
/// Empty (every default kept) on any other page view.
#[derive(Clone, Copy)]
pub struct Kept(StoredValue<Option<Vec<(String, String)>>>);

impl Kept {
    /// The fields typed into `F`'s form, if this page follows its refused plain post.
    pub fn of<F: ServerFn>() -> Self {
        let fields = flash_for(F::PATH)
            .filter(|flash| flash.failed)
            .map(|flash| flash.fields);
        Kept(StoredValue::new(fields))
    }

    /// The field's typed value, else `default`.
    pub fn value(&self, name: &str, default: impl Into<String>) -> String {
        self.0
            .with_value(|fields| {
                fields.as_ref().and_then(|fields| {
                    fields
                        .iter()
                        .find(|(field, _)| field == name)
                        .map(|(_, value)| value.clone())
                })
            })
            .unwrap_or_else(|| default.into())
    }

    /// Whether a checkbox was ticked (a form sends only ticked boxes), else `default`.
    pub fn checked(&self, name: &str, default: bool) -> bool {
        self.0.with_value(|fields| match fields {
            Some(fields) => fields.iter().any(|(field, _)| field == name),
            None => default,
        })
    }

    /// Whether `option` was the value chosen in a `<select>`, else `default`.
    pub fn selected(&self, name: &str, option: &str, default: bool) -> bool {
        self.0.with_value(|fields| match fields {
            Some(fields) => fields
                .iter()
                .any(|(field, value)| field == name && value == option),
            None => default,
        })
    }
}
