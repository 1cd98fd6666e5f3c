//! Incidents.
//!
//! * `40 incident-key` → [`IncidentRecord`].
//! * `41 element-instance-key incident-key` → (empty): open incidents of an element instance.
//! * `42 job-key` → incident key (8 bytes BE): the open incident of a job.

use super::{column, get, key_at, keys_under, put, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::IncidentRecord;
use hornet_protocol::Key;

fn incident_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::INCIDENT).key(key).build()
}

fn by_element_key(element_instance: Key, incident: Key) -> Vec<u8> {
    KeyBuf::new(column::INCIDENT_BY_ELEMENT)
        .key(element_instance)
        .key(incident)
        .build()
}

fn by_job_key(job: Key) -> Vec<u8> {
    KeyBuf::new(column::INCIDENT_BY_JOB).key(job).build()
}

pub fn get_incident(kv: &dyn KvRead, key: Key) -> Result<Option<IncidentRecord>, EngineError> {
    get(kv, "incident", &incident_key(key))
}

pub fn insert(
    kv: &mut dyn KvWrite,
    key: Key,
    incident: &IncidentRecord,
) -> Result<(), EngineError> {
    put(kv, "incident", &incident_key(key), incident)?;
    if !incident.element_instance_key.is_none() {
        kv.put(&by_element_key(incident.element_instance_key, key), PRESENT);
    }
    if !incident.job_key.is_none() {
        kv.put(&by_job_key(incident.job_key), &key.to_be_bytes());
    }
    Ok(())
}

pub fn remove(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    if let Some(incident) = get_incident(kv, key)? {
        kv.delete(&by_element_key(incident.element_instance_key, key));
        if !incident.job_key.is_none() {
            kv.delete(&by_job_key(incident.job_key));
        }
        kv.delete(&incident_key(key));
    }
    Ok(())
}

/// Open incidents of an element instance, in key order.
pub fn of_element_instance(
    kv: &dyn KvRead,
    element_instance: Key,
) -> Result<Vec<Key>, EngineError> {
    let prefix = KeyBuf::new(column::INCIDENT_BY_ELEMENT)
        .key(element_instance)
        .build();
    let keys = keys_under(kv, &prefix, usize::MAX)?;
    Ok(keys)
}

pub fn of_job(kv: &dyn KvRead, job: Key) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&by_job_key(job))?
        .and_then(|bytes| key_at(&bytes, 0)))
}
