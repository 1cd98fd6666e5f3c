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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{LogEntry, ProcessedBatch};
    use crate::intent::DecisionEvaluationIntent;
    use crate::key::{PartitionId, Position};
    use crate::record::{Record, RecordKind};
    use crate::value::RecordValue;

    fn evaluated() -> Record {
        let value = DecisionEvaluationRecord {
            decision_key: Key::new(PartitionId(1), 5),
            decision_id: "dish".into(),
            decision_output: r#""Stew""#.into(),
            variables: Document::parse(r#"{"guests":4}"#).unwrap(),
            evaluated_decisions: vec![EvaluatedDecisionValue {
                decision_id: "dish".into(),
                decision_name: "Dish".into(),
                decision_key: Key::new(PartitionId(1), 5),
                decision_version: 1,
                decision_type: "DECISION_TABLE".into(),
                decision_output: r#""Stew""#.into(),
                evaluated_inputs: vec![EvaluatedInputValue {
                    input_id: "i".into(),
                    input_name: "Guests".into(),
                    input_value: "4".into(),
                }],
                matched_rules: vec![MatchedRuleValue {
                    rule_id: "r".into(),
                    rule_index: 1,
                    evaluated_outputs: vec![EvaluatedOutputValue {
                        output_id: "o".into(),
                        output_name: "Dish".into(),
                        output_value: r#""Stew""#.into(),
                    }],
                }],
                tenant_id: "<default>".into(),
                decision_evaluation_instance_key: "9-1".into(),
            }],
            tenant_id: "<default>".into(),
            ..Default::default()
        };
        Record {
            position: Position::default(),
            source_position: None,
            key: Key::new(PartitionId(1), 9),
            timestamp: 0,
            kind: RecordKind::Event,
            request: None,
            value: RecordValue::DecisionEvaluation(
                DecisionEvaluationIntent::Evaluated,
                Box::new(value),
            ),
        }
    }

    #[test]
    fn evaluations_survive_the_log_encoding() {
        let entry = LogEntry::Processed(ProcessedBatch {
            last_processed: Position::new(1, 0),
            records: vec![evaluated()],
        });
        let back = LogEntry::decode(2, &entry.encode().unwrap()).unwrap();
        assert_eq!(back.records()[0].value, evaluated().value);
    }

    #[test]
    fn exported_json_uses_zeebes_field_names() {
        let json = evaluated().to_json(PartitionId(1));
        assert_eq!(json["valueType"], "DECISION_EVALUATION");
        assert_eq!(json["intent"], "EVALUATED");
        let value = &json["value"];
        assert_eq!(value["decisionId"], "dish");
        assert_eq!(value["variables"]["guests"], 4);
        let decision = &value["evaluatedDecisions"][0];
        assert_eq!(decision["evaluatedInputs"][0]["inputValue"], "4");
        assert_eq!(
            decision["matchedRules"][0]["evaluatedOutputs"][0]["outputName"],
            "Dish"
        );
        assert_eq!(decision["decisionEvaluationInstanceKey"], "9-1");
    }
}
