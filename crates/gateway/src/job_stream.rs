//! `StreamActivatedJobs`: a long-lived stream that pushes jobs of one type as they become activatable.
//!
//! Jobs reach the stream two ways:
//! - **Pushed by the leaders.** The stream is opened with the partition leaders that can push to this
//!   gateway ([`BrokerClient::open_job_stream`](crate::BrokerClient::open_job_stream)). They activate a
//!   job for it in the processing that makes the job activatable, and hand it over once that is
//!   committed, so a streamed job costs no activation command.
//! - **Activated by the gateway.** When the stream opens, and whenever a
//!   [`JobsAvailable`](crate::JobsAvailable) notice for its type arrives (jobs no stream took: from
//!   partitions that do not push here, or while the stream was full), it activates jobs in batches over
//!   all partitions until a pass finds nothing.
//!
//! A job that cannot reach the client because it has gone, pushed or activated, is given back with a
//! job YIELD, so it is activatable again at once. Only jobs already on the wire when the client goes
//! stay activated until their deadline.

use crate::broker_client::{BrokerClient, BrokerError, JobStreamProperties, PushedJob};
use crate::commands::ActivateJobs;
use crate::dispatch::Dispatcher;
use crate::responses::{activated_job, activated_jobs};
use crate::routing::RoundRobin;
use crate::validate::tenants;
use hornet_api::gateway_protocol as pb;
use hornet_protocol::{yield_job, Key, PartitionId};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::Status;

/// How many jobs one partition activates per command for a stream.
const STREAM_BATCH: i32 = 32;
/// How many pushed jobs wait for the client at most. Leaders offer a stream jobs only while this has
/// room; the rest are announced and found by activation.
const PUSH_BUFFER: usize = 64;
/// After a pass where some partition failed (no leader, backpressure), look again this soon even without
/// a notification: jobs waiting there would otherwise be found only by the next notification.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);
/// How long giving back an undelivered job may take.
const GIVE_BACK_TIMEOUT: Duration = Duration::from_secs(10);

pub type JobSender = mpsc::Sender<Result<pb::ActivatedJob, Status>>;

/// Checks a stream request with Zeebe's messages and turns it into activation parameters.
pub fn validate(request: pb::StreamActivatedJobsRequest) -> Result<ActivateJobs, Status> {
    let tenant_ids = tenants("StreamActivatedJobs", &request.tenant_ids)?;
    let invalid = |field: &str, expectation: &str, actual: &str| {
        Status::invalid_argument(format!(
            "Expected to stream activated jobs with {field} to be {expectation}, but it was {actual}"
        ))
    };
    if request.r#type.trim().is_empty() {
        return Err(invalid("type", "present", "blank"));
    }
    if request.timeout < 1 {
        return Err(invalid(
            "timeout",
            "greater than zero",
            &request.timeout.to_string(),
        ));
    }
    Ok(ActivateJobs {
        job_type: request.r#type,
        worker: request.worker,
        timeout: request.timeout,
        max_jobs_to_activate: STREAM_BATCH,
        fetch_variables: request.fetch_variable,
        tenant_ids,
        request_timeout: -1,
    })
}

/// What one pass over the partitions achieved.
struct Pass {
    /// Jobs the pass activated and sent to the client.
    sent: usize,
    failed: bool,
}

/// What a stream asks of the jobs pushed to it.
fn push_properties(request: &ActivateJobs) -> JobStreamProperties {
    JobStreamProperties {
        job_type: request.job_type.clone(),
        worker: request.worker.clone(),
        timeout: request.timeout,
        fetch_variables: request.fetch_variables.clone(),
    }
}

