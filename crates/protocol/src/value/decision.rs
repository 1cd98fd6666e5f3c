//! Deployed DMN decisions, their decision requirements graphs (DRGs), and decision evaluations.

use crate::document::Document;
use crate::key::Key;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A deployed decision (one `<decision>` of a DRG), as Zeebe's `DecisionRecord`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    pub decision_id: String,
    pub decision_name: String,
    pub version: i32,
    pub decision_key: Key,
    pub decision_requirements_id: String,
    pub decision_requirements_key: Key,
    pub duplicate: bool,
    pub tenant_id: String,
    pub deployment_key: Key,
    pub version_tag: String,
}

/// A deployed DMN resource (its `<definitions>`), as Zeebe's `DecisionRequirementsRecord`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRequirementsRecord {
    pub decision_requirements_id: String,
    pub decision_requirements_name: String,
    pub decision_requirements_version: i32,
    pub decision_requirements_key: Key,
    pub namespace: String,
    pub resource_name: String,
    pub checksum: Bytes,
    pub resource: Bytes,
    pub duplicate: bool,
    pub tenant_id: String,
}

/// The value of one decision table input during an evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatedInputValue {
    pub input_id: String,
    pub input_name: String,
    /// JSON text.
    pub input_value: String,
}

/// The value of one output entry of a matched rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatedOutputValue {
    pub output_id: String,
    pub output_name: String,
    /// JSON text.
    pub output_value: String,
}

/// A decision table rule that matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedRuleValue {
    pub rule_id: String,
    /// 1-based position of the rule in its table.
    pub rule_index: i32,
    pub evaluated_outputs: Vec<EvaluatedOutputValue>,
}

/// One decision evaluated during an evaluation (the requested one and those it requires).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluatedDecisionValue {
    pub decision_id: String,
    pub decision_name: String,
    pub decision_key: Key,
    pub decision_version: i32,
    /// `DECISION_TABLE`, `LITERAL_EXPRESSION`, ... as Zeebe names them.
    pub decision_type: String,
    /// JSON text.
    pub decision_output: String,
    pub evaluated_inputs: Vec<EvaluatedInputValue>,
    pub matched_rules: Vec<MatchedRuleValue>,
    pub tenant_id: String,
    /// `<evaluation key>-<1-based position>`: this decision's evaluation within the evaluation.
    pub decision_evaluation_instance_key: String,
}

/// A decision evaluation: the EVALUATE command (by key or by id) and its EVALUATED / FAILED events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionEvaluationRecord {
    pub decision_key: Key,
    pub decision_id: String,
    pub decision_name: String,
    pub decision_version: i32,
    pub decision_requirements_id: String,
    pub decision_requirements_key: Key,
    /// JSON text of the requested decision's output (`null` when the evaluation failed).
    pub decision_output: String,
    pub variables: Document,
    pub process_definition_key: Key,
    pub bpmn_process_id: String,
    pub process_instance_key: Key,
    pub element_instance_key: Key,
    pub element_id: String,
    pub evaluated_decisions: Vec<EvaluatedDecisionValue>,
    pub failed_decision_id: String,
    pub evaluation_failure_message: String,
    pub tenant_id: String,
}

impl Default for DecisionEvaluationRecord {
    fn default() -> Self {
        DecisionEvaluationRecord {
            decision_key: Key::NONE,
            decision_id: String::new(),
            decision_name: String::new(),
            decision_version: -1,
            decision_requirements_id: String::new(),
            decision_requirements_key: Key::NONE,
            decision_output: String::new(),
            variables: Document::empty(),
            process_definition_key: Key::NONE,
            bpmn_process_id: String::new(),
            process_instance_key: Key::NONE,
            element_instance_key: Key::NONE,
            element_id: String::new(),
            evaluated_decisions: Vec::new(),
            failed_decision_id: String::new(),
            evaluation_failure_message: String::new(),
            tenant_id: String::new(),
        }
    }
}

/// What a deployment made of one decision (Zeebe's `DecisionRecord` inside `decisionsMetadata`).
pub type DecisionMetadata = DecisionRecord;

/// What a deployment made of one DMN resource, without the resource bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRequirementsMetadata {
    pub decision_requirements_id: String,
    pub decision_requirements_name: String,
    pub decision_requirements_version: i32,
    pub decision_requirements_key: Key,
    pub namespace: String,
    pub resource_name: String,
    pub checksum: Bytes,
    pub duplicate: bool,
    pub tenant_id: String,
}
