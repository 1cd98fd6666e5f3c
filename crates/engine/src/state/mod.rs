//! The engine's state schema over the [`KvRead`]/[`KvWrite`] trait.
//!
//! Every entry's key starts with one byte naming its "column" (the table below), followed by big-endian
//! numeric parts (keys, times: so prefix scans come out in numeric order) and length-prefixed strings
//! (`u32` big-endian length, then the UTF-8 bytes: unambiguous whatever the string holds). Values are
//! postcard-encoded structs. Each submodule documents its own layouts.
//!
//! | column | module | key | value |
//! | --- | --- | --- | --- |
//! | `0x01` | [`keys`] | `01` | next local key counter (`u64` BE) |
//! | `0x02`-`0x06` | [`processes`] | definitions, versions, latest version, version tags, deployments | |
//! | `0x07`-`0x0B` | [`decisions`] | DRGs, decisions, latest versions, decisions per DRG | |
//! | `0x10`-`0x14` | [`element_instances`] | instances, children, taken joins, awaited results, event triggers | |
//! | `0x20` | [`variables`] | `20 scope name` | variable |
//! | `0x30`-`0x33` | [`jobs`] | jobs, activatable index, deadlines, back-offs | |
//! | `0x40`-`0x42` | [`incidents`] | incidents and their indexes | |
//! | `0x50`-`0x52` | [`timers`] | timers, due dates, per element instance | |
//! | `0x60`-`0x63`, `0x66`-`0x69` | [`messages`] | messages, message start event subscriptions and their indexes | |
//! | `0x64`-`0x65`, `0x6C`-`0x6E` | [`subscriptions`] | catch event message subscriptions (both partitions' halves) | |
//! | `0x6A`-`0x6B` | [`signals`] | signal subscriptions | |
//! | `0x70`-`0x72` | [`distributions`] | distributed commands, receivers yet to acknowledge, signals received from other partitions | |
//! | `0x80` | [`compensations`] | `80 process-instance-key subscription-key` | compensation subscription |
//! | `0x90`-`0x91` | [`user_tasks`] | Camunda user tasks and the task of each element instance | |
//!
//! Only event appliers write state; processors read it. Element instances and jobs, read and written
//! back many times in a round, are decoded through a memo of the bytes last stored or read
//! (`memo.rs`).

pub mod compensations;
pub mod decisions;
pub mod distributions;
pub mod element_instances;
pub mod incidents;
pub mod jobs;
pub mod keys;
pub(crate) mod memo;
pub mod messages;
pub mod processes;
pub mod signals;
pub mod subscriptions;
pub mod timers;
pub mod user_tasks;
pub mod variables;

use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::Key;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Column bytes (see the module table).
pub(crate) mod column {
    pub const META: u8 = 0x01;
    pub const PROCESS: u8 = 0x02;
    pub const PROCESS_VERSION: u8 = 0x03;
    pub const PROCESS_LATEST: u8 = 0x04;
    pub const PROCESS_BY_TAG: u8 = 0x05;
    pub const PROCESS_BY_DEPLOYMENT: u8 = 0x06;
    pub const DRG: u8 = 0x07;
    pub const DRG_LATEST: u8 = 0x08;
    pub const DECISION: u8 = 0x09;
    pub const DECISION_LATEST: u8 = 0x0A;
    pub const DECISION_BY_DRG: u8 = 0x0B;
    pub const ELEMENT_INSTANCE: u8 = 0x10;
    pub const CHILD: u8 = 0x11;
    pub const TAKEN_FLOW: u8 = 0x12;
    pub const AWAITING_RESULT: u8 = 0x13;
    pub const EVENT_TRIGGER: u8 = 0x14;
    pub const VARIABLE: u8 = 0x20;
    pub const JOB: u8 = 0x30;
    pub const JOB_ACTIVATABLE: u8 = 0x31;
    pub const JOB_DEADLINE: u8 = 0x32;
    pub const JOB_BACKOFF: u8 = 0x33;
    pub const INCIDENT: u8 = 0x40;
    pub const INCIDENT_BY_ELEMENT: u8 = 0x41;
    pub const INCIDENT_BY_JOB: u8 = 0x42;
    pub const TIMER: u8 = 0x50;
    pub const TIMER_DUE: u8 = 0x51;
    pub const TIMER_BY_ELEMENT: u8 = 0x52;
    pub const MESSAGE: u8 = 0x60;
    pub const MESSAGE_BY_NAME: u8 = 0x61;
    pub const MESSAGE_ID: u8 = 0x62;
    pub const MESSAGE_DEADLINE: u8 = 0x63;
    pub const SUBSCRIPTION: u8 = 0x64;
    pub const MESSAGE_SUBSCRIPTION_BY_NAME: u8 = 0x65;
    pub const MESSAGE_CORRELATED: u8 = 0x66;
    pub const START_SUBSCRIPTION: u8 = 0x67;
    pub const START_CORRELATION: u8 = 0x68;
    pub const START_CORRELATION_BY_INSTANCE: u8 = 0x69;
    pub const SIGNAL_SUBSCRIPTION: u8 = 0x6A;
    pub const SIGNAL_BY_SUBSCRIBER: u8 = 0x6B;
    pub const SUBSCRIPTION_PENDING: u8 = 0x6C;
    pub const MESSAGE_SUBSCRIPTION: u8 = 0x6D;
    pub const MESSAGE_SUBSCRIPTION_CORRELATING: u8 = 0x6E;
    pub const DISTRIBUTION: u8 = 0x70;
    pub const DISTRIBUTION_PENDING: u8 = 0x71;
    pub const DISTRIBUTION_RECEIVED: u8 = 0x72;
    pub const COMPENSATION_SUBSCRIPTION: u8 = 0x80;
    pub const USER_TASK: u8 = 0x90;
    pub const USER_TASK_BY_ELEMENT: u8 = 0x91;
}

