//! The HTTP side: one reqwest client per system, Basic auth on every request, a per-request
//! timeout, a bounded number of requests in flight per endpoint, 503 retried with jittered
//! backoff, failover along the configured endpoints, and every exchange traced.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use tokio::sync::Semaphore;

use crate::address::Endpoint;
use crate::config::{ConnectorConfig, RetryPolicy, Target};
use crate::error::{CmsError, ConfigError, ErrorKind, Method};
use crate::form::Form;
use crate::ids::InvalidId;
use crate::model::{self, Decode, Listed, Page};
use crate::tls;
use crate::trace::{self, TraceEntry, TraceSink};
use crate::xml;

/// Bodies larger than this are not CMS answers.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The most items one whole-collection listing reads (twice the most placeholder spaces a
/// system may have), whatever `total` the server reports.
pub const MAX_LIST_ITEMS: u64 = 20_000;
/// The most pages one whole-collection listing requests.
pub const MAX_LIST_PAGES: u32 = 2_000;
/// How long one whole-collection listing may take, all its pages together.
pub const LIST_DEADLINE: Duration = Duration::from_secs(60);

/// A connection to one Cisco Meeting Server (through its primary address and alternates).
/// Cheap to clone; clones share connections, limits and health.
#[derive(Clone)]
pub struct Connector {
    shared: Arc<Shared>,
    /// When set, requests go to this node only (see [`Connector::pinned_to`]).
    pinned: Option<usize>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |node: &Node| node.target.endpoint.to_string();
        f.debug_struct("Connector")
            .field(
                "endpoints",
                &self.shared.nodes.iter().map(shown).collect::<Vec<_>>(),
            )
            .field(
                "pinned",
                &self.pinned.map(|index| shown(&self.shared.nodes[index])),
            )
            .finish()
    }
}

struct Shared {
    http: reqwest::Client,
    nodes: Vec<Node>,
    retry: RetryPolicy,
    timeout: Duration,
    cooldown: Duration,
    sink: Arc<dyn TraceSink>,
    last_used: Mutex<Option<usize>>,
}

struct Node {
    target: Target,
    permits: Semaphore,
    down_until: Mutex<Option<Instant>>,
}

impl Node {
    fn is_down(&self, now: Instant) -> bool {
        self.down_until
            .lock()
            .map(|until| until.is_some_and(|until| until > now))
            .unwrap_or(false)
    }

    fn set_down_until(&self, until: Option<Instant>) {
        if let Ok(mut down) = self.down_until.lock() {
            *down = until;
        }
    }
}

/// One API request: method, path with query, optional form body.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    method: Method,
    path: String,
    form: Option<Form>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            form: None,
        }
    }

    pub fn delete(path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method: Method::Delete,
            path: path.into(),
            form: None,
        }
    }

    pub fn post(path: impl Into<String>, form: Form) -> ApiRequest {
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            form: Some(form),
        }
    }

    pub fn put(path: impl Into<String>, form: Form) -> ApiRequest {
        ApiRequest {
            method: Method::Put,
            path: path.into(),
            form: Some(form),
        }
    }
}

/// A `200` answer, with what is needed to read it or to say what was wrong with it.
#[derive(Debug)]
pub(crate) struct Reply {
    method: Method,
    path: String,
    pub endpoint: Endpoint,
    content_type: Option<String>,
    location: Option<String>,
    body: Vec<u8>,
}

impl Reply {
    fn unexpected(&self, reason: String) -> CmsError {
        CmsError {
            method: self.method,
            path: self.path.clone(),
            endpoint: Arc::new(self.endpoint.clone()),
            kind: ErrorKind::UnexpectedResponse {
                status: 200,
                reason,
                excerpt: trace::excerpt(&self.body),
            },
        }
    }

    fn root(&self) -> Result<xml::Element, CmsError> {
        if let Some(content_type) = &self.content_type
            && !content_type.to_ascii_lowercase().contains("xml")
        {
            return Err(self.unexpected(format!("content type {content_type}, expected XML")));
        }
        xml::parse(&self.body).map_err(|err| self.unexpected(format!("unreadable XML: {err}")))
    }

