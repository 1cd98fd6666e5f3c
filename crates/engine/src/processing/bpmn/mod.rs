//! BPMN element processing: the `PROCESS_INSTANCE` commands `ACTIVATE_ELEMENT`, `COMPLETE_ELEMENT` and
//! `TERMINATE_ELEMENT`, dispatched to one processor per element kind (as Zeebe's `BpmnStreamProcessor`).
//!
//! Lifecycle: `ACTIVATE_ELEMENT` → `ELEMENT_ACTIVATING` → (input mappings, subscriptions) →
//! `ELEMENT_ACTIVATED` → (wait state: a job, a timer, a message) … `COMPLETE_ELEMENT` →
//! `ELEMENT_COMPLETING` → (output mappings) → `ELEMENT_COMPLETED` → `SEQUENCE_FLOW_TAKEN` →
//! `ACTIVATE_ELEMENT` of the target. A step that fails raises an incident and leaves the element in
//! `ELEMENT_ACTIVATING` or `ELEMENT_COMPLETING`; resolving the incident runs that step again
//! ([`continue_after_incident`]).

pub(crate) mod call_activity;
pub(crate) mod compensation;
pub(crate) mod container;
pub(crate) mod errors;
pub(crate) mod events;
pub(crate) mod gateway;
pub(crate) mod multi_instance;
pub(crate) mod start_events;
pub(crate) mod support;
pub(crate) mod task;
pub(crate) mod transitions;
pub(crate) mod user_task;

use super::behaviour;
use super::behaviour::variables::VariableOwner;
use super::Ctx;
use crate::error::EngineError;
use crate::process_cache::DeployedProcess;
use crate::state::element_instances::{self, ElementInstance, ElementState};
use hornet_bpmn::{Element, ElementIdx, ElementKind, EventDefinition};
use hornet_protocol::value::ProcessInstanceRecord;
use hornet_protocol::{
    BpmnElementType, Key, ProcessInstanceIntent, Record, RecordValue, RejectionType,
};
use std::sync::Arc;

/// One element instance being processed: its key, record, process and element (Zeebe's
/// `BpmnElementContext`).
#[derive(Clone)]
pub(crate) struct ElementCtx {
    pub key: Key,
    pub record: ProcessInstanceRecord,
    pub process: Arc<DeployedProcess>,
    pub idx: ElementIdx,
}

impl ElementCtx {
    pub fn element(&self) -> &Element {
        self.process.model.element(self.idx)
    }

    pub fn value(&self, intent: ProcessInstanceIntent) -> RecordValue {
        RecordValue::ProcessInstance(intent, self.record.clone())
    }

    pub fn owner(&self) -> VariableOwner {
        VariableOwner {
            process_instance_key: self.record.process_instance_key,
            process_definition_key: self.record.process_definition_key,
            bpmn_process_id: self.record.bpmn_process_id.clone(),
            tenant_id: self.record.tenant_id.clone(),
        }
    }

    /// The element context of a live element instance.
    pub fn of_instance(
        ctx: &mut Ctx<'_>,
        instance: &ElementInstance,
    ) -> Result<Option<ElementCtx>, EngineError> {
        let Some(process) = ctx.try_process(instance.record.process_definition_key)? else {
            return Ok(None);
        };
        let Some(idx) = element_index(&process, &instance.record) else {
            return Ok(None);
        };
        Ok(Some(ElementCtx {
            key: instance.key,
            record: instance.record.clone(),
            process,
            idx,
        }))
    }
}

/// Finds the element a process instance record refers to (the process element for the process itself).
pub(crate) fn element_index(
    process: &DeployedProcess,
    record: &ProcessInstanceRecord,
) -> Option<ElementIdx> {
    if record.bpmn_element_type == BpmnElementType::Process {
        return Some(process.model.root());
    }
    let idx = process.find(&record.element_id)?;
    // A multi-instance activity's body and inner activity share the id; `find` gives the body.
    match process.model.element(idx).multi_instance() {
        Some(body) if record.bpmn_element_type != BpmnElementType::MultiInstanceBody => {
            Some(body.inner)
        }
        _ => Some(idx),
    }
}

