//! BPMN 2.0 XML with Zeebe's extensions (`http://camunda.org/schema/zeebe/1.0`) parsed into a
//! validated, immutable, index-based executable model (see [`model`]).
//!
//! [`parse_definitions`] reads one deployed resource and returns its executable processes, or
//! a [`BpmnError`] listing every problem found (as Zeebe's deploy-time validation does).

mod error;
pub mod model;
mod parser;
mod xml;

pub use error::{BpmnError, TextPosition, ValidationError, ValidationErrors};
pub use model::*;
pub use parser::parse_definitions;
