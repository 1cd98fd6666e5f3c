//! INCIDENT events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::incidents;
use crate::state::jobs::{self, JobState};
use hornet_protocol::value::IncidentRecord;
use hornet_protocol::{IncidentIntent, Key};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: IncidentIntent,
    value: &IncidentRecord,
) -> Result<(), EngineError> {
    match intent {
        IncidentIntent::Created => incidents::insert(state, key, value),
        IncidentIntent::Resolved => {
            incidents::remove(state, key)?;
            // A resolved job incident makes the job activatable again (its retries were updated, or the
            // unhandled error is to be retried).
            if !value.job_key.is_none() {
                if let Some(job) = jobs::get_job(state, value.job_key)? {
                    if matches!(job.state, JobState::Failed | JobState::ErrorThrown) {
                        let mut record = job.record;
                        record.recurring_time = -1;
                        jobs::set(state, value.job_key, JobState::Activatable, record)?;
                    }
                }
            }
            Ok(())
        }
        IncidentIntent::Resolve => Ok(()),
    }
}