/// The record of a new instance of `idx` inside `flow_scope_key`.
pub(crate) fn child_record(
    process: &DeployedProcess,
    idx: ElementIdx,
    flow_scope_key: Key,
    base: &ProcessInstanceRecord,
) -> ProcessInstanceRecord {
    let element = process.model.element(idx);
    ProcessInstanceRecord {
        bpmn_process_id: base.bpmn_process_id.clone(),
        version: base.version,
        process_definition_key: base.process_definition_key,
        process_instance_key: base.process_instance_key,
        element_id: element.id.as_str().into(),
        flow_scope_key,
        bpmn_element_type: element.element_type,
        bpmn_event_type: element.event_type,
        parent_process_instance_key: base.parent_process_instance_key,
        parent_element_instance_key: base.parent_element_instance_key,
        tenant_id: base.tenant_id.clone(),
    }
}

pub(crate) fn process_command(
    ctx: &mut Ctx<'_>,
    command: &Record,
    intent: ProcessInstanceIntent,
    value: &ProcessInstanceRecord,
) -> Result<(), EngineError> {
    match intent {
        ProcessInstanceIntent::ActivateElement => activate(ctx, command, value),
        ProcessInstanceIntent::CompleteElement => complete(ctx, command),
        ProcessInstanceIntent::TerminateElement => terminate(ctx, command),
        _ => Ok(()),
    }
}

fn activate(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &ProcessInstanceRecord,
) -> Result<(), EngineError> {
    if !value.flow_scope_key.is_none() {
        match element_instances::get_instance(&ctx.state, value.flow_scope_key)? {
            None => {
                ctx.reject(
                    command,
                    RejectionType::NotFound,
                    format!(
                        "Expected to activate element '{}' in flow scope instance with key '{}', but no such flow scope instance was found",
                        value.element_id, value.flow_scope_key
                    ),
                );
                return Ok(());
            }
            Some(scope) if scope.state != ElementState::Activated => {
                ctx.reject(
                    command,
                    RejectionType::InvalidState,
                    format!(
                        "Expected flow scope instance with key '{}' to be in state 'ELEMENT_ACTIVATED', but it is in state '{}'",
                        value.flow_scope_key,
                        scope.state.intent()
                    ),
                );
                return Ok(());
            }
            Some(_) => {}
        }
    }
    let Some(process) = ctx.try_process(value.process_definition_key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to activate element of process definition with key '{}', but no such process definition was found",
                value.process_definition_key
            ),
        );
        return Ok(());
    };
    let Some(idx) = element_index(&process, value) else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to activate element '{}', but process '{}' has no such element",
                value.element_id, value.bpmn_process_id
            ),
        );
        return Ok(());
    };
    let key = if command.key.is_none() {
        ctx.next_key()
    } else {
        command.key
    };
    if element_instances::get_instance(&ctx.state, key)?.is_some() {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to activate element instance with key '{key}', but it is already active"
            ),
        );
        return Ok(());
    }
    let el = ElementCtx {
        key,
        record: value.clone(),
        process,
        idx,
    };
    ctx.event(key, el.value(ProcessInstanceIntent::ElementActivating))?;
    on_activate(ctx, &el)
}

fn complete(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let Some(instance) = element_instances::get_instance(&ctx.state, command.key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to complete element instance with key '{}', but no such element instance was found",
                command.key
            ),
        );
        return Ok(());
    };
    if instance.state != ElementState::Activated {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected element instance with key '{}' to be in state 'ELEMENT_ACTIVATED', but it is in state '{}'",
                command.key,
                instance.state.intent()
            ),
        );
        return Ok(());
    }
    let Some(el) = ElementCtx::of_instance(ctx, &instance)? else {
        return Err(EngineError::MissingProcess {
            key: instance.record.process_definition_key,
        });
    };
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementCompleting))?;
    on_complete(ctx, &el)
}

fn terminate(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let Some(instance) = element_instances::get_instance(&ctx.state, command.key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to terminate element instance with key '{}', but no such element instance was found",
                command.key
            ),
        );
        return Ok(());
    };
    if instance.state == ElementState::Terminating {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to terminate element instance with key '{}', but it is already terminating",
                command.key
            ),
        );
        return Ok(());
    }
    let Some(el) = ElementCtx::of_instance(ctx, &instance)? else {
        return Err(EngineError::MissingProcess {
            key: instance.record.process_definition_key,
        });
    };
    ctx.event(el.key, el.value(ProcessInstanceIntent::ElementTerminating))?;
    on_terminate(ctx, &el)
}

