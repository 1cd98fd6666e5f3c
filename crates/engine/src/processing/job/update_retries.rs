//! Job UPDATE_RETRIES: sets the retries of a job in any state (a failed job stays failed until its
//! incident is resolved).

use super::{require_job, ANY_STATE};
use crate::error::EngineError;
use crate::processing::Ctx;
use hornet_protocol::value::JobRecord;
use hornet_protocol::{JobIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobRecord,
) -> Result<(), EngineError> {
    if value.retries < 1 {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            format!(
                "Expected to update retries for job with key '{}' with a positive amount of retries, but the amount given was '{}'",
                command.key, value.retries
            ),
        );
        return Ok(());
    }
    let Some(job) = require_job(ctx, command, "update retries for", ANY_STATE)? else {
        return Ok(());
    };
    let mut record = job.record;
    record.retries = value.retries;
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::RetriesUpdated, Box::new(record)),
    )?;
    Ok(())
}
