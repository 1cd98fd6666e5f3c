//! Activities and pass-through events: job worker elements (service, send, script and business rule
//! tasks with a job, job based user tasks, throw and end events with a job), script tasks with a FEEL
//! expression, business rule tasks calling a decision, undefined and manual tasks, link throw events,
//! and none start, intermediate throw, end and terminate end events.

use super::transitions::{
    activate_child, activated, complete_element, completed, completing, end_of_path, take_outgoing,
};
use super::{compensation, container, events, multi_instance, user_task, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::{evaluate, evaluate_i32, evaluate_string};
use crate::processing::behaviour::mappings::{apply_inputs, apply_outputs};
use crate::processing::behaviour::Failure;
use crate::processing::behaviour::{incidents, job_activation};
use crate::processing::decision_evaluation::{self, Evaluation};
use crate::processing::Ctx;
use crate::state::decisions;
use crate::state::element_instances;
use crate::state::jobs::{self, JobState};
use hornet_bpmn::{BusinessRuleTask, ElementKind, EventDefinition, ScriptTask};
use hornet_protocol::value::{DecisionEvaluationRecord, ErrorType, JobRecord};
use hornet_protocol::{DecisionEvaluationIntent, Document, JobIntent, Key, RecordValue};

/// An element that creates a job and waits for it.
pub(crate) fn job_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let Some(definition) = element.job() else {
        return pass_through_on_activate(ctx, el);
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let job_type = match evaluate_string(
        ctx,
        el.key,
        &definition.job_type,
        ErrorType::ExtractValueError,
    )? {
        Ok(job_type) => job_type,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    let retries = match evaluate_i32(
        ctx,
        el.key,
        &definition.retries,
        ErrorType::ExtractValueError,
    )? {
        Ok(retries) => retries,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    let custom_headers = match &element.kind {
        ElementKind::UserTask(task) => {
            match user_task::job_headers(ctx, el.key, task, &definition.headers)? {
                Ok(headers) => headers,
                Err(failure) => {
                    return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure)
                }
            }
        }
        _ => definition.headers.clone(),
    };
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;
    let job = JobRecord {
        job_type: job_type.as_str().into(),
        retries,
        custom_headers,
        element_id: el.record.element_id.clone(),
        element_instance_key: el.key,
        bpmn_process_id: el.record.bpmn_process_id.clone(),
        process_definition_version: el.record.version,
        process_definition_key: el.record.process_definition_key,
        process_instance_key: el.record.process_instance_key,
        tenant_id: el.record.tenant_id.clone(),
        ..JobRecord::empty()
    };
    let key = ctx.next_key();
    ctx.event(key, RecordValue::Job(JobIntent::Created, Box::new(job)))?;
    job_activation::publish_work(ctx, key, &job_type)
}

/// A script task with a FEEL expression: evaluated while activating (a failure is an incident), its
/// result delivered to the completion step like a job's variables (so it propagates, or with output
/// mappings is local and mapped), all in one step.
pub(crate) fn script_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let ElementKind::ScriptTask(ScriptTask::Expression {
        expression,
        result_variable,
    }) = &element.kind
    else {
        return pass_through_on_activate(ctx, el);
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let result = match evaluate(ctx, el.key, expression, ErrorType::ExtractValueError)? {
        Ok(value) => value.to_json(),
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    let mut document = serde_json::Map::new();
    document.insert(result_variable.clone(), result);
    let delivered = serde_json::Value::Object(document).to_string();
    activated(ctx, el)?;
    completing(ctx, el)?;
    complete_with(ctx, el, Some(delivered))
}

/// A business rule task calling a decision (`zeebe:calledDecision`): the latest version of the decision
/// is evaluated with the element's visible variables while activating, writing DECISION_EVALUATION
/// EVALUATED; its output is delivered to the completion step under the result variable like a script
/// task's result (so it propagates, or with output mappings is local and mapped). A decision that is not
/// deployed is a CALLED_DECISION_ERROR incident; a failed evaluation writes DECISION_EVALUATION FAILED
/// and is a DECISION_EVALUATION_ERROR incident. Resolving the incident activates the element again.
pub(crate) fn decision_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let ElementKind::BusinessRuleTask(BusinessRuleTask::CalledDecision {
        decision_id,
        result_variable,
        ..
    }) = &element.kind
    else {
        return pass_through_on_activate(ctx, el);
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let decision_id = match evaluate_string(ctx, el.key, decision_id, ErrorType::ExtractValueError)?
    {
        Ok(decision_id) => decision_id,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    let Some(decision) = decisions::latest_decision(&ctx.state, &decision_id)? else {
        let failure = Failure::new(
            ErrorType::CalledDecisionError,
            format!(
                "Expected to evaluate decision '{decision_id}', but no decision found for id '{decision_id}'"
            ),
        );
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    };
    let variables: serde_json::Map<String, serde_json::Value> =
        crate::state::variables::visible(&ctx.state, el.key)?
            .into_iter()
            .collect();
    let key = ctx.next_key();
    let in_process = |mut record: DecisionEvaluationRecord| {
        record.process_definition_key = el.record.process_definition_key;
        record.bpmn_process_id = el.record.bpmn_process_id.to_string();
        record.process_instance_key = el.record.process_instance_key;
        record.element_instance_key = el.key;
        record.element_id = el.record.element_id.to_string();
        record
    };
    let output = match decision_evaluation::evaluate(ctx, &decision, &variables, key)? {
        Evaluation::Evaluated(record) => {
            let output = crate::state::variables::parse_json(&record.decision_output);
            ctx.event(
                key,
                RecordValue::DecisionEvaluation(
                    DecisionEvaluationIntent::Evaluated,
                    Box::new(in_process(record)),
                ),
            )?;
            output
        }
        Evaluation::Failed(record) => {
            let message = record.evaluation_failure_message.clone();
            ctx.event(
                key,
                RecordValue::DecisionEvaluation(
                    DecisionEvaluationIntent::Failed,
                    Box::new(in_process(record)),
                ),
            )?;
            let failure = Failure::new(ErrorType::DecisionEvaluationError, message);
            return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
        }
    };
    let mut document = serde_json::Map::new();
    document.insert(result_variable.clone(), output);
    let delivered = serde_json::Value::Object(document).to_string();
    activated(ctx, el)?;
    completing(ctx, el)?;
    complete_with(ctx, el, Some(delivered))
}

/// A signal throw event broadcasts its signal (with its local variables, e.g. from input mappings) and
/// passes through.
pub(crate) fn signal_throw_on_activate(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let element = el.element();
    let Some(EventDefinition::Signal { name }) = element.event_definition() else {
        return pass_through_on_activate(ctx, el);
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let name = match evaluate_string(ctx, el.key, name, ErrorType::ExtractValueError)? {
        Ok(name) => name,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    let local: serde_json::Map<String, serde_json::Value> =
        crate::state::variables::scope_variables(&ctx.state, el.key)?
            .into_iter()
            .map(|(name, v)| (name, crate::state::variables::parse_json(&v.value)))
            .collect();
    activated(ctx, el)?;
    crate::processing::signal::broadcast::broadcast(
        ctx,
        &hornet_protocol::value::SignalRecord {
            signal_name: name,
            variables: Document::from_map(&local),
            tenant_id: el.record.tenant_id.to_string(),
        },
    )?;
    complete_element(ctx, el);
    Ok(())
}

/// Elements without a wait state: activate and complete at once.
pub(crate) fn pass_through_on_activate(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<(), EngineError> {
    let element = el.element();
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;
    complete_element(ctx, el);
    Ok(())
}

/// The variables delivered to a completing element: by its job, by the event that triggered it, or (for
/// the start event of an event sub-process) by the event that started the sub-process.
fn delivered_variables(ctx: &Ctx<'_>, el: &ElementCtx) -> Result<Option<String>, EngineError> {
    if let Some(instance) = element_instances::get_instance(&ctx.state, el.key)? {
        if instance.trigger_variables.is_some() {
            return Ok(instance.trigger_variables);
        }
    }
    if events::never_catches(el.element()) {
        return Ok(None);
    }
    if let Some(trigger) = element_instances::event_trigger(&ctx.state, el.key)? {
        return Ok(trigger.variables);
    }
    if matches!(el.element().kind, ElementKind::StartEvent { .. }) {
        if let Some(trigger) =
            element_instances::event_trigger(&ctx.state, el.record.flow_scope_key)?
        {
            return Ok(trigger.variables);
        }
    }
    Ok(None)
}

/// Completion of any non-container element (output mappings, then the outgoing flows).
pub(crate) fn on_complete(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let delivered = delivered_variables(ctx, el)?;
    complete_with(ctx, el, delivered)
}

fn complete_with(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
    delivered: Option<String>,
) -> Result<(), EngineError> {
    let element = el.element();
    if let Err(failure) = apply_outputs(
        ctx,
        &el.owner(),
        el.key,
        el.record.flow_scope_key,
        &element.outputs,
        delivered.as_deref(),
    )? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = multi_instance::inner_completing(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    events::unsubscribe(ctx, el)?;
    compensation::on_activity_completing(ctx, el)?;
    completed(ctx, el)?;
    compensation::on_handler_completed(ctx, el)?;
    if multi_instance::is_inner(el) {
        return multi_instance::inner_completed(ctx, el);
    }
    if matches!(
        el.element().kind,
        ElementKind::EndEvent {
            definition: EventDefinition::Terminate,
            ..
        }
    ) {
        // A terminate end event ends its flow scope: the other children are terminated, and the scope
        // completes once the last of them has (or now, if there are none).
        if !container::terminate_children(ctx, el.record.flow_scope_key)? {
            end_of_path(ctx, el)?;
        }
        return Ok(());
    }
    if let ElementKind::IntermediateThrowEvent {
        definition:
            EventDefinition::Link {
                target: Some(target),
                ..
            },
        ..
    } = &element.kind
    {
        // A link throw event continues at its catch link event, without a sequence flow.
        activate_child(ctx, el, *target, el.record.flow_scope_key);
        return Ok(());
    }
    take_outgoing(ctx, el)
}

/// Termination of any non-container element: its job (or Camunda user task) is canceled, its
/// subscriptions closed and its incidents resolved.
pub(crate) fn on_terminate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if let Some(instance) = element_instances::get_instance(&ctx.state, el.key)? {
        if !instance.job_key.is_none() {
            if let Some(job) = jobs::get_job(&ctx.state, instance.job_key)? {
                if job.state != JobState::ErrorThrown {
                    ctx.event(
                        instance.job_key,
                        RecordValue::Job(JobIntent::Canceled, Box::new(job.record)),
                    )?;
                }
            }
        }
    }
    events::unsubscribe(ctx, el)?;
    incidents::resolve_all(ctx, el.key)?;
    if matches!(el.element().kind, ElementKind::UserTask(_)) {
        user_task::cancel(ctx, el.key)?;
    }
    container::terminated(ctx, el)
}
