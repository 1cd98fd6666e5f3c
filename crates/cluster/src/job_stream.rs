//! Job streams across nodes: a gateway opens its stream with every other node, whose leaders push
//! to it as they push to the streams of their own gateway.
//!
//! The serving side ([`served`]) registers the stream with its node and sends what is pushed until
//! the caller leaves; then it gives back (job YIELD) what it had not sent. The calling side
//! ([`forward_from`]) keeps one such stream open per node, reopening it when it breaks, and feeds
//! one local sink; a job it cannot hand to the sink any more is given back through the directory.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hornet_api::hornet_cluster as pb;
use hornet_protocol::value::JobRecord;
use hornet_protocol::{yield_job, JobStreamProperties, Key, PushedJob};
use tokio::sync::mpsc;
use tokio_stream::{Stream, StreamExt};
use tonic::Status;
use tracing::debug;

use crate::codec;
use crate::directory::Directory;
use crate::handler::CommandHandler;

/// How many pushed jobs wait for the network at most. While full, the node's leaders pass the
/// stream over and announce the jobs instead.
const PUSH_BUFFER: usize = 64;

pub(crate) fn properties_to_wire(properties: &JobStreamProperties) -> pb::OpenJobStreamRequest {
    pb::OpenJobStreamRequest {
        job_type: properties.job_type.clone(),
        worker: properties.worker.clone(),
        timeout_ms: properties.timeout,
        fetch_variables: properties.fetch_variables.clone(),
    }
}

pub(crate) fn properties_from_wire(
    request: pb::OpenJobStreamRequest,
) -> Result<JobStreamProperties, String> {
    if request.job_type.is_empty() {
        return Err("a job stream needs a job type".into());
    }
    if request.timeout_ms < 1 {
        return Err(format!(
            "a job stream needs a timeout greater than zero, got {}",
            request.timeout_ms
        ));
    }
    Ok(JobStreamProperties {
        job_type: request.job_type,
        worker: request.worker,
        timeout: request.timeout_ms,
        fetch_variables: request.fetch_variables,
    })
}

fn job_to_wire(job: &PushedJob) -> Result<pb::PushedJobMessage, String> {
    Ok(pb::PushedJobMessage {
        key: job.key.get(),
        job: codec::encode("pushed job", job.job.as_ref())?,
    })
}

fn job_from_wire(message: pb::PushedJobMessage) -> Result<PushedJob, String> {
    let job: JobRecord = codec::decode("pushed job", &message.job)?;
    Ok(PushedJob {
        key: Key(message.key),
        job: Box::new(job),
    })
}

/// The stream a node serves to a caller: what its leaders push, as long as the caller listens.
pub(crate) struct ServedJobStream {
    pushed: mpsc::Receiver<PushedJob>,
    registration: Option<Box<dyn Send + Sync>>,
    handler: Arc<dyn CommandHandler>,
}

/// Registers a stream with `handler`'s node and serves it.
pub(crate) fn served(
    handler: Arc<dyn CommandHandler>,
    properties: JobStreamProperties,
) -> ServedJobStream {
    let (sink, pushed) = mpsc::channel(PUSH_BUFFER);
    let registration = handler.open_job_stream(properties, sink);
    ServedJobStream {
        pushed,
        registration: Some(registration),
        handler,
    }
}

impl Stream for ServedJobStream {
    type Item = Result<pb::PushedJobMessage, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(job) = std::task::ready!(self.pushed.poll_recv(cx)) else {
            return Poll::Ready(None);
        };
        Poll::Ready(Some(job_to_wire(&job).map_err(|reason| {
            // A record that cannot be encoded is a bug; the job goes back rather than away.
            give_back_here(self.handler.as_ref(), &job, &reason);
            Status::internal(reason)
        })))
    }
}

/// Gives `job` back to its partition's leader on this node.
fn give_back_here(handler: &dyn CommandHandler, job: &PushedJob, why: &str) {
    let Some(partition) = job.key.partition() else {
        return;
    };
    if let Err(error) = handler.deliver(partition, yield_job(job.key)) {
        debug!(%partition, job = %job.key, why, %error, "cannot give back a pushed job; it times out");
    }
}

impl Drop for ServedJobStream {
    fn drop(&mut self) {
        // Close the stream first: a leader that pushes after this gives the job back itself.
        drop(self.registration.take());
        self.pushed.close();
        while let Ok(job) = self.pushed.try_recv() {
            give_back_here(self.handler.as_ref(), &job, "its caller left");
        }
    }
}

/// Keeps a stream with the node at `address` open and hands what it pushes to `sink`, until `sink`
/// closes.
pub(crate) async fn forward_from(
    directory: Directory,
    address: String,
    properties: JobStreamProperties,
    sink: mpsc::Sender<PushedJob>,
) {
    let backoff = directory.config().rewatch_backoff;
    loop {
        let opened = tokio::select! {
            _ = sink.closed() => return,
            opened = directory.peers().open_job_stream(&address, &properties) => opened,
        };
        match opened {
            Ok(mut remote) => loop {
                let message = tokio::select! {
                    _ = sink.closed() => return,
                    message = remote.next() => message,
                };
                let Some(Ok(message)) = message else { break };
                match job_from_wire(message) {
                    Ok(job) => {
                        if let Err(unsent) = sink.send(job).await {
                            give_back(&directory, unsent.0);
                            return;
                        }
                    }
                    Err(reason) => {
                        debug!(peer = %address, %reason, "undecodable pushed job; it times out")
                    }
                }
            },
            Err(error) => debug!(peer = %address, %error, "cannot open a job stream"),
        }
        tokio::select! {
            _ = sink.closed() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
    }
}

fn give_back(directory: &Directory, job: PushedJob) {
    if let Some(partition) = job.key.partition() {
        directory.deliver(partition, yield_job(job.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::{Document, PartitionId};

    #[test]
    fn properties_and_jobs_cross_the_wire_unchanged() {
        let properties = JobStreamProperties {
            job_type: "work".into(),
            worker: "w".into(),
            timeout: 30_000,
            fetch_variables: vec!["a".into()],
        };
        assert_eq!(
            properties_from_wire(properties_to_wire(&properties)).unwrap(),
            properties
        );
        let job = PushedJob {
            key: Key::new(PartitionId(3), 17),
            job: Box::new(JobRecord {
                job_type: "work".into(),
                worker: "w".into(),
                deadline: 99,
                timeout: 30_000,
                custom_headers: [("k".to_string(), "v".to_string())].into(),
                variables: Document::parse(r#"{"a":1}"#).unwrap(),
                element_instance_key: Key::new(PartitionId(3), 5),
                process_instance_key: Key::new(PartitionId(3), 4),
                ..JobRecord::empty()
            }),
        };
        assert_eq!(job_from_wire(job_to_wire(&job).unwrap()).unwrap(), job);
    }

    #[test]
    fn streams_without_a_type_or_timeout_are_refused() {
        let request = pb::OpenJobStreamRequest {
            job_type: "work".into(),
            worker: String::new(),
            timeout_ms: 0,
            fetch_variables: Vec::new(),
        };
        assert!(properties_from_wire(request.clone()).is_err());
        assert!(properties_from_wire(pb::OpenJobStreamRequest {
            job_type: String::new(),
            timeout_ms: 1,
            ..request
        })
        .is_err());
    }
}
