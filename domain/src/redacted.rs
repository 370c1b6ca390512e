//! A secret typed into a form (a password, a passcode): it travels and deserializes as the plain
//! string, but its `Debug` prints `*****`, so a logged request, argument list or error never holds
//! it. Server function arguments use it: their generated input structs derive `Debug`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted(String);

/// What every redacting `Debug` in the product prints instead of a secret.
pub const MASK: &str = "*****";

impl Redacted {
    pub fn new(secret: impl Into<String>) -> Self {
        Redacted(secret.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<String> for Redacted {
    fn from(secret: String) -> Self {
        Redacted(secret)
    }
}

impl From<&str> for Redacted {
    fn from(secret: &str) -> Self {
        Redacted(secret.to_string())
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret_and_serde_keeps_it() {
        let secret = Redacted::new("hunter2-secret");
        assert_eq!(format!("{secret:?}"), MASK);
        let typed = serde::de::value::StrDeserializer::<serde::de::value::Error>::new("hunter2");
        assert_eq!(Redacted::deserialize(typed).unwrap().expose(), "hunter2");
    }
}
