//! PROCESS_INSTANCE and PROCESS_INSTANCE_CREATION events: the element instance lifecycle.
//!
//! Token accounting follows Zeebe: taking a sequence flow adds a token to the flow scope
//! (`active_flows`), activating an element reached by sequence flows consumes them (one, or one per
//! incoming flow for a parallel join, whose taken flows are counted per flow id); a flow scope can
//! complete when it has neither live children nor tokens.

use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use crate::process_cache::ProcessCache;
use crate::processing::bpmn::events::never_catches;
use crate::state::element_instances::{
    self, AwaitingResult, ElementInstance, ElementState, EventTrigger,
};
use crate::state::{jobs, variables};
use hornet_bpmn::ElementKind;
use hornet_protocol::value::{
    ProcessEventRecord, ProcessInstanceCreationRecord, ProcessInstanceRecord,
};
use hornet_protocol::{
    BpmnElementType, Key, ProcessEventIntent, ProcessInstanceCreationIntent, ProcessInstanceIntent,
    Record,
};

pub(super) fn apply(
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    key: Key,
    intent: ProcessInstanceIntent,
    value: &ProcessInstanceRecord,
) -> Result<(), EngineError> {
    match intent {
        ProcessInstanceIntent::ElementActivating => activating(processes, state, key, value),
        ProcessInstanceIntent::ElementActivated => set_state(state, key, ElementState::Activated),
        ProcessInstanceIntent::ElementCompleting => set_state(state, key, ElementState::Completing),
        ProcessInstanceIntent::ElementTerminating => {
            set_state(state, key, ElementState::Terminating)
        }
        ProcessInstanceIntent::ElementCompleted | ProcessInstanceIntent::ElementTerminated => {
            ended(
                processes,
                state,
                key,
                value,
                intent == ProcessInstanceIntent::ElementCompleted,
            )
        }
        ProcessInstanceIntent::SequenceFlowTaken => flow_taken(processes, state, value),
        ProcessInstanceIntent::Cancel
        | ProcessInstanceIntent::ActivateElement
        | ProcessInstanceIntent::CompleteElement
        | ProcessInstanceIntent::TerminateElement
        | ProcessInstanceIntent::SequenceFlowDeleted => Ok(()),
    }
}

fn set_state(
    state: &mut dyn KvWrite,
    key: Key,
    new_state: ElementState,
) -> Result<(), EngineError> {
    if let Some(mut instance) = element_instances::get_instance(state, key)? {
        instance.state = new_state;
        element_instances::put_instance(state, &instance)?;
    }
    Ok(())
}

fn activating(
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    key: Key,
    value: &ProcessInstanceRecord,
) -> Result<(), EngineError> {
    let instance = ElementInstance {
        key,
        state: ElementState::Activating,
        record: value.clone(),
        active_children: 0,
        active_flows: 0,
        job_key: Key::NONE,
        trigger_variables: None,
        called_instance: Key::NONE,
        loop_counter: 0,
        inner_activated: 0,
        inner_completed: 0,
        inner_terminated: 0,
        has_variables: value.bpmn_element_type == BpmnElementType::Process,
    };
    element_instances::put_instance(state, &instance)?;
    if value.bpmn_element_type == BpmnElementType::Process {
        set_called_instance(state, value.parent_element_instance_key, key)?;
    }
    let Some(mut scope) = element_instances::get_instance(state, value.flow_scope_key)? else {
        return Ok(());
    };
    element_instances::add_child(state, scope.key, key);
    scope.active_children += 1;
    if scope.record.bpmn_element_type == BpmnElementType::MultiInstanceBody {
        scope.inner_activated += 1;
        let mut inner = instance;
        inner.loop_counter = scope.inner_activated;
        element_instances::put_instance(state, &inner)?;
        // An inner instance is never reached by a sequence flow.
        return element_instances::put_instance(state, &scope);
    }

    // Consume the tokens that led here.
    let process = processes.require(state, value.process_definition_key)?;
    if let Some(idx) = process.find(&value.element_id) {
        let element = process.model.element(idx);
        if !element.incoming.is_empty()
            && !matches!(
                element.element_type,
                BpmnElementType::StartEvent | BpmnElementType::BoundaryEvent
            )
        {
            if is_join(element) {
                // A join consumes one token per incoming flow that brought one (a parallel join has
                // one on every flow; an inclusive join on those that could be reached).
                let mut consumed = 0u32;
                for flow in &element.incoming {
                    let flow_id = &process.model.element(*flow).id;
                    let count = element_instances::taken_flow_count(
                        state,
                        scope.key,
                        &element.id,
                        flow_id,
                    )?;
                    if count > 0 {
                        consumed += 1;
                    }
                    element_instances::set_taken_flow_count(
                        state,
                        scope.key,
                        &element.id,
                        flow_id,
                        count.saturating_sub(1),
                    )?;
                }
                scope.active_flows = scope.active_flows.saturating_sub(consumed);
            } else {
                scope.active_flows = scope.active_flows.saturating_sub(1);
            }
        }
    }
    element_instances::put_instance(state, &scope)
}