/// Runs the step that raised an incident again (incident resolution).
pub(crate) fn continue_after_incident(
    ctx: &mut Ctx<'_>,
    instance: &ElementInstance,
) -> Result<(), EngineError> {
    let Some(el) = ElementCtx::of_instance(ctx, instance)? else {
        return Ok(());
    };
    match instance.state {
        ElementState::Activating => on_activate(ctx, &el),
        ElementState::Completing => on_complete(ctx, &el),
        ElementState::Activated | ElementState::Terminating => Ok(()),
    }
}

/// After `ELEMENT_ACTIVATING`.
pub(crate) fn on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if let Err(failure) = multi_instance::inner_activating(ctx, el)? {
        return behaviour::incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    match &el.element().kind {
        ElementKind::MultiInstanceBody(_) => multi_instance::body_on_activate(ctx, el),
        ElementKind::Process(_) | ElementKind::SubProcess(_) | ElementKind::EventSubProcess(_) => {
            container::on_activate(ctx, el)
        }
        ElementKind::ExclusiveGateway { .. } => gateway::exclusive_on_activate(ctx, el),
        ElementKind::CallActivity(_) => call_activity::on_activate(ctx, el),
        ElementKind::ParallelGateway => gateway::parallel_on_activate(ctx, el),
        ElementKind::InclusiveGateway { .. } => gateway::inclusive_on_activate(ctx, el),
        ElementKind::EventBasedGateway { .. } => events::event_gateway_on_activate(ctx, el),
        ElementKind::IntermediateCatchEvent {
            definition: EventDefinition::Link { .. },
        } => task::pass_through_on_activate(ctx, el),
        ElementKind::IntermediateCatchEvent { .. } | ElementKind::ReceiveTask { .. } => {
            events::catch_on_activate(ctx, el)
        }
        ElementKind::ScriptTask(hornet_bpmn::ScriptTask::Expression { .. }) => {
            task::script_on_activate(ctx, el)
        }
        ElementKind::BusinessRuleTask(hornet_bpmn::BusinessRuleTask::CalledDecision { .. }) => {
            task::decision_on_activate(ctx, el)
        }
        ElementKind::BoundaryEvent { .. } => events::boundary_on_activate(ctx, el),
        ElementKind::IntermediateThrowEvent {
            definition: EventDefinition::Signal { .. },
            job: None,
        }
        | ElementKind::EndEvent {
            definition: EventDefinition::Signal { .. },
            job: None,
        } => task::signal_throw_on_activate(ctx, el),
        ElementKind::IntermediateThrowEvent {
            definition: EventDefinition::Escalation { .. },
            job: None,
        }
        | ElementKind::EndEvent {
            definition: EventDefinition::Escalation { .. },
            job: None,
        } => errors::escalation_throw_on_activate(ctx, el),
        ElementKind::EndEvent {
            definition,
            job: None,
        } if errors::is_error(definition) => errors::error_end_event_on_activate(ctx, el),
        ElementKind::IntermediateThrowEvent {
            definition: EventDefinition::Compensation { .. },
            job: None,
        }
        | ElementKind::EndEvent {
            definition: EventDefinition::Compensation { .. },
            job: None,
        } => compensation::throw_on_activate(ctx, el),
        ElementKind::UserTask(task)
            if matches!(
                task.implementation,
                hornet_bpmn::UserTaskImplementation::Native { .. }
            ) =>
        {
            user_task::native_on_activate(ctx, el)
        }
        _ if el.element().job().is_some() => task::job_on_activate(ctx, el),
        _ => task::pass_through_on_activate(ctx, el),
    }
}

/// After `ELEMENT_COMPLETING`.
pub(crate) fn on_complete(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    match &el.element().kind {
        ElementKind::MultiInstanceBody(_) => multi_instance::body_on_complete(ctx, el),
        ElementKind::Process(_) | ElementKind::SubProcess(_) | ElementKind::EventSubProcess(_) => {
            container::on_complete(ctx, el)
        }
        ElementKind::ParallelGateway => gateway::parallel_on_complete(ctx, el),
        ElementKind::EventBasedGateway { .. } => events::event_gateway_on_complete(ctx, el),
        _ => task::on_complete(ctx, el),
    }
}

/// After `ELEMENT_TERMINATING`.
pub(crate) fn on_terminate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    match &el.element().kind {
        ElementKind::Process(_)
        | ElementKind::SubProcess(_)
        | ElementKind::EventSubProcess(_)
        | ElementKind::MultiInstanceBody(_) => container::on_terminate(ctx, el),
        ElementKind::CallActivity(_) => call_activity::on_terminate(ctx, el),
        _ => task::on_terminate(ctx, el),
    }
}