    pub fn decode<T: Decode>(&self) -> Result<T, CmsError> {
        model::decode_root(&self.root()?).map_err(|reason| self.unexpected(reason))
    }

    pub fn page<T: Listed>(&self) -> Result<Page<T>, CmsError> {
        model::decode_page(&self.root()?).map_err(|reason| self.unexpected(reason))
    }

    /// The id of the object a POST created: the last segment of `Location`.
    pub fn created<I: FromStr<Err = InvalidId>>(&self) -> Result<I, CmsError> {
        let location = self
            .location
            .as_deref()
            .ok_or_else(|| self.unexpected("no Location header after a create".into()))?;
        let segment = location
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        segment
            .parse()
            .map_err(|err: InvalidId| self.unexpected(format!("Location {location:?}: {err}")))
    }
}

impl Connector {
    pub fn new(
        config: ConnectorConfig,
        sink: Arc<dyn TraceSink>,
    ) -> Result<Connector, ConfigError> {
        let builder = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout.min(config.request_timeout))
            .pool_max_idle_per_host(config.max_in_flight.get())
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .user_agent(concat!("Bridgekeeper/", env!("CARGO_PKG_VERSION")));
        let builder =
            match tls::client_config(&config.tls).map_err(|e| ConfigError::Tls(e.to_string()))? {
                Some(rustls_config) => builder.use_preconfigured_tls(rustls_config),
                None => builder.use_rustls_tls(),
            };
        let http = builder
            .build()
            .map_err(|err| ConfigError::Client(err.to_string()))?;
        let nodes = config
            .targets()
            .map(|target| Node {
                target: target.clone(),
                permits: Semaphore::new(config.max_in_flight.get()),
                down_until: Mutex::new(None),
            })
            .collect();
        Ok(Connector {
            shared: Arc::new(Shared {
                http,
                nodes,
                retry: config.retry,
                timeout: config.request_timeout,
                cooldown: config.failover_cooldown,
                sink,
                last_used: Mutex::new(None),
            }),
            pinned: None,
        })
    }

    /// The configured endpoints, primary first.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.shared
            .nodes
            .iter()
            .map(|node| node.target.endpoint.clone())
            .collect()
    }

    /// The endpoint that answered the latest request.
    pub fn last_used_endpoint(&self) -> Option<Endpoint> {
        let index = (*self.shared.last_used.lock().ok()?)?;
        Some(self.shared.nodes.get(index)?.target.endpoint.clone())
    }

    /// A connector that sends every request to `endpoint` only, without failover: a call lives
    /// on the call bridge that created it, so its later steps must go there.
    pub fn pinned_to(&self, endpoint: &Endpoint) -> Option<Connector> {
        let index = self
            .shared
            .nodes
            .iter()
            .position(|node| &node.target.endpoint == endpoint)?;
        Some(Connector {
            shared: Arc::clone(&self.shared),
            pinned: Some(index),
        })
    }

    /// The error of a listing of `path` stopped at a bound (on the endpoint last used).
    fn list_error(&self, path: &str, kind: ErrorKind) -> CmsError {
        let index = self
            .pinned
            .or_else(|| *self.shared.last_used.lock().ok()?)
            .unwrap_or(0);
        self.shared
            .error(index, &ApiRequest::get(path.to_string()), kind)
    }

    /// Sends a request to the first reachable endpoint and returns its `200` answer.
    pub(crate) async fn execute(&self, request: ApiRequest) -> Result<Reply, CmsError> {
        let (first, rest) = self.route();
        let mut result = self.execute_and_note_health(first, &request).await;
        for index in rest {
            if !matches!(&result, Err(err) if matches!(err.kind, ErrorKind::Unreachable(_))) {
                break;
            }
            result = self.execute_and_note_health(index, &request).await;
        }
        result
    }

    /// The nodes to try, in order: the pinned one, or healthy ones in configured order and
    /// then those recently found unreachable (better a slow try than none).
    fn route(&self) -> (usize, Vec<usize>) {
        if let Some(index) = self.pinned {
            return (index, Vec::new());
        }
        let now = Instant::now();
        let (up, down): (Vec<usize>, Vec<usize>) =
            (0..self.shared.nodes.len()).partition(|&index| !self.shared.nodes[index].is_down(now));
        let mut order = up.into_iter().chain(down);
        // A config always has a primary, so there is a first node.
        (order.next().unwrap_or(0), order.collect())
    }

    /// Sends to one node, then marks it down (for the cooldown) if it could not be reached,
    /// or up and last used if it answered.
    async fn execute_and_note_health(
        &self,
        index: usize,
        request: &ApiRequest,
    ) -> Result<Reply, CmsError> {
        let result = self.execute_on(index, request).await;
        let node = &self.shared.nodes[index];
        if matches!(&result, Err(err) if matches!(err.kind, ErrorKind::Unreachable(_))) {
            node.set_down_until(Some(Instant::now() + self.shared.cooldown));
            tracing::warn!(endpoint = %node.target.endpoint, "CMS endpoint unreachable");
        } else {
            node.set_down_until(None);
            if let Ok(mut last) = self.shared.last_used.lock() {
                *last = Some(index);
            }
        }
        result
    }

    async fn execute_on(&self, index: usize, request: &ApiRequest) -> Result<Reply, CmsError> {
        let retry = &self.shared.retry;
        let mut attempt = 1;
        loop {
            let result = {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = self.shared.nodes[index].permits.acquire().await.ok();
                self.shared.exchange(index, request).await
            };
            let retryable = match &result {
                Err(err) => match err.kind {
                    ErrorKind::Busy { .. } => true,
                    ErrorKind::ConnectionLost(_) => request.method.is_idempotent(),
                    _ => false,
                },
                Ok(_) => false,
            };
            if !retryable || attempt >= retry.max_attempts.max(1) {
                return result.map_err(|mut err| {
                    if let ErrorKind::Busy { attempts } = &mut err.kind {
                        *attempts = attempt;
                    }
                    err
                });
            }
            tokio::time::sleep(retry.delay(attempt)).await;
            attempt += 1;
        }
    }

    /// Lists one page of a collection.
    pub(crate) async fn page<T: Listed>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Page<T>, CmsError> {
        self.execute(ApiRequest::get(with_query(path, query)))
            .await?
            .page()
    }

    /// Lists a whole collection (see [`Connector::all_with_endpoint`]).
    pub(crate) async fn all<T: Listed>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, CmsError> {
        Ok(self.all_with_endpoint(path, query).await?.0)
    }

    /// Lists a whole collection, page after page: each page asks for what follows the items
    /// received so far (whatever cap the server applies), until `total` is reached or a page
    /// comes back empty or with nothing new. Items are de-duplicated by id, as the list may
    /// shift meanwhile. Bounded whatever the server says: a `total` or a list over
    /// [`MAX_LIST_ITEMS`], more than [`MAX_LIST_PAGES`] pages or longer than
    /// [`LIST_DEADLINE`] end the listing with an error naming the bound.
    /// Also says which endpoint answered the last page.
    pub(crate) async fn all_with_endpoint<T: Listed>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Vec<T>, Endpoint), CmsError> {
        let mut items: Vec<T> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut offset: u64 = 0;
        let started = tokio::time::Instant::now();
        let mut pages: u32 = 0;
        loop {
            let elapsed = started.elapsed();
            if pages >= MAX_LIST_PAGES || elapsed >= LIST_DEADLINE {
                return Err(self.list_error(
                    path,
                    ErrorKind::EndlessList {
                        pages,
                        elapsed,
                        max_pages: MAX_LIST_PAGES,
                        deadline: LIST_DEADLINE,
                    },
                ));
            }
            pages += 1;
            let mut page_query = query.to_vec();
            page_query.push(("offset", offset.to_string()));
            let reply = self
                .execute(ApiRequest::get(with_query(path, &page_query)))
                .await?;
            let page: Page<T> = reply.page()?;
            let received = page.items.len() as u64;
            if page.total > MAX_LIST_ITEMS || offset.saturating_add(received) > MAX_LIST_ITEMS {
                return Err(self.list_error(
                    path,
                    ErrorKind::TooManyItems {
                        reported: page.total.max(offset.saturating_add(received)),
                        limit: MAX_LIST_ITEMS,
                    },
                ));
            }
            offset += received;
            let before = items.len();
            for item in page.items {
                if seen.insert(item.key().to_owned()) {
                    items.push(item);
                }
            }
            // A page of nothing new means a server that ignores `offset`: stop rather than loop.
            if received == 0 || items.len() == before || offset >= page.total {
                return Ok((items, reply.endpoint));
            }
        }
    }
}

