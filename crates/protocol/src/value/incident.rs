//! Incidents: failures that stop an element until someone resolves them.

use crate::bpmn::named_enum;
use crate::key::Key;
use serde::{Deserialize, Serialize};

named_enum! {
    /// Why an incident was raised, as in Zeebe's `ErrorType`.
    ErrorType {
        Unknown => "UNKNOWN",
        IoMappingError => "IO_MAPPING_ERROR",
        JobNoRetries => "JOB_NO_RETRIES",
        ConditionError => "CONDITION_ERROR",
        ExtractValueError => "EXTRACT_VALUE_ERROR",
        CalledElementError => "CALLED_ELEMENT_ERROR",
        UnhandledErrorEvent => "UNHANDLED_ERROR_EVENT",
        MessageSizeExceeded => "MESSAGE_SIZE_EXCEEDED",
        CalledDecisionError => "CALLED_DECISION_ERROR",
        DecisionEvaluationError => "DECISION_EVALUATION_ERROR",
        FormNotFound => "FORM_NOT_FOUND",
        ResourceNotFound => "RESOURCE_NOT_FOUND",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentRecord {
    pub error_type: ErrorType,
    pub error_message: String,
    pub bpmn_process_id: String,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub element_id: String,
    pub element_instance_key: Key,
    pub job_key: Key,
    pub variable_scope_key: Key,
    pub tenant_id: String,
}

impl IncidentRecord {
    /// An incident with no field set: what a command that names its incident by key alone carries.
    pub fn empty() -> IncidentRecord {
        IncidentRecord {
            error_type: ErrorType::Unknown,
            error_message: String::new(),
            bpmn_process_id: String::new(),
            process_definition_key: Key::NONE,
            process_instance_key: Key::NONE,
            element_id: String::new(),
            element_instance_key: Key::NONE,
            job_key: Key::NONE,
            variable_scope_key: Key::NONE,
            tenant_id: String::new(),
        }
    }
}
