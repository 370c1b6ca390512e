//! The request log: every `/api/v1` request in order (method, path, query, form body, status),
//! readable through the library and the control API. Passcodes, secrets and passwords are
//! written `*****`, as CMS writes them in its own API trace; an empty value (`passcode=`,
//! clearing it) stays visible.

use parking_lot::Mutex;
use serde::Serialize;
use std::collections::VecDeque;

/// The status logged for a request whose connection was dropped on purpose.
pub const DROPPED: u16 = 0;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// The call bridge (node index) that received it.
    pub node: usize,
    pub method: String,
    pub path: String,
    pub query: String,
    /// The form body with secrets masked.
    pub body: String,
    /// The status answered; `0` when the connection was dropped by a fault.
    pub status: u16,
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    limit: usize,
}

impl RequestLog {
    pub(crate) fn new(limit: usize) -> Self {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
            limit: limit.max(1),
        }
    }

    pub(crate) fn push(&self, entry: LoggedRequest) {
        let mut entries = self.entries.lock();
        if entries.len() >= self.limit {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn all(&self) -> Vec<LoggedRequest> {
        self.entries.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.entries.lock().clear();
    }
}

const SECRET_PARAMETERS: [&str; 3] = ["passcode", "secret", "password"];

/// Masks the values of secret parameters in a form body, leaving the rest byte for byte.
pub(crate) fn mask_secrets(body: &str) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value))
                if !value.is_empty()
                    && SECRET_PARAMETERS
                        .iter()
                        .any(|s| name.trim().eq_ignore_ascii_case(s)) =>
            {
                format!("{name}=*****")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_but_shows_clearing() {
        assert_eq!(
            mask_secrets("nonMemberAccess=true&passcode=1234&name=Tim&Secret=abc&passcode="),
            "nonMemberAccess=true&passcode=*****&name=Tim&Secret=*****&passcode="
        );
    }

    #[test]
    fn the_log_keeps_the_newest_entries() {
        let log = RequestLog::new(2);
        for status in [200, 201, 202] {
            log.push(LoggedRequest {
                node: 0,
                method: "GET".into(),
                path: "/api/v1/coSpaces".into(),
                query: String::new(),
                body: String::new(),
                status,
            });
        }
        let statuses: Vec<u16> = log.all().iter().map(|e| e.status).collect();
        assert_eq!(statuses, vec![201, 202]);
    }
}
