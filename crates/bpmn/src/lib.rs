//! BPMN 2.0 XML with Zeebe's extensions (`http://camunda.org/schema/zeebe/1.0`) parsed into a
//! validated, immutable, index-based executable model (see [`model`]).
//!
//! [`parse_definitions`] reads one deployed resource and returns its executable processes, or
//! a [`BpmnError`] listing every problem found (as Zeebe's deploy-time validation does).
//!
//! ```
//! use hornet_bpmn::{parse_definitions, ElementKind};
//!
//! let xml = r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
//!     xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
//!   <process id="order" isExecutable="true">
//!     <startEvent id="start" />
//!     <sequenceFlow id="f1" sourceRef="start" targetRef="pay" />
//!     <serviceTask id="pay">
//!       <extensionElements><zeebe:taskDefinition type="=&quot;pay-&quot; + method" /></extensionElements>
//!     </serviceTask>
//!   </process>
//! </definitions>"#;
//! let processes = parse_definitions(xml.as_bytes()).unwrap();
//! let process = &processes[0];
//! let start = process.none_start_event(process.root()).unwrap();
//! let flow = process.element(start).outgoing[0];
//! let ElementKind::SequenceFlow { target, .. } = process.element(flow).kind else { unreachable!() };
//! let job = process.element(target).job().unwrap();
//! assert_eq!(job.job_type.as_expression().unwrap().source(), "\"pay-\" + method");
//!
//! let error = parse_definitions(br#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
//!   <process id="p" isExecutable="true"><serviceTask id="task" /></process></definitions>"#).unwrap_err();
//! assert_eq!(error.to_string(), "Element: p\n    - ERROR: Must have at least one start event (line 2, column 3)\n\
//!     Element: task\n    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element (line 2, column 39)");
//! ```

mod error;
pub mod model;
mod parser;
mod xml;

pub use error::{BpmnError, TextPosition, ValidationError, ValidationErrors};
pub use model::*;
pub use parser::parse_definitions;
