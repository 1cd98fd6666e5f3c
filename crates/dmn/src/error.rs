//! Errors of parsing and evaluating DMN models.

/// Everything that can go wrong with a DMN model. Messages name the element (id) and, for
/// parse errors, the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DmnError {
    /// The document is not well-formed XML.
    #[error("invalid XML at line {line}: {message}")]
    Xml { line: usize, message: String },
    /// The document is XML but not a valid DMN model.
    #[error("invalid DMN element '{element_id}' at line {line}: {message}")]
    Model {
        element_id: String,
        line: usize,
        message: String,
    },
    /// FEEL text of an element does not compile.
    #[error("invalid FEEL in element '{element_id}' at line {line}: {message}")]
    Feel {
        element_id: String,
        line: usize,
        message: String,
    },
    /// No decision (or decision service, BKM) with this id or name.
    #[error("no {kind} with id or name '{name}'")]
    NotFound { kind: &'static str, name: String },
    /// Evaluating an element failed.
    #[error("failed to evaluate element '{element_id}': {message}")]
    Evaluation { element_id: String, message: String },
    /// A decision table's hit policy was violated (e.g. several rules matched a UNIQUE table).
    #[error("hit policy {hit_policy} of decision table '{element_id}' violated: {message}")]
    HitPolicy {
        element_id: String,
        hit_policy: &'static str,
        message: String,
    },
    /// The decision requirements graph has a cycle through this decision.
    #[error("decision '{decision_id}' requires itself (cycle in the requirements graph)")]
    Cycle { decision_id: String },
    /// A construct the engine does not implement (e.g. Java or PMML functions).
    #[error("element '{element_id}' uses {feature}, which is not supported")]
    Unsupported { element_id: String, feature: String },
}
