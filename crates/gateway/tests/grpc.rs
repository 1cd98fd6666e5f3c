//! Drives the real tonic server over loopback TCP with the generated client, against a scripted
//! `BrokerClient` test double that records where each command went and answers as a partition would.

use hornet_api::gateway_protocol as pb;
use hornet_api::gateway_protocol::gateway_client::GatewayClient;
use hornet_gateway::{
    serve_with_listener, BrokerError, GatewayConfig, GatewayMetrics, GatewayService, JobsAvailable,
    PushedJob,
};
use hornet_protocol::value::{
    DecisionEvaluationRecord, DecisionRecord, DecisionRequirementsMetadata, DeploymentRecord,
    EvaluatedDecisionValue, EvaluatedInputValue, EvaluatedOutputValue, JobBatchRecord, JobRecord,
    MatchedRuleValue, MessageRecord, ProcessInstanceCreationRecord, ProcessInstanceResultRecord,
    ProcessMetadata,
};
use hornet_protocol::{
    DecisionEvaluationIntent, DeploymentIntent, Document, JobBatchIntent, JobIntent, Key,
    MessageIntent, PartitionId, ProcessInstanceCreationIntent, ProcessInstanceResultIntent, Record,
    RecordKind, RecordValue, Rejection, RejectionType,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tonic::transport::Channel;
use tonic::Code;

mod common;

use common::{topology, FakeBroker};

struct Harness {
    client: GatewayClient<Channel>,
    metrics: GatewayMetrics,
    _shutdown: oneshot::Sender<()>,
}

async fn start(broker: Arc<FakeBroker>, config: GatewayConfig) -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = GatewayMetrics::new();
    let service = GatewayService::new(broker, config, metrics.clone());
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(serve_with_listener(listener, service, async {
        let _ = stop.await;
    }));
    let client = GatewayClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    Harness {
        client,
        metrics,
        _shutdown: shutdown,
    }
}

async fn start_default(broker: Arc<FakeBroker>) -> Harness {
    start(broker, GatewayConfig::default()).await
}

fn event(command: &Record, key: Key, value: RecordValue) -> Record {
    Record {
        kind: RecordKind::Event,
        key,
        value,
        ..command.clone()
    }
}

fn rejection(command: &Record, kind: RejectionType, reason: &str) -> Record {
    Record {
        kind: RecordKind::Rejection(Rejection {
            kind,
            reason: reason.into(),
        }),
        ..command.clone()
    }
}

/// Answers every job command with the matching event.
fn job_events(_: PartitionId, command: &Record) -> Result<Record, BrokerError> {
    match &command.value {
        RecordValue::Job(JobIntent::Complete, job) => Ok(event(
            command,
            command.key,
            RecordValue::Job(JobIntent::Completed, job.clone()),
        )),
        RecordValue::Job(JobIntent::Fail, job) => Ok(event(
            command,
            command.key,
            RecordValue::Job(JobIntent::Failed, job.clone()),
        )),
        other => Err(BrokerError::Internal(format!(
            "unexpected command {other:?}"
        ))),
    }
}

fn job(job_type: &str, n: i64) -> JobRecord {
    JobRecord {
        job_type: job_type.into(),
        worker: "w".into(),
        retries: 3,
        retry_backoff: 0,
        recurring_time: -1,
        deadline: 1_000 + n,
        timeout: 1_000,
        error_message: String::new(),
        error_code: String::new(),
        custom_headers: BTreeMap::from([("h".to_owned(), "v".to_owned())]),
        variables: Document::parse(&format!(r#"{{"n":{n}}}"#)).unwrap(),
        element_id: "task".into(),
        element_instance_key: Key(100 + n),
        bpmn_process_id: "order".into(),
        process_definition_version: 1,
        process_definition_key: Key(200),
        process_instance_key: Key(300 + n),
        tenant_id: "<default>".into(),
    }
}

/// A `JobBatch ACTIVATED` answer with `count` jobs (capped by the command's maximum), keys on `partition`.
fn batch(partition: PartitionId, command: &Record, count: usize) -> Result<Record, BrokerError> {
    let RecordValue::JobBatch(JobBatchIntent::Activate, request) = &command.value else {
        return Err(BrokerError::Internal("expected a job batch".into()));
    };
    let count = count.min(usize::try_from(request.max_jobs_to_activate).unwrap());
    let keys: Vec<Key> = (0..count)
        .map(|i| Key::new(partition, i as u64 + 1))
        .collect();
    let jobs = (0..count)
        .map(|i| job(&request.job_type, i as i64))
        .collect();
    let value = JobBatchRecord {
        job_keys: keys,
        jobs,
        ..(**request).clone()
    };
    Ok(event(
        command,
        Key::new(partition, 99),
        RecordValue::JobBatch(JobBatchIntent::Activated, Box::new(value)),
    ))
}

fn activate_request(max: i32, request_timeout: i64) -> pb::ActivateJobsRequest {
    pb::ActivateJobsRequest {
        r#type: "pay".into(),
        worker: "w".into(),
        timeout: 30_000,
        max_jobs_to_activate: max,
        request_timeout,
        ..Default::default()
    }
}

async fn collect_jobs(
    client: &mut GatewayClient<Channel>,
    request: pb::ActivateJobsRequest,
) -> Result<Vec<pb::ActivatedJob>, tonic::Status> {
    let mut stream = client.activate_jobs(request).await?.into_inner();
    let mut jobs = Vec::new();
    while let Some(response) = stream.message().await? {
        assert!(!response.jobs.is_empty(), "no empty responses are streamed");
        jobs.extend(response.jobs);
    }
    Ok(jobs)
}

#[tokio::test]
async fn topology_reports_the_cluster() {
    let broker = FakeBroker::new(3, Box::new(job_events));
    let mut h = start(
        broker,
        GatewayConfig {
            gateway_version: "8.8.0".into(),
            ..Default::default()
        },
    )
    .await;
    let topology = h
        .client
        .topology(pb::TopologyRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            topology.cluster_size,
            topology.partitions_count,
            topology.replication_factor
        ),
        (1, 3, 1)
    );
    assert_eq!(topology.gateway_version, "8.8.0");
    assert_eq!(topology.cluster_id, "test-cluster");
    assert_eq!(topology.brokers[0].partitions.len(), 3);
    assert_eq!(topology.brokers[0].partitions[2].partition_id, 3);
    assert_eq!(h.metrics.requests("Topology", Code::Ok), 1);
}

#[tokio::test]
async fn gzip_compressed_requests_are_accepted() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let h = start_default(broker.clone()).await;
    let mut client = h
        .client
        .clone()
        .send_compressed(tonic::codec::CompressionEncoding::Gzip);
    client
        .complete_job(pb::CompleteJobRequest {
            job_key: Key::new(PartitionId(1), 1).get(),
            variables: r#"{"big":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#.into(),
            result: None,
        })
        .await
        .unwrap();
    assert_eq!(broker.calls().len(), 1);
}

