//! Call activities: start an instance of another process (the latest version of its BPMN process id, the
//! latest with a version tag, or the one deployed together with the caller), wait for it, and take over
//! its variables.
//!
//! * Activating: input mappings, then the called process id (static or FEEL) is resolved; a missing
//!   process is a CALLED_ELEMENT_ERROR incident. With `propagateAllParentVariables` (the default) the
//!   variables visible at the call activity become the child's root variables.
//! * The child's records name the parent (`parentProcessInstanceKey`, `parentElementInstanceKey`).
//! * When the child completes, its root variables (with `propagateAllChildVariables`, the default) are
//!   delivered to the call activity, whose output step merges them like a job's variables.
//! * Terminating the call activity terminates the child first.

use super::transitions::activated;
use super::{container, events, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::evaluate_string;
use crate::processing::behaviour::mappings::apply_inputs;
use crate::processing::behaviour::variables::{create_all_in_new_scope, VariableOwner};
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use crate::state::{processes, variables};
use hornet_bpmn::{Binding, ElementKind};
use hornet_protocol::value::{ErrorType, ProcessEventRecord, ProcessInstanceRecord};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, Document, Key, ProcessEventIntent, ProcessInstanceIntent,
    RecordValue,
};

pub(crate) fn on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let ElementKind::CallActivity(call) = &element.kind else {
        return Ok(());
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let process_id =
        match evaluate_string(ctx, el.key, &call.process_id, ErrorType::ExtractValueError)? {
            Ok(id) => id,
            Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
        };
    let (found, missing) = match &call.binding {
        Binding::Latest => (
            processes::latest(&ctx.state, &process_id)?.map(|l| l.process_definition_key),
            format!("Expected process with BPMN process id '{process_id}' to be deployed, but not found."),
        ),
        Binding::VersionTag(tag) => (
            processes::key_by_version_tag(&ctx.state, &process_id, tag)?,
            format!("Expected process with BPMN process id '{process_id}' and version tag '{tag}' to be deployed, but not found."),
        ),
        Binding::Deployment => {
            let deployment = processes::get_by_key(&ctx.state, el.record.process_definition_key)?
                .map(|p| p.deployment_key)
                .unwrap_or(Key::NONE);
            (
                processes::key_by_deployment(&ctx.state, deployment, &process_id)?,
                format!("Expected process with BPMN process id '{process_id}' to be deployed with the calling process (binding type 'deployment'), but not found."),
            )
        }
    };
    let Some(definition_key) = found else {
        let failure = Failure::new(ErrorType::CalledElementError, missing);
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    };
    let called = ctx.process(definition_key)?;
    if called.model.none_start_event(called.model.root()).is_none() {
        let failure = Failure::new(
            ErrorType::CalledElementError,
            format!("Expected process with BPMN process id '{process_id}' to have a none start event, but not found."),
        );
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;

    let child_key = ctx.next_key();
    if call.propagate_all_parent_variables {
        let visible = variables::visible(&ctx.state, el.key)?;
        let document: serde_json::Map<String, serde_json::Value> = visible.into_iter().collect();
        let owner = VariableOwner {
            process_instance_key: child_key,
            process_definition_key: definition_key,
            bpmn_process_id: called.bpmn_process_id.as_str().into(),
            tenant_id: el.record.tenant_id.clone(),
        };
        create_all_in_new_scope(ctx, &owner, child_key, &document)?;
    }
    let root = called.model.element(called.model.root());
    let record = ProcessInstanceRecord {
        bpmn_process_id: called.bpmn_process_id.as_str().into(),
        version: called.version,
        process_definition_key: definition_key,
        process_instance_key: child_key,
        element_id: root.id.as_str().into(),
        flow_scope_key: Key::NONE,
        bpmn_element_type: BpmnElementType::Process,
        bpmn_event_type: BpmnEventType::Unspecified,
        parent_process_instance_key: el.record.process_instance_key,
        parent_element_instance_key: el.key,
        tenant_id: el.record.tenant_id.clone(),
    };
    ctx.follow_up(
        child_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    Ok(())
}

/// A called process instance completed: hand its variables to the call activity and complete it.
/// Runs before the child's ELEMENT_COMPLETED (which drops the child's variables).
pub(crate) fn child_completing(
    ctx: &mut Ctx<'_>,
    child: &ElementCtx,
) -> Result<Option<(Key, ProcessInstanceRecord)>, EngineError> {
    let parent_key = child.record.parent_element_instance_key;
    let Some(parent) = element_instances::get_instance(&ctx.state, parent_key)? else {
        return Ok(None);
    };
    if parent.state != ElementState::Activated {
        return Ok(None);
    }
    let Some(parent_el) = ElementCtx::of_instance(ctx, &parent)? else {
        return Ok(None);
    };
    let propagate = match &parent_el.element().kind {
        ElementKind::CallActivity(call) => call.propagate_all_child_variables,
        _ => false,
    };
    if propagate {
        let visible = variables::visible(&ctx.state, child.key)?;
        let document: serde_json::Map<String, serde_json::Value> = visible.into_iter().collect();
        let key = ctx.next_key();
        ctx.event(
            key,
            RecordValue::ProcessEvent(
                ProcessEventIntent::Triggering,
                ProcessEventRecord {
                    scope_key: parent.key,
                    target_element_id: parent.record.element_id.to_string(),
                    variables: Document::from_map(&document),
                    process_definition_key: parent.record.process_definition_key,
                    process_instance_key: parent.record.process_instance_key,
                    tenant_id: parent.record.tenant_id.to_string(),
                },
            ),
        )?;
    }
    Ok(Some((parent.key, parent.record)))
}

/// Terminating a call activity terminates the process instance it started first.
pub(crate) fn on_terminate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    events::unsubscribe(ctx, el)?;
    incidents::resolve_all(ctx, el.key)?;
    let called = element_instances::get_instance(&ctx.state, el.key)?
        .map(|instance| instance.called_instance)
        .unwrap_or(Key::NONE);
    match element_instances::get_instance(&ctx.state, called)? {
        Some(child) => {
            if child.state != ElementState::Terminating {
                ctx.follow_up(
                    child.key,
                    RecordValue::ProcessInstance(
                        ProcessInstanceIntent::TerminateElement,
                        child.record,
                    ),
                );
            }
            Ok(())
        }
        None => container::terminated(ctx, el),
    }
}

/// A called process instance was terminated: a terminating call activity may now finish.
pub(crate) fn child_terminated(ctx: &mut Ctx<'_>, child: &ElementCtx) -> Result<(), EngineError> {
    let Some(parent) =
        element_instances::get_instance(&ctx.state, child.record.parent_element_instance_key)?
    else {
        return Ok(());
    };
    if parent.state == ElementState::Terminating {
        if let Some(parent_el) = ElementCtx::of_instance(ctx, &parent)? {
            container::terminated(ctx, &parent_el)?;
        }
    }
    Ok(())
}
