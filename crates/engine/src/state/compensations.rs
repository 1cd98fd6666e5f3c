//! Compensation subscriptions (Zeebe's `CompensationSubscriptionState`).
//!
//! * `80 process-instance-key subscription-key` → [`CompensationSubscriptionRecord`]: a completed
//!   compensable activity of the instance that compensation can still undo, or one being compensated
//!   (its record then names the throw event and the handler instance).
//!
//! Every question asked of them is about one process instance, so they are keyed by it; within an
//! instance they come out in creation order (subscription keys grow), which keeps the order in which
//! handlers are invoked deterministic.

use super::{column, decode, key_at, put, KeyBuf};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::CompensationSubscriptionRecord;
use hornet_protocol::Key;

/// A stored subscription and its key.
#[derive(Clone, Debug, PartialEq)]
pub struct CompensationSubscription {
    pub key: Key,
    pub record: CompensationSubscriptionRecord,
}

impl CompensationSubscription {
    /// Whether a throw event has triggered it (its handler runs, or its inner subscriptions do).
    pub fn is_triggered(&self) -> bool {
        !self.record.throw_event_id.is_empty()
    }

    /// Whether it has a handler of its own (otherwise it is an embedded sub-process compensated only
    /// through the subscriptions of its inner activities).
    pub fn has_handler(&self) -> bool {
        !self.record.compensation_handler_id.is_empty()
    }
}

fn entry_key(process_instance_key: Key, key: Key) -> Vec<u8> {
    KeyBuf::new(column::COMPENSATION_SUBSCRIPTION)
        .key(process_instance_key)
        .key(key)
        .build()
}

/// Stores a new or triggered subscription.
pub fn put_subscription(
    kv: &mut dyn KvWrite,
    key: Key,
    record: &CompensationSubscriptionRecord,
) -> Result<(), EngineError> {
    put(
        kv,
        "compensation subscription",
        &entry_key(record.process_instance_key, key),
        record,
    )
}

/// Removes a completed or deleted subscription.
pub fn remove(kv: &mut dyn KvWrite, key: Key, record: &CompensationSubscriptionRecord) {
    kv.delete(&entry_key(record.process_instance_key, key));
}

/// The subscriptions of a process instance, in creation order.
pub fn of_process_instance(
    kv: &dyn KvRead,
    process_instance_key: Key,
) -> Result<Vec<CompensationSubscription>, EngineError> {
    let prefix = KeyBuf::new(column::COMPENSATION_SUBSCRIPTION)
        .key(process_instance_key)
        .build();
    let mut raw = Vec::new();
    kv.scan_prefix(&prefix, &mut |key, value| {
        if let Some(found) = key_at(key, prefix.len()) {
            raw.push((found, value.to_vec()));
        }
        true
    })?;
    raw.into_iter()
        .map(|(key, value)| {
            Ok(CompensationSubscription {
                key,
                record: decode("compensation subscription", &value)?,
            })
        })
        .collect()
}
