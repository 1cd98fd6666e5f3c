//! Messages and the subscriptions that correlate them to process instances.

use crate::document::Document;
use crate::key::Key;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecord {
    pub name: String,
    pub correlation_key: String,
    /// Milliseconds the message is buffered for correlation.
    pub time_to_live: i64,
    pub message_id: String,
    pub variables: Document,
    /// When the message expires (epoch millis).
    pub deadline: i64,
    pub tenant_id: String,
}

/// A subscription as the message's partition keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSubscriptionRecord {
    pub process_instance_key: Key,
    pub element_instance_key: Key,
    pub bpmn_process_id: String,
    pub message_name: String,
    pub correlation_key: String,
    pub message_key: Key,
    pub variables: Document,
    pub is_interrupting: bool,
    pub tenant_id: String,
}

/// A subscription as the process instance's partition keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessMessageSubscriptionRecord {
    pub process_instance_key: Key,
    pub element_instance_key: Key,
    pub message_key: Key,
    pub message_name: String,
    pub variables: Document,
    pub correlation_key: String,
    pub element_id: String,
    pub bpmn_process_id: String,
    pub is_interrupting: bool,
    pub tenant_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStartEventSubscriptionRecord {
    pub process_definition_key: Key,
    pub bpmn_process_id: String,
    pub start_event_id: String,
    pub message_name: String,
    pub process_instance_key: Key,
    pub message_key: Key,
    pub correlation_key: String,
    pub variables: Document,
    pub tenant_id: String,
}