impl Shared {
    fn error(&self, index: usize, request: &ApiRequest, kind: ErrorKind) -> CmsError {
        CmsError {
            method: request.method,
            path: request.path.clone(),
            endpoint: Arc::new(self.nodes[index].target.endpoint.clone()),
            kind,
        }
    }

    /// One HTTP exchange, traced, with its status turned into a typed outcome.
    async fn exchange(&self, index: usize, request: &ApiRequest) -> Result<Reply, CmsError> {
        let target = &self.nodes[index].target;
        let body = request.form.as_ref().map(Form::encode);
        let mut builder = self
            .http
            .request(
                request.method.as_reqwest(),
                target.endpoint.url(&request.path),
            )
            .basic_auth(
                &target.credentials.username,
                Some(target.credentials.password.expose()),
            )
            .header(ACCEPT, "application/xml, text/xml;q=0.9, */*;q=0.1");
        if let Some(body) = &body {
            builder = builder
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone());
        }
        let started = Instant::now();
        let answer = send(builder).await;
        let mut entry = TraceEntry {
            endpoint: target.endpoint.clone(),
            method: request.method,
            path: request.path.clone(),
            request_body: body.as_deref().map(trace::mask_secrets),
            status: None,
            duration: started.elapsed(),
            response_excerpt: String::new(),
            error: None,
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                let kind = transport_error(&err, self.timeout);
                entry.error = Some(kind.to_string());
                self.sink.record(entry);
                return Err(self.error(index, request, kind));
            }
        };
        entry.status = Some(answer.status);
        entry.response_excerpt = trace::excerpt(&answer.body);
        self.sink.record(entry);

        let kind = match answer.status {
            200 => {
                return Ok(Reply {
                    method: request.method,
                    path: request.path.clone(),
                    endpoint: target.endpoint.clone(),
                    content_type: answer.content_type,
                    location: answer.location,
                    body: answer.body,
                });
            }
            401 => ErrorKind::Unauthorized,
            503 => ErrorKind::Busy { attempts: 1 },
            404 => ErrorKind::NotFound {
                failure: failure_details(&answer.body).map(|details| details.name().to_owned()),
            },
            status => match failure_details(&answer.body) {
                Some(details) if (400..500).contains(&status) => ErrorKind::Failure(details),
                _ => ErrorKind::UnexpectedResponse {
                    status,
                    reason: "unexpected HTTP status".into(),
                    excerpt: trace::excerpt(&answer.body),
                },
            },
        };
        Err(self.error(index, request, kind))
    }
}

