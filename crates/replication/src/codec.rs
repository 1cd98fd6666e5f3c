//! Compact on-disk encodings of log entries and replication metadata.
//!
//! A log entry is stored as a small postcard header (kind, leader term, leader node) followed,
//! for application entries, by the raw payload bytes, so payloads are neither re-encoded nor
//! length-prefixed. The entry index is the storage key and is not repeated in the value.
//! Metadata values (vote, log ids, membership) are plain postcard.

use bytes::Bytes;
use openraft::{CommittedLeaderId, EntryPayload};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::types::{Entry, LogId, Payload};

const KIND_BLANK: u8 = 0;
const KIND_NORMAL: u8 = 1;
const KIND_MEMBERSHIP: u8 = 2;

/// Why a stored value could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("entry {index}: {reason}")]
    Entry { index: u64, reason: String },
    #[error("{what}: {reason}")]
    Value { what: &'static str, reason: String },
}

/// Appends the encoding of `entry` to `out`.
pub fn encode_entry(entry: &Entry, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let leader = &entry.log_id.leader_id;
    let kind = match &entry.payload {
        EntryPayload::Blank => KIND_BLANK,
        EntryPayload::Normal(_) => KIND_NORMAL,
        EntryPayload::Membership(_) => KIND_MEMBERSHIP,
    };
    let fail = |err: postcard::Error| CodecError::Entry {
        index: entry.log_id.index,
        reason: err.to_string(),
    };
    let header = (kind, leader.term, leader.node_id);
    let mut encoded = postcard::to_extend(&header, std::mem::take(out)).map_err(fail)?;
    match &entry.payload {
        EntryPayload::Blank => {}
        EntryPayload::Normal(payload) => encoded.extend_from_slice(&payload.0),
        EntryPayload::Membership(membership) => {
            encoded = postcard::to_extend(membership, encoded).map_err(fail)?;
        }
    }
    *out = encoded;
    Ok(())
}

/// Reads only the log id of the entry stored at `index`.
pub fn decode_log_id(index: u64, value: &[u8]) -> Result<LogId, CodecError> {
    let ((_, term, node_id), _): ((u8, u64, u64), _) =
        postcard::take_from_bytes(value).map_err(|err| CodecError::Entry {
            index,
            reason: err.to_string(),
        })?;
    Ok(LogId::new(CommittedLeaderId::new(term, node_id), index))
}

/// A decoded entry whose application payload still borrows the stored bytes.
pub enum StoredEntry<'a> {
    Blank,
    Normal(&'a [u8]),
    Membership(openraft::Membership<u64, openraft::BasicNode>),
}

/// Decodes the entry stored at `index` without copying its payload.
pub fn decode_entry_ref(index: u64, value: &[u8]) -> Result<(LogId, StoredEntry<'_>), CodecError> {
    let fail = |reason: String| CodecError::Entry { index, reason };
    let ((kind, term, node_id), rest): ((u8, u64, u64), &[u8]) =
        postcard::take_from_bytes(value).map_err(|err| fail(err.to_string()))?;
    let log_id = LogId::new(CommittedLeaderId::new(term, node_id), index);
    let entry = match kind {
        KIND_BLANK => StoredEntry::Blank,
        KIND_NORMAL => StoredEntry::Normal(rest),
        KIND_MEMBERSHIP => StoredEntry::Membership(
            postcard::from_bytes(rest).map_err(|err| fail(err.to_string()))?,
        ),
        other => return Err(fail(format!("unknown entry kind {other}"))),
    };
    Ok((log_id, entry))
}

/// Decodes the entry stored at `index` into an owned openraft entry.
pub fn decode_entry(index: u64, value: &[u8]) -> Result<Entry, CodecError> {
    let (log_id, stored) = decode_entry_ref(index, value)?;
    let payload = match stored {
        StoredEntry::Blank => EntryPayload::Blank,
        StoredEntry::Normal(bytes) => EntryPayload::Normal(Payload(Bytes::copy_from_slice(bytes))),
        StoredEntry::Membership(membership) => EntryPayload::Membership(membership),
    };
    Ok(Entry { log_id, payload })
}

/// Encodes a metadata value.
pub fn encode_value<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
    postcard::to_stdvec(value).map_err(|err| CodecError::Value {
        what,
        reason: err.to_string(),
    })
}

/// Decodes a metadata value.
pub fn decode_value<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, CodecError> {
    postcard::from_bytes(bytes).map_err(|err| CodecError::Value {
        what,
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn log_id(term: u64, node: u64, index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(term, node), index)
    }

    #[test]
    fn entries_round_trip() {
        let membership = openraft::Membership::new(vec![BTreeSet::from([1, 2, 3])], None);
        let entries = [
            Entry {
                log_id: log_id(3, 1, 7),
                payload: EntryPayload::Blank,
            },
            Entry {
                log_id: log_id(3, 1, 8),
                payload: EntryPayload::Normal(Payload(Bytes::from_static(b"\x00hello\xff"))),
            },
            Entry {
                log_id: log_id(4, 2, 9),
                payload: EntryPayload::Normal(Payload(Bytes::new())),
            },
            Entry {
                log_id: log_id(u64::MAX, u64::MAX, 10),
                payload: EntryPayload::Membership(membership),
            },
        ];
        let mut buffer = Vec::new();
        for entry in &entries {
            buffer.clear();
            encode_entry(entry, &mut buffer).unwrap();
            let decoded = decode_entry(entry.log_id.index, &buffer).unwrap();
            assert_eq!(&decoded, entry);
            assert_eq!(
                decode_log_id(entry.log_id.index, &buffer).unwrap(),
                entry.log_id
            );
        }
    }

    #[test]
    fn normal_entries_carry_only_a_small_header() {
        let entry = Entry {
            log_id: log_id(2, 1, 100),
            payload: EntryPayload::Normal(Payload(Bytes::from(vec![7u8; 1000]))),
        };
        let mut buffer = Vec::new();
        encode_entry(&entry, &mut buffer).unwrap();
        assert_eq!(buffer.len(), 1000 + 3);
    }

    #[test]
    fn garbage_is_reported_with_its_index() {
        let err = decode_entry(42, &[9, 1, 1]).unwrap_err();
        assert_eq!(err.to_string(), "entry 42: unknown entry kind 9");
        assert!(decode_entry(43, &[]).is_err());
    }
}
