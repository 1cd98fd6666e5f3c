//! Raising and resolving incidents.

use super::Failure;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::incidents;
use hornet_protocol::value::{IncidentRecord, ProcessInstanceRecord};
use hornet_protocol::{IncidentIntent, Key, RecordValue};

/// Raises an incident on an element instance (optionally for its job).
pub(crate) fn raise(
    ctx: &mut Ctx<'_>,
    element_instance_key: Key,
    record: &ProcessInstanceRecord,
    job_key: Key,
    failure: Failure,
) -> Result<(), EngineError> {
    let key = ctx.next_key();
    ctx.event(
        key,
        RecordValue::Incident(
            IncidentIntent::Created,
            Box::new(IncidentRecord {
                error_type: failure.error_type,
                error_message: failure.message,
                bpmn_process_id: record.bpmn_process_id.to_string(),
                process_definition_key: record.process_definition_key,
                process_instance_key: record.process_instance_key,
                element_id: record.element_id.to_string(),
                element_instance_key,
                job_key,
                variable_scope_key: element_instance_key,
                tenant_id: record.tenant_id.to_string(),
            }),
        ),
    )?;
    Ok(())
}

/// Resolves every open incident of an element instance (when it terminates).
pub(crate) fn resolve_all(ctx: &mut Ctx<'_>, element_instance_key: Key) -> Result<(), EngineError> {
    for key in incidents::of_element_instance(&ctx.state, element_instance_key)? {
        if let Some(incident) = incidents::get_incident(&ctx.state, key)? {
            ctx.event(
                key,
                RecordValue::Incident(IncidentIntent::Resolved, Box::new(incident)),
            )?;
        }
    }
    Ok(())
}