struct Answer {
    status: u16,
    content_type: Option<String>,
    location: Option<String>,
    body: Vec<u8>,
}

async fn send(builder: reqwest::RequestBuilder) -> Result<Answer, TransportError> {
    let mut response = builder.send().await.map_err(TransportError::Http)?;
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    let status = response.status().as_u16();
    let content_type = header(CONTENT_TYPE);
    let location = header(LOCATION);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(TransportError::Http)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        content_type,
        location,
        body,
    })
}

enum TransportError {
    Http(reqwest::Error),
    TooLarge,
}

fn failure_details(body: &[u8]) -> Option<model::FailureDetails> {
    model::decode_failure(&xml::parse(body).ok()?)
}

fn transport_error(err: &TransportError, timeout: Duration) -> ErrorKind {
    let err = match err {
        TransportError::TooLarge => {
            return ErrorKind::UnexpectedResponse {
                status: 200,
                reason: format!("body larger than {MAX_BODY_BYTES} bytes"),
                excerpt: String::new(),
            };
        }
        TransportError::Http(err) => err,
    };
    let detail = error_chain(err);
    if is_tls_error(err) {
        ErrorKind::Tls(detail)
    } else if err.is_connect() {
        ErrorKind::Unreachable(detail)
    } else if err.is_timeout() {
        ErrorKind::Timeout(timeout)
    } else {
        ErrorKind::ConnectionLost(detail)
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn is_tls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if error.is::<rustls::Error>() {
            return true;
        }
        // An `io::Error` hides what it wraps from `source()`; look inside it instead.
        current = match error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => error.source(),
        };
    }
    false
}

