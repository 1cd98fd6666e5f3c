//! Writing variables: one VARIABLE CREATED or UPDATED event per variable whose value changes, as Zeebe's
//! `VariableBehavior` does.

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::variables;
use hornet_protocol::value::{SmolStr, VariableRecord};
use hornet_protocol::{Key, RecordValue, VariableIntent};

/// Which process instance the variables belong to (copied into every VARIABLE record).
#[derive(Clone, Debug)]
pub(crate) struct VariableOwner {
    pub process_instance_key: Key,
    pub process_definition_key: Key,
    pub bpmn_process_id: SmolStr,
    pub tenant_id: SmolStr,
}

/// Rebuilds objects with their keys in sorted order, whether or not `serde_json` keeps insertion order
/// (its `preserve_order` feature may be switched on by any crate in a build).
fn canonical(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<&String, serde_json::Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(canonical).collect())
        }
        other => other.clone(),
    }
}

/// Canonical JSON text of a value (object keys sorted), so equal values compare equal.
pub(crate) fn to_text(value: &serde_json::Value) -> String {
    serde_json::to_string(&canonical(value)).unwrap_or_else(|_| "null".to_string())
}

/// A document's entries in name order: VARIABLE events are written in this order.
fn sorted(
    document: &serde_json::Map<String, serde_json::Value>,
) -> std::collections::BTreeMap<&String, &serde_json::Value> {
    document.iter().collect()
}

/// Sets `name` in exactly `scope`.
pub(crate) fn set_local(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    scope: Key,
    name: &str,
    value: &serde_json::Value,
) -> Result<(), EngineError> {
    set_local_text(ctx, owner, scope, name, to_text(value))
}

/// [`set_local`] with the value's canonical JSON text (as [`to_text`] writes it).
pub(crate) fn set_local_text(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    scope: Key,
    name: &str,
    text: String,
) -> Result<(), EngineError> {
    let existing = variables::get_local(&ctx.state, scope, name)?;
    let (key, intent) = match existing {
        Some(existing) if existing.value == text => return Ok(()),
        Some(existing) => (existing.key, VariableIntent::Updated),
        None => (ctx.next_key(), VariableIntent::Created),
    };
    ctx.event(
        key,
        RecordValue::Variable(intent, variable_record(owner, scope, name, text)),
    )?;
    Ok(())
}

/// The VARIABLE record of `name` in `scope`.
fn variable_record(owner: &VariableOwner, scope: Key, name: &str, text: String) -> VariableRecord {
    VariableRecord {
        name: name.into(),
        value: text,
        scope_key: scope,
        process_instance_key: owner.process_instance_key,
        process_definition_key: owner.process_definition_key,
        bpmn_process_id: owner.bpmn_process_id.clone(),
        tenant_id: owner.tenant_id.clone(),
    }
}

/// Sets every entry of `document` in exactly `scope`.
pub(crate) fn merge_local(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    scope: Key,
    document: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), EngineError> {
    for (name, value) in sorted(document) {
        set_local(ctx, owner, scope, name, value)?;
    }
    Ok(())
}

/// Creates every entry of `document` in `scope`, a scope created in this round (a new process
/// instance) that cannot hold variables yet, so no entry is looked up first.
pub(crate) fn create_all_in_new_scope(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    scope: Key,
    document: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), EngineError> {
    for (name, value) in sorted(document) {
        let key = ctx.next_key();
        let record = variable_record(owner, scope, name, to_text(value));
        ctx.event(key, RecordValue::Variable(VariableIntent::Created, record))?;
    }
    Ok(())
}

/// Sets every entry of `document` in the nearest scope from `scope` upwards that already has the
/// variable, or else in the root scope (Zeebe's propagation).
pub(crate) fn merge_propagate(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    scope: Key,
    document: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), EngineError> {
    if document.is_empty() {
        return Ok(());
    }
    let chain = variables::scope_chain(&ctx.state, scope)?;
    let root = chain.last().map_or(scope, |link| link.key);
    for (name, value) in sorted(document) {
        let mut target = root;
        for candidate in chain.iter().filter(|link| link.may_hold_variables) {
            if variables::get_local(&ctx.state, candidate.key, name)?.is_some() {
                target = candidate.key;
                break;
            }
        }
        set_local(ctx, owner, target, name, value)?;
    }
    Ok(())
}
