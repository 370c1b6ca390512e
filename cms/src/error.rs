//! What can go wrong talking to CMS, as types. Every error says which request failed
//! (method and path, with query) and on which endpoint.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::address::Endpoint;
use crate::model::FailureDetails;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// Whether sending it twice does no more than sending it once (so a lost answer may be
    /// retried). POST creates a new object every time.
    pub(crate) fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }

    pub(crate) fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {path} on {endpoint}: {kind}")]
pub struct CmsError {
    pub method: Method,
    pub path: String,
    /// Shared, to keep errors small on the happy path's `Result`s.
    pub endpoint: Arc<Endpoint>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error("unauthorised (401): check the username and password")]
    Unauthorized,
    #[error("not found (404){}", failure.as_ref().map(|f| format!(": {f}")).unwrap_or_default())]
    NotFound { failure: Option<String> },
    #[error("CMS refused the request: {0}")]
    Failure(FailureDetails),
    #[error("server busy (503) after {attempts} attempts")]
    Busy { attempts: u32 },
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    #[error("TLS failure: {0}")]
    Tls(String),
    /// A collection larger than [`crate::client::MAX_LIST_ITEMS`] (as its `total` says, or as
    /// its pages turn out).
    #[error("the server reported {reported} items; at most {limit} are read")]
    TooManyItems { reported: u64, limit: u64 },
    /// A collection whose pages did not end within the page or time bound.
    #[error(
        "the list did not end after {pages} pages in {elapsed:?}; at most {max_pages} pages within {deadline:?} are read"
    )]
    EndlessList {
        pages: u32,
        elapsed: Duration,
        max_pages: u32,
        deadline: Duration,
    },
    #[error("unexpected response (HTTP {status}): {reason}; body: {excerpt:?}")]
    UnexpectedResponse {
        status: u16,
        reason: String,
        excerpt: String,
    },
}

impl fmt::Display for FailureDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureDetails::Named(name) => f.write_str(name),
            FailureDetails::ParameterError { parameter, error } => {
                write!(f, "parameterError: {parameter} is {error}")
            }
        }
    }
}

impl CmsError {
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound { .. })
    }

    /// The CMS failure name (`duplicateCoSpaceUri`, `callDoesNotExist`, …), if CMS gave one.
    pub fn failure_name(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::NotFound { failure } => failure.as_deref(),
            ErrorKind::Failure(details) => Some(details.name()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("HTTP client: {0}")]
    Client(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_request_and_the_failure() {
        let err = CmsError {
            method: Method::Put,
            path: "/api/v1/coSpaces/abc".into(),
            endpoint: Arc::new(Endpoint::parse("10.0.0.5:445").unwrap()),
            kind: ErrorKind::Failure(FailureDetails::ParameterError {
                parameter: "passcode".into(),
                error: "invalidValue".into(),
            }),
        };
        assert_eq!(
            err.to_string(),
            "PUT /api/v1/coSpaces/abc on https://10.0.0.5:445: CMS refused the request: \
             parameterError: passcode is invalidValue"
        );
        assert_eq!(err.failure_name(), Some("parameterError"));
        let gone = CmsError {
            kind: ErrorKind::NotFound {
                failure: Some("callDoesNotExist".into()),
            },
            ..err
        };
        assert!(gone.is_not_found());
        assert!(
            gone.to_string()
                .ends_with("not found (404): callDoesNotExist")
        );
    }
}
