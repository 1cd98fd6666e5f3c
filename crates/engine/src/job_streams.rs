//! The job streams a leader can push activated jobs to: Zeebe's `JobStreamer`.
//!
//! This is the one input of processing besides state and the command. Whether a job that becomes
//! activatable is pushed depends on which workers have streams open at that moment on the leader's
//! node. Replicas stay identical all the same: the leader writes the activation it decided on to the
//! log as a `JobBatch ACTIVATED` event, and replicas only apply events. What processing a committed
//! command again would decide differently is never written twice, because a command is processed once.

use hornet_protocol::JobStreamProperties;
use std::sync::Arc;

/// Names one registered stream on this node, so that the job reaches it after the commit.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobStreamId(pub u64);

/// A stream chosen to take a job.
#[derive(Clone, Debug)]
pub struct JobStream {
    pub id: JobStreamId,
    pub properties: Arc<JobStreamProperties>,
}

/// The streams processing may push to.
pub trait JobStreams: Send + Sync {
    /// A stream that can take a job of `job_type` now, if any. With several, the implementation
    /// spreads jobs over them.
    fn stream_for(&self, job_type: &str) -> Option<JobStream>;
}

/// No streams: every activatable job waits for an `ActivateJobs` (replicas, tests, tools).
pub struct NoJobStreams;

impl JobStreams for NoJobStreams {
    fn stream_for(&self, _job_type: &str) -> Option<JobStream> {
        None
    }
}
