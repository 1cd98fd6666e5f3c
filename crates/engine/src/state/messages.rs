//! Buffered messages and message start event subscriptions of this partition (catch event subscriptions
//! are in [`super::subscriptions`]).
//!
//! * `60 message-key` → [`MessageRecord`].
//! * `61 str(name) str(correlation-key) message-key` → (empty): buffered messages, oldest first.
//! * `62 str(name) str(correlation-key) str(message-id)` → message key: message id uniqueness while
//!   the message is buffered.
//! * `63 time(deadline) message-key` → (empty): expiry order.
//! * `66 message-key str(bpmn-process-id)` → (empty): a buffered message is correlating or was correlated
//!   to an instance of that process (a message correlates at most once per process id, as in Zeebe).
//! * `67 str(message-name) str(bpmn-process-id)` → [`MessageStartEventSubscriptionRecord`]: the message
//!   start event of a process's latest version.
//! * `68 str(bpmn-process-id) str(correlation-key)` → process instance key: the running instance a message
//!   with that correlation key started (no second one starts while it runs).
//! * `69 process-instance-key` → [`StartCorrelation`]: the reverse of `68`, to clean it up.

use super::{column, get, i64_at, key_at, keys_under, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::{MessageRecord, MessageStartEventSubscriptionRecord};
use hornet_protocol::Key;
use serde::{Deserialize, Serialize};

fn message_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE).key(key).build()
}

fn by_name_prefix(name: &str, correlation_key: &str) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE_BY_NAME)
        .str(name)
        .str(correlation_key)
        .build()
}

fn id_key(name: &str, correlation_key: &str, message_id: &str) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE_ID)
        .str(name)
        .str(correlation_key)
        .str(message_id)
        .build()
}

fn deadline_key(deadline: i64, key: Key) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE_DEADLINE)
        .i64(deadline)
        .key(key)
        .build()
}

fn correlated_key(message: Key, bpmn_process_id: &str) -> Vec<u8> {
    KeyBuf::new(column::MESSAGE_CORRELATED)
        .key(message)
        .str(bpmn_process_id)
        .build()
}

pub fn get_message(kv: &dyn KvRead, key: Key) -> Result<Option<MessageRecord>, EngineError> {
    get(kv, "message", &message_key(key))
}

pub fn insert_message(
    kv: &mut dyn KvWrite,
    key: Key,
    message: &MessageRecord,
) -> Result<(), EngineError> {
    put(kv, "message", &message_key(key), message)?;
    let mut index = by_name_prefix(&message.name, &message.correlation_key);
    index.extend_from_slice(&key.to_be_bytes());
    kv.put(&index, PRESENT);
    if !message.message_id.is_empty() {
        kv.put(
            &id_key(&message.name, &message.correlation_key, &message.message_id),
            &key.to_be_bytes(),
        );
    }
    kv.put(&deadline_key(message.deadline, key), PRESENT);
    Ok(())
}

pub fn remove_message(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    if let Some(message) = get_message(kv, key)? {
        let mut index = by_name_prefix(&message.name, &message.correlation_key);
        index.extend_from_slice(&key.to_be_bytes());
        kv.delete(&index);
        if !message.message_id.is_empty() {
            kv.delete(&id_key(
                &message.name,
                &message.correlation_key,
                &message.message_id,
            ));
        }
        kv.delete(&deadline_key(message.deadline, key));
        kv.delete(&message_key(key));
    }
    let prefix = KeyBuf::new(column::MESSAGE_CORRELATED).key(key).build();
    for entry in super::keys_with_prefix(kv, &prefix)? {
        kv.delete(&entry);
    }
    Ok(())
}

/// Whether a buffered message with this id exists for the name and correlation key.
pub fn id_exists(
    kv: &dyn KvRead,
    name: &str,
    correlation_key: &str,
    message_id: &str,
) -> Result<bool, EngineError> {
    Ok(kv
        .get(&id_key(name, correlation_key, message_id))?
        .is_some())
}

/// Buffered messages for a name and correlation key, oldest first.
pub fn buffered(
    kv: &dyn KvRead,
    name: &str,
    correlation_key: &str,
) -> Result<Vec<Key>, EngineError> {
    let prefix = by_name_prefix(name, correlation_key);
    let keys = keys_under(kv, &prefix, usize::MAX)?;
    Ok(keys)
}

