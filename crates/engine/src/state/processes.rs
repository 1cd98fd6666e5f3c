//! Deployed process definitions.
//!
//! * `02 definition-key` → [`ProcessRecord`] (with its BPMN resource, so the model can be rebuilt).
//! * `03 str(bpmn-process-id) version(u32 BE)` → definition key (8 bytes BE): lookup by id and version.
//! * `04 str(bpmn-process-id)` → [`LatestVersion`]: the latest version of an id, with what a redeploy is
//!   compared against (resource name and checksum).

use super::{column, get, key_at, put, KeyBuf};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::ProcessRecord;
use hornet_protocol::Key;
use serde::{Deserialize, Serialize};

/// The latest deployed version of one BPMN process id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestVersion {
    pub version: i32,
    pub process_definition_key: Key,
    pub resource_name: String,
    pub checksum: Vec<u8>,
}

fn definition_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::PROCESS).key(key).build()
}

fn version_key(bpmn_process_id: &str, version: i32) -> Vec<u8> {
    KeyBuf::new(column::PROCESS_VERSION)
        .str(bpmn_process_id)
        .u32(version.max(0) as u32)
        .build()
}

fn tag_key(bpmn_process_id: &str, version_tag: &str) -> Vec<u8> {
    KeyBuf::new(column::PROCESS_BY_TAG)
        .str(bpmn_process_id)
        .str(version_tag)
        .build()
}

fn deployment_key(deployment: Key, bpmn_process_id: &str) -> Vec<u8> {
    KeyBuf::new(column::PROCESS_BY_DEPLOYMENT)
        .key(deployment)
        .str(bpmn_process_id)
        .build()
}

/// The latest version of `bpmn_process_id` tagged `version_tag`.
pub fn key_by_version_tag(
    kv: &dyn KvRead,
    bpmn_process_id: &str,
    version_tag: &str,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&tag_key(bpmn_process_id, version_tag))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

/// The version of `bpmn_process_id` that deployment `deployment` created.
pub fn key_by_deployment(
    kv: &dyn KvRead,
    deployment: Key,
    bpmn_process_id: &str,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&deployment_key(deployment, bpmn_process_id))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

fn latest_key(bpmn_process_id: &str) -> Vec<u8> {
    KeyBuf::new(column::PROCESS_LATEST)
        .str(bpmn_process_id)
        .build()
}

pub fn get_by_key(kv: &dyn KvRead, key: Key) -> Result<Option<ProcessRecord>, EngineError> {
    get(kv, "process definition", &definition_key(key))
}

pub fn latest(
    kv: &dyn KvRead,
    bpmn_process_id: &str,
) -> Result<Option<LatestVersion>, EngineError> {
    get(kv, "latest process version", &latest_key(bpmn_process_id))
}

pub fn key_by_version(
    kv: &dyn KvRead,
    bpmn_process_id: &str,
    version: i32,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&version_key(bpmn_process_id, version))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

/// Stores a new version (PROCESS CREATED applier).
pub fn insert(kv: &mut dyn KvWrite, process: &ProcessRecord) -> Result<(), EngineError> {
    put(
        kv,
        "process definition",
        &definition_key(process.process_definition_key),
        process,
    )?;
    kv.put(
        &version_key(&process.bpmn_process_id, process.version),
        &process.process_definition_key.to_be_bytes(),
    );
    if !process.version_tag.is_empty() {
        let newest_tagged =
            match key_by_version_tag(kv, &process.bpmn_process_id, &process.version_tag)? {
                Some(existing) => {
                    get_by_key(kv, existing)?.is_none_or(|p| p.version <= process.version)
                }
                None => true,
            };
        if newest_tagged {
            kv.put(
                &tag_key(&process.bpmn_process_id, &process.version_tag),
                &process.process_definition_key.to_be_bytes(),
            );
        }
    }
    kv.put(
        &deployment_key(process.deployment_key, &process.bpmn_process_id),
        &process.process_definition_key.to_be_bytes(),
    );
    let newer = match latest(kv, &process.bpmn_process_id)? {
        Some(current) => current.version <= process.version,
        None => true,
    };
    if newer {
        let latest = LatestVersion {
            version: process.version,
            process_definition_key: process.process_definition_key,
            resource_name: process.resource_name.clone(),
            checksum: process.checksum.to_vec(),
        };
        put(
            kv,
            "latest process version",
            &latest_key(&process.bpmn_process_id),
            &latest,
        )?;
    }
    Ok(())
}
