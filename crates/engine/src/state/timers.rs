//! Timers of timer catch events (intermediate and boundary).
//!
//! * `50 timer-key` → [`TimerRecord`].
//! * `51 time(due-date) timer-key` → (empty): timers by due date.
//! * `52 element-instance-key timer-key` → (empty): the timers an element instance waits for.

use super::{column, get, i64_at, key_at, keys_under, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::TimerRecord;
use hornet_protocol::Key;

fn timer_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::TIMER).key(key).build()
}

fn due_key(due: i64, key: Key) -> Vec<u8> {
    KeyBuf::new(column::TIMER_DUE).i64(due).key(key).build()
}

fn by_element_key(element_instance: Key, key: Key) -> Vec<u8> {
    KeyBuf::new(column::TIMER_BY_ELEMENT)
        .key(element_instance)
        .key(key)
        .build()
}

pub fn get_timer(kv: &dyn KvRead, key: Key) -> Result<Option<TimerRecord>, EngineError> {
    get(kv, "timer", &timer_key(key))
}

pub fn insert(kv: &mut dyn KvWrite, key: Key, timer: &TimerRecord) -> Result<(), EngineError> {
    put(kv, "timer", &timer_key(key), timer)?;
    kv.put(&due_key(timer.due_date, key), PRESENT);
    kv.put(&by_element_key(timer.element_instance_key, key), PRESENT);
    Ok(())
}

pub fn remove(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    if let Some(timer) = get_timer(kv, key)? {
        kv.delete(&due_key(timer.due_date, key));
        kv.delete(&by_element_key(timer.element_instance_key, key));
        kv.delete(&timer_key(key));
    }
    Ok(())
}

/// The timers of an element instance, in key order.
pub fn of_element_instance(
    kv: &dyn KvRead,
    element_instance: Key,
) -> Result<Vec<Key>, EngineError> {
    let prefix = KeyBuf::new(column::TIMER_BY_ELEMENT)
        .key(element_instance)
        .build();
    let keys = keys_under(kv, &prefix, usize::MAX)?;
    Ok(keys)
}

/// Timers due at or before `now`, earliest first.
pub fn due(kv: &dyn KvRead, now: i64, limit: usize) -> Result<Vec<(i64, Key)>, EngineError> {
    let mut due = Vec::new();
    if limit == 0 {
        return Ok(due);
    }
    kv.scan_prefix(
        &[column::TIMER_DUE],
        &mut |key, _| match (i64_at(key, 1), key_at(key, 9)) {
            (Some(time), Some(timer)) if time <= now => {
                due.push((time, timer));
                due.len() < limit
            }
            _ => false,
        },
    )?;
    Ok(due)
}

pub fn earliest(kv: &dyn KvRead) -> Result<Option<i64>, EngineError> {
    let mut earliest = None;
    kv.scan_prefix(&[column::TIMER_DUE], &mut |key, _| {
        earliest = i64_at(key, 1);
        false
    })?;
    Ok(earliest)
}

/// Timer start events: the timers not bound to an element instance, of one process definition.
pub fn start_timers_of(
    kv: &dyn KvRead,
    process_definition_key: Key,
) -> Result<Vec<(Key, TimerRecord)>, EngineError> {
    let mut out = Vec::new();
    for key in of_element_instance(kv, Key::NONE)? {
        if let Some(timer) = get_timer(kv, key)? {
            if timer.process_definition_key == process_definition_key {
                out.push((key, timer));
            }
        }
    }
    Ok(out)
}
