//! The partition log's entry encoding.
//!
//! One Raft entry holds one [`LogEntry`]. Records do not store their position: it follows from the entry's
//! Raft index and the record's offset, assigned on decoding, so every replica derives the same positions.
//!
//! A processed batch carries the state changes its events made ([`ProcessedOutcome`]), so that a
//! replica writes them instead of running the event appliers again: the leader already ran them, and
//! they are the larger part of a follower's work. Its changes come first in the encoding, so a replica
//! reads them without decoding the records ([`LogEntry::read_state_changes`]).
//!
//! A leader appends the commands that arrived while it processed a round in the same entry as that
//! round's outcome ([`LogEntry::OutcomeWithCommands`]). openraft 0.9 waits for each append's fsync
//! before it takes the next append, so an outcome entry and a command entry appended one after the
//! other cost two fsyncs in a row; one entry costs one.
//!
//! An entry of more than [`COMPRESS_FROM_BYTES`] is stored LZ4-compressed when that makes it smaller.
//! Its records repeat process ids, element ids, tenant ids and variable documents, so entries shrink
//! about sevenfold; the bytes every replica writes to its WAL, sends to followers and checksums shrink
//! with them. A compressed entry is the byte [`COMPRESSED_TAG`], the plain encoding's first byte (its
//! variant index, so the kind of entry is known without decompressing) and the LZ4 block of the whole
//! plain encoding, its length first.

use std::borrow::Cow;

use crate::key::Position;
use crate::record::Record;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot encode log entry: {0}")]
    Encode(postcard::Error),
    #[error("cannot decode log entry at index {index}: {source}")]
    Decode { index: u64, source: postcard::Error },
    #[error("log entry holds {0} records, more than the {max} allowed", max = Position::MAX_RECORDS_PER_ENTRY)]
    TooManyRecords(usize),
    #[error("cannot decompress log entry at index {index}: {reason}")]
    Decompress { index: u64, reason: String },
}

/// What a processing round produced: events, rejections and processed follow-up commands, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessedBatch {
    /// The highest position of a command processed in this round; replicas record it so that a new leader
    /// knows where to carry on.
    pub last_processed: Position,
    pub records: Vec<Record>,
}

/// One change of the partition state: `value` `None` deletes `key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub value: Option<Vec<u8>>,
}

/// A processed batch together with the state changes its events made, in key order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessedOutcome {
    /// The highest position of a command processed in this round.
    pub last_processed: Position,
    pub changes: Vec<StateChange>,
    pub records: Vec<Record>,
}

/// The leading part of an encoded [`ProcessedOutcome`], borrowing the changes from the entry's bytes.
#[derive(Debug, PartialEq, Eq, Deserialize)]
pub struct StateChanges<'a> {
    pub last_processed: Position,
    #[serde(borrow)]
    pub changes: Vec<StateChangeRef<'a>>,
}

/// A [`StateChange`] borrowed from an encoded entry.
#[derive(Debug, PartialEq, Eq, Deserialize)]
pub struct StateChangeRef<'a> {
    #[serde(borrow)]
    pub key: &'a [u8],
    #[serde(borrow)]
    pub value: Option<&'a [u8]>,
}

/// A [`LogEntry::Outcome`], or a [`LogEntry::OutcomeWithCommands`] when it carries commands, to
/// encode from borrowed parts, byte for byte what encoding the owned entry writes. The leader keeps
/// the round's writes (it applies them itself), and building a [`ProcessedOutcome`] would copy every
/// change once more only to encode it.
pub struct OutcomeRef<'a, C> {
    pub last_processed: Position,
    /// The changes in key order: a key and its new value, `None` for a deletion.
    pub changes: C,
    pub records: &'a [Record],
    /// Commands to process in a later round; positioned after `records`.
    pub commands: &'a [Record],
}

