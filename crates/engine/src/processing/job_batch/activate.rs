//! JobBatch ACTIVATE: activates up to `maxJobsToActivate` activatable jobs of a type, in key order, for
//! `timeout` milliseconds, and answers with JOB_BATCH ACTIVATED carrying the jobs and their variables
//! (all visible at the job's element instance, or only `fetchVariables`). An empty batch is a valid
//! answer (the gateway long-polls on it). As in Zeebe 8, the worker name may be empty.

use crate::error::EngineError;
use crate::processing::behaviour::job_activation::activated;
use crate::processing::Ctx;
use crate::state::{jobs, variables};
use hornet_protocol::value::JobBatchRecord;
use hornet_protocol::{JobBatchIntent, Record, RecordValue, RejectionType};

fn invalid(value: &JobBatchRecord) -> Option<String> {
    let format = |what: &str, expected: &str, actual: String| {
        format!("Expected to activate job batch with {what} to be {expected}, but it was {actual}")
    };
    if value.max_jobs_to_activate < 1 {
        return Some(format(
            "max jobs to activate",
            "greater than zero",
            format!("'{}'", value.max_jobs_to_activate),
        ));
    }
    if value.timeout < 1 {
        return Some(format(
            "timeout",
            "greater than zero",
            format!("'{}'", value.timeout),
        ));
    }
    if value.job_type.is_empty() {
        return Some(format("type", "present", "blank".to_string()));
    }
    None
}

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobBatchRecord,
) -> Result<(), EngineError> {
    if let Some(reason) = invalid(value) {
        ctx.reject(command, RejectionType::InvalidArgument, reason);
        return Ok(());
    }
    let max = value.max_jobs_to_activate as usize;
    // One more than asked, to know whether the batch is truncated.
    let mut keys = jobs::activatable(&ctx.state, &value.job_type, max + 1)?;
    let truncated = keys.len() > max;
    keys.truncate(max);
    let mut batch = JobBatchRecord {
        job_keys: Vec::with_capacity(keys.len()),
        jobs: Vec::with_capacity(keys.len()),
        truncated,
        ..value.clone()
    };
    for key in keys {
        let Some(job) = jobs::get_job(&ctx.state, key)? else {
            continue;
        };
        let mut record = activated(ctx, job.record, &value.worker, value.timeout);
        record.variables = variables::fetched_document(
            &ctx.state,
            record.element_instance_key,
            &value.fetch_variables,
        )?;
        batch.job_keys.push(key);
        batch.jobs.push(record);
    }
    let key = ctx.next_key();
    ctx.event_answering(
        command,
        key,
        RecordValue::JobBatch(JobBatchIntent::Activated, Box::new(batch)),
    )?;
    Ok(())
}
