//! Flow scopes: the process, embedded sub-processes and event sub-processes; and what happens around a
//! terminated element (Zeebe's container processors and `onChildTerminated`).

use super::transitions::{activate_child, activated, completed, take_outgoing};
use super::{call_activity, compensation, events, multi_instance, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::incidents;
use crate::processing::behaviour::mappings::{apply_inputs, apply_outputs};
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState, EventTrigger};
use crate::state::variables;
use hornet_bpmn::ElementKind;
use hornet_protocol::value::{ProcessInstanceCreationRecord, ProcessInstanceResultRecord};
use hornet_protocol::{
    Document, Key, ProcessInstanceCreationIntent, ProcessInstanceIntent,
    ProcessInstanceResultIntent, RecordKind, RecordValue, Rejection, RejectionType,
};

/// An interrupting event waiting for the element instance `key` (of element `element_id`), or its
/// children, to terminate. (A trigger naming the element itself holds the variables that started it.)
pub(crate) fn pending_interruption(
    ctx: &Ctx<'_>,
    key: Key,
    element_id: &str,
) -> Result<Option<EventTrigger>, EngineError> {
    Ok(element_instances::event_trigger(&ctx.state, key)?.filter(|t| t.element_id != element_id))
}

pub(crate) fn on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = events::subscribe_event_sub_processes(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;
    if matches!(element.kind, ElementKind::Process(_)) {
        // An instance started by a message, signal or timer begins at that start event; one created
        // with start instructions at the named element.
        if let Some(trigger) = element_instances::event_trigger(&ctx.state, el.key)? {
            if let Some(start) = el.process.find(&trigger.element_id) {
                if el.process.model.element(start).flow_scope == Some(el.process.model.root()) {
                    return events::activate_triggered_event_sub_process(ctx, el, &trigger);
                }
            }
        }
    }
    let start = match &element.kind {
        ElementKind::EventSubProcess(scope) => scope.start_events.first().copied(),
        _ => el.process.model.none_start_event(el.idx),
    };
    if let Some(start) = start {
        activate_child(ctx, el, start, el.key);
    }
    Ok(())
}

pub(crate) fn on_complete(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if matches!(el.element().kind, ElementKind::Process(_)) {
        return complete_process(ctx, el);
    }
    let element = el.element();
    if let Err(failure) = apply_outputs(
        ctx,
        &el.owner(),
        el.key,
        el.record.flow_scope_key,
        &element.outputs,
        None,
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
    take_outgoing(ctx, el)
}

fn complete_process(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let awaiting = element_instances::awaiting_result(&ctx.state, el.key)?;
    let result_variables = match &awaiting {
        Some(awaiting) => Some(variables::fetched_document(
            &ctx.state,
            el.key,
            &awaiting.fetch_variables,
        )?),
        None => None,
    };
    events::unsubscribe(ctx, el)?;
    compensation::on_process_ending(ctx, el)?;
    let parent = if el.record.parent_element_instance_key.is_none() {
        None
    } else {
        call_activity::child_completing(ctx, el)?
    };
    completed(ctx, el)?;
    if let Some((parent_key, parent_record)) = parent {
        ctx.follow_up(
            parent_key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, parent_record),
        );
    }
    if let (Some(awaiting), Some(variables)) = (awaiting, result_variables) {
        let record = ctx.response_record(
            el.key,
            RecordKind::Event,
            RecordValue::ProcessInstanceResult(
                ProcessInstanceResultIntent::Completed,
                ProcessInstanceResultRecord {
                    bpmn_process_id: el.record.bpmn_process_id.to_string(),
                    version: el.record.version,
                    process_definition_key: el.record.process_definition_key,
                    process_instance_key: el.key,
                    variables,
                    tenant_id: el.record.tenant_id.to_string(),
                },
            ),
        );
        ctx.respond_to(awaiting.request, record);
    }
    Ok(())
}

