//! Jobs: units of work handed to external workers.

use crate::document::Document;
use crate::key::Key;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    #[serde(rename = "type")]
    pub job_type: SmolStr,
    pub worker: SmolStr,
    pub retries: i32,
    /// Milliseconds to wait before a failed job is activatable again.
    pub retry_backoff: i64,
    /// When a job in backoff becomes activatable again (epoch millis), -1 when not backing off.
    pub recurring_time: i64,
    /// When an activated job times out (epoch millis), -1 when not activated.
    pub deadline: i64,
    /// Milliseconds an activation lasts.
    pub timeout: i64,
    pub error_message: String,
    pub error_code: String,
    pub custom_headers: BTreeMap<String, String>,
    pub variables: Document,
    pub element_id: SmolStr,
    pub element_instance_key: Key,
    pub bpmn_process_id: SmolStr,
    pub process_definition_version: i32,
    pub process_definition_key: Key,
    pub process_instance_key: Key,
    pub tenant_id: SmolStr,
}

impl JobRecord {
    /// A job with no field set: what a command that names its job by key alone carries.
    pub fn empty() -> JobRecord {
        JobRecord {
            job_type: SmolStr::default(),
            worker: SmolStr::default(),
            retries: -1,
            retry_backoff: 0,
            recurring_time: -1,
            deadline: -1,
            timeout: -1,
            error_message: String::new(),
            error_code: String::new(),
            custom_headers: BTreeMap::new(),
            variables: Document::empty(),
            element_id: SmolStr::default(),
            element_instance_key: Key::NONE,
            bpmn_process_id: SmolStr::default(),
            process_definition_version: -1,
            process_definition_key: Key::NONE,
            process_instance_key: Key::NONE,
            tenant_id: SmolStr::default(),
        }
    }
}

/// A request to activate jobs of one type, and the jobs it activated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobBatchRecord {
    #[serde(rename = "type")]
    pub job_type: String,
    pub worker: String,
    pub timeout: i64,
    pub max_jobs_to_activate: i32,
    /// Variable names to fetch (empty: all visible variables).
    #[serde(rename = "variables")]
    pub fetch_variables: Vec<String>,
    pub tenant_ids: Vec<String>,
    pub job_keys: Vec<Key>,
    pub jobs: Vec<JobRecord>,
    /// More jobs were activatable than fit into the batch.
    pub truncated: bool,
}