impl<'a, C> OutcomeRef<'a, C>
where
    C: ExactSizeIterator<Item = (&'a [u8], Option<&'a [u8]>)> + Clone,
{
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let count = self.records.len() + self.commands.len();
        if count > Position::MAX_RECORDS_PER_ENTRY {
            return Err(CodecError::TooManyRecords(count));
        }
        // Entries run to tens of kilobytes; sized up front, the buffer is not regrown (and copied)
        // a dozen times while encoding.
        let changes: usize = self
            .changes
            .clone()
            .map(|(key, value)| key.len() + value.map_or(0, <[u8]>::len) + 8)
            .sum();
        let buffer = Vec::with_capacity(changes + count * ESTIMATED_RECORD_BYTES + 32);
        // An enum variant is its index followed by its fields, and a struct its fields in order.
        let changes = ChangesOut(self.changes.clone());
        let plain = if self.commands.is_empty() {
            let encoded = (OUTCOME_VARIANT, self.last_processed, changes, self.records);
            postcard::to_extend(&encoded, buffer)
        } else {
            let encoded = (
                OUTCOME_WITH_COMMANDS_VARIANT,
                self.last_processed,
                changes,
                self.records,
                self.commands,
            );
            postcard::to_extend(&encoded, buffer)
        }
        .map_err(CodecError::Encode)?;
        Ok(compressed(plain))
    }
}

/// A typical encoded record without a large variables document, to size encoding buffers.
const ESTIMATED_RECORD_BYTES: usize = 160;

/// Serializes borrowed changes as a `Vec<StateChange>` is serialized.
struct ChangesOut<C>(C);

impl<'a, C> Serialize for ChangesOut<C>
where
    C: ExactSizeIterator<Item = (&'a [u8], Option<&'a [u8]>)> + Clone,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let changes = self.0.clone();
        let mut seq = serializer.serialize_seq(Some(changes.len()))?;
        for (key, value) in changes {
            seq.serialize_element(&ChangeOut { key, value })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct ChangeOut<'a> {
    #[serde(with = "serde_bytes")]
    key: &'a [u8],
    #[serde(with = "serde_bytes")]
    value: Option<&'a [u8]>,
}

/// One entry of the partition log.
///
/// Variants are only ever added at the end: the variant index is part of the encoding, and a log
/// written by an earlier version must stay readable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LogEntry {
    /// Commands to process (from clients, timers, other partitions).
    Commands(Vec<Record>),
    /// The outcome of processing committed commands, as written before state changes were logged:
    /// replicas apply it by running the event appliers.
    Processed(ProcessedBatch),
    /// The outcome of processing committed commands with the state changes it made.
    Outcome(ProcessedOutcome),
    /// An outcome followed by commands to process in a later round (see the module doc). The
    /// commands' positions follow the outcome's records.
    OutcomeWithCommands {
        outcome: ProcessedOutcome,
        commands: Vec<Record>,
    },
}

/// Gives `records` the positions they hold in the entry at Raft index `index`, the first at offset
/// `first_offset`. Decoding places every record this way; a leader that keeps the commands it
/// appended places them itself once it learns the entry's index.
pub fn place_records(records: &mut [Record], index: u64, first_offset: usize) {
    for (offset, record) in records.iter_mut().enumerate() {
        record.position = Position::new(index, first_offset + offset);
    }
}

/// The variant index of [`LogEntry::Commands`] in the encoding.
const COMMANDS_VARIANT: u32 = 0;
/// The variant index of [`LogEntry::Outcome`] in the encoding.
const OUTCOME_VARIANT: u32 = 2;
/// The variant index of [`LogEntry::OutcomeWithCommands`] in the encoding.
const OUTCOME_WITH_COMMANDS_VARIANT: u32 = 3;

/// Leads a compressed entry. A plain entry begins with its variant index, a postcard varint whose
/// first byte is below 0x80 while there are fewer than 128 variants, so it never begins with this.
pub const COMPRESSED_TAG: u8 = 0xFF;

/// Entries shorter than this are stored as they are: LZ4 saves little on a few records, and most
/// short entries are single commands on the latency-critical path of an idle partition.
pub const COMPRESS_FROM_BYTES: usize = 512;

/// `plain` in the stored form: compressed if it is long enough and compression makes it shorter.
fn compressed(plain: Vec<u8>) -> Vec<u8> {
    if plain.len() < COMPRESS_FROM_BYTES {
        return plain;
    }
    let block = lz4_flex::block::compress_prepend_size(&plain);
    if block.len() + 2 >= plain.len() {
        return plain;
    }
    let mut stored = Vec::with_capacity(block.len() + 2);
    stored.push(COMPRESSED_TAG);
    stored.push(plain[0]);
    stored.extend_from_slice(&block);
    stored
}