pub(crate) fn on_terminate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    events::unsubscribe(ctx, el)?;
    incidents::resolve_all(ctx, el.key)?;
    match el.element().kind {
        ElementKind::Process(_) => compensation::on_process_ending(ctx, el)?,
        ElementKind::SubProcess(_) => compensation::on_sub_process_terminating(ctx, el)?,
        _ => {}
    }
    let children = element_instances::children(&ctx.state, el.key)?;
    if children.is_empty() {
        return terminated(ctx, el);
    }
    for child in children {
        if child.state != ElementState::Terminating {
            ctx.follow_up(
                child.key,
                RecordValue::ProcessInstance(ProcessInstanceIntent::TerminateElement, child.record),
            );
        }
    }
    Ok(())
}

/// Terminates all children of a flow scope that stays active (an interrupting event sub-process is
/// about to start in it). Returns whether it had children.
pub(crate) fn terminate_children(ctx: &mut Ctx<'_>, scope_key: Key) -> Result<bool, EngineError> {
    let children = element_instances::children(&ctx.state, scope_key)?;
    let any = !children.is_empty();
    for child in children {
        if child.state != ElementState::Terminating {
            ctx.follow_up(
                child.key,
                RecordValue::ProcessInstance(ProcessInstanceIntent::TerminateElement, child.record),
            );
        }
    }
    Ok(any)
}

/// Writes `ELEMENT_TERMINATED` for any element, then lets what waited for it go on: an interrupting
/// boundary event of the element, or its flow scope (terminating, or starting an interrupting event
/// sub-process, or completing).
pub(crate) fn terminated(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let interruption = pending_interruption(ctx, el.key, &el.record.element_id)?;
    let awaiting = if matches!(el.element().kind, ElementKind::Process(_)) {
        element_instances::awaiting_result(&ctx.state, el.key)?
    } else {
        None
    };
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementTerminated))?;
    if let Some(awaiting) = awaiting {
        let creation = ProcessInstanceCreationRecord {
            bpmn_process_id: el.record.bpmn_process_id.to_string(),
            version: el.record.version,
            process_definition_key: el.record.process_definition_key,
            process_instance_key: el.key,
            variables: Document::empty(),
            fetch_variables: awaiting.fetch_variables,
            start_instructions: Vec::new(),
            tenant_id: el.record.tenant_id.to_string(),
        };
        let record = ctx.response_record(
            el.key,
            RecordKind::Rejection(Rejection {
                kind: RejectionType::InvalidState,
                reason: format!(
                    "Expected to receive the result of process instance with key '{}', but it was terminated",
                    el.key
                ),
            }),
            RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::CreateWithAwaitingResult, creation),
        );
        ctx.respond_to(awaiting.request, record);
    }
    if matches!(el.element().kind, ElementKind::Process(_))
        && !el.record.parent_element_instance_key.is_none()
    {
        return call_activity::child_terminated(ctx, el);
    }
    let Some(scope) = element_instances::get_instance(&ctx.state, el.record.flow_scope_key)? else {
        return Ok(());
    };
    if let Some(trigger) = interruption {
        if scope.state == ElementState::Activated {
            events::activate_triggered_boundary(ctx, el, &trigger)?;
        }
        return Ok(());
    }
    match scope.state {
        ElementState::Terminating if scope.active_children == 0 => {
            if let Some(scope_el) = ElementCtx::of_instance(ctx, &scope)? {
                terminated(ctx, &scope_el)?;
            }
        }
        ElementState::Activated if scope.active_children > 0 => {
            // A path ended by termination: an inclusive join may no longer need to wait for it.
            super::transitions::recheck_inclusive_joins(ctx, el, scope.key)?;
        }
        ElementState::Activated if scope.active_children == 0 => {
            if let Some(trigger) = pending_interruption(ctx, scope.key, &scope.record.element_id)? {
                if let Some(scope_el) = ElementCtx::of_instance(ctx, &scope)? {
                    events::activate_triggered_event_sub_process(ctx, &scope_el, &trigger)?;
                }
            } else if scope.active_flows == 0 {
                ctx.follow_up(
                    scope.key,
                    RecordValue::ProcessInstance(
                        ProcessInstanceIntent::CompleteElement,
                        scope.record,
                    ),
                );
            }
        }
        _ => {}
    }
    Ok(())
}