/// Runs a job stream until the client goes away (`Ok`) or activation is rejected (`Err`).
pub async fn stream_jobs(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<(), Status> {
    let (push_sink, mut pushed) = mpsc::channel(PUSH_BUFFER);
    let registration = dispatcher
        .broker()
        .open_job_stream(push_properties(&request), push_sink);
    // Pushed jobs are forwarded alongside the activation passes, not between them: under load the
    // passes may follow one another for as long as jobs are announced.
    let result = tokio::select! {
        result = activate_on_notice(dispatcher, order, &request, request_timeout, tx) => result,
        () = forward_pushed(&mut pushed, tx) => Ok(()),
    };
    // Close the stream before giving back what was pushed but not delivered: a leader that pushes
    // after this gives the job back itself.
    drop(registration);
    pushed.close();
    while let Ok(job) = pushed.try_recv() {
        give_back(dispatcher.broker(), job.key);
    }
    result
}

/// Sends pushed jobs to the client until it goes away. A slot in the client's buffer is taken
/// before a job is taken from `pushed`, so stopping this future never drops a job.
async fn forward_pushed(pushed: &mut mpsc::Receiver<PushedJob>, tx: &JobSender) {
    loop {
        let Ok(permit) = tx.reserve().await else {
            return;
        };
        match pushed.recv().await {
            Some(job) => permit.send(Ok(activated_job(job.key, *job.job))),
            None => return std::future::pending().await,
        }
    }
}

/// Activates jobs when the stream opens and whenever jobs of its type are announced, until the
/// client goes away (`Ok`) or activation is rejected (`Err`).
async fn activate_on_notice(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: &ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<(), Status> {
    let mut notifications = dispatcher.broker().subscribe_jobs_available();
    let mut notifications_open = true;
    loop {
        // Activate until a pass finds nothing.
        let failed = loop {
            let pass = activation_pass(dispatcher, order, request, request_timeout, tx).await?;
            if tx.is_closed() {
                return Ok(());
            }
            if pass.sent == 0 {
                break pass.failed;
            }
        };
        // Wait for a reason to activate again.
        let retry_at = failed.then(|| Instant::now() + RETRY_AFTER_FAILURE);
        let retry = async {
            match retry_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = tx.closed() => return Ok(()),
                _ = &mut retry => break,
                notification = notifications.recv(), if notifications_open => match notification {
                    Ok(available) if available.job_type == request.job_type => break,
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => notifications_open = false,
                },
            }
        }
    }
}

/// Yields a job the client did not get, so it is activatable again without waiting for its
/// deadline. Best effort: if the yield is lost, the job times out as any unfinished activation does.
fn give_back(broker: &Arc<dyn BrokerClient>, job_key: Key) {
    let Some(partition) = job_key.partition() else {
        return;
    };
    // Called from `Drop` too, which may run while the runtime shuts down: nothing to give back to then.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let broker = Arc::clone(broker);
    runtime.spawn(async move {
        let deadline = Instant::now() + GIVE_BACK_TIMEOUT;
        if let Err(error) = broker
            .execute(partition, yield_job(job_key), deadline)
            .await
        {
            tracing::debug!(%partition, job = %job_key, %error, "could not give back a job; it times out instead");
        }
    });
}

/// The client's end of a job stream. Jobs still buffered for the client when it goes away are
/// given back, whether pushed by a leader or activated by the gateway.
pub struct JobStreamBody {
    jobs: mpsc::Receiver<Result<pb::ActivatedJob, Status>>,
    broker: Arc<dyn BrokerClient>,
}

impl JobStreamBody {
    pub fn new(
        jobs: mpsc::Receiver<Result<pb::ActivatedJob, Status>>,
        broker: Arc<dyn BrokerClient>,
    ) -> Self {
        JobStreamBody { jobs, broker }
    }
}

impl Stream for JobStreamBody {
    type Item = Result<pb::ActivatedJob, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.jobs.poll_recv(cx)
    }
}

impl Drop for JobStreamBody {
    fn drop(&mut self) {
        self.jobs.close();
        while let Ok(job) = self.jobs.try_recv() {
            if let Ok(job) = job {
                give_back(&self.broker, Key(job.key));
            }
        }
    }
}

