//! What an evaluation returns: the output of the requested decision and the details of every
//! decision evaluated on the way, as Zeebe's `EvaluateDecision` response reports them.

use crate::error::DmnError;
use crate::model::DecisionType;
use hornet_feel::Value;

/// The result of evaluating a decision (and the decisions it requires).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionResult {
    /// The output of the requested decision.
    pub output: Value,
    /// Every decision evaluated, required decisions first, the requested decision last.
    pub evaluated_decisions: Vec<EvaluatedDecision>,
}

/// One evaluated decision.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedDecision {
    pub decision_id: String,
    pub decision_name: String,
    pub decision_type: DecisionType,
    pub output: Value,
    /// Input values of a decision table (empty for other decision logic).
    pub inputs: Vec<EvaluatedInput>,
    /// Rules of a decision table that matched, in rule order.
    pub matched_rules: Vec<MatchedRule>,
}

/// The value of a decision table input.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedInput {
    pub input_id: String,
    /// The input's label, or else its expression text cut to 30 characters (as Zeebe does).
    pub input_name: String,
    pub value: Value,
}

/// A matched decision table rule.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchedRule {
    pub rule_id: String,
    /// 1-based position of the rule in the table.
    pub rule_index: usize,
    pub outputs: Vec<EvaluatedOutput>,
}

/// The value of one output entry of a matched rule.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedOutput {
    pub output_id: String,
    /// The output's label, or else its name (Zeebe favours the label).
    pub output_name: String,
    pub value: Value,
}

/// An evaluation that failed, with what was evaluated before the failure (Zeebe reports both).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("decision '{failed_decision_id}' failed: {error}")]
pub struct EvaluationFailure {
    pub failed_decision_id: String,
    pub error: DmnError,
    /// Decisions that were evaluated successfully before the failure.
    pub evaluated_decisions: Vec<EvaluatedDecision>,
}
