//! Job YIELD: a job pushed to a worker stream that could not take it goes back to activatable (written
//! by the broker for job streaming, as in Zeebe).

use super::require_job;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::jobs::JobState;
use hornet_protocol::{JobIntent, Record, RecordValue};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let Some(job) = require_job(ctx, command, "yield", &[JobState::Activated])? else {
        return Ok(());
    };
    let job_type = job.record.job_type.clone();
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::Yielded, Box::new(job.record)),
    )?;
    ctx.job_available(&job_type);
    Ok(())
}
