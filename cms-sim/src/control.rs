//! The control API, under `/_sim/` on every node (never under `/api/v1`, no CMS auth), JSON;
//! its routes are listed in the crate documentation.

use crate::faults::Faults;
use crate::server::{self, Shared};
use crate::service::{HttpResponse, empty};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MAX_BODY: usize = 64 * 1024;

#[derive(Debug, Serialize)]
struct NodeView<'a> {
    node: usize,
    url: &'a str,
    up: bool,
}

#[derive(Debug, Deserialize)]
struct NodeChange {
    up: bool,
    /// With `up: false`: bring the node back after this many milliseconds.
    #[serde(default)]
    for_ms: Option<u64>,
}

pub(crate) async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> HttpResponse {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => return error(StatusCode::PAYLOAD_TOO_LARGE, &err.to_string()),
    };
    let route = path.strip_prefix("/_sim").unwrap_or_default();
    match (&method, route) {
        (&Method::GET, "/faults") => json(&*shared.faults.read()),
        (&Method::PUT, "/faults") => match serde_json::from_slice::<Faults>(&body) {
            Ok(faults) => match faults.validate() {
                Ok(()) => {
                    *shared.faults.write() = faults.clone();
                    json(&faults)
                }
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            },
            Err(err) => error(StatusCode::BAD_REQUEST, &format!("faults JSON: {err}")),
        },
        (&Method::GET, "/nodes") => json(&nodes(shared)),
        (&Method::PUT, route) if route.starts_with("/nodes/") => {
            let Ok(index) = route["/nodes/".len()..].parse::<usize>() else {
                return error(StatusCode::NOT_FOUND, "no such node");
            };
            if index >= shared.nodes.len() {
                return error(StatusCode::NOT_FOUND, "no such node");
            }
            let change = match serde_json::from_slice::<NodeChange>(&body) {
                Ok(change) => change,
                Err(err) => return error(StatusCode::BAD_REQUEST, &format!("node JSON: {err}")),
            };
            match set_node(shared, index, &change) {
                Ok(()) => json(&nodes(shared)[index]),
                Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{err:#}")),
            }
        }
        (&Method::GET, "/requests") => json(&shared.log.all()),
        (&Method::DELETE, "/requests") => {
            shared.log.clear();
            empty(StatusCode::NO_CONTENT)
        }
        (&Method::GET, "/state") => {
            let snapshot = {
                let mut state = shared.state.lock();
                state.advance(Instant::now(), shared.faults.read().bulk_sync);
                state.snapshot()
            };
            json(&snapshot)
        }
        _ => error(StatusCode::NOT_FOUND, "no such control route"),
    }
}

fn nodes(shared: &Shared) -> Vec<NodeView<'_>> {
    shared
        .nodes
        .iter()
        .enumerate()
        .map(|(node, n)| NodeView {
            node,
            url: &n.url,
            up: n.is_up(),
        })
        .collect()
}

fn set_node(shared: &Arc<Shared>, index: usize, change: &NodeChange) -> anyhow::Result<()> {
    if change.up {
        return server::bring_up(shared, index);
    }
    server::take_down(shared, index)?;
    if let Some(ms) = change.for_ms {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            if let Err(err) = server::bring_up(&shared, index) {
                tracing::error!(node = index, "bringing the node back up: {err:#}");
            }
        });
    }
    Ok(())
}

fn json(value: &impl Serialize) -> HttpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = Response::new(Full::new(Bytes::from(body)));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, &err.to_string()),
    }
}

fn error(status: StatusCode, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
