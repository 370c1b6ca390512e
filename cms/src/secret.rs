//! Values that must never be shown: passcodes, space secrets, passwords.
//! Their `Debug` prints `*****` (as CMS itself does in its API trace).

use std::fmt;

pub(crate) const MASK: &str = "*****";

/// A space passcode: digits only (what CMS accepts from a keypad), possibly empty (none).
#[derive(Clone, PartialEq, Eq)]
pub struct Passcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a passcode is made of digits only (at most 32)")]
pub struct InvalidPasscode;

impl Passcode {
    pub fn parse(text: &str) -> Result<Passcode, InvalidPasscode> {
        if text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Passcode(text.to_owned()))
        } else {
            Err(InvalidPasscode)
        }
    }

    /// No passcode: sending it clears the space's passcode.
    pub fn none() -> Passcode {
        Passcode(String::new())
    }

    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// A space secret (part of its join links) or a password: any text, never displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// A fresh random secret, shaped like the ones TMS sends (a UUID).
    pub fn generate() -> Secret {
        Secret(uuid::Uuid::new_v4().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let passcode = Passcode::parse("4711").unwrap();
        let secret = Secret::new("86db1bdd");
        assert_eq!(format!("{passcode:?} {secret:?}"), "***** *****");
        assert_eq!(passcode.expose(), "4711");
    }

    #[test]
    fn passcodes_are_digits() {
        assert!(Passcode::parse("12a").is_err());
        assert!(Passcode::parse(&"1".repeat(33)).is_err());
        assert!(Passcode::parse("").unwrap().is_none());
        assert_ne!(Secret::generate(), Secret::generate());
    }
}
