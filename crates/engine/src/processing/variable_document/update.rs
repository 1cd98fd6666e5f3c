//! VariableDocument UPDATE (SetVariables): merges a document into an element instance's scope, either
//! locally or propagating each variable to the nearest scope that has it.

use crate::error::EngineError;
use crate::processing::behaviour::variables::{merge_local, merge_propagate, VariableOwner};
use crate::processing::Ctx;
use crate::state::element_instances;
use hornet_protocol::value::{VariableDocumentRecord, VariableDocumentUpdateSemantic};
use hornet_protocol::{Record, RecordValue, RejectionType, VariableDocumentIntent};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &VariableDocumentRecord,
) -> Result<(), EngineError> {
    let Some(instance) = element_instances::get_instance(&ctx.state, value.scope_key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to update variables for element with key '{}', but no such element was found",
                value.scope_key
            ),
        );
        return Ok(());
    };
    let updated = VariableDocumentRecord {
        process_instance_key: instance.record.process_instance_key,
        tenant_id: instance.record.tenant_id.to_string(),
        ..value.clone()
    };
    let key = ctx.next_key();
    ctx.event_answering(
        command,
        key,
        RecordValue::VariableDocument(VariableDocumentIntent::Updated, updated),
    )?;
    let owner = VariableOwner {
        process_instance_key: instance.record.process_instance_key,
        process_definition_key: instance.record.process_definition_key,
        bpmn_process_id: instance.record.bpmn_process_id,
        tenant_id: instance.record.tenant_id,
    };
    let document = value.variables.to_map();
    match value.update_semantics {
        VariableDocumentUpdateSemantic::Local => merge_local(ctx, &owner, instance.key, &document),
        VariableDocumentUpdateSemantic::Propagate => {
            merge_propagate(ctx, &owner, instance.key, &document)
        }
    }
}
