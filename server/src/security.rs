//! Request guards: cross-site request refusal, the sign-in guard for pages, and the health check.

use crate::origins::Origins;
use app::context::AppContext;
use app::navigation::permission_for_path;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::store::Store;
use std::sync::Arc;
use tower_sessions::Session;

/// Refuses any state-changing request whose `Origin` (or, failing that, `Referer`) is not this
/// very portal: the same scheme, host and port as the request's Host, which must be one the
/// portal answers as. Browsers always send `Origin` on POST, so a page on another site can never
/// submit a form or call a server function with a user's cookie; SameSite=Lax cookies are the
/// second wall.
pub async fn refuse_cross_site(
    State(origins): State<Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || same_origin(&request, &origins)
    {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "cross-site request refused"
    );
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused: the request did not come from this portal's own pages.",
    )
        .into_response()
}

/// The request's Host (the header, or the authority of an HTTP/2 request).
fn request_host(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
}

fn same_origin(request: &Request, origins: &Origins) -> bool {
    let Some(host) = request_host(request) else {
        return false;
    };
    let headers = request.headers();
    headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|h| h.to_str().ok())
        .is_some_and(|source| origins.same_origin(host, source))
}

/// Answers 421 to a request for a Host the portal does not answer as (DNS rebinding, a forged
/// Host). The health check answers whatever the Host, for load balancers.
pub async fn check_host(
    State(origins): State<Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(request.uri().path(), "/healthz" | "/readyz")
        || request_host(&request).is_some_and(|host| origins.host_allowed(host))
    {
        return next.run(request).await;
    }
    tracing::warn!(host = ?request_host(&request), "request for an unknown Host refused");
    (
        StatusCode::MISDIRECTED_REQUEST,
        "Unknown Host: this portal does not answer under that name (see --public-url).",
    )
        .into_response()
}

/// Headers on every response: no framing, no content sniffing, no referrer to other sites, and
/// pages and server answers (which hold data) never cached. The Content-Security-Policy is set
/// with the app shell.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let holds_data =
        is_page(path) || path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers
            .entry(name)
            .or_insert(header::HeaderValue::from_static(value));
    }
    if holds_data {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// Paths that are pages (not assets, not server functions, not the health check).
pub(crate) fn is_page(path: &str) -> bool {
    !(path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || matches!(path, "/healthz" | "/readyz")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')))
}

/// Anonymous visitors of any page but the sign-in page go to the sign-in page; signed-in users
/// get 403 on areas their role may not use. Server functions check for themselves.
pub async fn page_guard(
    State(context): State<AppContext>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if request.method() != Method::GET || !is_page(&path) {
        return next.run(request).await;
    }
    let user = match app::auth::resolve_session(&session, &context.users).await {
        Ok(user) => user,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match (user, path.as_str()) {
        (None, "/login") => next.run(request).await,
        (None, _) => {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let query = form_urlencoded_component(target);
            Redirect::to(&format!("/login?next={query}")).into_response()
        }
        (Some(_), "/login") => Redirect::to("/").into_response(),
        (Some(user), _) => match permission_for_path(&path) {
            Some(permission) if !user.role.can(permission) => forbidden_page(),
            _ => next.run(request).await,
        },
    }
}

fn forbidden_page() -> Response {
    let body = Html(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not permitted — \
         Bridgekeeper</title><link rel=\"stylesheet\" href=\"/pkg/bridgekeeper.css\"></head><body>\
         <main id=\"main\"><h1>Not permitted</h1><p>Your role does not give access to this page.</p>\
         <p><a href=\"/\">Back to the start page</a></p></main></body></html>",
    );
    (StatusCode::FORBIDDEN, body).into_response()
}

/// Percent-encodes a path for use as a query value.
fn form_urlencoded_component(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How long `/readyz` waits for the database before answering that it is unreachable.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// `GET /readyz`, for load balancers and operators: 200 with
/// `{"database":"ok","lease":"holder"|"standby","epoch":N}` when the database answers (whether
/// this node holds the engine's lease, and the lease's epoch, 0 before anyone took it); 503 with
/// `"database":"unreachable"` when it does not answer within [`READY_WITHIN`]. It names no node
/// and no secret: the holder's name is on Administrative Tools → Engine.
pub async fn readyz(node: Arc<domain::lease::Node>) -> Response<Body> {
    match tokio::time::timeout(READY_WITHIN, node.engine()).await {
        Ok(Ok(status)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({
                "database": "ok",
                "lease": status.role.as_str(),
                "epoch": status.lease.map_or(0, |l| l.epoch),
            })),
        )
            .into_response(),
        failed => {
            match failed {
                Ok(Err(e)) => tracing::error!(error = %e, "readiness: reading the engine's lease"),
                _ => tracing::error!("readiness: the database did not answer in time"),
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "database": "unreachable", "lease": "unknown" })),
            )
                .into_response()
        }
    }
}

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(store: Arc<dyn Store>) -> Response<Body> {
    match store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_told_from_assets() {
        assert!(is_page("/"));
        assert!(is_page("/admin/users"));
        assert!(!is_page("/pkg/bridgekeeper.wasm"));
        assert!(!is_page("/favicon.ico"));
        assert!(!is_page("/api/login"));
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            form_urlencoded_component("/admin/users?a=b&c"),
            "/admin/users%3Fa%3Db%26c"
        );
    }
}
