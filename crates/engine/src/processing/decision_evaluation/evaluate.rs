//! DECISION_EVALUATION EVALUATE: evaluates a decision chosen by key, or else by id (its latest version),
//! and answers with the EVALUATED event, or with the FAILED event when the evaluation fails (as Zeebe
//! does: a failed evaluation is a result, not a rejection).

use super::{evaluate, Evaluation};
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::decisions;
use hornet_protocol::value::DecisionEvaluationRecord;
use hornet_protocol::{DecisionEvaluationIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &DecisionEvaluationRecord,
) -> Result<(), EngineError> {
    let decision = if value.decision_key.get() > 0 {
        match decisions::decision_by_key(&ctx.state, value.decision_key)? {
            Some(decision) => decision,
            None => {
                ctx.reject(
                    command,
                    RejectionType::NotFound,
                    format!(
                        "Expected to evaluate decision with key '{}', but no such decision found",
                        value.decision_key.get()
                    ),
                );
                return Ok(());
            }
        }
    } else if !value.decision_id.is_empty() {
        match decisions::latest_decision(&ctx.state, &value.decision_id)? {
            Some(decision) => decision,
            None => {
                ctx.reject(
                    command,
                    RejectionType::NotFound,
                    format!(
                        "Expected to evaluate decision '{0}', but no decision found for id '{0}'",
                        value.decision_id
                    ),
                );
                return Ok(());
            }
        }
    } else {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected either a decision id or a valid decision key, but none provided",
        );
        return Ok(());
    };
    let key = ctx.next_key();
    let event = match evaluate(ctx, &decision, &value.variables.to_map(), key)? {
        Evaluation::Evaluated(record) => {
            RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Evaluated, Box::new(record))
        }
        Evaluation::Failed(record) => {
            RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Failed, Box::new(record))
        }
    };
    ctx.event_answering(command, key, event)?;
    Ok(())
}