/// Whether the engine scans `prefix` as a queue: an index whose entries are added and then removed
/// again in roughly key order (activatable jobs of one type, due dates, commands awaiting another
/// partition's acknowledgement). In RocksDB every removed entry stays behind as a tombstone until
/// compaction, and a scan from the front of such a prefix walks all of them; a reader that remembers
/// where the live entries of these prefixes begin can start there instead. Other prefixes (one per
/// element instance, say) are many and scanned rarely, so they are not worth remembering.
pub fn is_queue_prefix(prefix: &[u8]) -> bool {
    match prefix {
        [column::JOB_ACTIVATABLE, job_type @ ..] => is_one_str(job_type),
        [column::JOB_DEADLINE]
        | [column::JOB_BACKOFF]
        | [column::TIMER_DUE]
        | [column::MESSAGE_DEADLINE]
        | [column::SUBSCRIPTION_PENDING]
        | [column::MESSAGE_SUBSCRIPTION_CORRELATING]
        | [column::DISTRIBUTION_PENDING] => true,
        _ => false,
    }
}

/// The key of the entity that an entry under `key` (or every entry under the prefix `key`) belongs
/// to, for the columns that begin with such a key: element instances and what hangs off them
/// (children, taken joins, awaited results, event triggers, variables, timers, incidents, user tasks,
/// compensation and catch-event message subscriptions), and jobs and incidents with their indexes.
///
/// An entry of these columns is written only by an event whose entity key was handed out first, and
/// appliers move the key counter past every key of their partition ([`keys::advance_past`]). So no
/// state holds an entry owned by a key of its partition at or past its counter: a reader of
/// committed state below uncommitted layers can answer for such keys (those of the layers' new
/// entities) without looking.
pub fn owning_key(key: &[u8]) -> Option<Key> {
    let (&column, rest) = key.split_first()?;
    let owned = matches!(
        column,
        column::ELEMENT_INSTANCE
            | column::CHILD
            | column::TAKEN_FLOW
            | column::AWAITING_RESULT
            | column::EVENT_TRIGGER
            | column::VARIABLE
            | column::JOB
            | column::INCIDENT
            | column::INCIDENT_BY_ELEMENT
            | column::INCIDENT_BY_JOB
            | column::TIMER
            | column::TIMER_BY_ELEMENT
            | column::SUBSCRIPTION
            | column::COMPENSATION_SUBSCRIPTION
            | column::USER_TASK
            | column::USER_TASK_BY_ELEMENT
    );
    let (bytes, _) = rest.split_first_chunk::<8>()?;
    owned.then(|| Key::from_be_bytes(*bytes))
}