fn ended(
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    key: Key,
    value: &ProcessInstanceRecord,
    completed: bool,
) -> Result<(), EngineError> {
    let instance = element_instances::get_instance(state, key)?;
    if let Some(instance) = &instance {
        // A job left behind (an error was thrown from it) ends with its element.
        if !instance.job_key.is_none() {
            jobs::delete(state, instance.job_key)?;
        }
    }
    element_instances::delete_instance(state, key);
    if may_hold_event_trigger(
        processes,
        state,
        value.process_definition_key,
        &value.element_id,
    )? {
        element_instances::delete_event_trigger(state, key);
    }
    if instance
        .as_ref()
        .is_none_or(|instance| instance.has_variables)
    {
        variables::delete_scope(state, key)?;
    }
    if holds_sequence_flows(value.bpmn_element_type) {
        element_instances::clear_taken_flows(state, key)?;
    }
    if value.bpmn_element_type == BpmnElementType::Process {
        element_instances::delete_awaiting_result(state, key);
        set_called_instance(state, value.parent_element_instance_key, Key::NONE)?;
        if processes
            .require(state, value.process_definition_key)?
            .has_message_start
        {
            crate::state::messages::remove_start_correlation(state, key)?;
        }
    }
    if let Some(mut scope) = element_instances::get_instance(state, value.flow_scope_key)? {
        element_instances::remove_child(state, scope.key, key);
        scope.active_children = scope.active_children.saturating_sub(1);
        if scope.record.bpmn_element_type == BpmnElementType::MultiInstanceBody {
            if completed {
                scope.inner_completed += 1;
            } else {
                scope.inner_terminated += 1;
            }
        }
        element_instances::put_instance(state, &scope)?;
    }
    Ok(())
}

/// Whether instances of element `element_id` may hold an event trigger. Elements that never catch an
/// event hold none: no event interrupts them, and a trigger moved to one (a start instruction names
/// any element) would never be read, so it is not kept. Their end then skips the deletion, which
/// would still leave a tombstone for the state store to write and flush: four per instance of a
/// one-task process, a quarter of its state's deletes. When the model cannot tell, the answer is yes.
fn may_hold_event_trigger(
    processes: &mut ProcessCache,
    state: &dyn KvRead,
    process_definition_key: Key,
    element_id: &str,
) -> Result<bool, EngineError> {
    let Some(process) = processes.get(state, process_definition_key)? else {
        return Ok(true);
    };
    Ok(process
        .find(element_id)
        .is_none_or(|idx| !never_catches(process.model.element(idx))))
}