/// The plain encoding of the stored entry `bytes`: borrowed as it is, or decompressed.
fn plain(index: u64, bytes: &[u8]) -> Result<Cow<'_, [u8]>, CodecError> {
    let fail = |reason: String| CodecError::Decompress { index, reason };
    let block = match bytes {
        [COMPRESSED_TAG, _, block @ ..] => block,
        [COMPRESSED_TAG, ..] => return Err(fail("compressed entry without its variant".into())),
        _ => return Ok(Cow::Borrowed(bytes)),
    };
    let (length, block) =
        lz4_flex::block::uncompressed_size(block).map_err(|err| fail(err.to_string()))?;
    // An LZ4 block expands at most 255-fold; a damaged length must not allocate gigabytes.
    if length > block.len().saturating_mul(255) {
        return Err(fail(format!(
            "{length} bytes cannot come from a {}-byte block",
            block.len()
        )));
    }
    let mut plain = vec![0; length];
    let written =
        lz4_flex::block::decompress_into(block, &mut plain).map_err(|err| fail(err.to_string()))?;
    if written != length {
        return Err(fail(format!(
            "{written} bytes where {length} were recorded"
        )));
    }
    Ok(Cow::Owned(plain))
}

impl LogEntry {
    /// The records processing wrote (for a [`LogEntry::Commands`] entry, its commands).
    pub fn records(&self) -> &[Record] {
        match self {
            LogEntry::Commands(records) => records,
            LogEntry::Processed(batch) => &batch.records,
            LogEntry::Outcome(outcome) | LogEntry::OutcomeWithCommands { outcome, .. } => {
                &outcome.records
            }
        }
    }

    /// The commands this entry hands to processing, in position order.
    pub fn into_commands(self) -> Vec<Record> {
        match self {
            LogEntry::Commands(commands) | LogEntry::OutcomeWithCommands { commands, .. } => {
                commands
            }
            LogEntry::Processed(_) | LogEntry::Outcome(_) => Vec::new(),
        }
    }

    /// How many positions the entry's records take, commands included.
    fn record_count(&self) -> usize {
        match self {
            LogEntry::OutcomeWithCommands { outcome, commands } => {
                outcome.records.len() + commands.len()
            }
            _ => self.records().len(),
        }
    }

