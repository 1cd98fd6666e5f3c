//! JOB commands, one processor per intent.

pub(crate) mod complete;
pub(crate) mod fail;
pub(crate) mod recur_after_backoff;
pub(crate) mod throw_error;
pub(crate) mod time_out;
pub(crate) mod update_retries;
pub(crate) mod update_timeout;
pub(crate) mod yield_job;

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::jobs::{self, JobState, StoredJob};
use hornet_protocol::{Record, RejectionType};

/// Zeebe's `JobCommandPreconditionChecker`: the job must exist and be in one of `valid` states.
/// `action` completes "Expected to {action} job with key ...". Rejects and returns `None` otherwise.
pub(crate) fn require_job(
    ctx: &mut Ctx<'_>,
    command: &Record,
    action: &str,
    valid: &[JobState],
) -> Result<Option<StoredJob>, EngineError> {
    let key = command.key;
    match jobs::get_job(&ctx.state, key)? {
        None => {
            ctx.reject(
                command,
                RejectionType::NotFound,
                format!("Expected to {action} job with key '{key}', but no such job was found"),
            );
            Ok(None)
        }
        Some(job) if !valid.contains(&job.state) => {
            ctx.reject(
                command,
                RejectionType::InvalidState,
                format!(
                    "Expected to {action} job with key '{key}', but it is in state '{}'",
                    job.state.as_str()
                ),
            );
            Ok(None)
        }
        Some(job) => Ok(Some(job)),
    }
}

/// Job states in which a worker may complete, fail or throw an error (Zeebe 8 accepts activatable jobs
/// too, e.g. after a time-out raced with the worker).
pub(crate) const WORKABLE: &[JobState] = &[JobState::Activatable, JobState::Activated];

pub(crate) const ANY_STATE: &[JobState] = &[
    JobState::Activatable,
    JobState::Activated,
    JobState::Failed,
    JobState::ErrorThrown,
];
