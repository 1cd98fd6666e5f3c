//! PROCESS events: a new process definition version.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::processes;
use hornet_protocol::value::ProcessRecord;
use hornet_protocol::ProcessIntent;

pub(super) fn apply(
    state: &mut dyn KvWrite,
    intent: ProcessIntent,
    value: &ProcessRecord,
) -> Result<(), EngineError> {
    match intent {
        ProcessIntent::Created => {
            // A distributed deployment may repeat a definition this partition already has.
            if processes::get_by_key(state, value.process_definition_key)?.is_none() {
                processes::insert(state, value)?;
            }
            Ok(())
        }
        ProcessIntent::Deleting | ProcessIntent::Deleted => Ok(()),
    }
}