/// Whether `bytes` is exactly one length-prefixed string, as [`KeyBuf::str`] writes it.
fn is_one_str(bytes: &[u8]) -> bool {
    match bytes.split_first_chunk::<4>() {
        Some((len, rest)) => u32::from_be_bytes(*len) as usize == rest.len(),
        None => false,
    }
}

/// Builds a state key: a column byte then fixed-width or length-prefixed parts.
#[derive(Clone, Debug)]
pub(crate) struct KeyBuf(Vec<u8>);

impl KeyBuf {
    pub fn new(column: u8) -> KeyBuf {
        let mut bytes = Vec::with_capacity(24);
        bytes.push(column);
        KeyBuf(bytes)
    }

    pub fn key(mut self, key: Key) -> KeyBuf {
        self.0.extend_from_slice(&key.to_be_bytes());
        self
    }

    /// A signed time or number, sign bit flipped so negative values sort before positive ones.
    pub fn i64(mut self, value: i64) -> KeyBuf {
        self.0
            .extend_from_slice(&((value as u64) ^ (1 << 63)).to_be_bytes());
        self
    }

    pub fn u32(mut self, value: u32) -> KeyBuf {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A length-prefixed string.
    pub fn str(mut self, value: &str) -> KeyBuf {
        self.0
            .extend_from_slice(&(value.len() as u32).to_be_bytes());
        self.0.extend_from_slice(value.as_bytes());
        self
    }

    /// Raw bytes, unprefixed: only as the last part of a key.
    pub fn raw(mut self, value: &[u8]) -> KeyBuf {
        self.0.extend_from_slice(value);
        self
    }

    pub fn build(self) -> Vec<u8> {
        self.0
    }
}

/// Reads a big-endian key from `bytes[at..at+8]`.
pub(crate) fn key_at(bytes: &[u8], at: usize) -> Option<Key> {
    let part: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(Key::from_be_bytes(part))
}

/// The keys stored right after `prefix` in every entry under it, in key order, at most `limit`.
/// Index columns whose entries end in an entity key (children, incidents of an element, ...) read
/// their members this way.
pub(crate) fn keys_under(
    kv: &dyn KvRead,
    prefix: &[u8],
    limit: usize,
) -> Result<Vec<Key>, EngineError> {
    let mut keys = Vec::new();
    if limit == 0 {
        return Ok(keys);
    }
    kv.scan_prefix(prefix, &mut |key, _| {
        if let Some(found) = key_at(key, prefix.len()) {
            keys.push(found);
        }
        keys.len() < limit
    })?;
    Ok(keys)
}

/// Reverses [`KeyBuf::i64`].
pub(crate) fn i64_at(bytes: &[u8], at: usize) -> Option<i64> {
    let part: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some((u64::from_be_bytes(part) ^ (1 << 63)) as i64)
}

pub(crate) fn decode<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, EngineError> {
    postcard::from_bytes(bytes).map_err(|e| EngineError::CorruptState {
        what,
        reason: e.to_string(),
    })
}

pub(crate) fn get<T: DeserializeOwned>(
    kv: &dyn KvRead,
    what: &'static str,
    key: &[u8],
) -> Result<Option<T>, EngineError> {
    match kv.get(key)? {
        Some(bytes) => decode(what, &bytes).map(Some),
        None => Ok(None),
    }
}

/// [`get`] for the value of entity `entity`, through `memo` (see [`memo`]).
pub(crate) fn get_memoized<T: DeserializeOwned + Clone + 'static>(
    kv: &dyn KvRead,
    what: &'static str,
    key: &[u8],
    entity: Key,
    memo: &'static std::thread::LocalKey<std::cell::RefCell<memo::Memo<T>>>,
) -> Result<Option<T>, EngineError> {
    let Some(bytes) = kv.get(key)? else {
        return Ok(None);
    };
    if let Some(value) = memo.with_borrow(|memo| memo.recall(entity, &bytes)) {
        return Ok(Some(value));
    }
    let value = decode(what, &bytes)?;
    memo.with_borrow_mut(|memo| memo.remember(entity, &bytes, &value));
    Ok(Some(value))
}

