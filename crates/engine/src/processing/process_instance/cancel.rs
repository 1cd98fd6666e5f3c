//! ProcessInstance CANCEL: terminates a root process instance (its element instances bottom-up, their
//! jobs canceled and incidents resolved). Answers with the process instance's ELEMENT_TERMINATING record,
//! as Zeebe does.

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use hornet_protocol::{
    BpmnElementType, ProcessInstanceIntent, Record, RecordKind, RecordValue, RejectionType,
};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let key = command.key;
    let instance = element_instances::get_instance(&ctx.state, key)?.filter(|instance| {
        instance.record.bpmn_element_type == BpmnElementType::Process
            && instance.state != ElementState::Terminating
    });
    let Some(instance) = instance else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!("Expected to cancel a process instance with key '{key}', but no such process was found"),
        );
        return Ok(());
    };
    if !instance.record.parent_process_instance_key.is_none() {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to cancel a process instance with key '{}', but it is created by a parent process instance. Cancel the root process instance '{}' instead.",
                key, instance.record.parent_process_instance_key
            ),
        );
        return Ok(());
    }
    let response = ctx.response_record(
        key,
        RecordKind::Event,
        RecordValue::ProcessInstance(
            ProcessInstanceIntent::ElementTerminating,
            instance.record.clone(),
        ),
    );
    ctx.respond(command, &response);
    ctx.follow_up(
        key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::TerminateElement, instance.record),
    );
    Ok(())
}
