//! VARIABLE events: a variable created or updated in a scope.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::element_instances;
use crate::state::variables::{self, StoredVariable};
use hornet_protocol::value::VariableRecord;
use hornet_protocol::{Key, VariableIntent};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: VariableIntent,
    value: &VariableRecord,
) -> Result<(), EngineError> {
    // A process instance's own scope is marked from its activation on, and its first variables
    // come before its instance exists: only other scopes need marking.
    if intent == VariableIntent::Created && value.scope_key != value.process_instance_key {
        if let Some(mut scope) = element_instances::get_instance(state, value.scope_key)? {
            if !scope.has_variables {
                scope.has_variables = true;
                element_instances::put_instance(state, &scope)?;
            }
        }
    }
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
