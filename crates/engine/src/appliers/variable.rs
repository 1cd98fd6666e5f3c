//! VARIABLE events: a variable created or updated in a scope.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::variables::{self, StoredVariable};
use hornet_protocol::value::VariableRecord;
use hornet_protocol::{Key, VariableIntent};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    _intent: VariableIntent,
    value: &VariableRecord,
) -> Result<(), EngineError> {
    // CREATED and UPDATED both carry the variable's key and its full new value.
    variables::put_local(
        state,
        value.scope_key,
        &value.name,
        &StoredVariable {
            key,
            value: value.value.clone(),
        },
    )
}
