//! A minimal namespace-aware DOM over quick-xml, keeping only what BPMN parsing needs.
//!
//! Only elements in the BPMN model namespace and the Zeebe extension namespace are kept;
//! everything else (BPMN DI, Camunda 7 extensions, modeler metadata) is checked for
//! well-formedness and dropped. Attributes are kept only when unprefixed, which is how BPMN and
//! Zeebe attributes are written. Every element remembers the byte offset of its start tag so
//! that validation errors can name a line and column.

use crate::error::{BpmnError, TextPosition};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

/// The BPMN 2.0 model namespace.
pub(crate) const BPMN_NS: &[u8] = b"http://www.omg.org/spec/BPMN/20100524/MODEL";
/// Zeebe's extension namespace.
pub(crate) const ZEEBE_NS: &[u8] = b"http://camunda.org/schema/zeebe/1.0";

/// Deeper nesting than this is rejected: real BPMN files are far shallower, and the limit keeps
/// recursive processing of hostile input from exhausting the stack.
const MAX_DEPTH: usize = 256;

/// Which namespace an element belongs to (others are dropped while reading).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ns {
    Bpmn,
    Zeebe,
}

/// One kept element.
#[derive(Debug)]
pub(crate) struct Node {
    pub ns: Ns,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// The concatenated text content (entities resolved), excluding children's text.
    pub text: String,
    /// Byte offset of the `<` of the start tag.
    pub offset: usize,
}

impl Node {
    /// The value of the unprefixed attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The BPMN-namespace children named `name`.
    pub fn bpmn_children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children
            .iter()
            .filter(move |child| child.ns == Ns::Bpmn && child.name == name)
    }

    /// The first BPMN-namespace child named `name`.
    pub fn bpmn_child(&self, name: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|child| child.ns == Ns::Bpmn && child.name == name)
    }

    /// The Zeebe extension elements (children of `bpmn:extensionElements`) named `name`.
    pub fn zeebe_extensions<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.bpmn_children("extensionElements")
            .flat_map(|ext| ext.children.iter())
            .filter(move |child| child.ns == Ns::Zeebe && child.name == name)
    }

    /// The Zeebe-namespace children named `name` (inside a Zeebe extension element).
    pub fn zeebe_children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children
            .iter()
            .filter(move |child| child.ns == Ns::Zeebe && child.name == name)
    }
}

