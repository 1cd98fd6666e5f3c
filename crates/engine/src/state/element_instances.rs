//! Element instances (the process instance itself included) and what belongs to their lifetime.
//!
//! * `10 element-instance-key` → [`ElementInstance`].
//! * `11 flow-scope-key child-key` → (empty): the live children of a flow scope, in key (creation) order.
//! * `12 flow-scope-key str(gateway-id) str(flow-id)` → count (`u32` BE): sequence flows taken towards a
//!   joining gateway and not yet consumed by an activation of it.
//! * `13 process-instance-key` → [`AwaitingResult`]: a client waiting for the instance's result.
//! * `14 element-instance-key` → [`EventTrigger`]: an event that was triggered for this instance: on an
//!   activity or flow scope, an interrupting catch event waiting for it to terminate; on a catch event's
//!   own instance, the variables the event delivered.

use super::memo::Memo;
use super::{column, decode, get, get_memoized, keys_under, put, put_memoized, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::ProcessInstanceRecord;
use hornet_protocol::{Key, ProcessInstanceIntent, RequestRef};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

thread_local! {
    /// A flow scope's instance is read and stored again at every step of each of its children.
    static DECODED: RefCell<Memo<ElementInstance>> = RefCell::default();
}

/// Where an element instance is in its lifecycle (terminal states remove the instance).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElementState {
    Activating,
    Activated,
    Completing,
    Terminating,
}

impl ElementState {
    /// The intent that entered this state, as Zeebe names the state in messages.
    pub fn intent(self) -> ProcessInstanceIntent {
        match self {
            ElementState::Activating => ProcessInstanceIntent::ElementActivating,
            ElementState::Activated => ProcessInstanceIntent::ElementActivated,
            ElementState::Completing => ProcessInstanceIntent::ElementCompleting,
            ElementState::Terminating => ProcessInstanceIntent::ElementTerminating,
        }
    }
}

/// One live element instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementInstance {
    pub key: Key,
    pub state: ElementState,
    pub record: ProcessInstanceRecord,
    /// Live child element instances (for flow scopes).
    pub active_children: u32,
    /// Sequence flows taken inside this scope whose target has not been activated yet (tokens in
    /// flight); a scope completes only when it has neither children nor tokens.
    pub active_flows: u32,
    /// The job of a job worker element while it exists.
    pub job_key: Key,
    /// Variables delivered by the event that completes this element (job completion, message), applied
    /// by its output step (Zeebe's "event trigger").
    pub trigger_variables: Option<String>,
    /// For a call activity: the process instance it started, while that runs.
    pub called_instance: Key,
    /// For an instance inside a multi-instance body: its 1-based position (`loopCounter`).
    pub loop_counter: u32,
    /// For a multi-instance body: inner instances activated, completed and terminated so far.
    pub inner_activated: u32,
    pub inner_completed: u32,
    pub inner_terminated: u32,
    /// Whether variables may exist in this instance's scope. Most elements never get one, and knowing
    /// that spares a prefix scan of the state wherever a scope's variables are read or removed. Set
    /// by the VARIABLE applier; a process instance starts with it set, because the variables it is
    /// created with are written before its ELEMENT_ACTIVATING event.
    pub has_variables: bool,
}

/// A triggered catch event (Zeebe's event trigger).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTrigger {
    /// The catch event's element id (a boundary event, or the start event of an event sub-process).
    pub element_id: String,
    /// The variables the event delivered (JSON object text), if any.
    pub variables: Option<String>,
}

/// A client waiting for a process instance's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingResult {
    pub request: RequestRef,
    pub fetch_variables: Vec<String>,
}

fn instance_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::ELEMENT_INSTANCE).key(key).build()
}

fn trigger_key(element_instance: Key) -> Vec<u8> {
    KeyBuf::new(column::EVENT_TRIGGER)
        .key(element_instance)
        .build()
}

pub fn event_trigger(
    kv: &dyn KvRead,
    element_instance: Key,
) -> Result<Option<EventTrigger>, EngineError> {
    get(kv, "event trigger", &trigger_key(element_instance))
}

pub fn put_event_trigger(
    kv: &mut dyn KvWrite,
    element_instance: Key,
    trigger: &EventTrigger,
) -> Result<(), EngineError> {
    put(kv, "event trigger", &trigger_key(element_instance), trigger)
}

