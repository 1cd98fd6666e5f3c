//! Job RECUR_AFTER_BACKOFF (written by the broker when a failed job's back-off ended): the job becomes
//! activatable again.

use crate::error::EngineError;
use crate::processing::behaviour::job_activation;
use crate::processing::Ctx;
use crate::state::jobs::{self, JobState};
use hornet_protocol::{JobIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let key = command.key;
    let job = jobs::get_job(&ctx.state, key)?;
    let Some(job) = job.filter(|job| {
        job.state == JobState::Failed && job.record.retries > 0 && job.record.recurring_time >= 0
    }) else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!("Expected to recur job with key '{key}' after its back-off, but no such failed job was found"),
        );
        return Ok(());
    };
    if job.record.recurring_time > ctx.now {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to recur job with key '{key}' after its back-off, but the back-off lasts until '{}'",
                job.record.recurring_time
            ),
        );
        return Ok(());
    }
    let job_type = job.record.job_type.clone();
    ctx.event(
        key,
        RecordValue::Job(JobIntent::RecurredAfterBackoff, Box::new(job.record)),
    )?;
    job_activation::publish_work(ctx, key, &job_type)
}
