//! A small, bounded XML tree built with quick-xml: the one place that reads bytes from the
//! network as XML. Compact or pretty-printed, `<a></a>` or `<a/>`, with or without a
//! declaration; always UTF-8. Typed decoding (model.rs) walks this tree.

use quick_xml::events::Event;
use quick_xml::events::attributes::Attributes;
use quick_xml::{Reader, escape};

/// Deeper nesting than this is refused (CMS documents are 3-4 levels deep).
const MAX_DEPTH: usize = 32;
/// More elements than this are refused (a page of 1,000 objects stays far below).
const MAX_ELEMENTS: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub name: String,
    attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct XmlError(pub String);

impl Element {
    fn new(name: String, attributes: Vec<(String, String)>) -> Element {
        Element {
            name,
            attributes,
            children: Vec::new(),
            text: String::new(),
        }
    }

    /// The first child with this name (CMS names are case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|child| child.name.eq_ignore_ascii_case(name))
    }

    /// The attribute's value, if present.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The element's text, trimmed of the whitespace pretty-printing adds.
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// Parses a whole document into its root element. The bytes are read as UTF-8 whatever the
/// declaration says (as CMS writes them); a stray invalid byte becomes U+FFFD rather than
/// costing the whole answer.
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let text = String::from_utf8_lossy(bytes);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|err| XmlError(format!("at byte {}: {err}", reader.buffer_position())))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError("content after the root element".into()));
            }
            Event::Start(start) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(XmlError("document too deep or too large".into()));
                }
                stack.push(Element::new(
                    name_of(start.name().as_ref())?,
                    attributes(start.attributes())?,
                ));
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError("document too large".into()));
                }
                let element = Element::new(
                    name_of(start.name().as_ref())?,
                    attributes(start.attributes())?,
                );
                attach(&mut stack, &mut root, element);
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| XmlError("unbalanced end tag".into()))?;
                attach(&mut stack, &mut root, element);
            }
            Event::Text(text) => {
                let content = text
                    .xml_content()
                    .map_err(|err| XmlError(err.to_string()))?;
                append_text(&mut stack, &content)?;
            }
            Event::CData(data) => {
                let content = data.decode().map_err(|err| XmlError(err.to_string()))?;
                append_text(&mut stack, &content)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => {
                        let name = reference
                            .decode()
                            .map_err(|err| XmlError(err.to_string()))?;
                        escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| XmlError(format!("unknown entity &{name};")))?
                            .to_owned()
                    }
                    Err(err) => return Err(XmlError(err.to_string())),
                };
                append_text(&mut stack, &resolved)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        (None, _) => Err(XmlError("no root element".into())),
        (Some(_), false) => Err(XmlError("unclosed element".into())),
    }
}

fn name_of(raw: &[u8]) -> Result<String, XmlError> {
    let name = std::str::from_utf8(raw).map_err(|err| XmlError(err.to_string()))?;
    // Namespace prefixes carry nothing for CMS; keep the local name.
    Ok(name.rsplit(':').next().unwrap_or(name).to_owned())
}

fn attributes(attributes: Attributes<'_>) -> Result<Vec<(String, String)>, XmlError> {
    attributes
        .map(|attribute| {
            let attribute = attribute.map_err(|err| XmlError(err.to_string()))?;
            let value = attribute
                .unescape_value()
                .map_err(|err| XmlError(err.to_string()))?;
            Ok((name_of(attribute.key.as_ref())?, value.into_owned()))
        })
        .collect()
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn append_text(stack: &mut [Element], content: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(element) => {
            element.text.push_str(content);
            Ok(())
        }
        // Whitespace around the root (pretty printing) is fine; anything else is not XML.
        None if content.trim().is_empty() => Ok(()),
        None => Err(XmlError("text outside the root element".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_pretty_trees_are_equal() {
        let compact = parse(br#"<?xml version="1.0"?><a x="1"><b>t</b><c></c></a>"#).unwrap();
        let pretty = parse(b"\n<a x=\"1\">\n  <b>\n    t\n  </b>\n  <c />\n</a>\n").unwrap();
        assert_eq!(compact.child("B").unwrap().text(), "t");
        assert_eq!(pretty.child("b").unwrap().text(), "t");
        assert_eq!(compact.attribute("x"), Some("1"));
        assert_eq!(pretty.child("c").unwrap().text(), "");
    }

    #[test]
    fn entities_and_cdata_are_resolved() {
        let root = parse(b"<a>Tom &amp; Jerry&#x21; &lt;3 <![CDATA[<raw>]]></a>").unwrap();
        assert_eq!(root.text(), "Tom & Jerry! <3 <raw>");
        assert!(parse(b"<a>&nbsp;</a>").is_err());
    }

    #[test]
    fn broken_documents_are_errors() {
        for bad in [
            &b""[..],
            b"   ",
            b"<a>",
            b"<a></b>",
            b"</a>",
            b"<a/><b/>",
            b"text",
            b"<a x=1/>",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn bytes_are_utf8_whatever_the_declaration_says() {
        let root = parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Zürich</a>".as_bytes())
            .unwrap();
        assert_eq!(root.text(), "Zürich");
        assert_eq!(parse(b"<a>x\xffy</a>").unwrap().text(), "x\u{FFFD}y");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(parse(deep.as_bytes()).is_err());
    }
}
