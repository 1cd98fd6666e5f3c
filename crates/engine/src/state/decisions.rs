//! Deployed decisions and decision requirements graphs (DRGs, one per DMN resource).
//!
//! * `07 drg-key` → [`DecisionRequirementsRecord`] (with its DMN resource, so the model can be rebuilt).
//! * `08 str(drg-id)` → [`LatestDrg`]: the latest version of a DRG id, with what a redeploy is compared
//!   against (resource name and checksum).
//! * `09 decision-key` → [`DecisionRecord`].
//! * `0A str(decision-id)` → key (8 bytes BE) of the latest version of that decision id.
//! * `0B drg-key str(decision-id)` → key of that decision within one DRG version (the evaluated
//!   decisions of an evaluation report their keys).

use super::{column, get, key_at, put, KeyBuf};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::{DecisionRecord, DecisionRequirementsRecord};
use hornet_protocol::Key;
use serde::{Deserialize, Serialize};

/// The latest deployed version of one DRG id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestDrg {
    pub version: i32,
    pub key: Key,
    pub resource_name: String,
    pub checksum: Vec<u8>,
}

fn drg_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::DRG).key(key).build()
}

fn drg_latest_key(id: &str) -> Vec<u8> {
    KeyBuf::new(column::DRG_LATEST).str(id).build()
}

fn decision_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::DECISION).key(key).build()
}

fn decision_latest_key(id: &str) -> Vec<u8> {
    KeyBuf::new(column::DECISION_LATEST).str(id).build()
}

fn decision_in_drg_key(drg: Key, id: &str) -> Vec<u8> {
    KeyBuf::new(column::DECISION_BY_DRG)
        .key(drg)
        .str(id)
        .build()
}

pub fn drg_by_key(
    kv: &dyn KvRead,
    key: Key,
) -> Result<Option<DecisionRequirementsRecord>, EngineError> {
    get(kv, "decision requirements", &drg_key(key))
}

pub fn latest_drg(kv: &dyn KvRead, id: &str) -> Result<Option<LatestDrg>, EngineError> {
    get(
        kv,
        "latest decision requirements version",
        &drg_latest_key(id),
    )
}

pub fn decision_by_key(kv: &dyn KvRead, key: Key) -> Result<Option<DecisionRecord>, EngineError> {
    get(kv, "decision", &decision_key(key))
}

/// The latest version of decision `id`.
pub fn latest_decision(kv: &dyn KvRead, id: &str) -> Result<Option<DecisionRecord>, EngineError> {
    match kv
        .get(&decision_latest_key(id))?
        .and_then(|bytes| key_at(&bytes, 0))
    {
        Some(key) => decision_by_key(kv, key),
        None => Ok(None),
    }
}

/// The key of decision `id` in DRG version `drg`.
pub fn decision_key_in_drg(
    kv: &dyn KvRead,
    drg: Key,
    id: &str,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&decision_in_drg_key(drg, id))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

/// Stores a new DRG version (DECISION_REQUIREMENTS CREATED applier).
pub fn insert_drg(
    kv: &mut dyn KvWrite,
    drg: &DecisionRequirementsRecord,
) -> Result<(), EngineError> {
    if drg_by_key(kv, drg.decision_requirements_key)?.is_some() {
        return Ok(());
    }
    put(
        kv,
        "decision requirements",
        &drg_key(drg.decision_requirements_key),
        drg,
    )?;
    let newer = latest_drg(kv, &drg.decision_requirements_id)?
        .is_none_or(|current| current.version <= drg.decision_requirements_version);
    if newer {
        let latest = LatestDrg {
            version: drg.decision_requirements_version,
            key: drg.decision_requirements_key,
            resource_name: drg.resource_name.clone(),
            checksum: drg.checksum.to_vec(),
        };
        put(
            kv,
            "latest decision requirements version",
            &drg_latest_key(&drg.decision_requirements_id),
            &latest,
        )?;
    }
    Ok(())
}

/// Stores a new decision version (DECISION CREATED applier).
pub fn insert_decision(kv: &mut dyn KvWrite, decision: &DecisionRecord) -> Result<(), EngineError> {
    if decision_by_key(kv, decision.decision_key)?.is_some() {
        return Ok(());
    }
    put(
        kv,
        "decision",
        &decision_key(decision.decision_key),
        decision,
    )?;
    kv.put(
        &decision_in_drg_key(decision.decision_requirements_key, &decision.decision_id),
        &decision.decision_key.to_be_bytes(),
    );
    let newer = latest_decision(kv, &decision.decision_id)?
        .is_none_or(|current| current.version <= decision.version);
    if newer {
        kv.put(
            &decision_latest_key(&decision.decision_id),
            &decision.decision_key.to_be_bytes(),
        );
    }
    Ok(())
}
