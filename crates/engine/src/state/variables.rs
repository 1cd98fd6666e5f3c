//! Variables, per scope (an element instance key; the process instance key for the root scope).
//!
//! * `20 scope-key name` → [`StoredVariable`] (the name is the rest of the key, so a scope's variables
//!   scan in name order).
//!
//! A name resolves by walking from a scope up through the flow scopes (element instances' `flow_scope_key`)
//! to the process instance: the nearest scope holding the name wins, as in Zeebe.

use super::{column, element_instances, get, put, KeyBuf};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::{Document, Key};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// One variable: its key (from its CREATED event) and its value as JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVariable {
    pub key: Key,
    pub value: String,
}

fn variable_key(scope: Key, name: &str) -> Vec<u8> {
    KeyBuf::new(column::VARIABLE)
        .key(scope)
        .raw(name.as_bytes())
        .build()
}

pub fn get_local(
    kv: &dyn KvRead,
    scope: Key,
    name: &str,
) -> Result<Option<StoredVariable>, EngineError> {
    get(kv, "variable", &variable_key(scope, name))
}

pub fn put_local(
    kv: &mut dyn KvWrite,
    scope: Key,
    name: &str,
    variable: &StoredVariable,
) -> Result<(), EngineError> {
    put(kv, "variable", &variable_key(scope, name), variable)
}

/// The variables of one scope, in name order.
pub fn scope_variables(
    kv: &dyn KvRead,
    scope: Key,
) -> Result<Vec<(String, StoredVariable)>, EngineError> {
    let prefix = KeyBuf::new(column::VARIABLE).key(scope).build();
    let mut raw = Vec::new();
    kv.scan_prefix(&prefix, &mut |key, value| {
        raw.push((key[prefix.len()..].to_vec(), value.to_vec()));
        true
    })?;
    raw.into_iter()
        .map(|(name, value)| {
            let name = String::from_utf8(name).map_err(|e| EngineError::CorruptState {
                what: "variable name",
                reason: e.to_string(),
            })?;
            Ok((name, super::decode("variable", &value)?))
        })
        .collect()
}

/// Removes every variable of a scope (when its element instance ends).
pub fn delete_scope(kv: &mut dyn KvWrite, scope: Key) -> Result<(), EngineError> {
    let prefix = KeyBuf::new(column::VARIABLE).key(scope).build();
    for key in super::keys_with_prefix(kv, &prefix)? {
        kv.delete(&key);
    }
    Ok(())
}

/// One link of a scope chain: the scope, and whether variables may exist in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainScope {
    pub key: Key,
    pub may_hold_variables: bool,
}

/// The scope chain from `scope` up to the root, nearest first, each with whether it may hold variables
/// (a scope without an element instance, such as a process instance key looked up before its
/// activation, may).
pub fn scope_chain(kv: &dyn KvRead, scope: Key) -> Result<Vec<ChainScope>, EngineError> {
    let mut chain = Vec::new();
    let mut current = scope;
    loop {
        let instance = element_instances::get_instance(kv, current)?;
        chain.push(ChainScope {
            key: current,
            may_hold_variables: instance.as_ref().is_none_or(|i| i.has_variables),
        });
        let Some(parent) = instance
            .map(|instance| instance.record.flow_scope_key)
            .filter(|parent| !parent.is_none())
        else {
            return Ok(chain);
        };
        if chain.iter().any(|link| link.key == parent) {
            return Ok(chain); // defensive: a cycle would be corrupt state; never loop forever
        }
        current = parent;
    }
}

/// The scopes from `scope` up to the root that may hold variables, nearest first.
fn variable_scopes(kv: &dyn KvRead, scope: Key) -> Result<Vec<Key>, EngineError> {
    Ok(scope_chain(kv, scope)?
        .into_iter()
        .filter(|link| link.may_hold_variables)
        .map(|link| link.key)
        .collect())
}

/// Resolves `name` from `scope` upwards: the scope that holds it and the variable.
pub fn resolve(
    kv: &dyn KvRead,
    scope: Key,
    name: &str,
) -> Result<Option<(Key, StoredVariable)>, EngineError> {
    for scope in variable_scopes(kv, scope)? {
        if let Some(variable) = get_local(kv, scope, name)? {
            return Ok(Some((scope, variable)));
        }
    }
    Ok(None)
}

/// The stored JSON text of every variable visible from `scope` (nearest scope wins), in name order.
fn visible_texts(kv: &dyn KvRead, scope: Key) -> Result<BTreeMap<String, String>, EngineError> {
    let mut out = BTreeMap::new();
    for scope in variable_scopes(kv, scope)? {
        for (name, variable) in scope_variables(kv, scope)? {
            out.entry(name).or_insert(variable.value);
        }
    }
    Ok(out)
}

