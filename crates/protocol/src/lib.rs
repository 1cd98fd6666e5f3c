//! The vocabulary every Hornet crate shares: records, their value types and intents, keys, positions,
//! and the encoding of the partition log.
//!
//! A partition's log is a sequence of [`LogEntry`]s (one per Raft entry). Each entry holds records: commands
//! written by clients and the broker, or the outcome of processing them (events, rejections, and the
//! follow-up commands that were processed in the same round). Names of record types, value types and
//! intents follow Zeebe's protocol so that exported records read like Zeebe's.

mod bpmn;
mod codec;
mod document;
mod intent;
mod key;
mod notice;
pub mod partitioning;
mod record;
pub mod value;

pub use bpmn::{BpmnElementType, BpmnEventType};
pub use codec::{
    place_records, CodecError, LogEntry, OutcomeRef, ProcessedBatch, ProcessedOutcome, StateChange,
    StateChangeRef, StateChanges,
};
pub use document::{json_type_name, Document, DocumentError};
pub use intent::*;
pub use key::{Key, PartitionId, Position, MAX_PARTITIONS};
pub use notice::{yield_job, JobStreamProperties, JobsAvailable, PushedJob};
pub use record::{Record, RecordKind, RecordType, Rejection, RejectionType, RequestRef, ValueType};
pub use value::RecordValue;