pub fn delete_event_trigger(kv: &mut dyn KvWrite, element_instance: Key) {
    kv.delete(&trigger_key(element_instance));
}

/// The element instances that hold an event trigger, in key order.
pub fn holding_event_triggers(kv: &dyn KvRead) -> Result<Vec<Key>, EngineError> {
    keys_under(kv, &KeyBuf::new(column::EVENT_TRIGGER).build(), usize::MAX)
}

fn child_key(flow_scope: Key, child: Key) -> Vec<u8> {
    KeyBuf::new(column::CHILD)
        .key(flow_scope)
        .key(child)
        .build()
}

fn taken_flow_key(flow_scope: Key, gateway_id: &str, flow_id: &str) -> Vec<u8> {
    KeyBuf::new(column::TAKEN_FLOW)
        .key(flow_scope)
        .str(gateway_id)
        .str(flow_id)
        .build()
}

fn awaiting_key(process_instance: Key) -> Vec<u8> {
    KeyBuf::new(column::AWAITING_RESULT)
        .key(process_instance)
        .build()
}

pub fn get_instance(kv: &dyn KvRead, key: Key) -> Result<Option<ElementInstance>, EngineError> {
    if key.is_none() {
        return Ok(None);
    }
    get_memoized(kv, "element instance", &instance_key(key), key, &DECODED)
}

pub fn put_instance(kv: &mut dyn KvWrite, instance: &ElementInstance) -> Result<(), EngineError> {
    put_memoized(
        kv,
        "element instance",
        &instance_key(instance.key),
        instance.key,
        instance,
        &DECODED,
    )
}

pub fn delete_instance(kv: &mut dyn KvWrite, key: Key) {
    kv.delete(&instance_key(key));
}

pub fn add_child(kv: &mut dyn KvWrite, flow_scope: Key, child: Key) {
    kv.put(&child_key(flow_scope, child), PRESENT);
}

pub fn remove_child(kv: &mut dyn KvWrite, flow_scope: Key, child: Key) {
    kv.delete(&child_key(flow_scope, child));
}

/// The live children of `flow_scope`, in key order.
pub fn children(kv: &dyn KvRead, flow_scope: Key) -> Result<Vec<ElementInstance>, EngineError> {
    let prefix = KeyBuf::new(column::CHILD).key(flow_scope).build();
    let keys = keys_under(kv, &prefix, usize::MAX)?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(instance) = get_instance(kv, key)? {
            out.push(instance);
        }
    }
    Ok(out)
}

pub fn taken_flow_count(
    kv: &dyn KvRead,
    flow_scope: Key,
    gateway_id: &str,
    flow_id: &str,
) -> Result<u32, EngineError> {
    Ok(
        match kv.get(&taken_flow_key(flow_scope, gateway_id, flow_id))? {
            Some(bytes) => decode::<u32>("taken flow count", &bytes)?,
            None => 0,
        },
    )
}

pub fn set_taken_flow_count(
    kv: &mut dyn KvWrite,
    flow_scope: Key,
    gateway_id: &str,
    flow_id: &str,
    count: u32,
) -> Result<(), EngineError> {
    let key = taken_flow_key(flow_scope, gateway_id, flow_id);
    if count == 0 {
        kv.delete(&key);
        Ok(())
    } else {
        put(kv, "taken flow count", &key, &count)
    }
}

/// Forgets every taken-flow count of a flow scope (when it ends).
pub fn clear_taken_flows(kv: &mut dyn KvWrite, flow_scope: Key) -> Result<(), EngineError> {
    let prefix = KeyBuf::new(column::TAKEN_FLOW).key(flow_scope).build();
    for key in super::keys_with_prefix(kv, &prefix)? {
        kv.delete(&key);
    }
    Ok(())
}

pub fn awaiting_result(
    kv: &dyn KvRead,
    process_instance: Key,
) -> Result<Option<AwaitingResult>, EngineError> {
    get(kv, "awaiting result", &awaiting_key(process_instance))
}

pub fn put_awaiting_result(
    kv: &mut dyn KvWrite,
    process_instance: Key,
    awaiting: &AwaitingResult,
) -> Result<(), EngineError> {
    put(
        kv,
        "awaiting result",
        &awaiting_key(process_instance),
        awaiting,
    )
}

pub fn delete_awaiting_result(kv: &mut dyn KvWrite, process_instance: Key) {
    kv.delete(&awaiting_key(process_instance));
}
