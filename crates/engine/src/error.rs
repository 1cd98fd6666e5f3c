//! The engine's error type: failures that stop processing (as opposed to rejections, which are records).

use crate::kv::KvError;
use hornet_protocol::Key;

/// Why the engine could not process a command or apply an event. Invalid *input* never ends up here: it
/// becomes a rejection record. These errors mean the state or the log is unusable, so the broker stops.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Storage(#[from] KvError),
    #[error("state entry '{what}' cannot be decoded: {reason}")]
    CorruptState { what: &'static str, reason: String },
    #[error("state entry '{what}' cannot be encoded: {reason}")]
    Encode { what: &'static str, reason: String },
    #[error(
        "deployed process definition {key} cannot be rebuilt from its stored resource: {reason}"
    )]
    StoredProcessInvalid { key: Key, reason: String },
    #[error("state refers to process definition {key}, which is not stored")]
    MissingProcess { key: Key },
    #[error("expected an event to apply, but got a {record_type} record ({value_type} {intent})")]
    NotAnEvent {
        record_type: &'static str,
        value_type: &'static str,
        intent: &'static str,
    },
    #[error(
        "expected a command to process, but got a {record_type} record ({value_type} {intent})"
    )]
    NotACommand {
        record_type: &'static str,
        value_type: &'static str,
        intent: &'static str,
    },
}
