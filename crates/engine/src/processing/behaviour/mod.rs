//! Behaviours shared by processors and BPMN element processors (as Zeebe's `Bpmn*Behavior` classes).

pub(crate) mod expressions;
pub(crate) mod incidents;
pub(crate) mod job_activation;
pub(crate) mod json_text;
pub(crate) mod mappings;
pub(crate) mod variables;

use hornet_protocol::value::ErrorType;

/// A step that cannot go on until someone intervenes: becomes an incident on the element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub error_type: ErrorType,
    pub message: String,
}

impl Failure {
    pub fn new(error_type: ErrorType, message: impl Into<String>) -> Failure {
        Failure {
            error_type,
            message: message.into(),
        }
    }
}