/// Every variable visible from `scope` (nearest scope wins), as JSON values in name order.
pub fn visible(
    kv: &dyn KvRead,
    scope: Key,
) -> Result<BTreeMap<String, serde_json::Value>, EngineError> {
    Ok(visible_texts(kv, scope)?
        .into_iter()
        .map(|(name, text)| (name, parse_json(&text)))
        .collect())
}

/// Every variable visible from `scope` as one JSON object document: what [`visible`] returns, but
/// with the stored JSON texts copied as they are instead of parsed and written out again.
pub fn visible_document(kv: &dyn KvRead, scope: Key) -> Result<Document, EngineError> {
    let raw = visible_texts(kv, scope)?
        .into_iter()
        .map(|(name, text)| (name, raw_json(text)))
        .collect();
    Ok(Document::from_raw_values(&raw))
}

/// The variables a job or an instance's result carries: those of `names` visible from `scope`, or
/// every visible one when `names` is empty (Zeebe's `fetchVariables`).
pub fn fetched_document(
    kv: &dyn KvRead,
    scope: Key,
    names: &[String],
) -> Result<Document, EngineError> {
    if names.is_empty() {
        return visible_document(kv, scope);
    }
    let named = visible_named(kv, scope, names)?;
    Ok(Document::from_map(&named.into_iter().collect()))
}

/// A stored value as raw JSON; like [`parse_json`], anything unparsable reads as null.
fn raw_json(text: String) -> Box<RawValue> {
    RawValue::from_string(text).unwrap_or_else(|_| {
        RawValue::from_string("null".to_owned()).unwrap_or_else(|_| unreachable!("null is JSON"))
    })
}

/// The given names as visible from `scope` (missing names are left out), in name order.
pub fn visible_named(
    kv: &dyn KvRead,
    scope: Key,
    names: &[String],
) -> Result<BTreeMap<String, serde_json::Value>, EngineError> {
    let mut out = BTreeMap::new();
    for name in names {
        if out.contains_key(name) {
            continue;
        }
        if let Some((_, variable)) = resolve(kv, scope, name)? {
            out.insert(name.clone(), parse_json(&variable.value));
        }
    }
    Ok(out)
}

/// Stored values are JSON written by the engine; anything unparsable reads as null rather than failing.
pub fn parse_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// The variables visible from one scope, as FEEL sees them. Storage errors cannot travel through FEEL's
/// `Variables` trait, so the first one is kept and must be checked with [`ScopeVariables::take_error`]
/// after evaluating.
pub struct ScopeVariables<'a> {
    kv: &'a dyn KvRead,
    scope: Key,
    error: RefCell<Option<EngineError>>,
}

impl<'a> ScopeVariables<'a> {
    pub fn new(kv: &'a dyn KvRead, scope: Key) -> ScopeVariables<'a> {
        ScopeVariables {
            kv,
            scope,
            error: RefCell::new(None),
        }
    }

    pub fn take_error(&self) -> Result<(), EngineError> {
        match self.error.borrow_mut().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl hornet_feel::Variables for ScopeVariables<'_> {
    fn get(&self, name: &str) -> Option<hornet_feel::Value> {
        match resolve(self.kv, self.scope, name) {
            Ok(found) => found.map(|(_, v)| hornet_feel::Value::from_json(&parse_json(&v.value))),
            Err(error) => {
                let mut slot = self.error.borrow_mut();
                if slot.is_none() {
                    *slot = Some(error);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::MemKv;

    #[test]
    fn the_visible_document_is_what_the_visible_map_serializes_to() {
        // Stored values are JSON as serde_json writes it, which the document copies as it is.
        let mut kv = MemKv::new();
        let scope = Key(7);
        let stored = [
            ("amount", "123.45"),
            ("customer \"id\"", "\"c-1\""),
            ("items", "[1,2,{\"a\":null}]"),
            ("nested", "{\"b\":true,\"é\":\"é\"}"),
            ("broken", "{not json"),
        ];
        for (index, (name, value)) in stored.into_iter().enumerate() {
            let variable = StoredVariable {
                key: Key(100 + index as i64),
                value: value.to_string(),
            };
            put_local(&mut kv, scope, name, &variable).unwrap();
        }
        let document = visible_document(&kv, scope).unwrap();
        let from_map = Document::from_map(&visible(&kv, scope).unwrap().into_iter().collect());
        assert_eq!(document.as_str(), from_map.as_str());
        assert_eq!(document.to_map()["broken"], serde_json::Value::Null);
        assert_eq!(
            document.to_map()["items"],
            serde_json::json!([1, 2, {"a": null}])
        );
    }
}