pub fn expired(kv: &dyn KvRead, now: i64, limit: usize) -> Result<Vec<(i64, Key)>, EngineError> {
    let mut due = Vec::new();
    if limit == 0 {
        return Ok(due);
    }
    kv.scan_prefix(
        &[column::MESSAGE_DEADLINE],
        &mut |key, _| match (i64_at(key, 1), key_at(key, 9)) {
            (Some(time), Some(message)) if time <= now => {
                due.push((time, message));
                due.len() < limit
            }
            _ => false,
        },
    )?;
    Ok(due)
}

pub fn earliest_deadline(kv: &dyn KvRead) -> Result<Option<i64>, EngineError> {
    let mut earliest = None;
    kv.scan_prefix(&[column::MESSAGE_DEADLINE], &mut |key, _| {
        earliest = i64_at(key, 1);
        false
    })?;
    Ok(earliest)
}

pub fn mark_correlated(kv: &mut dyn KvWrite, message: Key, bpmn_process_id: &str) {
    kv.put(&correlated_key(message, bpmn_process_id), PRESENT);
}

/// Forgets that a message went to an instance of `bpmn_process_id` (its correlation was rejected), so it
/// may correlate to another instance of that process.
pub fn unmark_correlated(kv: &mut dyn KvWrite, message: Key, bpmn_process_id: &str) {
    kv.delete(&correlated_key(message, bpmn_process_id));
}

pub fn was_correlated(
    kv: &dyn KvRead,
    message: Key,
    bpmn_process_id: &str,
) -> Result<bool, EngineError> {
    Ok(kv.get(&correlated_key(message, bpmn_process_id))?.is_some())
}

fn start_subscription_key(message_name: &str, bpmn_process_id: &str) -> Vec<u8> {
    KeyBuf::new(column::START_SUBSCRIPTION)
        .str(message_name)
        .str(bpmn_process_id)
        .build()
}

pub fn put_start_subscription(
    kv: &mut dyn KvWrite,
    subscription: &MessageStartEventSubscriptionRecord,
) -> Result<(), EngineError> {
    put(
        kv,
        "message start event subscription",
        &start_subscription_key(&subscription.message_name, &subscription.bpmn_process_id),
        subscription,
    )
}

pub fn delete_start_subscription(kv: &mut dyn KvWrite, message_name: &str, bpmn_process_id: &str) {
    kv.delete(&start_subscription_key(message_name, bpmn_process_id));
}

/// Message start event subscriptions for a message name, in process id order.
pub fn start_subscriptions(
    kv: &dyn KvRead,
    message_name: &str,
) -> Result<Vec<MessageStartEventSubscriptionRecord>, EngineError> {
    let prefix = KeyBuf::new(column::START_SUBSCRIPTION)
        .str(message_name)
        .build();
    let mut raw = Vec::new();
    kv.scan_prefix(&prefix, &mut |_, value| {
        raw.push(value.to_vec());
        true
    })?;
    raw.iter()
        .map(|v| super::decode("message start event subscription", v))
        .collect()
}

/// A running instance started by a message with a correlation key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCorrelation {
    pub bpmn_process_id: String,
    pub correlation_key: String,
}

fn start_correlation_key(bpmn_process_id: &str, correlation_key: &str) -> Vec<u8> {
    KeyBuf::new(column::START_CORRELATION)
        .str(bpmn_process_id)
        .str(correlation_key)
        .build()
}

fn start_correlation_by_instance_key(process_instance: Key) -> Vec<u8> {
    KeyBuf::new(column::START_CORRELATION_BY_INSTANCE)
        .key(process_instance)
        .build()
}

pub fn active_start_correlation(
    kv: &dyn KvRead,
    bpmn_process_id: &str,
    correlation_key: &str,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&start_correlation_key(bpmn_process_id, correlation_key))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

pub fn put_start_correlation(
    kv: &mut dyn KvWrite,
    process_instance: Key,
    correlation: &StartCorrelation,
) -> Result<(), EngineError> {
    kv.put(
        &start_correlation_key(&correlation.bpmn_process_id, &correlation.correlation_key),
        &process_instance.to_be_bytes(),
    );
    put(
        kv,
        "start correlation",
        &start_correlation_by_instance_key(process_instance),
        correlation,
    )
}

/// Forgets the start correlation of a process instance that ended.
pub fn remove_start_correlation(
    kv: &mut dyn KvWrite,
    process_instance: Key,
) -> Result<(), EngineError> {
    let key = start_correlation_by_instance_key(process_instance);
    if let Some(correlation) = get::<StartCorrelation>(kv, "start correlation", &key)? {
        kv.delete(&start_correlation_key(
            &correlation.bpmn_process_id,
            &correlation.correlation_key,
        ));
        kv.delete(&key);
    }
    Ok(())
}
