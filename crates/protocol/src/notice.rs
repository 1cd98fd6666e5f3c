//! What a partition leader hands out of band, outside the log: notices that jobs are available, and jobs
//! it activated for a job stream.

use crate::value::JobRecord;
use crate::{JobIntent, Key, PartitionId, Record, RecordValue};

/// Jobs of `job_type` became activatable on `partition` (created, failed with retries left, timed out,
/// back from backoff) and no job stream took them. Wakes long-polling job activations and job streams, on
/// this node and, over the cluster transport, on gateways of other nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobsAvailable {
    pub partition: PartitionId,
    pub job_type: String,
}

/// What a job stream (`StreamActivatedJobs`) asks of the jobs pushed to it: Zeebe's
/// `JobActivationProperties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStreamProperties {
    pub job_type: String,
    pub worker: String,
    /// Milliseconds each activation lasts.
    pub timeout: i64,
    /// The variables to fetch; empty fetches all visible at the job's element.
    pub fetch_variables: Vec<String>,
}

/// A job a leader activated for a job stream while processing, handed to the stream once the
/// activation is committed.
#[derive(Clone, Debug, PartialEq)]
pub struct PushedJob {
    pub key: Key,
    /// The activated job: worker, deadline and timeout set, with its fetched variables.
    pub job: Box<JobRecord>,
}

/// The command that makes activated job `key` activatable again when it cannot reach a worker
/// (Zeebe's job YIELD), so that it need not wait for its deadline.
pub fn yield_job(key: Key) -> Record {
    Record::command(
        key,
        RecordValue::Job(JobIntent::Yield, Box::new(JobRecord::empty())),
    )
}