/// Whether instances of this type are flow scopes of sequence flows, the only elements whose key
/// taken flows are counted under. Others skip the clean-up, which costs a prefix scan of the state.
fn holds_sequence_flows(element_type: BpmnElementType) -> bool {
    matches!(
        element_type,
        BpmnElementType::Process
            | BpmnElementType::SubProcess
            | BpmnElementType::EventSubProcess
            | BpmnElementType::AdHocSubProcess
    )
}

/// Gateways that wait for tokens on several incoming flows: parallel gateways, and inclusive gateways
/// with more than one incoming flow.
pub(crate) fn is_join(element: &hornet_bpmn::Element) -> bool {
    match element.kind {
        ElementKind::ParallelGateway => true,
        ElementKind::InclusiveGateway { .. } => element.incoming.len() > 1,
        _ => false,
    }
}

/// Links a call activity to the process instance it started (or unlinks it).
fn set_called_instance(
    state: &mut dyn KvWrite,
    call_activity: Key,
    called: Key,
) -> Result<(), EngineError> {
    if let Some(mut parent) = element_instances::get_instance(state, call_activity)? {
        parent.called_instance = called;
        element_instances::put_instance(state, &parent)?;
    }
    Ok(())
}

fn flow_taken(
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    value: &ProcessInstanceRecord,
) -> Result<(), EngineError> {
    let Some(mut scope) = element_instances::get_instance(state, value.flow_scope_key)? else {
        return Ok(());
    };
    scope.active_flows += 1;
    element_instances::put_instance(state, &scope)?;
    let process = processes.require(state, value.process_definition_key)?;
    if let Some(flow) = process.find(&value.element_id) {
        if let ElementKind::SequenceFlow { target, .. } = &process.model.element(flow).kind {
            let target = process.model.element(*target);
            if is_join(target) {
                let count = element_instances::taken_flow_count(
                    state,
                    scope.key,
                    &target.id,
                    &value.element_id,
                )?;
                element_instances::set_taken_flow_count(
                    state,
                    scope.key,
                    &target.id,
                    &value.element_id,
                    count + 1,
                )?;
            }
        }
    }
    Ok(())
}

/// A creation awaiting its result carries the request on its CREATED event; the waiting client is kept
/// in state so any replica that becomes leader knows about it.
pub(super) fn apply_creation(
    state: &mut dyn KvWrite,
    event: &Record,
    intent: ProcessInstanceCreationIntent,
    value: &ProcessInstanceCreationRecord,
) -> Result<(), EngineError> {
    if intent != ProcessInstanceCreationIntent::Created {
        return Ok(());
    }
    if let Some(request) = event.request {
        element_instances::put_awaiting_result(
            state,
            value.process_instance_key,
            &AwaitingResult {
                request,
                fetch_variables: value.fetch_variables.clone(),
            },
        )?;
    }
    Ok(())
}

/// PROCESS_EVENT: TRIGGERING keeps the trigger on the scope it interrupts; TRIGGERED moves it to the new
/// catch element instance (the event's key), if that element can hold one.
pub(super) fn apply_process_event(
    processes: &mut ProcessCache,
    state: &mut dyn KvWrite,
    key: Key,
    intent: ProcessEventIntent,
    value: &ProcessEventRecord,
) -> Result<(), EngineError> {
    let trigger = EventTrigger {
        element_id: value.target_element_id.clone(),
        variables: (!value.variables.is_empty()).then(|| value.variables.as_str().to_string()),
    };
    match intent {
        ProcessEventIntent::Triggering => {
            element_instances::put_event_trigger(state, value.scope_key, &trigger)
        }
        ProcessEventIntent::Triggered => {
            if let Some(pending) = element_instances::event_trigger(state, value.scope_key)? {
                if pending.element_id == value.target_element_id {
                    element_instances::delete_event_trigger(state, value.scope_key);
                }
            }
            if may_hold_event_trigger(
                processes,
                state,
                value.process_definition_key,
                &value.target_element_id,
            )? {
                element_instances::put_event_trigger(state, key, &trigger)?;
            }
            Ok(())
        }
    }
}
