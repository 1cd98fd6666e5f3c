//! What happens when a job becomes activatable (created, failed with retries left, timed out, back from
//! backoff, its incident resolved): as Zeebe's `BpmnJobActivationBehavior`, it is activated at once for a
//! job stream of its type if one is open, and otherwise announced to pollers.

use crate::error::EngineError;
use crate::job_streams::JobStream;
use crate::processing::Ctx;
use crate::state::jobs::{self, JobState};
use crate::state::variables;
use hornet_protocol::value::{JobBatchRecord, JobRecord};
use hornet_protocol::{Document, JobBatchIntent, Key, PushedJob, RecordValue};

/// Offers job `key` of `job_type`, which the round has just made activatable, to a job stream; without
/// one, workers are told that jobs of the type are available.
pub(crate) fn publish_work(ctx: &mut Ctx<'_>, key: Key, job_type: &str) -> Result<(), EngineError> {
    let Some(stream) = ctx.job_streams.stream_for(job_type) else {
        ctx.job_available(job_type);
        return Ok(());
    };
    let Some(job) = jobs::get_job(&ctx.state, key)?.filter(|j| j.state == JobState::Activatable)
    else {
        return Ok(());
    };
    push(ctx, key, job.record, stream)
}

/// Activates the job for `stream` and hands it over once the round commits. The event reuses the batch
/// activation (a batch of one) and, as in Zeebe, leaves the variables out of the log: they are fetched
/// for the stream only.
fn push(ctx: &mut Ctx<'_>, key: Key, job: JobRecord, stream: JobStream) -> Result<(), EngineError> {
    let properties = &stream.properties;
    let mut activated = activated(ctx, job, &properties.worker, properties.timeout);
    let batch = JobBatchRecord {
        job_type: properties.job_type.clone(),
        worker: properties.worker.clone(),
        timeout: properties.timeout,
        max_jobs_to_activate: 1,
        fetch_variables: properties.fetch_variables.clone(),
        tenant_ids: Vec::new(),
        job_keys: vec![key],
        jobs: vec![activated.clone()],
        truncated: false,
    };
    let batch_key = ctx.next_key();
    ctx.event(
        batch_key,
        RecordValue::JobBatch(JobBatchIntent::Activated, Box::new(batch)),
    )?;
    activated.variables = variables::fetched_document(
        &ctx.state,
        activated.element_instance_key,
        &properties.fetch_variables,
    )?;
    ctx.push_job(
        stream.id,
        PushedJob {
            key,
            job: Box::new(activated),
        },
    );
    Ok(())
}

/// `job` as activated by `worker` at the round's time for `timeout` milliseconds, without variables.
pub(crate) fn activated(
    ctx: &Ctx<'_>,
    mut job: JobRecord,
    worker: &str,
    timeout: i64,
) -> JobRecord {
    job.worker = worker.into();
    job.deadline = ctx.now.saturating_add(timeout);
    job.timeout = timeout;
    job.variables = Document::empty();
    job
}
