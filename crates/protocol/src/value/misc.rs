//! Timers, signals, escalations, processing errors and command distribution.

use crate::document::Document;
use crate::key::{Key, PartitionId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimerRecord {
    pub element_instance_key: Key,
    pub process_instance_key: Key,
    /// When the timer fires (epoch millis).
    pub due_date: i64,
    pub target_element_id: String,
    /// Remaining repetitions of a cycle; -1 repeats forever.
    pub repetitions: i32,
    pub process_definition_key: Key,
    pub tenant_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalRecord {
    pub signal_name: String,
    pub variables: Document,
    pub tenant_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalSubscriptionRecord {
    pub process_definition_key: Key,
    pub bpmn_process_id: String,
    pub catch_event_id: String,
    pub catch_event_instance_key: Key,
    pub signal_name: String,
    pub tenant_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationRecord {
    pub process_instance_key: Key,
    pub escalation_code: String,
    pub throw_element_id: String,
    pub catch_element_id: String,
}

/// A command whose processing failed unexpectedly; written instead of its outcome so the failure is visible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRecord {
    pub exception_message: String,
    pub error_event_position: u64,
    pub process_instance_key: Key,
}

/// A command that one partition sends to others, tracked until every receiver acknowledged it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandDistributionRecord {
    pub partition_id: PartitionId,
    /// The distributed command, encoded as a record value.
    pub command_value: Option<Box<crate::value::RecordValue>>,
}

/// A catch event triggered in a scope (a boundary event on its activity, an event sub-process in its
/// flow scope): TRIGGERING while what it interrupts terminates, TRIGGERED when the event is activated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessEventRecord {
    pub scope_key: Key,
    pub target_element_id: String,
    pub variables: Document,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub tenant_id: String,
}

/// A completed compensable activity that compensation can still undo (Zeebe's
/// `CompensationSubscriptionRecord`). Created when the activity completes; triggered by a compensation
/// throw event (which fills in the throw event and the handler instance); completed when its handler
/// completes; deleted when the process instance ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompensationSubscriptionRecord {
    pub tenant_id: String,
    pub process_instance_key: Key,
    pub process_definition_key: Key,
    pub compensable_activity_id: String,
    /// Empty until a throw event triggers the subscription.
    pub throw_event_id: String,
    /// `-1` until a throw event triggers the subscription.
    pub throw_event_instance_key: Key,
    /// Empty for an embedded sub-process that is compensable only through its inner activities.
    pub compensation_handler_id: String,
    /// `-1` until the handler is activated (and for a subscription without a handler).
    pub compensation_handler_instance_key: Key,
    /// The flow scope instance the activity completed in.
    pub compensable_activity_scope_key: Key,
    pub compensable_activity_instance_key: Key,
    pub variables: Document,
}
