//! The XML writer: the real server's style, byte for byte.
//!
//! CMS writes `<?xml version="1.0"?>` then the root element with no whitespace at all, and
//! writes empty elements as an open and a close tag (`<sipDomain></sipDomain>`), except the
//! children of `<failureDetails>`, which are self-closing with a space before `/>`.

const DECLARATION: &str = "<?xml version=\"1.0\"?>";

/// Builds one XML document in a `String`; elements are closed in the reverse order they opened.
pub(crate) struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        let mut out = String::with_capacity(512);
        out.push_str(DECLARATION);
        XmlWriter {
            out,
            open: Vec::new(),
        }
    }

    /// Opens `<tag attr="value"...>`.
    pub(crate) fn open(&mut self, tag: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push('>');
        self.open.push(tag);
        self
    }

    /// Closes the element opened last.
    pub(crate) fn close(&mut self) -> &mut Self {
        if let Some(tag) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push('>');
        }
        self
    }

    /// `<tag>text</tag>`, text escaped; an empty text gives `<tag></tag>`.
    pub(crate) fn text(&mut self, tag: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag>text</tag>` when the value is set, nothing otherwise (CMS omits unset fields).
    pub(crate) fn opt_text(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.text(tag, text);
        }
        self
    }

    pub(crate) fn bool(&mut self, tag: &str, value: bool) -> &mut Self {
        self.text(tag, if value { "true" } else { "false" })
    }

    pub(crate) fn num(&mut self, tag: &str, value: impl std::fmt::Display) -> &mut Self {
        self.text(tag, &value.to_string())
    }

    /// `<tag attr="value" />`: the self-closing style CMS uses inside `<failureDetails>`.
    pub(crate) fn empty_child(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push_str(" />");
        self
    }

    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }

    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }
}

/// Escapes what XML requires and nothing more (apostrophes stay as they are, as in
/// "It's testacano1's Space!").
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_real_servers_style() {
        let mut w = XmlWriter::new();
        w.open("callBridge", &[("id", "0e37")])
            .text("name", "CallBridge-Core1")
            .text("sipDomain", "")
            .close();
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\"?><callBridge id=\"0e37\"><name>CallBridge-Core1</name><sipDomain></sipDomain></callBridge>"
        );
    }

    #[test]
    fn escapes_text_and_attributes() {
        let mut w = XmlWriter::new();
        w.open("a", &[("x", "\"<&>")])
            .text("name", "It's <b>&")
            .close();
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\"?><a x=\"&quot;&lt;&amp;&gt;\"><name>It's &lt;b&gt;&amp;</name></a>"
        );
    }

    #[test]
    fn failure_children_close_with_a_space() {
        let mut w = XmlWriter::new();
        w.open("failureDetails", &[]).empty_child(
            "parameterError",
            &[("parameter", "passcode"), ("error", "invalidValue")],
        );
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\"?><failureDetails><parameterError parameter=\"passcode\" error=\"invalidValue\" /></failureDetails>"
        );
    }
}
