//! A small owned XML tree built with quick-xml. DMN models and TCK test files are small
//! enough that building a tree first keeps the model builder simple and lets every element
//! carry the line it starts on for error messages.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// An XML element with its namespace prefix stripped (`dmn:decision` is `decision`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    /// Attributes by local name, in document order.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Concatenated character data directly inside this element.
    pub text: String,
    /// 1-based line of the start tag.
    pub line: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements with the given local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Text of the child `name`, if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Why a document is not well-formed XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    pub line: usize,
    pub message: String,
}

/// Maps byte offsets to 1-based line numbers.
struct Lines<'a> {
    src: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.src.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.src[self.offset..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// Deepest element nesting accepted. The tree is recursive (building names, dropping), so
/// unbounded nesting could overflow the stack; real DMN models stay far below this.
const MAX_DEPTH: usize = 256;

/// Parses a whole document into its root element.
pub(crate) fn parse(src: &[u8]) -> Result<Element, XmlError> {
    let mut reader = Reader::from_reader(src);
    reader.config_mut().trim_text(false);
    let mut lines = Lines {
        src,
        offset: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| XmlError {
            line: lines.line_at(usize::try_from(reader.error_position()).unwrap_or(usize::MAX)),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => {
                let element = start_element(&e, lines.line_at(start))?;
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError {
                        line: element.line,
                        message: format!("elements are nested deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(element);
            }
            Event::Empty(e) => {
                let element = start_element(&e, lines.line_at(start))?;
                attach(&mut stack, &mut root, element, lines.line_at(start))?;
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(XmlError {
                        line: lines.line_at(start),
                        message: "unexpected end tag".into(),
                    });
                };
                attach(&mut stack, &mut root, element, lines.line_at(start))?;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| XmlError {
                    line: lines.line_at(start),
                    message: e.to_string(),
                })?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(c) => {
                let text = String::from_utf8_lossy(&c).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let line = lines.line_at(start);
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map_err(|e| XmlError {
                            line,
                            message: e.to_string(),
                        })?;
                        predefined_entity(&name)
                            .ok_or_else(|| XmlError {
                                line,
                                message: format!("unknown entity '&{name};'"),
                            })?
                            .to_string()
                    }
                    Err(e) => {
                        return Err(XmlError {
                            line,
                            message: e.to_string(),
                        })
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError {
            line: lines.line_at(src.len()),
            message: format!(
                "unexpected end of document: element '{}' opened on line {} is not closed",
                open.name, open.line
            ),
        });
    }
    root.ok_or(XmlError {
        line: 1,
        message: "the document has no root element".into(),
    })
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
    line: usize,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => {
            return Err(XmlError {
                line,
                message: "more than one root element".into(),
            })
        }
    }
    Ok(())
}

fn start_element(e: &BytesStart<'_>, line: usize) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| XmlError {
            line,
            message: format!("invalid attribute in <{name}>: {err}"),
        })?;
        let key = attr.key;
        // Namespace declarations are not attributes of the model.
        if key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:") {
            // Keep the default namespace so callers can check it.
            if key.as_ref() == b"xmlns" {
                let value = attr.unescape_value().map_err(|err| XmlError {
                    line,
                    message: format!("invalid attribute value in <{name}>: {err}"),
                })?;
                attrs.push(("xmlns".to_string(), value.into_owned()));
            }
            continue;
        }
        let local = String::from_utf8_lossy(key.local_name().as_ref()).into_owned();
        let value = attr.unescape_value().map_err(|err| XmlError {
            line,
            message: format!("invalid value of attribute '{local}' in <{name}>: {err}"),
        })?;
        attrs.push((local, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_tree_with_lines_and_entities() {
        let doc = b"<?xml version=\"1.0\"?>\n<a:root xmlns:a=\"x\" id=\"r\">\n  <a:child k=\"&lt;v\">x &amp; y&#65;</a:child>\n  <empty/>\n</a:root>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "root");
        assert_eq!(root.attr("id"), Some("r"));
        assert_eq!(root.line, 2);
        let child = root.child("child").unwrap();
        assert_eq!(child.attr("k"), Some("<v"));
        assert_eq!(child.text, "x & yA");
        assert_eq!(child.line, 3);
        assert_eq!(root.child("empty").unwrap().line, 4);
    }

    #[test]
    fn rejects_excessive_nesting() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let err = parse(deep.as_bytes()).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{err:?}");
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn reports_unclosed_elements() {
        let err = parse(b"<a>\n<b>\n</b>").unwrap_err();
        assert!(err.message.contains("'a'"), "{err:?}");
        assert!(parse(b"").is_err());
        assert!(parse(b"<a></b>").is_err());
    }
}