    /// The entry's record lists in position order.
    fn record_lists_mut(&mut self) -> [&mut [Record]; 2] {
        match self {
            LogEntry::Commands(records) => [records, &mut []],
            LogEntry::Processed(batch) => [&mut batch.records, &mut []],
            LogEntry::Outcome(outcome) => [&mut outcome.records, &mut []],
            LogEntry::OutcomeWithCommands { outcome, commands } => [&mut outcome.records, commands],
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        let count = self.record_count();
        if count > Position::MAX_RECORDS_PER_ENTRY {
            return Err(CodecError::TooManyRecords(count));
        }
        postcard::to_allocvec(self)
            .map(compressed)
            .map_err(CodecError::Encode)
    }

    /// Decodes the entry at Raft index `index` and assigns its records' positions.
    pub fn decode(index: u64, bytes: &[u8]) -> Result<LogEntry, CodecError> {
        let bytes = plain(index, bytes)?;
        let mut entry: LogEntry =
            postcard::from_bytes(&bytes).map_err(|source| CodecError::Decode { index, source })?;
        // Positions hold the offset in 20 bits; an entry this large was never written by Hornet.
        let count = entry.record_count();
        if count > Position::MAX_RECORDS_PER_ENTRY {
            return Err(CodecError::TooManyRecords(count));
        }
        let [first, second] = entry.record_lists_mut();
        let second_offset = first.len();
        place_records(first, index, 0);
        place_records(second, index, second_offset);
        Ok(entry)
    }

    /// Runs `read` over the state changes of the entry at Raft index `index` if it is a
    /// [`LogEntry::Outcome`] or a [`LogEntry::OutcomeWithCommands`], read without decoding its records;
    /// `None` for any other entry. The changes borrow from the entry's bytes, or from its decompressed
    /// form for as long as `read` runs.
    pub fn read_state_changes<R>(
        index: u64,
        bytes: &[u8],
        read: impl FnOnce(StateChanges<'_>) -> R,
    ) -> Result<Option<R>, CodecError> {
        if !matches!(
            variant(index, bytes)?,
            OUTCOME_VARIANT | OUTCOME_WITH_COMMANDS_VARIANT
        ) {
            return Ok(None);
        }
        let bytes = plain(index, bytes)?;
        let (_, rest) = take_variant(index, &bytes)?;
        let (changes, _records) = postcard::take_from_bytes::<StateChanges<'_>>(rest)
            .map_err(|source| CodecError::Decode { index, source })?;
        Ok(Some(read(changes)))
    }

    /// Whether the entry at Raft index `index` is a [`LogEntry::Commands`], read from its variant tag
    /// alone: replicas apply command entries without reading them, since commands change state only
    /// once processed (and the leader decodes them then).
    pub fn holds_only_commands(index: u64, bytes: &[u8]) -> Result<bool, CodecError> {
        Ok(variant(index, bytes)? == COMMANDS_VARIANT)
    }
}

/// The variant index of the stored entry `bytes`, compressed or not, without decompressing it.
fn variant(index: u64, bytes: &[u8]) -> Result<u32, CodecError> {
    match bytes {
        [COMPRESSED_TAG, first, ..] => Ok(take_variant(index, std::slice::from_ref(first))?.0),
        _ => Ok(take_variant(index, bytes)?.0),
    }
}

/// The variant index that leads an encoded entry, and the bytes after it.
fn take_variant(index: u64, bytes: &[u8]) -> Result<(u32, &[u8]), CodecError> {
    postcard::take_from_bytes::<u32>(bytes).map_err(|source| CodecError::Decode { index, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::*;
    use crate::*;

    fn job_created(key: Key) -> Record {
        let job = JobRecord {
            job_type: "payment".into(),
            retries: 3,
            custom_headers: [("k".to_string(), "v".to_string())].into(),
            variables: Document::parse(r#"{"x":1}"#).unwrap(),
            element_id: "task".into(),
            element_instance_key: Key::new(PartitionId(1), 2),
            bpmn_process_id: "order".into(),
            process_definition_version: 1,
            process_definition_key: Key::new(PartitionId(1), 1),
            process_instance_key: Key::new(PartitionId(1), 3),
            tenant_id: "<default>".into(),
            ..JobRecord::empty()
        };
        Record {
            position: Position::default(),
            source_position: Some(Position::new(3, 0)),
            key,
            timestamp: 1_700_000_000_000,
            kind: RecordKind::Event,
            request: None,
            value: RecordValue::Job(JobIntent::Created, Box::new(job)),
        }
    }

    #[test]
    fn round_trip_assigns_positions() {
        let entry = LogEntry::Processed(ProcessedBatch {
            last_processed: Position::new(3, 0),
            records: vec![
                job_created(Key::new(PartitionId(1), 9)),
                job_created(Key::new(PartitionId(1), 10)),
            ],
        });
        let bytes = entry.encode().unwrap();
        let back = LogEntry::decode(5, &bytes).unwrap();
        let records = back.records();
        assert_eq!(records[0].position, Position::new(5, 0));
        assert_eq!(records[1].position, Position::new(5, 1));
        assert_eq!(records[1].key, Key::new(PartitionId(1), 10));
        assert_eq!(records[0].value, entry.records()[0].value);
    }

    #[test]
    fn state_changes_are_read_without_the_records() {
        let entry = LogEntry::Outcome(ProcessedOutcome {
            last_processed: Position::new(3, 1),
            changes: vec![
                StateChange {
                    key: vec![0x30, 1],
                    value: Some(b"job".to_vec()),
                },
                StateChange {
                    key: vec![0x31, 2],
                    value: None,
                },
            ],
            records: vec![job_created(Key::new(PartitionId(1), 9))],
        });
        let bytes = entry.encode().unwrap();
        assert_ne!(bytes[0], COMPRESSED_TAG, "a short entry is stored as it is");
        assert_eq!(
            changes_of(&bytes),
            Some((Position::new(3, 1), outcome_changes(&entry)))
        );
        // The whole entry still decodes, with positions.
        let back = LogEntry::decode(5, &bytes).unwrap();
        assert_eq!(back.records()[0].position, Position::new(5, 0));

        assert!(!LogEntry::holds_only_commands(5, &bytes).unwrap());

        // Other entries have no state changes.
        let commands = LogEntry::Commands(vec![job_created(Key::new(PartitionId(1), 9))]);
        let bytes = commands.encode().unwrap();
        assert_eq!(changes_of(&bytes), None);
        assert!(LogEntry::holds_only_commands(5, &bytes).unwrap());
        let processed = LogEntry::Processed(ProcessedBatch {
            last_processed: Position::new(3, 0),
            records: vec![],
        });
        let bytes = processed.encode().unwrap();
        assert_eq!(changes_of(&bytes), None);
    }

    fn outcome_changes(entry: &LogEntry) -> Vec<StateChange> {
        match entry {
            LogEntry::Outcome(outcome) => outcome.changes.clone(),
            _ => unreachable!("built as an outcome"),
        }
    }

    /// An outcome's changes as owned values, read through [`LogEntry::read_state_changes`].
    fn changes_of(bytes: &[u8]) -> Option<(Position, Vec<StateChange>)> {
        LogEntry::read_state_changes(5, bytes, |changes| {
            let owned = changes
                .changes
                .iter()
                .map(|change| StateChange {
                    key: change.key.to_vec(),
                    value: change.value.map(<[u8]>::to_vec),
                })
                .collect();
            (changes.last_processed, owned)
        })
        .unwrap()
    }

    #[test]
    fn long_entries_are_stored_compressed_and_read_back_whole() {
        let records: Vec<Record> = (0..40)
            .map(|key| job_created(Key::new(PartitionId(1), key)))
            .collect();
        let changes: Vec<StateChange> = (0..40u8)
            .map(|key| StateChange {
                key: vec![0x30, key],
                value: Some(b"a job stored in the state".to_vec()),
            })
            .collect();
        let outcome = LogEntry::Outcome(ProcessedOutcome {
            last_processed: Position::new(7, 39),
            changes: changes.clone(),
            records: records.clone(),
        });
        let plain_length = postcard::to_allocvec(&outcome).unwrap().len();
        let bytes = outcome.encode().unwrap();
        assert_eq!(bytes[0], COMPRESSED_TAG);
        assert!(
            bytes.len() * 4 < plain_length,
            "{} bytes compressed from {plain_length}",
            bytes.len()
        );
        assert_eq!(LogEntry::decode(9, &bytes).unwrap(), {
            let mut expected = outcome.clone();
            if let LogEntry::Outcome(outcome) = &mut expected {
                for (offset, record) in outcome.records.iter_mut().enumerate() {
                    record.position = Position::new(9, offset);
                }
            }
            expected
        });
        let (last_processed, read) = changes_of(&bytes).unwrap();
        assert_eq!(last_processed, Position::new(7, 39));
        assert_eq!(read, changes);
        assert!(!LogEntry::holds_only_commands(9, &bytes).unwrap());

        let commands = LogEntry::Commands(records);
        let bytes = commands.encode().unwrap();
        assert_eq!(bytes[0], COMPRESSED_TAG);
        assert!(LogEntry::holds_only_commands(9, &bytes).unwrap());
        assert_eq!(changes_of(&bytes), None);
        assert_eq!(LogEntry::decode(9, &bytes).unwrap().records().len(), 40);
    }

    #[test]
    fn a_damaged_compressed_entry_is_an_error_not_a_panic() {
        let commands = LogEntry::Commands(
            (0..40)
                .map(|key| job_created(Key::new(PartitionId(1), key)))
                .collect(),
        );
        let mut bytes = commands.encode().unwrap();
        assert_eq!(bytes[0], COMPRESSED_TAG);
        bytes.truncate(bytes.len() / 2);
        let err = LogEntry::decode(6, &bytes).unwrap_err();
        assert!(
            matches!(err, CodecError::Decompress { index: 6, .. }),
            "{err}"
        );
        assert!(LogEntry::read_state_changes(6, &[COMPRESSED_TAG], |_| ()).is_err());
        // A length no block of this size can hold is refused before anything is allocated.
        let huge = [COMPRESSED_TAG, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0x00];
        let err = LogEntry::decode(6, &huge).unwrap_err();
        assert!(err.to_string().contains("cannot come from"), "{err}");
        let mut outcome = OutcomeRef {
            last_processed: Position::new(1, 0),
            changes: std::iter::empty(),
            records: commands.records(),
            commands: &[],
        }
        .encode()
        .unwrap();
        outcome.truncate(outcome.len() - 3);
        assert!(LogEntry::read_state_changes(6, &outcome, |_| ()).is_err());
    }

    #[test]
    fn an_outcome_carries_commands_positioned_after_its_records() {
        let changes = vec![StateChange {
            key: vec![0x30, 1],
            value: Some(b"job".to_vec()),
        }];
        let records: Vec<Record> = (0..3)
            .map(|key| job_created(Key::new(PartitionId(1), key)))
            .collect();
        let commands: Vec<Record> = (10..12)
            .map(|key| job_created(Key::new(PartitionId(1), key)))
            .collect();
        let borrowed = OutcomeRef {
            last_processed: Position::new(6, 4),
            changes: changes
                .iter()
                .map(|change| (change.key.as_slice(), change.value.as_deref())),
            records: &records,
            commands: &commands,
        };
        let bytes = borrowed.encode().unwrap();
        let owned = LogEntry::OutcomeWithCommands {
            outcome: ProcessedOutcome {
                last_processed: Position::new(6, 4),
                changes: changes.clone(),
                records: records.clone(),
            },
            commands: commands.clone(),
        };
        assert_eq!(bytes, owned.encode().unwrap());

        // Replicas write its state changes and do not skip it as a command entry.
        assert_eq!(
            changes_of(&bytes),
            Some((Position::new(6, 4), changes.clone()))
        );
        assert!(!LogEntry::holds_only_commands(8, &bytes).unwrap());

        let decoded = LogEntry::decode(8, &bytes).unwrap();
        let positions = |records: &[Record]| -> Vec<Position> {
            records.iter().map(|record| record.position).collect()
        };
        assert_eq!(
            positions(decoded.records()),
            [0, 1, 2].map(|offset| Position::new(8, offset))
        );
        let decoded_commands = decoded.into_commands();
        assert_eq!(
            positions(&decoded_commands),
            [3, 4].map(|offset| Position::new(8, offset))
        );
        assert_eq!(decoded_commands[1].key, Key::new(PartitionId(1), 11));

        // Without commands it is a plain outcome, as an earlier version wrote it.
        let without = OutcomeRef {
            commands: &[],
            ..borrowed
        };
        let bytes = without.encode().unwrap();
        assert!(LogEntry::decode(8, &bytes)
            .unwrap()
            .into_commands()
            .is_empty());
        assert!(matches!(
            LogEntry::decode(8, &bytes).unwrap(),
            LogEntry::Outcome(_)
        ));
    }

    #[test]
    fn a_borrowed_outcome_encodes_like_the_owned_one() {
        let changes = vec![
            StateChange {
                key: vec![0x30, 1],
                value: Some(vec![7; 300]),
            },
            StateChange {
                key: vec![0x31, 2],
                value: None,
            },
        ];
        let records = vec![
            job_created(Key::new(PartitionId(1), 9)),
            job_created(Key::new(PartitionId(1), 10)),
        ];
        let owned = LogEntry::Outcome(ProcessedOutcome {
            last_processed: Position::new(300, 2),
            changes: changes.clone(),
            records: records.clone(),
        });
        let borrowed = OutcomeRef {
            last_processed: Position::new(300, 2),
            changes: changes
                .iter()
                .map(|change| (change.key.as_slice(), change.value.as_deref())),
            records: &records,
            commands: &[],
        };
        let bytes = borrowed.encode().unwrap();
        assert_eq!(bytes, owned.encode().unwrap());
        assert_eq!(LogEntry::decode(4, &bytes).unwrap().records().len(), 2);

        let empty = OutcomeRef {
            last_processed: Position::new(1, 0),
            changes: std::iter::empty(),
            records: &[],
            commands: &[],
        };
        let owned_empty = LogEntry::Outcome(ProcessedOutcome {
            last_processed: Position::new(1, 0),
            changes: vec![],
            records: vec![],
        });
        assert_eq!(empty.encode().unwrap(), owned_empty.encode().unwrap());
    }

    #[test]
    fn corrupt_bytes_are_an_error_not_a_panic() {
        let err = LogEntry::decode(4, &[0xff, 0xff, 0xff]).unwrap_err();
        assert!(err.to_string().contains("index 4"), "{err}");
    }

    #[test]
    fn exported_json_reads_like_zeebe() {
        let mut record = job_created(Key::new(PartitionId(1), 9));
        record.position = Position::new(5, 1);
        let json = record.to_json(PartitionId(1));
        assert_eq!(json["valueType"], "JOB");
        assert_eq!(json["intent"], "CREATED");
        assert_eq!(json["recordType"], "EVENT");
        assert_eq!(json["value"]["type"], "payment");
        assert_eq!(json["value"]["variables"]["x"], 1);
        assert_eq!(json["value"]["customHeaders"]["k"], "v");
    }
}
