//! ProcessInstanceCreation CREATE and CREATE_WITH_AWAITING_RESULT: picks the process definition (by key,
//! or by BPMN process id and version, `-1` meaning the latest), sets the variables on the new instance's
//! root scope, writes CREATED and activates the process element.
//!
//! CREATE answers at once with the CREATED record. CREATE_WITH_AWAITING_RESULT writes the CREATED event
//! with the command's request attached (the applier keeps it in state) and answers when the instance
//! completes (a ProcessInstanceResult COMPLETED record) or is terminated (a rejection).

use super::super::behaviour::variables::{create_all_in_new_scope, VariableOwner};
use super::super::deployment::create::DEFAULT_TENANT;
use crate::error::EngineError;
use crate::process_cache::DeployedProcess;
use crate::processing::bpmn::child_record;
use crate::processing::Ctx;
use crate::state::processes;
use hornet_bpmn::{ElementIdx, ElementKind};
use hornet_protocol::value::{
    ProcessEventRecord, ProcessInstanceCreationRecord, ProcessInstanceRecord,
};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, Document, Key, ProcessEventIntent,
    ProcessInstanceCreationIntent, ProcessInstanceIntent, Record, RecordValue, RejectionType,
};

fn resolve_definition(
    ctx: &mut Ctx<'_>,
    value: &ProcessInstanceCreationRecord,
) -> Result<Result<Key, String>, EngineError> {
    if !value.process_definition_key.is_none() && value.process_definition_key.get() > 0 {
        let key = value.process_definition_key;
        // The parsed-process cache answers without reading the stored resource again.
        return Ok(match ctx.try_process(key)? {
            Some(_) => Ok(key),
            None => Err(format!(
                "Expected to find process definition with key '{key}', but none found"
            )),
        });
    }
    let id = &value.bpmn_process_id;
    if value.version < 0 {
        return Ok(match processes::latest(&ctx.state, id)? {
            Some(latest) => Ok(latest.process_definition_key),
            None => Err(format!(
                "Expected to find process definition with process ID '{id}', but none found"
            )),
        });
    }
    Ok(match processes::key_by_version(&ctx.state, id, value.version)? {
        Some(key) => Ok(key),
        None => Err(format!(
            "Expected to find process definition with process ID '{}' and version '{}', but none found",
            id, value.version
        )),
    })
}

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    intent: ProcessInstanceCreationIntent,
    value: &ProcessInstanceCreationRecord,
) -> Result<(), EngineError> {
    if value.bpmn_process_id.is_empty()
        && (value.process_definition_key.is_none() || value.process_definition_key.get() <= 0)
    {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected at least a bpmnProcessId or a key greater than -1, but none given",
        );
        return Ok(());
    }
    let definition_key = match resolve_definition(ctx, value)? {
        Ok(key) => key,
        Err(reason) => {
            ctx.reject(command, RejectionType::NotFound, reason);
            return Ok(());
        }
    };
    let process = ctx.process(definition_key)?;
    let mut start_at = Vec::new();
    for element_id in &value.start_instructions {
        match start_instruction_target(&process, element_id) {
            Ok(idx) => start_at.push(idx),
            Err(reason) => {
                ctx.reject(command, RejectionType::InvalidArgument, reason);
                return Ok(());
            }
        }
    }
    if start_at.is_empty()
        && process
            .model
            .none_start_event(process.model.root())
            .is_none()
    {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            "Expected to create instance of process with none start event, but there is no such event",
        );
        return Ok(());
    }

    let instance_key = ctx.next_key();
    let tenant_id = if process.tenant_id.is_empty() {
        DEFAULT_TENANT.to_string()
    } else {
        process.tenant_id.clone()
    };
    let owner = VariableOwner {
        process_instance_key: instance_key,
        process_definition_key: definition_key,
        bpmn_process_id: process.bpmn_process_id.as_str().into(),
        tenant_id: tenant_id.as_str().into(),
    };
    create_all_in_new_scope(ctx, &owner, instance_key, &value.variables.to_map())?;

    let created = ProcessInstanceCreationRecord {
        bpmn_process_id: process.bpmn_process_id.clone(),
        version: process.version,
        process_definition_key: definition_key,
        process_instance_key: instance_key,
        variables: value.variables.clone(),
        fetch_variables: value.fetch_variables.clone(),
        start_instructions: value.start_instructions.clone(),
        tenant_id: tenant_id.clone(),
    };
    let awaiting = intent == ProcessInstanceCreationIntent::CreateWithAwaitingResult;
    let created =
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Created, created);
    if awaiting {
        ctx.event_with_request(instance_key, created, command.request)?;
    } else {
        ctx.event_answering(command, instance_key, created)?;
    }

    let root = process.model.element(process.model.root());
    let record = ProcessInstanceRecord {
        bpmn_process_id: process.bpmn_process_id.as_str().into(),
        version: process.version,
        process_definition_key: definition_key,
        process_instance_key: instance_key,
        element_id: root.id.as_str().into(),
        flow_scope_key: Key::NONE,
        bpmn_element_type: BpmnElementType::Process,
        bpmn_event_type: BpmnEventType::Unspecified,
        parent_process_instance_key: Key::NONE,
        parent_element_instance_key: Key::NONE,
        tenant_id: tenant_id.into(),
    };
    // Start instructions: the first element is named by a PROCESS_EVENT trigger on the new instance (the
    // process activates it instead of its none start event), the others are activated after it.
    if let Some((first, rest)) = start_at.split_first() {
        let trigger_key = ctx.next_key();
        ctx.event(
            trigger_key,
            RecordValue::ProcessEvent(
                ProcessEventIntent::Triggering,
                ProcessEventRecord {
                    scope_key: instance_key,
                    target_element_id: process.model.element(*first).id.clone(),
                    variables: Document::empty(),
                    process_definition_key: definition_key,
                    process_instance_key: instance_key,
                    tenant_id: record.tenant_id.to_string(),
                },
            ),
        )?;
        let base = record.clone();
        ctx.follow_up(
            instance_key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
        );
        for idx in rest {
            let child = child_record(&process, *idx, instance_key, &base);
            let key = ctx.next_key();
            ctx.follow_up(
                key,
                RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, child),
            );
        }
        return Ok(());
    }
    ctx.follow_up(
        instance_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    Ok(())
}

/// An element a creation may start at: a flow node directly in the process (not a sequence flow, a
/// boundary event or an event sub-process), as far as Hornet supports start instructions.
fn start_instruction_target(
    process: &DeployedProcess,
    element_id: &str,
) -> Result<ElementIdx, String> {
    let Some(idx) = process.find(element_id) else {
        return Err(format!(
            "Expected to create instance of process with start instructions but no element found with id '{element_id}'."
        ));
    };
    let element = process.model.element(idx);
    let supported = element.flow_scope == Some(process.model.root())
        && !matches!(
            element.kind,
            ElementKind::SequenceFlow { .. }
                | ElementKind::BoundaryEvent { .. }
                | ElementKind::EventSubProcess(_)
        );
    if supported {
        Ok(idx)
    } else {
        Err(format!(
            "Expected to create instance of process with start instructions but the element with id '{element_id}' is not a flow node directly inside the process, which Hornet supports only."
        ))
    }
}
