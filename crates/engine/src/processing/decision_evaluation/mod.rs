//! DECISION_EVALUATION: evaluating a deployed decision, by the EVALUATE command (the gateway's
//! `EvaluateDecision`) or for a business rule task.
//!
//! The DMN model is parsed again from its DRG resource for each evaluation; the resource was parsed
//! strictly at deployment, so this cannot fail unless the state is corrupt.

pub(crate) mod evaluate;

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::decisions;
use hornet_dmn::{DecisionResult, EvalSettings, EvaluatedDecision, EvaluationFailure};
use hornet_protocol::value::{
    DecisionEvaluationRecord, DecisionRecord, EvaluatedDecisionValue, EvaluatedInputValue,
    EvaluatedOutputValue, MatchedRuleValue,
};
use hornet_protocol::{Document, Key};

/// What evaluating a decision gave: the record for the EVALUATED or FAILED event.
pub(crate) enum Evaluation {
    Evaluated(DecisionEvaluationRecord),
    Failed(DecisionEvaluationRecord),
}

/// Evaluates `decision` with `variables`. `evaluation_key` is the key the event will carry (it seeds
/// FEEL's random functions, so replays give the same result).
pub(crate) fn evaluate(
    ctx: &Ctx<'_>,
    decision: &DecisionRecord,
    variables: &serde_json::Map<String, serde_json::Value>,
    evaluation_key: Key,
) -> Result<Evaluation, EngineError> {
    let mut record = DecisionEvaluationRecord {
        decision_key: decision.decision_key,
        decision_id: decision.decision_id.clone(),
        decision_name: decision.decision_name.clone(),
        decision_version: decision.version,
        decision_requirements_id: decision.decision_requirements_id.clone(),
        decision_requirements_key: decision.decision_requirements_key,
        variables: Document::from_map(variables),
        tenant_id: decision.tenant_id.clone(),
        ..DecisionEvaluationRecord::default()
    };
    let drg = decisions::drg_by_key(&ctx.state, decision.decision_requirements_key)?;
    let definitions = match drg.map(|drg| hornet_dmn::parse_definitions(&drg.resource)) {
        Some(Ok(definitions)) => definitions,
        Some(Err(error)) => {
            return Ok(Evaluation::Failed(failed(
                record,
                &decision.decision_id,
                &format!("its decision requirements do not parse: {error}"),
            )))
        }
        None => {
            return Ok(Evaluation::Failed(failed(
                record,
                &decision.decision_id,
                &format!(
                    "its decision requirements (key {}) are not deployed",
                    decision.decision_requirements_key.get()
                ),
            )))
        }
    };
    let settings = EvalSettings {
        now_millis: ctx.now,
        seed: evaluation_key.get() as u64,
    };
    match definitions.evaluate_decision(&decision.decision_id, variables, settings) {
        Ok(DecisionResult {
            output,
            evaluated_decisions,
        }) => {
            record.decision_output = output.to_json().to_string();
            record.evaluated_decisions =
                evaluated(ctx, decision, &evaluated_decisions, evaluation_key)?;
            Ok(Evaluation::Evaluated(record))
        }
        Err(EvaluationFailure {
            failed_decision_id,
            error,
            evaluated_decisions,
        }) => {
            record.evaluated_decisions =
                evaluated(ctx, decision, &evaluated_decisions, evaluation_key)?;
            Ok(Evaluation::Failed(failed(
                record,
                &failed_decision_id,
                &error.to_string(),
            )))
        }
    }
}

fn failed(
    mut record: DecisionEvaluationRecord,
    failed_decision_id: &str,
    reason: &str,
) -> DecisionEvaluationRecord {
    record.decision_output = "null".to_string();
    record.evaluation_failure_message =
        format!("Expected to evaluate decision '{failed_decision_id}', but {reason}");
    record.failed_decision_id = failed_decision_id.to_string();
    record
}

/// The evaluated decisions as records, each with its key and version in the same DRG version.
fn evaluated(
    ctx: &Ctx<'_>,
    requested: &DecisionRecord,
    decisions: &[EvaluatedDecision],
    evaluation_key: Key,
) -> Result<Vec<EvaluatedDecisionValue>, EngineError> {
    let mut values = Vec::with_capacity(decisions.len());
    for (position, decision) in decisions.iter().enumerate() {
        let deployed = match decisions::decision_key_in_drg(
            &ctx.state,
            requested.decision_requirements_key,
            &decision.decision_id,
        )? {
            Some(key) => decisions::decision_by_key(&ctx.state, key)?,
            None => None,
        };
        values.push(EvaluatedDecisionValue {
            decision_id: decision.decision_id.clone(),
            decision_name: decision.decision_name.clone(),
            decision_key: deployed.as_ref().map_or(Key::NONE, |d| d.decision_key),
            decision_version: deployed.as_ref().map_or(-1, |d| d.version),
            decision_type: decision.decision_type.zeebe_name().to_string(),
            decision_output: decision.output.to_json().to_string(),
            evaluated_inputs: decision
                .inputs
                .iter()
                .map(|input| EvaluatedInputValue {
                    input_id: input.input_id.clone(),
                    input_name: input.input_name.clone(),
                    input_value: input.value.to_json().to_string(),
                })
                .collect(),
            matched_rules: decision
                .matched_rules
                .iter()
                .map(|rule| MatchedRuleValue {
                    rule_id: rule.rule_id.clone(),
                    rule_index: i32::try_from(rule.rule_index).unwrap_or(i32::MAX),
                    evaluated_outputs: rule
                        .outputs
                        .iter()
                        .map(|output| EvaluatedOutputValue {
                            output_id: output.output_id.clone(),
                            output_name: output.output_name.clone(),
                            output_value: output.value.to_json().to_string(),
                        })
                        .collect(),
                })
                .collect(),
            tenant_id: requested.tenant_id.clone(),
            decision_evaluation_instance_key: format!("{}-{}", evaluation_key.get(), position + 1),
        });
    }
    Ok(values)
}
