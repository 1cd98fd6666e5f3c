//! Job UPDATE_TIMEOUT: moves an activated job's deadline to now + the new timeout.

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::jobs::{self, JobState};
use hornet_protocol::value::JobRecord;
use hornet_protocol::{JobIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobRecord,
) -> Result<(), EngineError> {
    let key = command.key;
    let Some(job) = jobs::get_job(&ctx.state, key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!("Expected to update job with key '{key}', but no such job was found"),
        );
        return Ok(());
    };
    if job.state != JobState::Activated {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!("Expected to update the timeout of job with key '{key}', but it is not active"),
        );
        return Ok(());
    }
    if value.timeout < 0 {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            format!(
                "Expected to update the timeout of job with key '{key}' to a non-negative amount, but the amount given was '{}'",
                value.timeout
            ),
        );
        return Ok(());
    }
    let mut record = job.record;
    record.timeout = value.timeout;
    record.deadline = ctx.now.saturating_add(value.timeout);
    ctx.event_answering(
        command,
        key,
        RecordValue::Job(JobIntent::TimeoutUpdated, Box::new(record)),
    )?;
    Ok(())
}
