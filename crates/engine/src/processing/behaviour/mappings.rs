//! Input and output mappings (`zeebe:ioMapping`), with Zeebe's semantics:
//!
//! * Inputs are evaluated in the element's scope (later mappings see earlier results, as entries of one
//!   FEEL context would) and become local variables of the element instance.
//! * On completion, the variables the completing event delivered (job variables, ...) are merged: with
//!   output mappings they become local variables of the element and only the mapped results propagate
//!   from the flow scope upwards; without output mappings they propagate from the element upwards.
//! * A target path `a.b.c` builds nested objects; for outputs it merges into the existing visible value
//!   of `a` when that is an object.

use super::variables::{merge_local, merge_propagate, VariableOwner};
use super::Failure;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::variables::{self, ScopeVariables};
use hornet_bpmn::{ExprOrStatic, Mapping};
use hornet_feel::{EvalContext, Value, Variables};
use hornet_protocol::value::ErrorType;
use hornet_protocol::Key;
use serde_json::Map;

/// Earlier mapping results over the scope's variables.
struct WithResults<'a> {
    results: &'a Map<String, serde_json::Value>,
    scope: &'a ScopeVariables<'a>,
}

impl Variables for WithResults<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        match self.results.get(name) {
            Some(value) => Some(Value::from_json(value)),
            None => self.scope.get(name),
        }
    }
}

fn set_path(target: &mut serde_json::Value, path: &[String], value: serde_json::Value) {
    match path.split_first() {
        None => *target = value,
        Some((head, rest)) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(Map::new());
            }
            if let serde_json::Value::Object(map) = target {
                let entry = map.entry(head.clone()).or_insert(serde_json::Value::Null);
                set_path(entry, rest, value);
            }
        }
    }
}

/// Evaluates `mappings` in `scope`; `merge_existing` makes nested targets start from the visible value.
fn evaluate_mappings(
    ctx: &Ctx<'_>,
    scope: Key,
    mappings: &[Mapping],
    merge_existing: bool,
) -> Result<Result<Map<String, serde_json::Value>, Failure>, EngineError> {
    let mut results = Map::new();
    for mapping in mappings {
        let value = match &mapping.source {
            ExprOrStatic::Static(text) => serde_json::Value::String(text.clone()),
            ExprOrStatic::Expression(expression) => {
                let scope_vars = ScopeVariables::new(&ctx.state, scope);
                let vars = WithResults {
                    results: &results,
                    scope: &scope_vars,
                };
                let eval = EvalContext::new(&vars).at(ctx.now);
                let result = expression.evaluate(&eval);
                scope_vars.take_error()?;
                match result {
                    Ok(value) => value.to_json(),
                    Err(e) => {
                        return Ok(Err(Failure::new(
                            ErrorType::IoMappingError,
                            format!(
                                "Failed to evaluate expression '{}' of the mapping to '{}': {}",
                                expression.source().trim(),
                                mapping.target,
                                e.message()
                            ),
                        )))
                    }
                }
            }
        };
        let Some((head, rest)) = mapping.target_path.split_first() else {
            continue;
        };
        if rest.is_empty() {
            results.insert(head.clone(), value);
            continue;
        }
        let mut current = match results.get(head) {
            Some(existing) => existing.clone(),
            None if merge_existing => variables::resolve(&ctx.state, scope, head)?
                .map(|(_, v)| variables::parse_json(&v.value))
                .filter(serde_json::Value::is_object)
                .unwrap_or_else(|| serde_json::Value::Object(Map::new())),
            None => serde_json::Value::Object(Map::new()),
        };
        set_path(&mut current, rest, value);
        results.insert(head.clone(), current);
    }
    Ok(Ok(results))
}

/// Applies the element's input mappings as local variables of `element_instance`.
pub(crate) fn apply_inputs(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    element_instance: Key,
    inputs: &[Mapping],
) -> Result<Result<(), Failure>, EngineError> {
    if inputs.is_empty() {
        return Ok(Ok(()));
    }
    let results = match evaluate_mappings(ctx, element_instance, inputs, false)? {
        Ok(results) => results,
        Err(failure) => return Ok(Err(failure)),
    };
    merge_local(ctx, owner, element_instance, &results)?;
    Ok(Ok(()))
}

/// Merges the completing event's variables and applies the element's output mappings.
pub(crate) fn apply_outputs(
    ctx: &mut Ctx<'_>,
    owner: &VariableOwner,
    element_instance: Key,
    flow_scope: Key,
    outputs: &[Mapping],
    trigger_variables: Option<&str>,
) -> Result<Result<(), Failure>, EngineError> {
    let delivered = trigger_variables
        .map(|text| match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => Map::new(),
        })
        .unwrap_or_default();
    if outputs.is_empty() {
        merge_propagate(ctx, owner, element_instance, &delivered)?;
        return Ok(Ok(()));
    }
    merge_local(ctx, owner, element_instance, &delivered)?;
    let results = match evaluate_mappings(ctx, element_instance, outputs, true)? {
        Ok(results) => results,
        Err(failure) => return Ok(Err(failure)),
    };
    let target = if flow_scope.is_none() {
        element_instance
    } else {
        flow_scope
    };
    merge_propagate(ctx, owner, target, &results)?;
    Ok(Ok(()))
}