/// [`put`] for the value of entity `entity`, remembering it in `memo` (see [`memo`]).
pub(crate) fn put_memoized<T: Serialize + Clone + 'static>(
    kv: &mut dyn KvWrite,
    what: &'static str,
    key: &[u8],
    entity: Key,
    value: &T,
    memo: &'static std::thread::LocalKey<std::cell::RefCell<memo::Memo<T>>>,
) -> Result<(), EngineError> {
    put_and_then(kv, what, key, value, |bytes| {
        memo.with_borrow_mut(|memo| memo.remember(entity, bytes, value))
    })
}

pub(crate) fn put<T: Serialize>(
    kv: &mut dyn KvWrite,
    what: &'static str,
    key: &[u8],
    value: &T,
) -> Result<(), EngineError> {
    put_and_then(kv, what, key, value, |_| ())
}

/// [`put`], then hands the encoded value to `stored`.
fn put_and_then<T: Serialize>(
    kv: &mut dyn KvWrite,
    what: &'static str,
    key: &[u8],
    value: &T,
    stored: impl FnOnce(&[u8]),
) -> Result<(), EngineError> {
    thread_local! {
        /// Values are encoded here and copied once, at their final size, into the write set: a
        /// fresh vector per value would grow (and copy) several times while it is filled.
        static ENCODE_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    ENCODE_BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        let encoded = postcard::to_extend(value, std::mem::take(buffer)).map_err(|e| {
            EngineError::Encode {
                what,
                reason: e.to_string(),
            }
        })?;
        kv.put(key, &encoded);
        stored(&encoded);
        // A large value (a deployed resource) would otherwise keep its memory for the thread's life.
        if encoded.capacity() <= MAX_RETAINED_ENCODE_BUFFER {
            *buffer = encoded;
        }
        Ok(())
    })
}

/// The largest encoding buffer [`put`] keeps for the next value.
const MAX_RETAINED_ENCODE_BUFFER: usize = 64 * 1024;

/// Collects the keys under `prefix` (for deleting or iterating while mutating).
pub(crate) fn keys_with_prefix(
    kv: &dyn KvRead,
    prefix: &[u8],
) -> Result<Vec<Vec<u8>>, EngineError> {
    let mut keys = Vec::new();
    kv.scan_prefix(prefix, &mut |key, _| {
        keys.push(key.to_vec());
        true
    })?;
    Ok(keys)
}

/// An empty marker value for index entries.
pub(crate) const PRESENT: &[u8] = &[];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_prefixes_are_the_due_indexes_and_one_job_type() {
        let one_type = KeyBuf::new(column::JOB_ACTIVATABLE).str("payment").build();
        assert!(is_queue_prefix(&one_type));
        assert!(is_queue_prefix(&[column::JOB_DEADLINE]));
        assert!(is_queue_prefix(&[column::TIMER_DUE]));
        // All types at once, or one job of a type, are not one queue.
        assert!(!is_queue_prefix(&[column::JOB_ACTIVATABLE]));
        let one_job = KeyBuf::new(column::JOB_ACTIVATABLE)
            .str("payment")
            .key(Key(7))
            .build();
        assert!(!is_queue_prefix(&one_job));
        // Prefixes per element instance are not queues.
        assert!(!is_queue_prefix(
            &KeyBuf::new(column::VARIABLE).key(Key(7)).build()
        ));
    }

    #[test]
    fn entries_owned_by_an_entity_name_its_key() {
        let scope = Key::new(hornet_protocol::PartitionId(2), 40);
        let variable = KeyBuf::new(column::VARIABLE).key(scope).str("x").build();
        assert_eq!(owning_key(&variable), Some(scope));
        let variables_of_scope = KeyBuf::new(column::VARIABLE).key(scope).build();
        assert_eq!(owning_key(&variables_of_scope), Some(scope));
        let job = KeyBuf::new(column::JOB).key(scope).build();
        assert_eq!(owning_key(&job), Some(scope));
        // Columns that begin with a name, a time or someone else's key have no owner here, and
        // neither has a prefix too short to hold the key.
        let activatable = KeyBuf::new(column::JOB_ACTIVATABLE)
            .str("payment")
            .key(scope)
            .build();
        assert_eq!(owning_key(&activatable), None);
        let due = KeyBuf::new(column::TIMER_DUE).i64(40).key(scope).build();
        assert_eq!(owning_key(&due), None);
        assert_eq!(owning_key(&[column::VARIABLE]), None);
        assert_eq!(owning_key(&[]), None);
    }
}
