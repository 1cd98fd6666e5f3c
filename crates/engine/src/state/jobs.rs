//! Jobs and the indexes that find them.
//!
//! * `30 job-key` → [`StoredJob`] (state and record).
//! * `31 str(type) job-key` → (empty): activatable jobs per type, in key order (activation order).
//! * `32 time(deadline) job-key` → (empty): activated jobs by deadline (time-outs).
//! * `33 time(recurring-time) job-key` → (empty): failed jobs waiting out their retry back-off.
//!
//! [`set`] keeps the indexes consistent with the job's state; nothing else writes them.

use super::memo::Memo;
use super::{column, get_memoized, i64_at, key_at, keys_under, put_memoized, KeyBuf, PRESENT};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::JobRecord;
use hornet_protocol::Key;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

thread_local! {
    /// A job is read when it is activated, completed and removed.
    static DECODED: RefCell<Memo<StoredJob>> = RefCell::default();
}

/// A job's state, named as Zeebe names it in rejection messages.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Activatable,
    Activated,
    /// Failed: waiting for a back-off (`recurring_time` set) or for new retries (an incident).
    Failed,
    /// An error was thrown and not caught: waiting for the incident to be resolved.
    ErrorThrown,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Activatable => "ACTIVATABLE",
            JobState::Activated => "ACTIVATED",
            JobState::Failed => "FAILED",
            JobState::ErrorThrown => "ERROR_THROWN",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredJob {
    pub state: JobState,
    pub record: JobRecord,
}

fn job_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::JOB).key(key).build()
}

fn activatable_key(job_type: &str, key: Key) -> Vec<u8> {
    KeyBuf::new(column::JOB_ACTIVATABLE)
        .str(job_type)
        .key(key)
        .build()
}

fn deadline_key(deadline: i64, key: Key) -> Vec<u8> {
    KeyBuf::new(column::JOB_DEADLINE)
        .i64(deadline)
        .key(key)
        .build()
}

fn backoff_key(recurring_time: i64, key: Key) -> Vec<u8> {
    KeyBuf::new(column::JOB_BACKOFF)
        .i64(recurring_time)
        .key(key)
        .build()
}

pub fn get_job(kv: &dyn KvRead, key: Key) -> Result<Option<StoredJob>, EngineError> {
    get_memoized(kv, "job", &job_key(key), key, &DECODED)
}

fn remove_indexes(kv: &mut dyn KvWrite, key: Key, job: &StoredJob) {
    match job.state {
        JobState::Activatable => kv.delete(&activatable_key(&job.record.job_type, key)),
        JobState::Activated => kv.delete(&deadline_key(job.record.deadline, key)),
        JobState::Failed if job.record.recurring_time >= 0 => {
            kv.delete(&backoff_key(job.record.recurring_time, key))
        }
        JobState::Failed | JobState::ErrorThrown => {}
    }
}

/// Writes a job in `state`, replacing its previous entry and index entries.
pub fn set(
    kv: &mut dyn KvWrite,
    key: Key,
    state: JobState,
    record: JobRecord,
) -> Result<(), EngineError> {
    if let Some(previous) = get_job(kv, key)? {
        remove_indexes(kv, key, &previous);
    }
    put_indexed(kv, key, StoredJob { state, record })
}

/// Stores a job that did not exist (JOB CREATED): activatable, with no earlier index entries to
/// remove, so nothing is read first.
pub fn create(kv: &mut dyn KvWrite, key: Key, record: JobRecord) -> Result<(), EngineError> {
    put_indexed(
        kv,
        key,
        StoredJob {
            state: JobState::Activatable,
            record,
        },
    )
}

fn put_indexed(kv: &mut dyn KvWrite, key: Key, job: StoredJob) -> Result<(), EngineError> {
    match job.state {
        JobState::Activatable => kv.put(&activatable_key(&job.record.job_type, key), PRESENT),
        JobState::Activated => kv.put(&deadline_key(job.record.deadline, key), PRESENT),
        JobState::Failed if job.record.recurring_time >= 0 => {
            kv.put(&backoff_key(job.record.recurring_time, key), PRESENT)
        }
        JobState::Failed | JobState::ErrorThrown => {}
    }
    put_memoized(kv, "job", &job_key(key), key, &job, &DECODED)
}

pub fn delete(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    if let Some(previous) = get_job(kv, key)? {
        remove_indexes(kv, key, &previous);
        kv.delete(&job_key(key));
    }
    Ok(())
}

/// Activatable jobs of `job_type`, in key order, at most `limit`.
pub fn activatable(kv: &dyn KvRead, job_type: &str, limit: usize) -> Result<Vec<Key>, EngineError> {
    let prefix = KeyBuf::new(column::JOB_ACTIVATABLE).str(job_type).build();
    keys_under(kv, &prefix, limit)
}

fn due_in(
    kv: &dyn KvRead,
    column: u8,
    now: i64,
    limit: usize,
) -> Result<Vec<(i64, Key)>, EngineError> {
    let mut due = Vec::new();
    if limit == 0 {
        return Ok(due);
    }
    kv.scan_prefix(
        &[column],
        &mut |key, _| match (i64_at(key, 1), key_at(key, 9)) {
            (Some(time), Some(job)) if time <= now => {
                due.push((time, job));
                due.len() < limit
            }
            _ => false,
        },
    )?;
    Ok(due)
}

fn earliest_in(kv: &dyn KvRead, column: u8) -> Result<Option<i64>, EngineError> {
    let mut earliest = None;
    kv.scan_prefix(&[column], &mut |key, _| {
        earliest = i64_at(key, 1);
        false
    })?;
    Ok(earliest)
}

/// Activated jobs whose deadline is at or before `now`, earliest first.
pub fn timed_out(kv: &dyn KvRead, now: i64, limit: usize) -> Result<Vec<(i64, Key)>, EngineError> {
    due_in(kv, column::JOB_DEADLINE, now, limit)
}

/// Failed jobs whose back-off ended at or before `now`, earliest first.
pub fn backoff_due(
    kv: &dyn KvRead,
    now: i64,
    limit: usize,
) -> Result<Vec<(i64, Key)>, EngineError> {
    due_in(kv, column::JOB_BACKOFF, now, limit)
}

pub fn earliest_deadline(kv: &dyn KvRead) -> Result<Option<i64>, EngineError> {
    earliest_in(kv, column::JOB_DEADLINE)
}

pub fn earliest_backoff(kv: &dyn KvRead) -> Result<Option<i64>, EngineError> {
    earliest_in(kv, column::JOB_BACKOFF)
}
