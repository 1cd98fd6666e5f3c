//! The record: one command, event or rejection in a partition's log.

use crate::bpmn::named_enum;
use crate::key::{Key, Position};
use crate::value::RecordValue;
use serde::{Deserialize, Serialize};

named_enum! {
    /// Whether a record asks for something, states what happened, or refuses a command.
    RecordType {
        Command => "COMMAND",
        Event => "EVENT",
        CommandRejection => "COMMAND_REJECTION",
    }
}

named_enum! {
    /// Why a command was rejected; the gateway maps it to a gRPC status.
    RejectionType {
        InvalidArgument => "INVALID_ARGUMENT",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        InvalidState => "INVALID_STATE",
        ProcessingError => "PROCESSING_ERROR",
        ExceededBatchRecordSize => "EXCEEDED_BATCH_RECORD_SIZE",
    }
}

named_enum! {
    /// The value type of a record, as in Zeebe's `ValueType`.
    ValueType {
        Deployment => "DEPLOYMENT",
        Process => "PROCESS",
        ProcessInstance => "PROCESS_INSTANCE",
        ProcessInstanceCreation => "PROCESS_INSTANCE_CREATION",
        ProcessInstanceResult => "PROCESS_INSTANCE_RESULT",
        ProcessInstanceBatch => "PROCESS_INSTANCE_BATCH",
        Job => "JOB",
        JobBatch => "JOB_BATCH",
        Incident => "INCIDENT",
        Variable => "VARIABLE",
        VariableDocument => "VARIABLE_DOCUMENT",
        Message => "MESSAGE",
        MessageSubscription => "MESSAGE_SUBSCRIPTION",
        ProcessMessageSubscription => "PROCESS_MESSAGE_SUBSCRIPTION",
        MessageStartEventSubscription => "MESSAGE_START_EVENT_SUBSCRIPTION",
        Timer => "TIMER",
        Signal => "SIGNAL",
        SignalSubscription => "SIGNAL_SUBSCRIPTION",
        Escalation => "ESCALATION",
        Error => "ERROR",
        CommandDistribution => "COMMAND_DISTRIBUTION",
        Decision => "DECISION",
        DecisionRequirements => "DECISION_REQUIREMENTS",
        DecisionEvaluation => "DECISION_EVALUATION",
        ProcessEvent => "PROCESS_EVENT",
        CompensationSubscription => "COMPENSATION_SUBSCRIPTION",
        UserTask => "USER_TASK",
    }
}

/// A rejected command's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    #[serde(rename = "rejectionType")]
    pub kind: RejectionType,
    #[serde(rename = "rejectionReason")]
    pub reason: String,
}

/// The record type, with the rejection reason where there is one, so a rejection without a reason (or an
/// event with one) cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordKind {
    Command,
    Event,
    Rejection(Rejection),
}

impl RecordKind {
    pub fn record_type(&self) -> RecordType {
        match self {
            RecordKind::Command => RecordType::Command,
            RecordKind::Event => RecordType::Event,
            RecordKind::Rejection(_) => RecordType::CommandRejection,
        }
    }
}

/// Which client request a command answers: the node that accepted the request and its id there.
/// The response is sent by that node only, after the records that justify it are committed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestRef {
    pub node: u64,
    pub id: u64,
}

/// One record of a partition log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Derived from where the record sits in the log (see [`Position`]); not part of the encoding.
    #[serde(skip)]
    pub position: Position,
    /// For events and rejections: the position of the command that caused them.
    pub source_position: Option<Position>,
    pub key: Key,
    /// Milliseconds since the Unix epoch; for a command, when it was written; for its outcome, the same
    /// value, which is the only notion of "now" the engine has.
    pub timestamp: i64,
    pub kind: RecordKind,
    /// For commands that a client waits for.
    pub request: Option<RequestRef>,
    pub value: RecordValue,
}

impl Record {
    /// A new command, not yet in the log.
    pub fn command(key: Key, value: RecordValue) -> Record {
        Record {
            position: Position::default(),
            source_position: None,
            key,
            timestamp: 0,
            kind: RecordKind::Command,
            request: None,
            value,
        }
    }

    pub fn record_type(&self) -> RecordType {
        self.kind.record_type()
    }

    pub fn value_type(&self) -> ValueType {
        self.value.value_type()
    }

    pub fn intent_name(&self) -> &'static str {
        self.value.intent_name()
    }

    pub fn is_command(&self) -> bool {
        matches!(self.kind, RecordKind::Command)
    }

    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.kind {
            RecordKind::Rejection(rejection) => Some(rejection),
            _ => None,
        }
    }

    /// The record as exported JSON, shaped like Zeebe's exported records.
    pub fn to_json(&self, partition_id: crate::PartitionId) -> serde_json::Value {
        let (rejection_type, rejection_reason) = match &self.kind {
            RecordKind::Rejection(r) => (r.kind.as_str(), r.reason.as_str()),
            _ => ("NULL_VAL", ""),
        };
        serde_json::json!({
            "partitionId": partition_id.get(),
            "position": self.position.get(),
            "sourceRecordPosition": self.source_position.map(|p| p.get() as i64).unwrap_or(-1),
            "key": self.key.get(),
            "timestamp": self.timestamp,
            "recordType": self.record_type().as_str(),
            "valueType": self.value_type().as_str(),
            "intent": self.intent_name(),
            "rejectionType": rejection_type,
            "rejectionReason": rejection_reason,
            "value": self.value.value_json(),
        })
    }
}
