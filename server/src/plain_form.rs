//! Plain form posts (JavaScript off, or not loaded yet): their answer reaches the next page.
//!
//! leptos_axum answers a server function called by a plain `<form>` (its `Accept` names
//! `text/html`; the hydrated client asks for `application/json`) with a redirect back to the
//! `Referer`, the answer dropped and an error only in the URL (`__err=`), which the pages do not
//! read. This layer runs the function, keeps its answer, what was typed (never a password or a
//! passcode) and which form it was in the session as one [`Flash`], and sends the browser on with
//! a 303 to the page the function chose (the form's own page unless it redirected), the URL
//! cleaned. The next page view takes the flash out of the session (once) and hands it to the page
//! render (`app::flash`).

use app::flash::{Flash, SESSION_KEY, is_secret};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

/// The largest form body read (axum's own default body limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// The largest typed value kept to fill a form in again; longer ones are left empty.
const KEPT_VALUE_LIMIT: usize = 16 * 1024;
/// The largest answer kept; a longer one is dropped (the page then shows its defaults).
const ANSWER_LIMIT: usize = 256 * 1024;

/// The layer: see the module documentation.
pub async fn answers(session: Session, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if request.method() == Method::GET && crate::security::is_page(&path) {
        match session.remove::<Flash>(SESSION_KEY).await {
            Ok(Some(flash)) => {
                request.extensions_mut().insert(flash);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "reading a form's answer from the session"),
        }
        return next.run(request).await;
    }
    if request.method() != Method::POST
        || !path.starts_with("/api/")
        || !accepts_html(request.headers())
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response(),
    };
    let fields = kept_fields(&body);
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_string)
    else {
        return response;
    };
    let (target, failed) = clean_target(&location);
    let answer = match to_bytes(response.into_body(), ANSWER_LIMIT).await {
        Ok(answer) => blank_secrets(&answer),
        Err(_) => String::new(),
    };
    let flash = Flash {
        form: path,
        fields,
        failed,
        answer,
    };
    if let Err(e) = session.insert(SESSION_KEY, flash).await {
        tracing::warn!(error = %e, "keeping a form's answer in the session");
    }
    see_other(&target)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The typed fields worth filling in again: no secrets, no huge values.
fn kept_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .filter(|(name, _)| !is_secret(name))
        .map(|(name, value)| {
            let value = if value.len() > KEPT_VALUE_LIMIT {
                String::new()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect()
}

/// The redirect leptos_axum chose, as a local path without the error it put in the query, and
/// whether it carried one (the function refused).
fn clean_target(location: &str) -> (String, bool) {
    // `http://host/path?query` (a Referer) or `/path?query` (a function's own redirect): only
    // the path and query are followed, so the browser stays on this portal.
    let local = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => location,
    };
    let local = local.split('#').next().unwrap_or("/");
    let (path, query) = local.split_once('?').unwrap_or((local, ""));
    let path = if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') {
        path
    } else {
        "/"
    };
    // The query as it was, less leptos_axum's two parameters.
    let mut failed = false;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            failed |= key == "__err";
            !pair.is_empty() && key != "__err" && key != "__path"
        })
        .collect();
    if kept.is_empty() {
        (path.to_string(), failed)
    } else {
        (format!("{path}?{}", kept.join("&")), failed)
    }
}

/// The answer's JSON with every secret-named string replaced by `null` (a passcode said once on
/// a confirmation is not kept).
fn blank_secrets(answer: &[u8]) -> String {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if is_secret(key) && value.is_string() {
                        *value = serde_json::Value::Null;
                    } else {
                        walk(value);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_slice::<serde_json::Value>(answer) {
        Ok(mut value) => {
            walk(&mut value);
            value.to_string()
        }
        Err(_) => String::new(),
    }
}

fn see_other(target: &str) -> Response {
    match HeaderValue::from_str(target) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_local_and_loses_the_error() {
        assert_eq!(
            clean_target(
                "http://portal:3000/booking/new?date=2027-01-04&__path=%2Fapi%2Fx&__err=eyJ9"
            ),
            ("/booking/new?date=2027-01-04".to_string(), true)
        );
        assert_eq!(
            clean_target("/booking/meetings/7"),
            ("/booking/meetings/7".to_string(), false)
        );
        assert_eq!(
            clean_target("http://evil.example"),
            ("/".to_string(), false)
        );
        assert_eq!(clean_target("//evil.example/x"), ("/".to_string(), false));
    }

    #[test]
    fn secrets_are_neither_kept_nor_answered() {
        let fields = kept_fields(&Bytes::from_static(
            b"username=ann&password=hunter2&passcode=4711&title=A",
        ));
        assert_eq!(
            fields,
            vec![
                ("username".into(), "ann".into()),
                ("title".into(), "A".into())
            ]
        );
        assert_eq!(
            blank_secrets(br#"{"dial_in":{"passcode":"4711","has_passcode":true},"title":"A"}"#),
            r#"{"dial_in":{"has_passcode":true,"passcode":null},"title":"A"}"#
        );
    }
}
