//! ProcessInstanceCreation CREATE and CREATE_WITH_AWAITING_RESULT: picks the process definition (by key,
//! or by BPMN process id and version, `-1` meaning the latest), sets the variables on the new instance's
//! root scope, writes CREATED and activates the process element.
//!
//! CREATE answers at once with the CREATED record. CREATE_WITH_AWAITING_RESULT writes the CREATED event
//! with the command's request attached (the applier keeps it in state) and answers when the instance
//! completes (a ProcessInstanceResult COMPLETED record) or is terminated (a rejection).

use super::super::behaviour::variables::{merge_local, VariableOwner};
use super::super::deployment::create::DEFAULT_TENANT;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::processes;
use hornet_protocol::value::{ProcessInstanceCreationRecord, ProcessInstanceRecord};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, Key, ProcessInstanceCreationIntent, ProcessInstanceIntent,
    Record, RecordValue, RejectionType,
};

fn resolve_definition(
    ctx: &Ctx<'_>,
    value: &ProcessInstanceCreationRecord,
) -> Result<Result<Key, String>, EngineError> {
    if !value.process_definition_key.is_none() && value.process_definition_key.get() > 0 {
        let key = value.process_definition_key;
        return Ok(match processes::get_by_key(&ctx.state, key)? {
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
    if !value.start_instructions.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected to create a process instance at its none start event, but start instructions are not supported by Hornet yet",
        );
        return Ok(());
    }
    let process = ctx.process(definition_key)?;
    if process
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
        bpmn_process_id: process.bpmn_process_id.clone(),
        tenant_id: tenant_id.clone(),
    };
    merge_local(ctx, &owner, instance_key, &value.variables.to_map())?;

    let created = ProcessInstanceCreationRecord {
        bpmn_process_id: process.bpmn_process_id.clone(),
        version: process.version,
        process_definition_key: definition_key,
        process_instance_key: instance_key,
        variables: value.variables.clone(),
        fetch_variables: value.fetch_variables.clone(),
        start_instructions: Vec::new(),
        tenant_id: tenant_id.clone(),
    };
    let awaiting = intent == ProcessInstanceCreationIntent::CreateWithAwaitingResult;
    let request = if awaiting { command.request } else { None };
    let event = ctx.event_with_request(
        instance_key,
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Created, created),
        request,
    )?;
    if !awaiting {
        ctx.respond(command, &event);
    }

    let root = process.model.element(process.model.root());
    let record = ProcessInstanceRecord {
        bpmn_process_id: process.bpmn_process_id.clone(),
        version: process.version,
        process_definition_key: definition_key,
        process_instance_key: instance_key,
        element_id: root.id.clone(),
        flow_scope_key: Key::NONE,
        bpmn_element_type: BpmnElementType::Process,
        bpmn_event_type: BpmnEventType::Unspecified,
        parent_process_instance_key: Key::NONE,
        parent_element_instance_key: Key::NONE,
        tenant_id,
    };
    ctx.follow_up(
        instance_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, record),
    );
    Ok(())
}
