//! The API trace: every HTTP exchange, handed to a pluggable sink (the portal stores it for a
//! system's Logs tab). Passcodes, secrets and passwords are replaced by `*****` here, the one
//! place that masks text.

use std::sync::Mutex;
use std::time::Duration;

use crate::address::Endpoint;
use crate::error::Method;
use crate::secret::MASK;

/// Keys whose values never leave the connector (compared case-insensitively).
const SENSITIVE_KEYS: [&str; 3] = ["passcode", "secret", "password"];
/// How much of a response body a trace entry or an error keeps.
const EXCERPT_CHARS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub endpoint: Endpoint,
    pub method: Method,
    /// Path and query, e.g. `/api/v1/coSpaces?offset=0&limit=20`.
    pub path: String,
    /// The form body sent, masked.
    pub request_body: Option<String>,
    /// `None` when no answer came (connection refused, timeout, TLS failure).
    pub status: Option<u16>,
    pub duration: Duration,
    /// The start of the response body, masked.
    pub response_excerpt: String,
    /// Why no answer came, when none did.
    pub error: Option<String>,
}

/// Where trace entries go. Called once per HTTP exchange (retries included); keep it quick.
pub trait TraceSink: Send + Sync {
    fn record(&self, entry: TraceEntry);
}

/// Drops every entry.
#[derive(Debug, Default)]
pub struct NoTrace;

impl TraceSink for NoTrace {
    fn record(&self, _entry: TraceEntry) {}
}

/// Keeps every entry in memory (tests, benchmarks, short-lived tools).
#[derive(Debug, Default)]
pub struct MemoryTrace {
    entries: Mutex<Vec<TraceEntry>>,
}

impl MemoryTrace {
    pub fn entries(&self) -> Vec<TraceEntry> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl TraceSink for MemoryTrace {
    fn record(&self, entry: TraceEntry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(entry);
        }
    }
}

/// The start of a body, decoded as UTF-8 (lossily) and masked.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let masked = mask_secrets(&text);
    match masked.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &masked[..cut]),
        None => masked,
    }
}

/// Replaces the value of every sensitive key by `*****`, in the three shapes CMS traffic has:
/// form pairs `passcode=1234`, elements `<passcode>1234</passcode>`, attributes `secret="x"`.
/// Empty values stay empty (an empty passcode means "cleared", which is no secret).
pub fn mask_secrets(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some((key_start, key)) = next_key(&lower, search) {
        let after = key_start + key.len();
        search = after;
        let boundary = lower[..key_start]
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, '&' | '?' | '<' | ';' | ',') || c.is_whitespace());
        if !boundary {
            continue;
        }
        let rest = &text[after..];
        let (value_start, terminators): (usize, &[char]) = if rest.starts_with("=\"") {
            (after + 2, &['"'])
        } else if rest.starts_with('=') {
            (after + 1, &['&', ' ', '\n', '\r', '\t'])
        } else if rest.starts_with('>') {
            (after + 1, &['<'])
        } else {
            continue;
        };
        let value_len = text[value_start..]
            .find(terminators)
            .unwrap_or(text.len() - value_start);
        if value_len == 0 {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str(MASK);
        copied = value_start + value_len;
        search = copied;
    }
    out.push_str(&text[copied..]);
    out
}

/// The next occurrence of any sensitive key at or after `from`.
fn next_key(lower: &str, from: usize) -> Option<(usize, &'static str)> {
    SENSITIVE_KEYS
        .iter()
        .filter_map(|key| lower[from..].find(key).map(|at| (from + at, *key)))
        .min_by_key(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_masked() {
        assert_eq!(
            mask_secrets("name=Weekly&nonMemberAccess=true&passcode=4711&secret=86db1bdd-5cf7"),
            "name=Weekly&nonMemberAccess=true&passcode=*****&secret=*****"
        );
        assert_eq!(
            mask_secrets("passcode=&regenerateSecret=true&Password=hunter2"),
            "passcode=&regenerateSecret=true&Password=*****"
        );
    }

    #[test]
    fn xml_elements_and_attributes_are_masked() {
        assert_eq!(
            mask_secrets(
                "<coSpace id=\"a\"><passcode>4711</passcode><secret>s3cr3t</secret><name>passcode</name></coSpace>"
            ),
            "<coSpace id=\"a\"><passcode>*****</passcode><secret>*****</secret><name>passcode</name></coSpace>"
        );
        assert_eq!(
            mask_secrets("<x secret=\"abc\" other=\"1\"/>"),
            "<x secret=\"*****\" other=\"1\"/>"
        );
        // Naming the parameter is not revealing it.
        let failure = "<failureDetails><parameterError parameter=\"passcode\" error=\"invalidValue\" /></failureDetails>";
        assert_eq!(mask_secrets(failure), failure);
    }

    #[test]
    fn masking_survives_odd_text() {
        let cases = [
            ("", ""),
            ("passcode", "passcode"),
            ("secret=", "secret="),
            ("<secret>", "<secret>"),
            ("é passcode=ü&", "é passcode=*****&"),
            ("&&&secret=x\u{1F600}y", "&&&secret=*****"),
            ("<passcode>12", "<passcode>*****"),
        ];
        for (text, expected) in cases {
            assert_eq!(mask_secrets(text), expected, "{text:?}");
        }
    }

    #[test]
    fn excerpts_are_bounded_and_masked() {
        let long = format!("<secret>topsecret</secret>{}", "a".repeat(10_000));
        let short = excerpt(long.as_bytes());
        assert!(short.starts_with("<secret>*****</secret>"));
        assert!(short.chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b"\xff<a/>"), "\u{FFFD}<a/>");
    }

    #[test]
    fn masking_never_panics_nor_leaks_a_form_value() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let pieces = [
            "passcode",
            "secret",
            "Password",
            "=",
            "&",
            "<",
            ">",
            "\"",
            "/",
            " ",
            "é",
            "\u{1F600}",
            "4711",
            "x",
        ];
        for _ in 0..20_000 {
            let text: String = (0..rng.gen_range(0..10))
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect();
            let masked = mask_secrets(&text);
            assert!(!masked.contains("&passcode=4711"), "{text:?} -> {masked:?}");
        }
    }
}