#[tokio::test]
async fn messages_above_four_megabytes_are_refused() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let status = h
        .client
        .deploy_resource(pb::DeployResourceRequest {
            resources: vec![pb::Resource {
                name: "big.bpmn".into(),
                content: vec![b'x'; 5 * 1024 * 1024],
            }],
            tenant_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn complete_job_goes_to_the_partition_of_its_key() {
    let broker = FakeBroker::new(3, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let job_key = Key::new(PartitionId(2), 42).get();
    h.client
        .complete_job(pb::CompleteJobRequest {
            job_key,
            variables: r#"{"paid":true}"#.into(),
            result: None,
        })
        .await
        .unwrap();
    let calls = broker.calls();
    assert_eq!(calls.len(), 1);
    let (partition, command) = &calls[0];
    assert_eq!(*partition, PartitionId(2));
    assert_eq!(command.key, Key(job_key));
    match &command.value {
        RecordValue::Job(JobIntent::Complete, job) => {
            assert_eq!(job.variables.as_str(), r#"{"paid":true}"#)
        }
        other => panic!("unexpected command {other:?}"),
    }
    assert_eq!(h.metrics.requests("CompleteJob", Code::Ok), 1);
}

#[tokio::test]
async fn fail_job_carries_its_fields_to_the_key_partition() {
    let broker = FakeBroker::new(3, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let job_key = Key::new(PartitionId(3), 7).get();
    h.client
        .fail_job(pb::FailJobRequest {
            job_key,
            retries: 2,
            error_message: "no funds".into(),
            retry_back_off: 500,
            variables: String::new(),
        })
        .await
        .unwrap();
    let (partition, command) = &broker.calls()[0];
    assert_eq!(*partition, PartitionId(3));
    match &command.value {
        RecordValue::Job(JobIntent::Fail, job) => {
            assert_eq!(
                (job.retries, job.retry_backoff, job.error_message.as_str()),
                (2, 500, "no funds")
            );
        }
        other => panic!("unexpected command {other:?}"),
    }
}

#[tokio::test]
async fn rejection_becomes_the_zeebe_status_and_message() {
    let broker = FakeBroker::new(
        1,
        Box::new(|_, command| {
            Ok(rejection(
                command,
                RejectionType::NotFound,
                &format!(
                    "Expected to complete job with key '{}', but no such job was found",
                    command.key
                ),
            ))
        }),
    );
    let mut h = start_default(broker).await;
    let job_key = Key::new(PartitionId(1), 5).get();
    let status = h
        .client
        .complete_job(pb::CompleteJobRequest {
            job_key,
            variables: String::new(),
            result: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        status.message(),
        format!("Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '{job_key}', but no such job was found")
    );
    assert_eq!(h.metrics.requests("CompleteJob", Code::NotFound), 1);
}

#[tokio::test]
async fn invalid_state_rejection_is_failed_precondition() {
    let broker = FakeBroker::new(
        1,
        Box::new(|_, command| {
            Ok(rejection(
                command,
                RejectionType::InvalidState,
                "it is completed",
            ))
        }),
    );
    let mut h = start_default(broker).await;
    let status = h
        .client
        .fail_job(pb::FailJobRequest {
            job_key: Key::new(PartitionId(1), 5).get(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        status.message(),
        "Command 'FAIL' rejected with code 'INVALID_STATE': it is completed"
    );
}

#[tokio::test]
async fn invalid_variables_never_reach_the_broker() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let job_key = Key::new(PartitionId(1), 5).get();
    let status = h
        .client
        .complete_job(pb::CompleteJobRequest {
            job_key,
            variables: "[1,2]".into(),
            result: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "Property 'variables' is invalid: Expected document to be a root level object, but was 'ARRAY'"
    );
    let status = h
        .client
        .create_process_instance(pb::CreateProcessInstanceRequest {
            bpmn_process_id: "order".into(),
            version: -1,
            variables: "{oops".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .starts_with("Property 'variables' is invalid"),
        "{}",
        status.message()
    );
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn keys_outside_the_cluster_are_not_found_without_a_broker_call() {
    let broker = FakeBroker::new(2, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let job_key = Key::new(PartitionId(5), 1).get();
    let status = h
        .client
        .complete_job(pb::CompleteJobRequest {
            job_key,
            variables: String::new(),
            result: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(
        status.message(),
        format!("Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete job with key '{job_key}', but no such job was found")
    );
    let status = h
        .client
        .cancel_process_instance(pb::CancelProcessInstanceRequest {
            process_instance_key: 0,
            operation_reference: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(broker.calls().is_empty());
}

fn creation_answer(partition: PartitionId, command: &Record) -> Result<Record, BrokerError> {
    match &command.value {
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, request) => {
            let created = ProcessInstanceCreationRecord {
                bpmn_process_id: request.bpmn_process_id.clone(),
                version: 4,
                process_definition_key: Key::new(PartitionId(1), 1),
                process_instance_key: Key::new(partition, 10),
                ..request.clone()
            };
            Ok(event(
                command,
                created.process_instance_key,
                RecordValue::ProcessInstanceCreation(
                    ProcessInstanceCreationIntent::Created,
                    created,
                ),
            ))
        }
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::CreateWithAwaitingResult,
            request,
        ) => {
            if request.bpmn_process_id == "slow" {
                return Err(BrokerError::Timeout);
            }
            let result = ProcessInstanceResultRecord {
                bpmn_process_id: request.bpmn_process_id.clone(),
                version: 4,
                process_definition_key: Key::new(PartitionId(1), 1),
                process_instance_key: Key::new(partition, 10),
                variables: Document::parse(r#"{"total":12}"#).unwrap(),
                tenant_id: request.tenant_id.clone(),
            };
            Ok(event(
                command,
                result.process_instance_key,
                RecordValue::ProcessInstanceResult(ProcessInstanceResultIntent::Completed, result),
            ))
        }
        other => Err(BrokerError::Internal(format!(
            "unexpected command {other:?}"
        ))),
    }
}

#[tokio::test]
async fn creation_round_robins_over_partitions_with_a_leader() {
    let broker = FakeBroker::new(3, Box::new(creation_answer));
    *broker.topology.lock().unwrap() = topology(3, &[2]);
    let mut h = start_default(broker.clone()).await;
    let mut instance_partitions = Vec::new();
    for _ in 0..4 {
        let response = h
            .client
            .create_process_instance(pb::CreateProcessInstanceRequest {
                bpmn_process_id: "order".into(),
                version: -1,
                variables: r#"{"a":1}"#.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (response.bpmn_process_id.as_str(), response.version),
            ("order", 4)
        );
        assert_eq!(response.tenant_id, "<default>");
        instance_partitions.push(
            Key(response.process_instance_key)
                .partition()
                .unwrap()
                .get(),
        );
    }
    assert_eq!(instance_partitions, vec![1, 3, 1, 3]);
    assert_eq!(broker.partitions_called(), vec![1, 3, 1, 3]);
}

#[tokio::test]
async fn a_command_whose_leader_changed_before_answering_is_not_sent_again() {
    // The leader had taken the command: sending it again could complete the job twice (the second
    // time as NOT_FOUND) or create a second instance.
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, _| {
            Err(BrokerError::OutcomeUnknown {
                partition,
                reason: "leader changed".into(),
            })
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let status = h
        .client
        .complete_job(pb::CompleteJobRequest {
            job_key: Key::new(PartitionId(2), 42).get(),
            variables: String::new(),
            result: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(broker.partitions_called(), vec![2]);
    let status = h
        .client
        .create_process_instance(pb::CreateProcessInstanceRequest {
            bpmn_process_id: "order".into(),
            version: -1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(
        broker.partitions_called().len(),
        2,
        "one more call, not one per partition"
    );
}

#[tokio::test]
async fn creation_fails_over_to_the_next_partition() {
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, command| match partition.get() {
            1 => Err(BrokerError::PartitionUnavailable {
                partition,
                reason: "leader changed".into(),
            }),
            _ => creation_answer(partition, command),
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let request = pb::CreateProcessInstanceRequest {
        bpmn_process_id: "order".into(),
        version: -1,
        ..Default::default()
    };
    let response = h
        .client
        .create_process_instance(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        Key(response.process_instance_key).partition(),
        Some(PartitionId(2))
    );
    assert_eq!(broker.partitions_called(), vec![1, 2]);
}

#[tokio::test]
async fn creation_rides_out_an_election_on_every_partition_within_its_deadline() {
    // Every partition is unavailable for the first two rounds, as while leaders are re-elected.
    let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = Arc::clone(&attempts);
    let broker = FakeBroker::new(
        2,
        Box::new(move |partition, command| {
            if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 4 {
                Err(BrokerError::PartitionUnavailable {
                    partition,
                    reason: "election".into(),
                })
            } else {
                creation_answer(partition, command)
            }
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let request = pb::CreateProcessInstanceRequest {
        bpmn_process_id: "order".into(),
        version: -1,
        ..Default::default()
    };
    h.client
        .create_process_instance(request)
        .await
        .expect("created once a leader is back");
    assert_eq!(broker.calls().len(), 5, "two full rounds, then success");

    // With no leader coming back before the deadline, the client sees UNAVAILABLE.
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, _| {
            Err(BrokerError::PartitionUnavailable {
                partition,
                reason: "no leader".into(),
            })
        }),
    );
    let config = GatewayConfig {
        request_timeout: Duration::from_millis(300),
        ..GatewayConfig::default()
    };
    let mut h = start(broker.clone(), config).await;
    let request = pb::CreateProcessInstanceRequest {
        bpmn_process_id: "order".into(),
        version: -1,
        ..Default::default()
    };
    let status = h.client.create_process_instance(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(broker.calls().len() > 2, "retried before giving up");
}

#[tokio::test]
async fn backpressure_everywhere_is_resource_exhausted() {
    let broker = FakeBroker::new(2, Box::new(|_, _| Err(BrokerError::Backpressure)));
    let mut h = start_default(broker.clone()).await;
    let request = pb::CreateProcessInstanceRequest {
        bpmn_process_id: "order".into(),
        version: -1,
        ..Default::default()
    };
    let status = h.client.create_process_instance(request).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(broker.calls().len(), 2, "each partition tried once");
}

#[tokio::test]
async fn creation_with_result_returns_the_result_variables() {
    let broker = FakeBroker::new(1, Box::new(creation_answer));
    let mut h = start_default(broker.clone()).await;
    let response = h
        .client
        .create_process_instance_with_result(pb::CreateProcessInstanceWithResultRequest {
            request: Some(pb::CreateProcessInstanceRequest {
                bpmn_process_id: "order".into(),
                version: -1,
                ..Default::default()
            }),
            request_timeout: 0,
            fetch_variables: vec!["total".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.variables, r#"{"total":12}"#);
    assert_eq!(response.version, 4);
    match &broker.calls()[0].1.value {
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::CreateWithAwaitingResult,
            value,
        ) => {
            assert_eq!(value.fetch_variables, vec!["total".to_owned()]);
        }
        other => panic!("unexpected command {other:?}"),
    }
}

#[tokio::test]
async fn creation_with_result_honours_the_request_timeout() {
    let broker = FakeBroker::new(1, Box::new(creation_answer));
    let mut h = start_default(broker).await;
    let started = Instant::now();
    let status = h
        .client
        .create_process_instance_with_result(pb::CreateProcessInstanceWithResultRequest {
            request: Some(pb::CreateProcessInstanceRequest {
                bpmn_process_id: "slow".into(),
                version: -1,
                ..Default::default()
            }),
            request_timeout: 300,
            fetch_variables: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn deploy_resource_goes_to_partition_one_and_returns_process_metadata() {
    let broker = FakeBroker::new(
        3,
        Box::new(|_, command| {
            let RecordValue::Deployment(DeploymentIntent::Create, request) = &command.value else {
                return Err(BrokerError::Internal("expected a deployment".into()));
            };
            let deployment_key = Key::new(PartitionId(1), 7);
            let created = DeploymentRecord {
                processes_metadata: vec![ProcessMetadata {
                    bpmn_process_id: "order".into(),
                    version: 1,
                    process_definition_key: Key::new(PartitionId(1), 8),
                    resource_name: request.resources[0].resource_name.clone(),
                    checksum: Default::default(),
                    is_duplicate: false,
                    tenant_id: request.tenant_id.clone(),
                    deployment_key,
                    version_tag: String::new(),
                }],
                deployment_key,
                ..request.clone()
            };
            Ok(event(
                command,
                deployment_key,
                RecordValue::Deployment(DeploymentIntent::Created, created),
            ))
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let response = h
        .client
        .deploy_resource(pb::DeployResourceRequest {
            resources: vec![pb::Resource {
                name: "order.bpmn".into(),
                content: b"<definitions/>".to_vec(),
            }],
            tenant_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.key, Key::new(PartitionId(1), 7).get());
    assert_eq!(response.tenant_id, "<default>");
    let Some(pb::deployment::Metadata::Process(process)) = &response.deployments[0].metadata else {
        panic!("expected process metadata: {response:?}");
    };
    assert_eq!(
        (process.bpmn_process_id.as_str(), process.version),
        ("order", 1)
    );
    assert_eq!(process.resource_name, "order.bpmn");
    assert_eq!(
        process.process_definition_key,
        Key::new(PartitionId(1), 8).get()
    );
    assert_eq!(broker.partitions_called(), vec![1]);

    let status = h
        .client
        .deploy_resource(pb::DeployResourceRequest {
            resources: vec![],
            tenant_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn other_tenants_are_refused_while_multi_tenancy_is_disabled() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let status = h
        .client
        .deploy_resource(pb::DeployResourceRequest {
            resources: vec![pb::Resource {
                name: "a.bpmn".into(),
                content: vec![1],
            }],
            tenant_id: "acme".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "Expected to handle gRPC request DeployResource with tenant identifier 'acme', but multi-tenancy is disabled"
    );
    let status = collect_jobs(
        &mut h.client,
        pb::ActivateJobsRequest {
            tenant_ids: vec!["acme".into()],
            ..activate_request(1, -1)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn publish_message_goes_to_the_correlation_key_partition() {
    let broker = FakeBroker::new(
        3,
        Box::new(|partition, command| match &command.value {
            RecordValue::Message(MessageIntent::Publish, message) => Ok(event(
                command,
                Key::new(partition, 3),
                RecordValue::Message(
                    MessageIntent::Published,
                    MessageRecord {
                        deadline: 5,
                        ..message.clone()
                    },
                ),
            )),
            other => Err(BrokerError::Internal(format!("unexpected {other:?}"))),
        }),
    );
    let mut h = start_default(broker.clone()).await;
    // "Hello World".hashCode() == -862545276; -862545276 % 3 == 0 -> partition 1. "abc" (96354) % 3 == 0 too,
    // "hello" (99162322) % 3 == 1 -> partition 2.
    for (correlation_key, partition) in [("Hello World", 1u16), ("hello", 2)] {
        let response = h
            .client
            .publish_message(pb::PublishMessageRequest {
                name: "paid".into(),
                correlation_key: correlation_key.into(),
                time_to_live: 1000,
                variables: r#"{"x":1}"#.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.key, Key::new(PartitionId(partition), 3).get());
        assert_eq!(response.tenant_id, "<default>");
    }
    assert_eq!(broker.partitions_called(), vec![1, 2]);
}

#[tokio::test]
#[allow(deprecated)] // DeployProcess is deprecated upstream; its answer is what is under test.
async fn unsupported_rpcs_say_so() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    // DeployProcess is served (as DeployResource), so an empty one fails DeployResource's validation.
    let status = h
        .client
        .deploy_process(pb::DeployProcessRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "Expected to deploy at least one resource, but none given"
    );
    let status = h
        .client
        .modify_process_instance(pb::ModifyProcessInstanceRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    assert_eq!(
        status.message(),
        "ModifyProcessInstance is not supported yet by Hornet"
    );
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn activate_jobs_accumulates_across_partitions_up_to_the_maximum() {
    let broker = FakeBroker::new(
        3,
        Box::new(|partition, command| batch(partition, command, partition.get() as usize)),
    );
    let mut h = start_default(broker.clone()).await;
    let jobs = collect_jobs(&mut h.client, activate_request(2, -1))
        .await
        .unwrap();
    // Partition 1 has one job, partition 2 two, but only one more was asked for.
    assert_eq!(jobs.len(), 2);
    let job = &jobs[0];
    assert_eq!(job.r#type, "pay");
    assert_eq!(job.custom_headers, r#"{"h":"v"}"#);
    assert_eq!(job.variables, r#"{"n":0}"#);
    assert_eq!(job.tenant_id, "<default>");
    let asked: Vec<(u16, i32)> = broker
        .calls()
        .iter()
        .map(|(p, c)| match &c.value {
            RecordValue::JobBatch(JobBatchIntent::Activate, b) => (p.get(), b.max_jobs_to_activate),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(asked, vec![(1, 2), (2, 1)]);
}

#[tokio::test]
async fn activate_jobs_without_long_polling_ends_empty_at_once() {
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, command| batch(partition, command, 0)),
    );
    let mut h = start_default(broker.clone()).await;
    let started = Instant::now();
    let jobs = collect_jobs(&mut h.client, activate_request(5, -1))
        .await
        .unwrap();
    assert!(jobs.is_empty());
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(broker.calls().len(), 2);
}

#[tokio::test]
async fn activate_jobs_long_polls_until_jobs_become_available() {
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let jobs_ready = ready.clone();
    let broker = FakeBroker::new(
        2,
        Box::new(move |partition, command| {
            let available =
                jobs_ready.load(std::sync::atomic::Ordering::SeqCst) && partition.get() == 2;
            batch(partition, command, if available { 1 } else { 0 })
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let notifier = broker.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Another type first: must not wake the request.
        let _ = notifier.jobs_available.send(JobsAvailable {
            partition: PartitionId(2),
            job_type: "other".into(),
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = notifier.jobs_available.send(JobsAvailable {
            partition: PartitionId(2),
            job_type: "pay".into(),
        });
    });
    let started = Instant::now();
    let jobs = collect_jobs(&mut h.client, activate_request(1, 10_000))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(jobs.len(), 1);
    assert_eq!(Key(jobs[0].key).partition(), Some(PartitionId(2)));
    assert!(
        elapsed >= Duration::from_millis(400),
        "answered before jobs were available: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "did not wake on the notification: {elapsed:?}"
    );
    // One empty round over both partitions, then (after the notification) partition 1 or 2 again.
    assert!(
        broker.calls().len() >= 3,
        "{:?}",
        broker.partitions_called()
    );
}

#[tokio::test]
async fn activate_jobs_long_poll_ends_empty_at_the_request_timeout() {
    let broker = FakeBroker::new(
        1,
        Box::new(|partition, command| batch(partition, command, 0)),
    );
    let mut h = start_default(broker.clone()).await;
    let started = Instant::now();
    let jobs = collect_jobs(&mut h.client, activate_request(1, 400))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(jobs.is_empty());
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn activate_jobs_uses_the_gateway_default_long_polling_timeout_for_zero() {
    let broker = FakeBroker::new(
        1,
        Box::new(|partition, command| batch(partition, command, 0)),
    );
    let config = GatewayConfig {
        long_polling_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let mut h = start(broker, config).await;
    let started = Instant::now();
    let jobs = collect_jobs(&mut h.client, activate_request(1, 0))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(jobs.is_empty());
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn activate_jobs_reports_validation_errors_and_unavailability() {
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, _| {
            Err(BrokerError::PartitionUnavailable {
                partition,
                reason: "no leader".into(),
            })
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let status = collect_jobs(&mut h.client, activate_request(0, -1))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(broker.calls().is_empty());
    let status = collect_jobs(&mut h.client, activate_request(1, 10_000))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_eq!(h.metrics.requests("ActivateJobs", Code::Unavailable), 1);
}

/// Jobs waiting per partition; activation takes from them.
struct Backlog(Mutex<BTreeMap<u16, usize>>);

impl Backlog {
    fn add(&self, partition: u16, jobs: usize) {
        *self.0.lock().unwrap().entry(partition).or_default() += jobs;
    }

    fn take(&self, partition: PartitionId, command: &Record) -> Result<Record, BrokerError> {
        let max = match &command.value {
            RecordValue::JobBatch(_, b) => usize::try_from(b.max_jobs_to_activate).unwrap(),
            _ => 0,
        };
        let mut backlog = self.0.lock().unwrap();
        let waiting = backlog.entry(partition.get()).or_default();
        let taken = (*waiting).min(max);
        *waiting -= taken;
        batch(partition, command, taken)
    }
}

#[tokio::test]
async fn job_stream_pushes_waiting_jobs_then_new_ones_on_notification() {
    let backlog = Arc::new(Backlog(Mutex::new(BTreeMap::from([(1, 2)]))));
    let source = backlog.clone();
    let broker = FakeBroker::new(
        2,
        Box::new(move |partition, command| source.take(partition, command)),
    );
    let mut h = start_default(broker.clone()).await;
    let mut stream = h
        .client
        .stream_activated_jobs(pb::StreamActivatedJobsRequest {
            r#type: "pay".into(),
            worker: "w".into(),
            timeout: 30_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(Key(first.key).partition(), Some(PartitionId(1)));
    assert_eq!(Key(second.key).partition(), Some(PartitionId(1)));
    assert_eq!(first.r#type, "pay");

    // Nothing more until jobs are announced.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), stream.message())
            .await
            .is_err()
    );
    backlog.add(2, 1);
    let _ = broker.jobs_available.send(JobsAvailable {
        partition: PartitionId(2),
        job_type: "pay".into(),
    });
    let third = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(Key(third.key).partition(), Some(PartitionId(2)));

    // Closing the stream ends the server side: no further activations after it noticed.
    drop(stream);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let calls = broker.calls().len();
    backlog.add(1, 1);
    let _ = broker.jobs_available.send(JobsAvailable {
        partition: PartitionId(1),
        job_type: "pay".into(),
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        broker.calls().len(),
        calls,
        "a closed stream must not activate jobs"
    );
}

/// A job a leader pushed to a stream.
fn pushed_job(partition: u16, index: u64) -> PushedJob {
    let mut record = job("pay", index as i64);
    record.worker = "streamer".into();
    record.deadline = 1_700_000_030_000;
    record.variables = Document::parse(r#"{"amount":3}"#).unwrap();
    PushedJob {
        key: Key::new(PartitionId(partition), index),
        job: Box::new(record),
    }
}

#[tokio::test]
async fn job_stream_is_opened_with_the_leaders_and_forwards_what_they_push() {
    let broker = FakeBroker::new(
        2,
        Box::new(|partition, command| batch(partition, command, 0)),
    );
    let mut h = start_default(broker.clone()).await;
    let mut stream = h
        .client
        .stream_activated_jobs(pb::StreamActivatedJobsRequest {
            r#type: "pay".into(),
            worker: "streamer".into(),
            timeout: 30_000,
            fetch_variable: vec!["amount".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let (properties, sink) = broker.job_stream().await;
    assert_eq!(properties.job_type, "pay");
    assert_eq!(properties.worker, "streamer");
    assert_eq!(properties.timeout, 30_000);
    assert_eq!(properties.fetch_variables, ["amount"]);
    sink.send(pushed_job(2, 7)).await.unwrap();
    let job = tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(job.key, Key::new(PartitionId(2), 7).get());
    assert_eq!(job.r#type, "pay");
    assert_eq!(job.worker, "streamer");
    assert_eq!(job.deadline, 1_700_000_030_000);
    assert_eq!(job.variables, r#"{"amount":3}"#);
    // A pushed job costs no activation: only the opening pass activated (once per partition).
    let activations = broker
        .calls()
        .iter()
        .filter(|(_, c)| matches!(c.value, RecordValue::JobBatch(..)))
        .count();
    assert_eq!(activations, 2);
}

#[tokio::test]
async fn job_stream_requests_are_validated() {
    let broker = FakeBroker::new(1, Box::new(job_events));
    let mut h = start_default(broker.clone()).await;
    let status = h
        .client
        .stream_activated_jobs(pb::StreamActivatedJobsRequest {
            r#type: "".into(),
            timeout: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "Expected to stream activated jobs with type to be present, but it was blank"
    );
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn requests_the_client_abandons_are_counted_as_cancelled() {
    let broker = FakeBroker::new(1, Box::new(|_, _| Err(BrokerError::Timeout)));
    let config = GatewayConfig {
        request_timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let mut h = start(broker, config).await;
    let mut request = tonic::Request::new(pb::CompleteJobRequest {
        job_key: Key::new(PartitionId(1), 1).get(),
        variables: String::new(),
        result: None,
    });
    request.set_timeout(Duration::from_millis(200));
    let status = h.client.complete_job(request).await.unwrap_err();
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let counted = h.metrics.requests("CompleteJob", Code::Cancelled)
        + h.metrics.requests("CompleteJob", Code::DeadlineExceeded);
    assert_eq!(counted, 1);
}

/// Answers EVALUATE for `dish` with an evaluation of `dish` requiring `season`; for `broken` with a failed
/// evaluation; for anything else with NOT_FOUND.
fn evaluation_answer(_: PartitionId, command: &Record) -> Result<Record, BrokerError> {
    let RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Evaluate, request) =
        &command.value
    else {
        return Err(BrokerError::Internal(
            "expected a decision evaluation".into(),
        ));
    };
    let key = Key::new(PartitionId(1), 40);
    let season = EvaluatedDecisionValue {
        decision_id: "season".into(),
        decision_name: "Season".into(),
        decision_key: Key::new(PartitionId(1), 11),
        decision_version: 1,
        decision_type: "LITERAL_EXPRESSION".into(),
        decision_output: r#""Winter""#.into(),
        evaluated_inputs: vec![],
        matched_rules: vec![],
        tenant_id: "<default>".into(),
        decision_evaluation_instance_key: format!("{}-1", key.get()),
    };
    let base = DecisionEvaluationRecord {
        decision_key: Key::new(PartitionId(1), 12),
        decision_id: request.decision_id.clone(),
        decision_name: "Dish".into(),
        decision_version: 3,
        decision_requirements_id: "dishes".into(),
        decision_requirements_key: Key::new(PartitionId(1), 10),
        variables: request.variables.clone(),
        tenant_id: "<default>".into(),
        ..Default::default()
    };
    match request.decision_id.as_str() {
        "dish" => {
            let dish = EvaluatedDecisionValue {
                decision_id: "dish".into(),
                decision_name: "Dish".into(),
                decision_key: Key::new(PartitionId(1), 12),
                decision_version: 3,
                decision_type: "DECISION_TABLE".into(),
                decision_output: r#""Stew""#.into(),
                evaluated_inputs: vec![EvaluatedInputValue {
                    input_id: "in_guests".into(),
                    input_name: "Guests".into(),
                    input_value: "4".into(),
                }],
                matched_rules: vec![MatchedRuleValue {
                    rule_id: "rule_stew".into(),
                    rule_index: 1,
                    evaluated_outputs: vec![EvaluatedOutputValue {
                        output_id: "out_dish".into(),
                        output_name: "Dish".into(),
                        output_value: r#""Stew""#.into(),
                    }],
                }],
                tenant_id: "<default>".into(),
                decision_evaluation_instance_key: format!("{}-2", key.get()),
            };
            let value = DecisionEvaluationRecord {
                decision_output: r#""Stew""#.into(),
                evaluated_decisions: vec![season, dish],
                ..base
            };
            Ok(event(
                command,
                key,
                RecordValue::DecisionEvaluation(
                    DecisionEvaluationIntent::Evaluated,
                    Box::new(value),
                ),
            ))
        }
        "broken" => {
            let value = DecisionEvaluationRecord {
                decision_output: "null".into(),
                evaluated_decisions: vec![season],
                failed_decision_id: "broken".into(),
                evaluation_failure_message: "Expected to evaluate decision 'broken', but it failed"
                    .into(),
                ..base
            };
            Ok(event(
                command,
                key,
                RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Failed, Box::new(value)),
            ))
        }
        other => Ok(rejection(
            command,
            RejectionType::NotFound,
            &format!(
                "Expected to evaluate decision '{other}', but no decision found for id '{other}'"
            ),
        )),
    }
}

#[tokio::test]
async fn evaluate_decision_returns_the_evaluation_with_its_details() {
    let broker = FakeBroker::new(1, Box::new(evaluation_answer));
    let mut h = start_default(broker.clone()).await;
    let response = h
        .client
        .evaluate_decision(pb::EvaluateDecisionRequest {
            decision_id: "dish".into(),
            variables: r#"{"guests":4}"#.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let key = Key::new(PartitionId(1), 40).get();
    assert_eq!(response.decision_key, Key::new(PartitionId(1), 12).get());
    assert_eq!(response.decision_id, "dish");
    assert_eq!(response.decision_name, "Dish");
    assert_eq!(response.decision_version, 3);
    assert_eq!(response.decision_requirements_id, "dishes");
    assert_eq!(
        response.decision_requirements_key,
        Key::new(PartitionId(1), 10).get()
    );
    assert_eq!(response.decision_output, r#""Stew""#);
    assert_eq!(response.failed_decision_id, "");
    assert_eq!(response.failure_message, "");
    assert_eq!(response.tenant_id, "<default>");
    assert_eq!(response.decision_instance_key, key);
    assert_eq!(response.decision_evaluation_key, key);
    assert_eq!(response.evaluated_decisions.len(), 2);
    let dish = &response.evaluated_decisions[1];
    assert_eq!(dish.decision_type, "DECISION_TABLE");
    assert_eq!(dish.decision_evaluation_instance_key, format!("{key}-2"));
    assert_eq!(
        dish.evaluated_inputs,
        [pb::EvaluatedDecisionInput {
            input_id: "in_guests".into(),
            input_name: "Guests".into(),
            input_value: "4".into(),
        }]
    );
    assert_eq!(dish.matched_rules[0].rule_id, "rule_stew");
    assert_eq!(dish.matched_rules[0].rule_index, 1);
    assert_eq!(
        dish.matched_rules[0].evaluated_outputs[0].output_value,
        r#""Stew""#
    );
    // The command carried the request's decision and variables.
    let calls = broker.calls();
    let RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Evaluate, sent) =
        &calls[0].1.value
    else {
        panic!("expected an EVALUATE command: {:?}", calls[0].1);
    };
    assert_eq!(sent.decision_id, "dish");
    assert!(sent.decision_key.is_none());
    assert_eq!(sent.variables.as_str(), r#"{"guests":4}"#);
    assert_eq!(sent.tenant_id, "<default>");
}

#[tokio::test]
async fn evaluate_decision_answers_a_failed_evaluation_and_maps_rejections() {
    let broker = FakeBroker::new(1, Box::new(evaluation_answer));
    let mut h = start_default(broker.clone()).await;
    let failed = h
        .client
        .evaluate_decision(pb::EvaluateDecisionRequest {
            decision_id: "broken".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(failed.failed_decision_id, "broken");
    assert_eq!(
        failed.failure_message,
        "Expected to evaluate decision 'broken', but it failed"
    );
    assert_eq!(failed.evaluated_decisions.len(), 1);

    let status = h
        .client
        .evaluate_decision(pb::EvaluateDecisionRequest {
            decision_id: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().contains("no decision found for id 'nope'"));
    assert_eq!(broker.calls().len(), 2);

    // Invalid requests never reach the broker.
    let status = h
        .client
        .evaluate_decision(pb::EvaluateDecisionRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "Expected either a decision id or a valid decision key, but none provided"
    );
    let status = h
        .client
        .evaluate_decision(pb::EvaluateDecisionRequest {
            decision_id: "dish".into(),
            variables: "[1]".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(broker.calls().len(), 2);
}

#[tokio::test]
async fn deploy_resource_returns_decision_and_decision_requirements_metadata() {
    let broker = FakeBroker::new(
        1,
        Box::new(|_, command| {
            let RecordValue::Deployment(DeploymentIntent::Create, request) = &command.value else {
                return Err(BrokerError::Internal("expected a deployment".into()));
            };
            let deployment_key = Key::new(PartitionId(1), 7);
            let created = DeploymentRecord {
                decisions_metadata: vec![DecisionRecord {
                    decision_id: "dish".into(),
                    decision_name: "Dish".into(),
                    version: 2,
                    decision_key: Key::new(PartitionId(1), 9),
                    decision_requirements_id: "dishes".into(),
                    decision_requirements_key: Key::new(PartitionId(1), 8),
                    duplicate: false,
                    tenant_id: "<default>".into(),
                    deployment_key,
                    version_tag: String::new(),
                }],
                decision_requirements_metadata: vec![DecisionRequirementsMetadata {
                    decision_requirements_id: "dishes".into(),
                    decision_requirements_name: "Dishes".into(),
                    decision_requirements_version: 2,
                    decision_requirements_key: Key::new(PartitionId(1), 8),
                    namespace: "n".into(),
                    resource_name: "dishes.dmn".into(),
                    checksum: Default::default(),
                    duplicate: false,
                    tenant_id: "<default>".into(),
                }],
                deployment_key,
                ..request.clone()
            };
            Ok(event(
                command,
                deployment_key,
                RecordValue::Deployment(DeploymentIntent::Created, created),
            ))
        }),
    );
    let mut h = start_default(broker.clone()).await;
    let response = h
        .client
        .deploy_resource(pb::DeployResourceRequest {
            resources: vec![pb::Resource {
                name: "dishes.dmn".into(),
                content: b"<definitions/>".to_vec(),
            }],
            tenant_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let metadata: Vec<_> = response
        .deployments
        .into_iter()
        .map(|d| d.metadata.unwrap())
        .collect();
    assert_eq!(
        metadata,
        [
            pb::deployment::Metadata::Decision(pb::DecisionMetadata {
                dmn_decision_id: "dish".into(),
                dmn_decision_name: "Dish".into(),
                version: 2,
                decision_key: Key::new(PartitionId(1), 9).get(),
                dmn_decision_requirements_id: "dishes".into(),
                decision_requirements_key: Key::new(PartitionId(1), 8).get(),
                tenant_id: "<default>".into(),
            }),
            pb::deployment::Metadata::DecisionRequirements(pb::DecisionRequirementsMetadata {
                dmn_decision_requirements_id: "dishes".into(),
                dmn_decision_requirements_name: "Dishes".into(),
                version: 2,
                decision_requirements_key: Key::new(PartitionId(1), 8).get(),
                resource_name: "dishes.dmn".into(),
                tenant_id: "<default>".into(),
            }),
        ]
    );
}
