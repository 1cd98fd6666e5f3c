//! From the XML document to validated [`Process`]es.
//!
//! Parsing never stops at the first problem: every problem is recorded in [`Diagnostics`] and
//! the walk continues with a best-effort model, so one deployment attempt reports everything
//! that is wrong with the resource (as Zeebe does).

mod events;
mod extensions;
mod resolve;
mod scope;

use crate::error::{BpmnError, ValidationError, ValidationErrors};
use crate::model::{ExprOrStatic, Process};
use crate::xml::{self, LineIndex, Node, Ns};
use hornet_feel::Expression;
use std::collections::{HashMap, HashSet};

/// Parses one BPMN resource and returns its executable processes, in document order.
///
/// Every problem found is reported at once in [`BpmnError::Invalid`]; a resource that is not
/// well-formed XML yields [`BpmnError::MalformedXml`].
pub fn parse_definitions(xml: &[u8]) -> Result<Vec<Process>, BpmnError> {
    let source = xml::decode(xml)?;
    let document = xml::parse(source)?;
    let definitions = &document.root;
    let mut diag = Diagnostics::new(&document.lines);
    let roots = RootElements::collect(definitions);

    check_duplicate_ids(definitions, &mut diag);

    let mut processes = Vec::new();
    let mut executable = 0;
    for process in definitions.bpmn_children("process") {
        if !is_executable(process) {
            continue;
        }
        executable += 1;
        if let Some(process) = scope::build_process(process, &roots, &mut diag) {
            processes.push(process);
        }
    }
    for name in UNSUPPORTED_ROOT_ELEMENTS {
        for node in definitions.bpmn_children(name) {
            diag.error(
                node,
                &format!("'{name}' elements are not supported; only processes are executable"),
            );
        }
    }
    if executable == 0 {
        let id = definitions.attr("id").unwrap_or("definitions");
        diag.error_at(
            id,
            definitions.offset,
            "Must contain at least one executable process",
        );
    }
    diag.finish()?;
    Ok(processes)
}

/// Root elements that would be silently ignored although the modeler meant them to run.
const UNSUPPORTED_ROOT_ELEMENTS: [&str; 2] = ["choreography", "globalConversation"];

fn is_executable(process: &Node) -> bool {
    matches!(
        process.attr("isExecutable").map(str::trim),
        Some("true" | "1")
    )
}

/// Messages, errors, signals and escalations declared at the top level, by id.
pub(crate) struct RootElements<'x> {
    pub messages: HashMap<&'x str, &'x Node>,
    pub errors: HashMap<&'x str, &'x Node>,
    pub signals: HashMap<&'x str, &'x Node>,
    pub escalations: HashMap<&'x str, &'x Node>,
}

impl<'x> RootElements<'x> {
    fn collect(definitions: &'x Node) -> Self {
        let by_id = |name: &'static str| {
            definitions
                .bpmn_children(name)
                .filter_map(|node| Some((node.attr("id")?, node)))
                .collect::<HashMap<_, _>>()
        };
        RootElements {
            messages: by_id("message"),
            errors: by_id("error"),
            signals: by_id("signal"),
            escalations: by_id("escalation"),
        }
    }
}

/// Reports every id used by more than one BPMN element (ids are XML IDs, unique per document).
fn check_duplicate_ids(definitions: &Node, diag: &mut Diagnostics<'_>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut stack = vec![definitions];
    while let Some(node) = stack.pop() {
        if node.ns == Ns::Bpmn {
            if let Some(id) = node.attr("id") {
                if let Some(&first) = seen.get(id) {
                    let first_line = diag.lines.position(first).line;
                    diag.error(
                        node,
                        &format!(
                            "Duplicate id '{id}': already used by the element at line {first_line}"
                        ),
                    );
                } else {
                    seen.insert(id, node.offset);
                }
            }
        }
        // Reverse so that the walk (and "first" occurrence) follows document order.
        stack.extend(node.children.iter().rev());
    }
}

/// Collects validation problems with their positions.
pub(crate) struct Diagnostics<'a> {
    lines: &'a LineIndex<'a>,
    errors: Vec<(usize, ValidationError)>,
}

impl<'a> Diagnostics<'a> {
    fn new(lines: &'a LineIndex<'a>) -> Self {
        Diagnostics {
            lines,
            errors: Vec::new(),
        }
    }

    /// Reports a problem of `node`, named by its id (or its tag name if it has none).
    pub fn error(&mut self, node: &Node, message: &str) {
        let id = element_label(node);
        self.error_at(&id, node.offset, message);
    }

    /// Reports a problem of the element `element_id` whose tag starts at `offset`.
    pub fn error_at(&mut self, element_id: &str, offset: usize, message: &str) {
        self.errors.push((
            offset,
            ValidationError {
                element_id: element_id.to_string(),
                message: message.to_string(),
                position: Some(self.lines.position(offset)),
            },
        ));
    }

    pub fn line(&self, offset: usize) -> u32 {
        self.lines.position(offset).line
    }

    /// `Err` with all problems in document order (duplicates removed), if there are any.
    fn finish(mut self) -> Result<(), BpmnError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors.sort_by_key(|(offset, _)| *offset);
        let mut seen = HashSet::with_capacity(self.errors.len());
        let mut errors: Vec<ValidationError> = Vec::with_capacity(self.errors.len());
        for (_, error) in self.errors {
            if seen.insert(error.clone()) {
                errors.push(error);
            }
        }
        Err(BpmnError::Invalid(ValidationErrors(errors)))
    }

    /// A FEEL expression (`=` prefix) or a static value. `None` (after reporting) if the
    /// expression does not parse.
    pub fn expr_or_static(
        &mut self,
        node: &Node,
        what: &str,
        value: &str,
    ) -> Option<ExprOrStatic<String>> {
        match feel_source(value) {
            Some(source) => self
                .parse_feel(node, what, source)
                .map(ExprOrStatic::Expression),
            None => Some(ExprOrStatic::Static(value.to_string())),
        }
    }

    /// A mandatory FEEL expression: a static value or an empty one is reported.
    pub fn expression(
        &mut self,
        node: &Node,
        what: &str,
        value: Option<&str>,
    ) -> Option<Expression> {
        let value = match value.map(str::trim) {
            None | Some("") => {
                self.error(
                    node,
                    &format!("Expected expression for {what} but not found."),
                );
                return None;
            }
            Some(value) => value,
        };
        match feel_source(value) {
            Some(source) => self.parse_feel(node, what, source),
            None => {
                self.error(
                    node,
                    &format!(
                        "Expected expression for {what} but found static value '{value}'. \
                         An expression must start with '=' (e.g. '={value}')."
                    ),
                );
                None
            }
        }
    }

    fn parse_feel(&mut self, node: &Node, what: &str, source: &str) -> Option<Expression> {
        match Expression::parse(source) {
            Ok(expression) => Some(expression),
            Err(error) => {
                self.error(node, &format!("Invalid FEEL expression in {what}: {error}"));
                None
            }
        }
    }
}

/// The FEEL source of a Zeebe value if it is an expression (starts with `=`).
fn feel_source(value: &str) -> Option<&str> {
    value.trim_start().strip_prefix('=')
}

/// How an element is named in errors: its id, or its tag if it has none.
pub(crate) fn element_label(node: &Node) -> String {
    match node.attr("id") {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("<{}>", node.name),
    }
}
