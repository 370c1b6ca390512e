//! One HTTP request: the control API (`/_sim/...`), or a CMS API request run through the
//! faults, Basic auth, the routes and the request log.

use crate::control;
use crate::faults::{Injected, malform};
use crate::requests::{DROPPED, LoggedRequest, mask_secrets};
use crate::routes::{self, ApiRequest};
use crate::server::Shared;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;
use std::time::Instant;

/// Form bodies larger than this are refused (a real CMS takes far smaller ones).
const MAX_BODY: usize = 1024 * 1024;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// Returned instead of a response to close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the simulator")
    }
}

impl std::error::Error for DropConnection {}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    node: usize,
    epoch: u64,
    req: Request<Incoming>,
) -> Result<HttpResponse, DropConnection> {
    let path = req.uri().path().to_owned();
    if path == "/_sim" || path.starts_with("/_sim/") {
        return Ok(control::handle(&shared, req).await);
    }
    if !shared.nodes[node].serves(epoch) {
        return Err(DropConnection);
    }
    let method = req.method().clone();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let authorized = shared.authorized(req.headers().get(AUTHORIZATION));
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            tracing::debug!(node, %err, "reading the request body");
            let status = StatusCode::PAYLOAD_TOO_LARGE;
            log(&shared, node, &method, &path, &query, &[], status.as_u16());
            return Ok(empty(status));
        }
    };

    let faults = shared.faults.read().clone();
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let injected = faults.roll(&mut rand::thread_rng());
    if injected == Injected::DropConnection {
        log(&shared, node, &method, &path, &query, &body, DROPPED);
        return Err(DropConnection);
    }

    let api_path = path
        .strip_prefix("/api/v1")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'));
    let response = match api_path {
        None => empty(StatusCode::NOT_FOUND),
        Some(_) if faults.wrong_credentials || !authorized => unauthorized(),
        Some(_) if injected == Injected::Busy503 => empty(StatusCode::SERVICE_UNAVAILABLE),
        Some(_) if injected == Injected::Error500 => empty(StatusCode::INTERNAL_SERVER_ERROR),
        Some(api_path) => {
            let now = Instant::now();
            let reply = {
                let mut state = shared.state.lock();
                state.advance(now, faults.bulk_sync);
                routes::dispatch(
                    &mut state,
                    &shared.bridges,
                    &ApiRequest {
                        method: &method,
                        path: api_path,
                        query: &query,
                        body: &body,
                    },
                    now,
                )
            };
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            let xml = reply.xml.map(|xml| {
                let xml = match faults.claimed_total {
                    Some(total) if method == hyper::Method::GET => claim_total(&xml, total),
                    _ => xml,
                };
                if faults.malformed_xml {
                    malform(&xml)
                } else {
                    xml
                }
            });
            build(status, reply.location.as_deref(), xml)
        }
    };
    log(
        &shared,
        node,
        &method,
        &path,
        &query,
        &body,
        response.status().as_u16(),
    );
    Ok(response)
}

/// A list answer with its root's `total="…"` replaced by `total` (other answers unchanged).
fn claim_total(xml: &str, total: u64) -> String {
    let Some(start) = xml.find(" total=\"").map(|at| at + " total=\"".len()) else {
        return xml.to_string();
    };
    let Some(len) = xml[start..].find('"') else {
        return xml.to_string();
    };
    format!("{}{total}{}", &xml[..start], &xml[start + len..])
}

fn log(
    shared: &Shared,
    node: usize,
    method: &hyper::Method,
    path: &str,
    query: &str,
    body: &[u8],
    status: u16,
) {
    let body = mask_secrets(&String::from_utf8_lossy(body));
    tracing::debug!(node, %method, path, query, body, status, "api request");
    shared.log.push(LoggedRequest {
        node,
        method: method.to_string(),
        path: path.to_owned(),
        query: query.to_owned(),
        body,
        status,
    });
}

fn build(status: StatusCode, location: Option<&str>, xml: Option<String>) -> HttpResponse {
    let has_xml = xml.is_some();
    let mut response = Response::new(Full::new(Bytes::from(xml.unwrap_or_default())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(LOCATION, location);
    }
    if has_xml {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    }
    response
}

pub(crate) fn empty(status: StatusCode) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

fn unauthorized() -> HttpResponse {
    let mut response = empty(StatusCode::UNAUTHORIZED);
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"acano\""),
    );
    response
}