/// Converts byte offsets into 1-based line and column numbers.
pub(crate) struct LineIndex<'a> {
    source: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            source,
            line_starts,
        }
    }

    pub fn position(&self, offset: usize) -> TextPosition {
        let offset = offset.min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        // The column counts characters; the offset may fall inside a multi-byte character when
        // it comes from the XML reader's error position, so count only whole characters.
        let column = self
            .source
            .get(line_start..offset)
            .map(|prefix| prefix.chars().count())
            .unwrap_or(offset - line_start);
        TextPosition {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// The parsed document: the root element (if it is in the BPMN namespace) and the source.
pub(crate) struct Document<'a> {
    pub root: Node,
    pub lines: LineIndex<'a>,
}

/// Decodes `xml` as UTF-8 (a leading byte order mark is skipped).
pub(crate) fn decode(xml: &[u8]) -> Result<&str, BpmnError> {
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    std::str::from_utf8(xml).map_err(|error| {
        let valid = &xml[..error.valid_up_to()];
        // Safe: the prefix up to valid_up_to() is valid UTF-8 by definition.
        let prefix = std::str::from_utf8(valid).unwrap_or_default();
        BpmnError::MalformedXml {
            position: LineIndex::new(prefix).position(prefix.len()),
            message: "the resource is not valid UTF-8".to_string(),
        }
    })
}

/// Reads `source` into a [`Document`], or reports why it is not well-formed.
pub(crate) fn parse(source: &str) -> Result<Document<'_>, BpmnError> {
    let lines = LineIndex::new(source);
    let mut reader = NsReader::from_str(source);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = false;

    // Open kept elements; `None` marks a dropped (foreign-namespace) element whose subtree is
    // skipped but still checked for well-formedness.
    let mut stack: Vec<Option<Node>> = Vec::new();
    let mut root: Option<Node> = None;
    let mut foreign_root = false;

    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let malformed = |message: String, offset: usize| BpmnError::MalformedXml {
            position: lines.position(offset),
            message,
        };
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(before);
                return Err(malformed(error.to_string(), at));
            }
        };
        let tag_offset = |from: usize| {
            source
                .get(from..)
                .and_then(|rest| rest.find('<'))
                .map_or(from, |i| from + i)
        };
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(
                        format!("elements are nested more than {MAX_DEPTH} levels deep"),
                        tag_offset(before),
                    ));
                }
                if root.is_some() {
                    return Err(malformed(
                        "content after the root element".to_string(),
                        tag_offset(before),
                    ));
                }
                let offset = tag_offset(before);
                let parent_kept = stack.last().is_none_or(|parent| parent.is_some());
                let node = if parent_kept {
                    element(&reader, start, offset)
                        .map_err(|(message, at)| malformed(message, at))?
                } else {
                    None
                };
                if stack.is_empty() && node.is_none() {
                    foreign_root = true;
                }
                if is_empty {
                    close(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return Err(malformed(
                        "closing tag without an opening tag".to_string(),
                        before,
                    ));
                };
                close(&mut stack, &mut root, node);
            }
            Event::Text(text) => {
                let content = text
                    .xml_content()
                    .map_err(|error| malformed(error.to_string(), before))?;
                if stack.is_empty() {
                    if !content.trim().is_empty() {
                        return Err(malformed(
                            "text outside of the root element".to_string(),
                            before,
                        ));
                    }
                } else if let Some(Some(node)) = stack.last_mut() {
                    node.text.push_str(&content);
                }
            }
            Event::CData(data) => {
                if stack.is_empty() {
                    return Err(malformed(
                        "CDATA outside of the root element".to_string(),
                        before,
                    ));
                }
                let content = data
                    .decode()
                    .map_err(|error| malformed(error.to_string(), before))?;
                if let Some(Some(node)) = stack.last_mut() {
                    node.text.push_str(&content);
                }
            }
            Event::GeneralRef(reference) => {
                if stack.is_empty() {
                    return Err(malformed(
                        "entity reference outside of the root element".to_string(),
                        before,
                    ));
                }
                let resolved =
                    resolve_reference(&reference).map_err(|message| malformed(message, before))?;
                if let Some(Some(node)) = stack.last_mut() {
                    node.text.push(resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }

    if let Some(open) = stack.iter().rev().find_map(|node| node.as_ref()) {
        return Err(BpmnError::MalformedXml {
            position: lines.position(source.len()),
            message: format!(
                "unexpected end of the document: element '{}' (opened at line {}) is not closed",
                open.name,
                lines.position(open.offset).line
            ),
        });
    }
    if !stack.is_empty() {
        return Err(BpmnError::MalformedXml {
            position: lines.position(source.len()),
            message: "unexpected end of the document: an element is not closed".to_string(),
        });
    }
    match root {
        Some(root) if root.ns == Ns::Bpmn && root.name == "definitions" => {
            Ok(Document { root, lines })
        }
        Some(root) => Err(BpmnError::MalformedXml {
            position: lines.position(root.offset),
            message: format!(
                "expected the root element 'definitions' in namespace '{}', found '{}'",
                String::from_utf8_lossy(BPMN_NS),
                root.name
            ),
        }),
        None if foreign_root => Err(BpmnError::MalformedXml {
            position: lines.position(0),
            message: format!(
                "expected the root element 'definitions' in namespace '{}'",
                String::from_utf8_lossy(BPMN_NS)
            ),
        }),
        None => Err(BpmnError::MalformedXml {
            position: lines.position(source.len()),
            message: "the document has no root element".to_string(),
        }),
    }
}

/// Attaches a finished element to its parent (or makes it the root).
fn close(stack: &mut [Option<Node>], root: &mut Option<Node>, node: Option<Node>) {
    match stack.last_mut() {
        Some(Some(parent)) => {
            if let Some(node) = node {
                parent.children.push(node);
            }
        }
        Some(None) => {}
        None => *root = node,
    }
}

/// Builds a kept element from a start tag, or `None` if it is in a foreign namespace.
///
/// Errors carry the byte offset they refer to.
fn element(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    offset: usize,
) -> Result<Option<Node>, (String, usize)> {
    let (resolved, local) = reader.resolve_element(start.name());
    let ns = match resolved {
        ResolveResult::Bound(ns) if ns.as_ref() == BPMN_NS => Ns::Bpmn,
        ResolveResult::Bound(ns) if ns.as_ref() == ZEEBE_NS => Ns::Zeebe,
        ResolveResult::Bound(_) | ResolveResult::Unbound => return Ok(None),
        ResolveResult::Unknown(prefix) => {
            return Err((
                format!(
                    "unknown namespace prefix '{}' of element '{}'",
                    String::from_utf8_lossy(&prefix),
                    qname(start.name())
                ),
                offset,
            ))
        }
    };
    let name = std::str::from_utf8(local.as_ref())
        .map_err(|_| ("element name is not valid UTF-8".to_string(), offset))?
        .to_string();
    let mut attrs = Vec::new();
    for attribute in start.attributes().with_checks(true) {
        let attribute = attribute.map_err(|error| {
            (
                format!("in element '{name}': {}", describe_attr_error(&error)),
                offset + 1 + attr_error_position(&error),
            )
        })?;
        let (resolved, local) = reader.resolve_attribute(attribute.key);
        if !matches!(resolved, ResolveResult::Unbound) {
            continue;
        }
        let key = std::str::from_utf8(local.as_ref()).map_err(|_| {
            (
                format!("an attribute name of element '{name}' is not valid UTF-8"),
                offset,
            )
        })?;
        let value = attribute.unescape_value().map_err(|error| {
            (
                format!("attribute '{key}' of element '{name}': {error}"),
                offset,
            )
        })?;
        attrs.push((key.to_string(), value.into_owned()));
    }
    Ok(Some(Node {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        offset,
    }))
}

/// Where an attribute error is, relative to the character after the tag's `<`.
fn attr_error_position(error: &AttrError) -> usize {
    match *error {
        AttrError::ExpectedEq(at)
        | AttrError::ExpectedValue(at)
        | AttrError::UnquotedValue(at)
        | AttrError::ExpectedQuote(at, _)
        | AttrError::Duplicated(at, _) => at,
    }
}

/// The attribute error without its relative position (the caller reports an absolute one).
fn describe_attr_error(error: &AttrError) -> String {
    match error {
        AttrError::ExpectedEq(_) => "an attribute name must be followed by '='".to_string(),
        AttrError::ExpectedValue(_) => "an attribute value is missing after '='".to_string(),
        AttrError::UnquotedValue(_) | AttrError::ExpectedQuote(..) => {
            "an attribute value must be enclosed in quotes".to_string()
        }
        AttrError::Duplicated(..) => "an attribute is given twice".to_string(),
    }
}

fn qname(name: QName<'_>) -> String {
    String::from_utf8_lossy(name.as_ref()).into_owned()
}

/// Resolves `&name;` / `&#n;` in text content to its character.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, String> {
    if let Some(ch) = reference
        .resolve_char_ref()
        .map_err(|error| format!("invalid character reference: {error}"))?
    {
        return Ok(ch);
    }
    let name = reference
        .decode()
        .map_err(|error| format!("invalid entity reference: {error}"))?;
    match name.as_ref() {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!("unknown entity reference '&{other};'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let lines = LineIndex::new("ab\ncdé\nf");
        assert_eq!(lines.position(0), TextPosition { line: 1, column: 1 });
        assert_eq!(lines.position(3), TextPosition { line: 2, column: 1 });
        assert_eq!(lines.position(7), TextPosition { line: 2, column: 4 });
        assert_eq!(lines.position(8), TextPosition { line: 3, column: 1 });
    }

    #[test]
    fn keeps_bpmn_and_zeebe_elements_and_resolves_entities() {
        let xml = r#"<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:di="http://other" id="d">
  <bpmn:conditionExpression>= a &lt; b &amp;&amp; <![CDATA[c > d]]></bpmn:conditionExpression>
  <di:shape id="x"><bpmn:ignored/></di:shape>
  <bpmn:extensionElements><zeebe:taskDefinition type="t" di:foo="bar"/></bpmn:extensionElements>
</bpmn:definitions>"#;
        let document = parse(xml).unwrap();
        let root = &document.root;
        assert_eq!(root.attr("id"), Some("d"));
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.children[0].text, "= a < b && c > d");
        let task_definition = root.zeebe_extensions("taskDefinition").next().unwrap();
        assert_eq!(
            task_definition.attrs,
            vec![("type".to_string(), "t".to_string())]
        );
        assert_eq!(document.lines.position(root.children[0].offset).line, 4);
    }

    #[test]
    fn reports_mismatched_end_tags_with_their_line() {
        let xml = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process>\n</definitions>";
        let Err(BpmnError::MalformedXml { position, message }) = parse(xml) else {
            panic!("expected malformed XML");
        };
        assert_eq!(position.line, 3, "{message}");
    }

    #[test]
    fn attribute_errors_point_at_the_attribute() {
        let xml = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n  <process id=\"a\"\n    name=x/>\n</definitions>";
        let Err(BpmnError::MalformedXml { position, message }) = parse(xml) else {
            panic!("expected malformed XML");
        };
        assert_eq!(
            position,
            TextPosition {
                line: 3,
                column: 10
            },
            "{message}"
        );
        assert_eq!(
            message,
            "in element 'process': an attribute value must be enclosed in quotes"
        );
    }

    #[test]
    fn reports_unclosed_elements() {
        let xml = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process>";
        let Err(BpmnError::MalformedXml { message, .. }) = parse(xml) else {
            panic!("expected malformed XML");
        };
        assert!(message.contains("'process'"), "{message}");
    }

    #[test]
    fn rejects_foreign_root_and_empty_documents() {
        assert!(matches!(parse("<a/>"), Err(BpmnError::MalformedXml { .. })));
        assert!(matches!(parse(""), Err(BpmnError::MalformedXml { .. })));
        assert!(matches!(
            parse("  text "),
            Err(BpmnError::MalformedXml { .. })
        ));
    }

    #[test]
    fn rejects_excessive_nesting() {
        let xml = format!(
            "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">{}{}</definitions>",
            "<a>".repeat(MAX_DEPTH + 5),
            "</a>".repeat(MAX_DEPTH + 5)
        );
        let Err(BpmnError::MalformedXml { message, .. }) = parse(&xml) else {
            panic!("expected malformed XML");
        };
        assert!(message.contains("nested"), "{message}");
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let Err(BpmnError::MalformedXml { position, .. }) = decode(b"<a>\n\xff</a>") else {
            panic!("expected malformed XML");
        };
        assert_eq!(position, TextPosition { line: 2, column: 1 });
    }
}
