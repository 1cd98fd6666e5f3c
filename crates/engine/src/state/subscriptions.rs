//! Message subscriptions of catch elements, kept on two partitions as in Zeebe:
//!
//! * the **process message subscription** lives on the process instance's partition, next to the element
//!   instance that waits (opening → opened → closing);
//! * the **message subscription** lives on the partition that owns the correlation key
//!   ([`hornet_protocol::partitioning::message_partition`]), next to the buffered messages it correlates
//!   (open, or correlating one message until the instance partition acknowledges it).
//!
//! Both halves stay after a correlation, an interrupting one too (used up), until the element ends and
//! closes them: the instance partition must recognise a re-sent correlation of a message it already
//! took, and the message partition must not hand such a message to a second instance of the process.
//!
//! Layout:
//! * `64 element-instance-key str(message-name)` → [`ProcessSubscription`].
//! * `6C element-instance-key str(message-name)` → (empty): process message subscriptions that are opening
//!   or closing, i.e. wait for the message partition's acknowledgement (re-sent until then).
//! * `6D element-instance-key str(message-name)` → [`MessageSubscription`].
//! * `65 str(message-name) str(correlation-key) element-instance-key` → (empty): message subscriptions by
//!   what they wait for, in element instance key order.
//! * `6E element-instance-key str(message-name)` → (empty): message subscriptions correlating a message,
//!   i.e. wait for the instance partition's acknowledgement (re-sent until then).

use super::{column, decode, get, key_at, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::{MessageSubscriptionRecord, ProcessMessageSubscriptionRecord};
use hornet_protocol::Key;
use serde::{Deserialize, Serialize};

/// Where a process message subscription stands in the exchange with the message partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessSubscriptionState {
    /// CREATING written, MessageSubscription CREATE sent, not acknowledged yet.
    Opening,
    /// The message partition acknowledged it (or already correlated a message to it).
    Opened,
    /// DELETING written, MessageSubscription DELETE sent, not acknowledged yet.
    Closing,
}

/// A process message subscription (instance partition).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessSubscription {
    pub key: Key,
    pub state: ProcessSubscriptionState,
    /// `message_key` is the last message correlated to it (`Key::NONE` before the first).
    pub record: ProcessMessageSubscriptionRecord,
}

/// A message subscription (message partition).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageSubscription {
    pub key: Key,
    /// Correlating `record.message_key` and waiting for the instance partition's answer.
    pub correlating: bool,
    pub record: MessageSubscriptionRecord,
}

impl MessageSubscription {
    /// Whether a message may be correlated to it now: it is not busy with another one, and it is not an
    /// interrupting subscription that already fired.
    pub fn can_correlate(&self) -> bool {
        let used_up = self.record.is_interrupting && self.record.message_key != Key::NONE;
        !self.correlating && !used_up
    }
}

fn by_element(column: u8, element_instance: Key, message_name: &str) -> Vec<u8> {
    KeyBuf::new(column)
        .key(element_instance)
        .str(message_name)
        .build()
}

fn by_name(name: &str, correlation_key: &str, element_instance: Key) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE_SUBSCRIPTION_BY_NAME)
        .str(name)
        .str(correlation_key)
        .key(element_instance)
        .build()
}

/// The values of `primary` for every entry of the index column `index` (whose keys repeat the primary
/// column's key parts), in index order.
fn indexed<T: serde::de::DeserializeOwned>(
    kv: &dyn KvRead,
    what: &'static str,
    index: u8,
    primary: u8,
) -> Result<Vec<T>, EngineError> {
    let mut keys = Vec::new();
    kv.scan_prefix(&[index], &mut |key, _| {
        let mut primary_key = vec![primary];
        primary_key.extend_from_slice(&key[1..]);
        keys.push(primary_key);
        true
    })?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        match get(kv, what, &key)? {
            Some(value) => out.push(value),
            None => {
                return Err(EngineError::CorruptState {
                    what,
                    reason: "an index entry names a subscription that does not exist".to_string(),
                })
            }
        }
    }
    Ok(out)
}

pub fn get_process(
    kv: &dyn KvRead,
    element_instance: Key,
    message_name: &str,
) -> Result<Option<ProcessSubscription>, EngineError> {
    get(
        kv,
        "process message subscription",
        &by_element(column::SUBSCRIPTION, element_instance, message_name),
    )
}

/// Stores a process message subscription (new or changed) and keeps the pending index in step.
pub fn put_process(
    kv: &mut dyn KvWrite,
    subscription: &ProcessSubscription,
) -> Result<(), EngineError> {
    let element_instance = subscription.record.element_instance_key;
    let name = &subscription.record.message_name;
    put(
        kv,
        "process message subscription",
        &by_element(column::SUBSCRIPTION, element_instance, name),
        subscription,
    )?;
    let pending = by_element(column::SUBSCRIPTION_PENDING, element_instance, name);
    match subscription.state {
        ProcessSubscriptionState::Opened => kv.delete(&pending),
        ProcessSubscriptionState::Opening | ProcessSubscriptionState::Closing => {
            kv.put(&pending, PRESENT)
        }
    }
    Ok(())
}

