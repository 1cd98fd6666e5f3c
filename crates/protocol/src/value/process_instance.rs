//! Process instances: element lifecycle, creation, results and batch operations.

use crate::bpmn::{BpmnElementType, BpmnEventType};
use crate::document::Document;
use crate::key::Key;
use serde::{Deserialize, Serialize};
pub use smol_str::SmolStr;

/// The state of one element instance (or the process instance itself, whose element is the process).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInstanceRecord {
    pub bpmn_process_id: SmolStr,
    pub version: i32,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub element_id: SmolStr,
    pub flow_scope_key: Key,
    pub bpmn_element_type: BpmnElementType,
    pub bpmn_event_type: BpmnEventType,
    pub parent_process_instance_key: Key,
    pub parent_element_instance_key: Key,
    pub tenant_id: SmolStr,
}

/// A request to create a process instance, and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInstanceCreationRecord {
    pub bpmn_process_id: String,
    /// -1 selects the latest version.
    pub version: i32,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub variables: Document,
    /// For a creation awaiting its result: which variables the result carries (empty: all).
    pub fetch_variables: Vec<String>,
    /// Element ids to start at instead of the none start event.
    pub start_instructions: Vec<String>,
    pub tenant_id: String,
}

/// The result of a completed process instance, for a client that awaited it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInstanceResultRecord {
    pub bpmn_process_id: String,
    pub version: i32,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub variables: Document,
    pub tenant_id: String,
}

/// Activates or terminates the children of a large scope in chunks, so that no single batch grows unbounded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInstanceBatchRecord {
    pub process_instance_key: Key,
    pub batch_element_instance_key: Key,
    /// Where to continue (an element instance key or a collection index), -1 at the start.
    pub index: i64,
    pub tenant_id: String,
}