async fn activation_pass(
    dispatcher: &Dispatcher,
    order: &RoundRobin,
    request: &ActivateJobs,
    request_timeout: Duration,
    tx: &JobSender,
) -> Result<Pass, Status> {
    let partitions: Vec<PartitionId> = dispatcher.broker().topology().partitions().collect();
    let mut pass = Pass {
        sent: 0,
        failed: false,
    };
    for partition in order.order(&partitions) {
        if tx.is_closed() {
            break;
        }
        let deadline = Instant::now() + request_timeout;
        let answer = match dispatcher
            .execute_once(partition, request.command(STREAM_BATCH), deadline)
            .await
        {
            Ok(answer) => answer,
            Err(error) => {
                log_failure(partition, &error, &request.job_type);
                pass.failed = true;
                continue;
            }
        };
        for job in activated_jobs(answer)? {
            if tx.send(Ok(job)).await.is_err() {
                tracing::warn!(%partition, job_type = %request.job_type, "job stream closed while pushing jobs");
                return Ok(pass);
            }
            pass.sent += 1;
        }
    }
    Ok(pass)
}

fn log_failure(partition: PartitionId, error: &BrokerError, job_type: &str) {
    tracing::debug!(%partition, %error, job_type, "job stream activation failed on partition");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker_client::{JobStreamRegistration, JobsAvailable};
    use crate::topology::ClusterTopology;
    use hornet_protocol::value::{JobBatchRecord, JobRecord};
    use hornet_protocol::{JobBatchIntent, JobIntent, Record, RecordKind, RecordValue};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;
    use tokio::sync::broadcast;
    use tokio_stream::StreamExt;
    use tonic::Code;

    /// A broker whose partitions (if any) always have one more job to activate; it records the jobs
    /// given back to it and hands the sink of an opened stream to the test.
    #[derive(Default)]
    struct TestBroker {
        partitions: u16,
        activated: AtomicU64,
        yielded: Mutex<Vec<Key>>,
        sink: Mutex<Option<mpsc::Sender<PushedJob>>>,
    }

    #[async_trait::async_trait]
    impl BrokerClient for TestBroker {
        async fn execute(
            &self,
            partition: PartitionId,
            mut command: Record,
            _deadline: Instant,
        ) -> Result<Record, BrokerError> {
            match &command.value {
                RecordValue::Job(JobIntent::Yield, _) => {
                    self.yielded.lock().unwrap().push(command.key);
                }
                RecordValue::JobBatch(JobBatchIntent::Activate, request) => {
                    let index = 1_000 + self.activated.fetch_add(1, Ordering::Relaxed);
                    let batch = JobBatchRecord {
                        job_keys: vec![Key::new(partition, index)],
                        jobs: vec![*pushed(index).job],
                        ..(**request).clone()
                    };
                    command.kind = RecordKind::Event;
                    command.value =
                        RecordValue::JobBatch(JobBatchIntent::Activated, Box::new(batch));
                }
                other => panic!("unexpected command {other:?}"),
            }
            Ok(command)
        }

        fn topology(&self) -> ClusterTopology {
            ClusterTopology {
                partitions_count: self.partitions,
                ..ClusterTopology::default()
            }
        }

        fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
            broadcast::channel(1).1
        }

        fn open_job_stream(
            &self,
            _properties: JobStreamProperties,
            sink: mpsc::Sender<PushedJob>,
        ) -> Option<JobStreamRegistration> {
            *self.sink.lock().unwrap() = Some(sink);
            Some(Box::new(()))
        }
    }

    impl TestBroker {
        async fn sink(&self) -> mpsc::Sender<PushedJob> {
            for _ in 0..500 {
                if let Some(sink) = self.sink.lock().unwrap().clone() {
                    return sink;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("no job stream was opened");
        }

        async fn yielded_eventually(&self, count: usize) -> Vec<Key> {
            for _ in 0..500 {
                let mut yielded = self.yielded.lock().unwrap().clone();
                if yielded.len() >= count {
                    yielded.sort();
                    return yielded;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("only {:?} were given back", self.yielded.lock().unwrap());
        }
    }

    fn key(index: u64) -> Key {
        Key::new(PartitionId(1), index)
    }

    fn pushed(index: u64) -> PushedJob {
        PushedJob {
            key: key(index),
            job: Box::new(JobRecord {
                job_type: "work".into(),
                worker: "w".into(),
                deadline: 1,
                timeout: 1_000,
                ..JobRecord::empty()
            }),
        }
    }

    /// Runs a stream of type `work` against `broker` into a client buffer of `capacity` jobs.
    fn open(
        broker: &Arc<TestBroker>,
        capacity: usize,
    ) -> (tokio::task::JoinHandle<Result<(), Status>>, JobStreamBody) {
        let dispatcher = Dispatcher::new(broker.clone());
        let request = validate(pb::StreamActivatedJobsRequest {
            r#type: "work".into(),
            timeout: 1_000,
            ..Default::default()
        })
        .unwrap();
        let (tx, rx) = mpsc::channel(capacity);
        let stream = tokio::spawn(async move {
            stream_jobs(
                &dispatcher,
                &RoundRobin::default(),
                request,
                Duration::from_secs(1),
                &tx,
            )
            .await
        });
        (stream, JobStreamBody::new(rx, broker.clone()))
    }

    #[tokio::test]
    async fn jobs_buffered_for_a_client_that_left_are_given_back() {
        let broker = Arc::new(TestBroker::default());
        let (tx, rx) = mpsc::channel(4);
        let body = JobStreamBody::new(rx, broker.clone());
        tx.send(Ok(activated_job(key(1), *pushed(1).job)))
            .await
            .unwrap();
        tx.send(Err(Status::internal("not a job"))).await.unwrap();
        tx.send(Ok(activated_job(key(2), *pushed(2).job)))
            .await
            .unwrap();
        drop(body);
        assert_eq!(broker.yielded_eventually(2).await, [key(1), key(2)]);
        assert!(tx.is_closed());
    }

    #[tokio::test]
    async fn pushed_jobs_not_yet_forwarded_are_given_back_when_the_client_leaves() {
        let broker = Arc::new(TestBroker::default());
        // Room for one job in the client's buffer; the client reads one job, then leaves.
        let (stream, mut client) = open(&broker, 1);
        let sink = broker.sink().await;
        for index in 1..=3 {
            sink.send(pushed(index)).await.unwrap();
        }
        let first = client.next().await.unwrap().unwrap();
        assert_eq!(first.key, key(1).get());
        // The second waits in the client's buffer, the third in the stream's.
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(client);
        stream.await.unwrap().unwrap();
        assert_eq!(broker.yielded_eventually(2).await, [key(2), key(3)]);
        assert!(sink.is_closed(), "the stream closed its sink");
    }

    #[tokio::test]
    async fn pushed_jobs_are_forwarded_while_activation_keeps_finding_jobs() {
        // Every activation finds a job, so the activation passes never run dry.
        let broker = Arc::new(TestBroker {
            partitions: 2,
            ..TestBroker::default()
        });
        let (stream, mut client) = open(&broker, 1);
        let sink = broker.sink().await;
        sink.send(pushed(7)).await.unwrap();
        let mut seen = 0;
        while let Some(job) = client.next().await {
            if job.unwrap().key == key(7).get() {
                break;
            }
            seen += 1;
            assert!(
                seen < 100,
                "the pushed job waited behind the activation passes"
            );
        }
        drop(client);
        stream.await.unwrap().unwrap();
    }

    #[test]
    fn stream_requests_are_validated_with_zeebe_messages() {
        let valid = pb::StreamActivatedJobsRequest {
            r#type: "t".into(),
            timeout: 1000,
            ..Default::default()
        };
        assert_eq!(
            validate(valid.clone()).unwrap().max_jobs_to_activate,
            STREAM_BATCH
        );
        let status = validate(pb::StreamActivatedJobsRequest {
            r#type: "  ".into(),
            ..valid.clone()
        })
        .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Expected to stream activated jobs with type to be present, but it was blank"
        );
        let status = validate(pb::StreamActivatedJobsRequest {
            timeout: 0,
            ..valid
        })
        .unwrap_err();
        assert_eq!(
            status.message(),
            "Expected to stream activated jobs with timeout to be greater than zero, but it was 0"
        );
    }
}
