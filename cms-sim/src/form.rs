//! Form bodies and query strings (`application/x-www-form-urlencoded`), read the liberal way:
//! parameter names in any case, empty pairs (`&&`, a leading `&` as in the trace) skipped, bytes
//! read as UTF-8 whatever the headers say, the last of repeated parameters wins.

use crate::reply::Failure;
use uuid::Uuid;

/// What a PUT asks for one field: leave it (parameter absent), clear it (`param=`), or set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    /// Applies the change to a stored optional field.
    pub(crate) fn apply(self, field: &mut Option<T>) {
        match self {
            Change::Keep => {}
            Change::Clear => *field = None,
            Change::Set(value) => *field = Some(value),
        }
    }

    /// The value a new object gets: unset unless the parameter carried one.
    pub(crate) fn into_option(self) -> Option<T> {
        match self {
            Change::Set(value) => Some(value),
            Change::Keep | Change::Clear => None,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(input: &[u8]) -> Self {
        let pairs = form_urlencoded::parse(input)
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        Params { pairs }
    }

    /// The raw value of a parameter, matched case-insensitively.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// A free text field.
    pub(crate) fn text(&self, name: &str) -> Change<String> {
        match self.get(name) {
            None => Change::Keep,
            Some("") => Change::Clear,
            Some(value) => Change::Set(value.to_owned()),
        }
    }

    /// A field that must be all digits (passcode, call ID).
    pub(crate) fn digits(&self, name: &'static str) -> Result<Change<String>, Failure> {
        match self.text(name) {
            Change::Set(value) if !value.bytes().all(|b| b.is_ascii_digit()) => {
                Err(Failure::invalid(name))
            }
            change => Ok(change),
        }
    }

    /// A URI user part: no domain (`@`), no whitespace.
    pub(crate) fn uri(&self, name: &'static str) -> Result<Change<String>, Failure> {
        match self.text(name) {
            Change::Set(value) if value.contains('@') || value.contains(char::is_whitespace) => {
                Err(Failure::invalid(name))
            }
            change => Ok(change),
        }
    }

    /// A boolean: lower-case `true` or `false`, anything else (including empty) is refused.
    pub(crate) fn boolean(&self, name: &'static str) -> Result<Option<bool>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Failure::invalid(name)),
        }
    }

    /// A non-negative integer.
    pub(crate) fn number(&self, name: &'static str) -> Result<Option<u64>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value
                .parse::<u64>()
                .map(Some)
                .map_err(|_| Failure::invalid(name)),
        }
    }

    /// A signed integer (bulk parameter set indexes).
    pub(crate) fn integer(&self, name: &'static str) -> Result<Option<i64>, Failure> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Failure::invalid(name)),
        }
    }

    /// A reference to another object by id; an id that is not a UUID is an invalid value.
    pub(crate) fn id(&self, name: &'static str) -> Result<Change<Uuid>, Failure> {
        match self.text(name) {
            Change::Keep => Ok(Change::Keep),
            Change::Clear => Ok(Change::Clear),
            Change::Set(value) => Uuid::parse_str(value.trim())
                .map(Change::Set)
                .map_err(|_| Failure::invalid(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_empty_pairs_skipped() {
        let p = Params::parse(b"&nonMemberAccess=true&&cospaceBulkParameterSet=abc");
        assert_eq!(p.get("coSpaceBulkParameterSet"), Some("abc"));
        assert_eq!(p.boolean("nonMemberAccess"), Ok(Some(true)));
    }

    #[test]
    fn empty_clears_absent_keeps() {
        let p = Params::parse(b"passcode=&name=Tim+Kratzke%20Acano");
        assert_eq!(p.digits("passcode"), Ok(Change::Clear));
        assert_eq!(p.text("name"), Change::Set("Tim Kratzke Acano".to_owned()));
        assert_eq!(p.text("uri"), Change::Keep);
    }

    #[test]
    fn refuses_bad_values() {
        let p = Params::parse(b"passcode=12a&nonMemberAccess=TRUE&uri=a@b&limit=-1");
        assert_eq!(p.digits("passcode"), Err(Failure::invalid("passcode")));
        assert_eq!(
            p.boolean("nonMemberAccess"),
            Err(Failure::invalid("nonMemberAccess"))
        );
        assert_eq!(p.uri("uri"), Err(Failure::invalid("uri")));
        assert_eq!(p.number("limit"), Err(Failure::invalid("limit")));
    }
}
