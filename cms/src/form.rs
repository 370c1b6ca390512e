//! Request bodies: `application/x-www-form-urlencoded`, booleans lower-case.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    pairs: Vec<(&'static str, String)>,
}

impl Form {
    pub fn text(mut self, key: &'static str, value: impl Into<String>) -> Form {
        self.pairs.push((key, value.into()));
        self
    }

    pub fn flag(self, key: &'static str, value: bool) -> Form {
        self.text(key, if value { "true" } else { "false" })
    }

    pub fn maybe_text(self, key: &'static str, value: Option<impl Into<String>>) -> Form {
        match value {
            Some(value) => self.text(key, value),
            None => self,
        }
    }

    pub fn maybe_flag(self, key: &'static str, value: Option<bool>) -> Form {
        match value {
            Some(value) => self.flag(key, value),
            None => self,
        }
    }

    pub fn encode(&self) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.pairs {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_in_order_with_lowercase_booleans() {
        let form = Form::default()
            .text("name", "Tim & Co meeting")
            .flag("nonMemberAccess", true)
            .maybe_flag("skipped", None)
            .maybe_text("passcode", Some(""))
            .text("remoteParty", "desk.ex90@example.com");
        assert_eq!(
            form.encode(),
            "name=Tim+%26+Co+meeting&nonMemberAccess=true&passcode=&remoteParty=desk.ex90%40example.com"
        );
    }
}
