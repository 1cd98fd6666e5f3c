//! JOB and JOB_BATCH events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::element_instances;
use crate::state::jobs::{self, JobState};
use hornet_protocol::value::{JobBatchRecord, JobRecord};
use hornet_protocol::{Document, JobBatchIntent, JobIntent, Key};

/// Jobs are stored without variables: they are read fresh from their scope on activation.
fn stored(value: &JobRecord) -> JobRecord {
    let mut record = value.clone();
    record.variables = Document::empty();
    record
}

fn set_element_job(
    state: &mut dyn KvWrite,
    element_instance: Key,
    job: Key,
    trigger_variables: Option<String>,
) -> Result<(), EngineError> {
    if let Some(mut instance) = element_instances::get_instance(state, element_instance)? {
        instance.job_key = job;
        if trigger_variables.is_some() {
            instance.trigger_variables = trigger_variables;
        }
        element_instances::put_instance(state, &instance)?;
    }
    Ok(())
}

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: JobIntent,
    value: &JobRecord,
) -> Result<(), EngineError> {
    match intent {
        JobIntent::Created => {
            jobs::create(state, key, stored(value))?;
            set_element_job(state, value.element_instance_key, key, None)
        }
        JobIntent::Completed => {
            jobs::delete(state, key)?;
            let variables =
                (!value.variables.is_empty()).then(|| value.variables.as_str().to_string());
            set_element_job(state, value.element_instance_key, Key::NONE, variables)
        }
        JobIntent::Canceled => {
            jobs::delete(state, key)?;
            set_element_job(state, value.element_instance_key, Key::NONE, None)
        }
        JobIntent::Failed => {
            let job_state = if value.retries > 0 && value.recurring_time >= 0 {
                JobState::Failed
            } else if value.retries > 0 {
                JobState::Activatable
            } else {
                JobState::Failed
            };
            jobs::set(state, key, job_state, stored(value))
        }
        JobIntent::TimedOut | JobIntent::RecurredAfterBackoff | JobIntent::Yielded => {
            let mut record = stored(value);
            record.deadline = -1;
            record.recurring_time = -1;
            jobs::set(state, key, JobState::Activatable, record)
        }
        JobIntent::RetriesUpdated => {
            if let Some(job) = jobs::get_job(state, key)? {
                let mut record = job.record;
                record.retries = value.retries;
                jobs::set(state, key, job.state, record)?;
            }
            Ok(())
        }
        JobIntent::TimeoutUpdated => {
            if let Some(job) = jobs::get_job(state, key)? {
                let mut record = job.record;
                record.deadline = value.deadline;
                record.timeout = value.timeout;
                jobs::set(state, key, job.state, record)?;
            }
            Ok(())
        }
        JobIntent::ErrorThrown => jobs::set(state, key, JobState::ErrorThrown, stored(value)),
        JobIntent::Complete
        | JobIntent::TimeOut
        | JobIntent::Fail
        | JobIntent::UpdateRetries
        | JobIntent::Cancel
        | JobIntent::ThrowError
        | JobIntent::RecurAfterBackoff
        | JobIntent::Yield
        | JobIntent::UpdateTimeout => Ok(()),
    }
}

pub(super) fn apply_batch(
    state: &mut dyn KvWrite,
    intent: JobBatchIntent,
    value: &JobBatchRecord,
) -> Result<(), EngineError> {
    if intent != JobBatchIntent::Activated {
        return Ok(());
    }
    for (key, job) in value.job_keys.iter().zip(&value.jobs) {
        jobs::set(state, *key, JobState::Activated, stored(job))?;
    }
    Ok(())
}
