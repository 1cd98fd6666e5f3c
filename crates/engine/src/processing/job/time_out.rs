//! Job TIME_OUT (written by the broker when an activation's deadline passed): the job becomes activatable
//! again. Rejected if the job is not activated (any more) or its deadline has not passed at the command's
//! time, so repeated or late time-out commands are harmless.

use super::require_job;
use crate::error::EngineError;
use crate::processing::behaviour::job_activation;
use crate::processing::Ctx;
use crate::state::jobs::JobState;
use hornet_protocol::{JobIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let Some(job) = require_job(ctx, command, "time out", &[JobState::Activated])? else {
        return Ok(());
    };
    if job.record.deadline > ctx.now {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to time out job with key '{}', but its deadline '{}' has not passed yet",
                command.key, job.record.deadline
            ),
        );
        return Ok(());
    }
    let job_type = job.record.job_type.clone();
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::TimedOut, Box::new(job.record)),
    )?;
    job_activation::publish_work(ctx, command.key, &job_type)
}