pub fn remove_process(kv: &mut dyn KvWrite, element_instance: Key, message_name: &str) {
    kv.delete(&by_element(
        column::SUBSCRIPTION,
        element_instance,
        message_name,
    ));
    kv.delete(&by_element(
        column::SUBSCRIPTION_PENDING,
        element_instance,
        message_name,
    ));
}

/// The process message subscriptions of an element instance, in message name order.
pub fn processes_of(
    kv: &dyn KvRead,
    element_instance: Key,
) -> Result<Vec<ProcessSubscription>, EngineError> {
    let prefix = KeyBuf::new(column::SUBSCRIPTION)
        .key(element_instance)
        .build();
    let mut raw = Vec::new();
    kv.scan_prefix(&prefix, &mut |_, value| {
        raw.push(value.to_vec());
        true
    })?;
    raw.iter()
        .map(|v| decode("process message subscription", v))
        .collect()
}

/// Process message subscriptions waiting for an acknowledgement (opening or closing), in element
/// instance key order.
pub fn pending_processes(kv: &dyn KvRead) -> Result<Vec<ProcessSubscription>, EngineError> {
    indexed(
        kv,
        "process message subscription",
        column::SUBSCRIPTION_PENDING,
        column::SUBSCRIPTION,
    )
}

pub fn get_message(
    kv: &dyn KvRead,
    element_instance: Key,
    message_name: &str,
) -> Result<Option<MessageSubscription>, EngineError> {
    get(
        kv,
        "message subscription",
        &by_element(column::MESSAGE_SUBSCRIPTION, element_instance, message_name),
    )
}

/// Stores a message subscription (new or changed) and keeps its indexes in step.
pub fn put_message(
    kv: &mut dyn KvWrite,
    subscription: &MessageSubscription,
) -> Result<(), EngineError> {
    let record = &subscription.record;
    put(
        kv,
        "message subscription",
        &by_element(
            column::MESSAGE_SUBSCRIPTION,
            record.element_instance_key,
            &record.message_name,
        ),
        subscription,
    )?;
    kv.put(
        &by_name(
            &record.message_name,
            &record.correlation_key,
            record.element_instance_key,
        ),
        PRESENT,
    );
    let correlating = by_element(
        column::MESSAGE_SUBSCRIPTION_CORRELATING,
        record.element_instance_key,
        &record.message_name,
    );
    if subscription.correlating {
        kv.put(&correlating, PRESENT);
    } else {
        kv.delete(&correlating);
    }
    Ok(())
}

pub fn remove_message(
    kv: &mut dyn KvWrite,
    element_instance: Key,
    message_name: &str,
) -> Result<(), EngineError> {
    if let Some(subscription) = get_message(kv, element_instance, message_name)? {
        kv.delete(&by_name(
            message_name,
            &subscription.record.correlation_key,
            element_instance,
        ));
    }
    kv.delete(&by_element(
        column::MESSAGE_SUBSCRIPTION,
        element_instance,
        message_name,
    ));
    kv.delete(&by_element(
        column::MESSAGE_SUBSCRIPTION_CORRELATING,
        element_instance,
        message_name,
    ));
    Ok(())
}

/// The message subscriptions waiting for a message name and correlation key, in element instance key
/// order.
pub fn messages_for(
    kv: &dyn KvRead,
    name: &str,
    correlation_key: &str,
) -> Result<Vec<MessageSubscription>, EngineError> {
    let prefix = KeyBuf::new(column::MESSAGE_SUBSCRIPTION_BY_NAME)
        .str(name)
        .str(correlation_key)
        .build();
    let mut element_instances = Vec::new();
    kv.scan_prefix(&prefix, &mut |key, _| {
        if let Some(found) = key_at(key, prefix.len()) {
            element_instances.push(found);
        }
        true
    })?;
    let mut out = Vec::with_capacity(element_instances.len());
    for element_instance in element_instances {
        if let Some(subscription) = get_message(kv, element_instance, name)? {
            out.push(subscription);
        }
    }
    Ok(out)
}

/// Message subscriptions correlating a message (waiting for the instance partition), in element instance
/// key order.
pub fn correlating_messages(kv: &dyn KvRead) -> Result<Vec<MessageSubscription>, EngineError> {
    indexed(
        kv,
        "message subscription",
        column::MESSAGE_SUBSCRIPTION_CORRELATING,
        column::MESSAGE_SUBSCRIPTION,
    )
}