/// `path?key=value&…`, values percent-encoded.
pub(crate) fn with_query(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in query {
        serializer.append_pair(key, value);
    }
    format!("{path}?{}", serializer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CallId;
    use crate::model::SystemStatus;

    #[test]
    fn queries_are_encoded() {
        assert_eq!(with_query("/api/v1/coSpaces", &[]), "/api/v1/coSpaces");
        assert_eq!(
            with_query(
                "/api/v1/coSpaces",
                &[
                    ("filter", "TMS_Scheduled & co".into()),
                    ("offset", "20".into())
                ]
            ),
            "/api/v1/coSpaces?filter=TMS_Scheduled+%26+co&offset=20"
        );
    }

    fn reply(content_type: Option<&str>, location: Option<&str>, body: &str) -> Reply {
        Reply {
            method: Method::Post,
            path: "/api/v1/calls".into(),
            endpoint: Endpoint::parse("10.0.0.5").unwrap(),
            content_type: content_type.map(Into::into),
            location: location.map(Into::into),
            body: body.as_bytes().to_vec(),
        }
    }

    fn reason(err: CmsError) -> String {
        match err.kind {
            ErrorKind::UnexpectedResponse {
                status: 200,
                reason,
                ..
            } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn created_ids_come_from_the_location_header() {
        let id = "ce5ee392-7be6-4227-a7ee-b4f16a5fdd16";
        for location in [
            format!("/api/v1/calls/{id}"),
            format!("/api/v1/calls/{id}/"),
            format!("https://10.0.0.5:445/api/v1/calls/{id}"),
        ] {
            let created: CallId = reply(None, Some(&location), "").created().unwrap();
            assert_eq!(created.as_str(), id);
        }
        assert!(
            reason(reply(None, None, "").created::<CallId>().unwrap_err()).contains("Location")
        );
        let bad = reply(None, Some("/api/v1/calls/a%20b"), "").created::<CallId>();
        assert!(reason(bad.unwrap_err()).contains("a%20b"));
    }

    #[test]
    fn wrong_content_type_and_unreadable_xml_are_unexpected() {
        let html = reply(Some("text/html; charset=utf-8"), None, "<html>login</html>");
        let err = html.decode::<SystemStatus>().unwrap_err();
        assert!(
            matches!(&err.kind, ErrorKind::UnexpectedResponse { excerpt, .. } if excerpt == "<html>login</html>")
        );
        assert!(reason(err).contains("text/html"));
        let cut = reply(
            Some("application/xml"),
            None,
            "<status><softwareVersion>2.0",
        );
        assert!(reason(cut.decode::<SystemStatus>().unwrap_err()).contains("unreadable XML"));
        let wrong_root = reply(None, None, "<calls total=\"0\"/>");
        assert!(
            reason(wrong_root.decode::<SystemStatus>().unwrap_err()).contains("expected <status>")
        );
        let fine = reply(
            Some("text/xml"),
            None,
            "<status><softwareVersion>3.8</softwareVersion></status>",
        );
        assert_eq!(
            fine.decode::<SystemStatus>().unwrap().software_version,
            "3.8"
        );
    }
}
