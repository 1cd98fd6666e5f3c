//! Signal subscriptions.
//!
//! * `6A str(signal-name) subscriber-key str(catch-event-id)` → [`SignalSubscriptionRecord`]: who waits
//!   for a signal. The subscriber is the waiting element instance (catch events, boundary events, event
//!   sub-processes of a scope), or the process definition for a signal start event.
//! * `6B subscriber-key str(signal-name) str(catch-event-id)` → (empty): the subscriptions of a
//!   subscriber, to close them.

use super::{column, get, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::SignalSubscriptionRecord;
use hornet_protocol::Key;

/// The element instance that waits, or the process definition of a signal start event.
pub fn subscriber(subscription: &SignalSubscriptionRecord) -> Key {
    if subscription.catch_event_instance_key.is_none() {
        subscription.process_definition_key
    } else {
        subscription.catch_event_instance_key
    }
}

fn subscription_key(name: &str, subscriber: Key, catch_id: &str) -> Vec<u8> {
    KeyBuf::new(column::SIGNAL_SUBSCRIPTION)
        .str(name)
        .key(subscriber)
        .str(catch_id)
        .build()
}

fn by_subscriber_key(subscriber: Key, name: &str, catch_id: &str) -> Vec<u8> {
    KeyBuf::new(column::SIGNAL_BY_SUBSCRIBER)
        .key(subscriber)
        .str(name)
        .str(catch_id)
        .build()
}

pub fn insert(
    kv: &mut dyn KvWrite,
    subscription: &SignalSubscriptionRecord,
) -> Result<(), EngineError> {
    let owner = subscriber(subscription);
    put(
        kv,
        "signal subscription",
        &subscription_key(
            &subscription.signal_name,
            owner,
            &subscription.catch_event_id,
        ),
        subscription,
    )?;
    kv.put(
        &by_subscriber_key(
            owner,
            &subscription.signal_name,
            &subscription.catch_event_id,
        ),
        PRESENT,
    );
    Ok(())
}

pub fn remove(kv: &mut dyn KvWrite, subscription: &SignalSubscriptionRecord) {
    let owner = subscriber(subscription);
    kv.delete(&subscription_key(
        &subscription.signal_name,
        owner,
        &subscription.catch_event_id,
    ));
    kv.delete(&by_subscriber_key(
        owner,
        &subscription.signal_name,
        &subscription.catch_event_id,
    ));
}

/// Every subscription to `name`, in subscriber key order.
pub fn subscriptions(
    kv: &dyn KvRead,
    name: &str,
) -> Result<Vec<SignalSubscriptionRecord>, EngineError> {
    let prefix = KeyBuf::new(column::SIGNAL_SUBSCRIPTION).str(name).build();
    let mut raw = Vec::new();
    kv.scan_prefix(&prefix, &mut |_, value| {
        raw.push(value.to_vec());
        true
    })?;
    raw.iter()
        .map(|v| super::decode("signal subscription", v))
        .collect()
}

/// The subscriptions of one subscriber.
pub fn of_subscriber(
    kv: &dyn KvRead,
    owner: Key,
) -> Result<Vec<SignalSubscriptionRecord>, EngineError> {
    let prefix = KeyBuf::new(column::SIGNAL_BY_SUBSCRIBER).key(owner).build();
    let mut keys = Vec::new();
    kv.scan_prefix(&prefix, &mut |key, _| {
        keys.push(key[prefix.len()..].to_vec());
        true
    })?;
    let mut out = Vec::new();
    for rest in keys {
        // rest = str(name) str(catch id); rebuild the primary key from it.
        let mut primary = KeyBuf::new(column::SIGNAL_SUBSCRIPTION).build();
        let Some(name_len) = rest
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
        else {
            continue;
        };
        let name_end = 4 + name_len as usize;
        let (Some(name_part), Some(catch_part)) = (rest.get(..name_end), rest.get(name_end..))
        else {
            continue;
        };
        primary.extend_from_slice(name_part);
        primary.extend_from_slice(&owner.to_be_bytes());
        primary.extend_from_slice(catch_part);
        if let Some(subscription) = get(kv, "signal subscription", &primary)? {
            out.push(subscription);
        }
    }
    Ok(out)
}
