//! Users as the UI sees them, and the parsed types a user is made of.

use crate::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// A user as listed on the Users page: never a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
}

/// A user name: 3–32 characters of lower-case letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit. Compared case-insensitively (stored lower-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("is required")]
    Empty,
    #[error("must be 3 to 32 characters long")]
    Length,
    #[error(
        "may only contain letters, digits, '.', '_' and '-', and must start with a letter or digit"
    )]
    Characters,
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let name = input.trim().to_lowercase();
        if name.is_empty() {
            return Err(UsernameError::Empty);
        }
        if !(3..=32).contains(&name.chars().count()) {
            return Err(UsernameError::Length);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let starts_well = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if !starts_well || !name.chars().all(allowed) {
            return Err(UsernameError::Characters);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("  Alice.B ").unwrap().as_str(), "alice.b");
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse("a b c"), Err(UsernameError::Characters));
        assert_eq!(Username::parse("-abc"), Err(UsernameError::Characters));
        assert_eq!(Username::parse(&"x".repeat(33)), Err(UsernameError::Length));
    }
}
