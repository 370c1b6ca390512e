//! Object ids, one type per collection so a call id can never be sent where a space id goes.
//!
//! CMS ids are lower-case UUIDs. We accept any short token of ASCII letters, digits and `-`
//! (liberal in what we accept) and nothing else, so an id can always be put in a URL path as is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a CMS object id")]
pub struct InvalidId(pub String);

fn is_valid_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, InvalidId> {
                if is_valid_id(text) {
                    Ok($name(text.to_owned()))
                } else {
                    Err(InvalidId(text.to_owned()))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(text: &str) -> Result<Self, InvalidId> {
                $name::parse(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(text: String) -> Result<Self, InvalidId> {
                $name::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(CallBridgeId);
id_type!(CallProfileId);
id_type!(CallLegProfileId);
id_type!(CoSpaceId);
id_type!(BulkParameterSetId);
id_type!(BulkSyncId);
id_type!(CallId);
id_type!(CallLegId);
id_type!(ParticipantId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_ids_and_path_breakers_are_not() {
        let id = CallId::parse("ce5ee392-7be6-4227-a7ee-b4f16a5fdd16").unwrap();
        assert_eq!(id.as_str(), "ce5ee392-7be6-4227-a7ee-b4f16a5fdd16");
        for bad in ["", "a/b", "../x", "a b", "é", "x?y=1", &"a".repeat(65)] {
            assert_eq!(CoSpaceId::parse(bad), Err(InvalidId(bad.to_owned())));
        }
    }

    #[test]
    fn serde_validates() {
        let id: CoSpaceId =
            serde_json::from_str("\"2be23a10-f400-4436-baef-6058f55ca688\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"2be23a10-f400-4436-baef-6058f55ca688\""
        );
        assert!(serde_json::from_str::<CoSpaceId>("\"a/b\"").is_err());
    }
}
