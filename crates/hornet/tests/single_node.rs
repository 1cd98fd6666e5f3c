//! End-to-end tests of a single-node broker: the real binary, the real gRPC API, RocksDB on disk.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hornet_client::{ActivateJobs, Client, CreateWithResult, LongPolling, ProcessRef};
use hornet_protocol::{LogEntry, Record, RecordValue};
use openraft::{EntryPayload, RaftLogReader};
use serde_json::json;
use support::{BrokerProcess, ONE_TASK};
use tonic::Code;

async fn connect(broker: &BrokerProcess) -> Client {
    Client::connect(&broker.address()).await.expect("connect")
}

fn activation(max: u32) -> ActivateJobs {
    ActivateJobs::new("work", "e2e")
        .with_max_jobs(max)
        .with_timeout(Duration::from_secs(60))
        .with_long_polling(LongPolling::Timeout(Duration::from_millis(500)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_runs_end_to_end_and_redeploys_like_zeebe() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(&dir.path().join("data"), 2);
    let client = connect(&broker).await;

    let topology = client.topology().await.unwrap();
    assert_eq!(topology.partitions_count, 2);
    assert_eq!(topology.brokers[0].partitions.len(), 2);

    let first = client
        .deploy_resource("one-task.bpmn", ONE_TASK.as_bytes().to_vec())
        .await
        .unwrap();
    let again = client
        .deploy_resource("one-task.bpmn", ONE_TASK.as_bytes().to_vec())
        .await
        .unwrap();
    let process = |r: &hornet_api::gateway_protocol::DeployResourceResponse| match &r.deployments[0]
        .metadata
    {
        Some(hornet_api::gateway_protocol::deployment::Metadata::Process(p)) => p.clone(),
        other => panic!("expected process metadata, got {other:?}"),
    };
    assert_eq!(process(&first).version, 1);
    assert_eq!(
        process(&again).version,
        1,
        "a byte-identical redeploy keeps the version"
    );
    assert_eq!(
        process(&again).process_definition_key,
        process(&first).process_definition_key
    );
    let changed = ONE_TASK.replace("value=\"test\"", "value=\"changed\"");
    let second = client
        .deploy_resource("one-task.bpmn", changed.into_bytes())
        .await
        .unwrap();
    assert_eq!(process(&second).version, 2);

    // An instance awaited for its result while a worker completes its job.
    let awaiting = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .create_process_instance_with_result(
                    ProcessRef::latest("one-task"),
                    &json!({"order": 7}),
                    &CreateWithResult {
                        fetch_variables: vec![],
                        request_timeout: Some(Duration::from_secs(20)),
                    },
                )
                .await
        })
    };
    let mut completed = 0;
    while completed == 0 {
        for job in client.activate_jobs(&activation(10)).await.unwrap() {
            let headers: serde_json::Value = serde_json::from_str(&job.custom_headers).unwrap();
            assert_eq!(headers["kind"], "changed");
            let vars: serde_json::Value = serde_json::from_str(&job.variables).unwrap();
            assert_eq!(vars["order"], 7);
            client
                .complete_job(job.key, &json!({"paid": true}))
                .await
                .unwrap();
            completed += 1;
        }
    }
    let result = awaiting.await.unwrap().unwrap();
    let vars: serde_json::Value = serde_json::from_str(&result.variables).unwrap();
    assert_eq!(vars, json!({"order": 7, "paid": true}));
    assert_eq!(result.version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_the_broker_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(&dir.path().join("data"), 1);
    let client = connect(&broker).await;

    let err = client
        .deploy_resource("broken.bpmn", b"<bpmn:definitions".to_vec())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");

    let no_start = ONE_TASK.replace(
        r#"<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>"#,
        "",
    );
    let err = client
        .deploy_resource("no-start.bpmn", no_start.into_bytes())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::InvalidArgument), "{err}");

    let err = client
        .create_process_instance(ProcessRef::latest("nope"), &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::NotFound), "{err}");
    assert!(
        err.status_message().unwrap_or_default().contains("nope"),
        "{err}"
    );

    let unknown_job = hornet_protocol::Key::new(hornet_protocol::PartitionId(1), 999_999).get();
    let err = client
        .complete_job(unknown_job, &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::NotFound), "{err}");

    // Not a JSON object: sent raw, since the Rust client refuses to send it.
    let mut raw = client.raw();
    let status = raw
        .create_process_instance(hornet_api::gateway_protocol::CreateProcessInstanceRequest {
            bpmn_process_id: "one-task".into(),
            version: -1,
            variables: "[1, 2]".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");

    client.topology().await.expect("still serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_when_the_broker_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let broker = BrokerProcess::start(&data, 2);
    let client = connect(&broker).await;
    client
        .deploy_resource("one-task.bpmn", ONE_TASK.as_bytes().to_vec())
        .await
        .unwrap();

    let mut instances = BTreeSet::new();
    for i in 0..40 {
        let created = client
            .create_process_instance(ProcessRef::latest("one-task"), &json!({"i": i}))
            .await
            .unwrap();
        instances.insert(created.process_instance_key);
    }
    // Complete some jobs, acknowledged before the crash.
    let mut done_before = BTreeSet::new();
    while done_before.len() < 15 {
        for job in client
            .activate_jobs(&activation(15 - done_before.len() as u32))
            .await
            .unwrap()
        {
            client.complete_job(job.key, &json!({})).await.unwrap();
            done_before.insert(job.process_instance_key);
        }
    }
    let spec = broker.kill_9();

    let broker = spec.start();
    let client = connect(&broker).await;
    // The jobs activated before the crash are still locked for their timeout; the rest are activatable.
    let mut done_after = BTreeSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while done_after.len() < instances.len() - done_before.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} jobs came back",
            done_after.len()
        );
        for job in client.activate_jobs(&activation(32)).await.unwrap() {
            assert!(
                !done_before.contains(&job.process_instance_key),
                "job of instance {} was completed before the crash but came back",
                job.process_instance_key
            );
            client.complete_job(job.key, &json!({})).await.unwrap();
            assert!(
                done_after.insert(job.process_instance_key),
                "job handed out twice"
            );
        }
    }
    let all: BTreeSet<i64> = done_before.union(&done_after).copied().collect();
    assert_eq!(
        all, instances,
        "every acknowledged instance ran its job exactly once"
    );
    // Completed instances are gone: cancelling one is NOT_FOUND.
    for key in instances.iter().take(5) {
        let err = client.cancel_process_instance(*key).await.unwrap_err();
        assert_eq!(err.code(), Some(Code::NotFound), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaders_push_new_jobs_to_open_job_streams() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(&dir.path().join("data"), 2);
    let client = connect(&broker).await;
    client
        .deploy_resource("one-task.bpmn", ONE_TASK.as_bytes().to_vec())
        .await
        .unwrap();
    let mut stream = support::stream_work(&client, &["i"]).await;
    support::wait_for_job_streams(&[&broker], 1.0).await;

    // Every new job is pushed by its leader, with the variables the stream fetches.
    let pushed_before = support::counter_total(&broker.metrics(), "hornet_jobs_pushed_total");
    let mut streamed = BTreeSet::new();
    for i in 0..20 {
        let instance = client
            .create_process_instance(ProcessRef::latest("one-task"), &json!({"i": i, "x": 1}))
            .await
            .unwrap();
        streamed.insert(instance.process_instance_key);
    }
    let mut received = BTreeSet::new();
    while received.len() < streamed.len() {
        let job = tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("a job did not reach the stream")
            .unwrap()
            .expect("the stream ended");
        assert!(streamed.contains(&job.process_instance_key), "{job:?}");
        assert_eq!(job.worker, "streamer");
        assert!(
            job.variables.starts_with(r#"{"i":"#) && !job.variables.contains("x"),
            "{}",
            job.variables
        );
        received.insert(job.process_instance_key);
        client.complete_job(job.key, &json!({})).await.unwrap();
    }
    let pushed =
        support::counter_total(&broker.metrics(), "hornet_jobs_pushed_total") - pushed_before;
    assert!(pushed >= 20, "only {pushed} jobs were pushed");
}

/// A parallel multi-instance manual task over `=items`: every item is an element to activate, so a
/// long collection is more follow-up work than one processing round takes.
const MANY_ITEMS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
                  id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="many-items" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="each" />
    <bpmn:manualTask id="each">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:manualTask>
    <bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"#;

/// The application entries of a stopped broker's partition log, decoded, in log order.
async fn log_entries(partition_dir: &Path) -> Vec<(u64, LogEntry)> {
    let store = Arc::new(hornet_storage::LogStore::open(partition_dir).expect("open the log"));
    let mut log = hornet_replication::RaftLog::new(store, Duration::ZERO);
    let entries = log.try_get_log_entries(0..).await.expect("read the log");
    entries
        .into_iter()
        .filter_map(|entry| match entry.payload {
            EntryPayload::Normal(payload) => {
                let index = entry.log_id.index;
                Some((index, LogEntry::decode(index, &payload.0).expect("decode")))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_beyond_a_round_is_carried_in_its_outcome_entry_and_processed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let broker = BrokerProcess::start(&data, 1);
    let client = connect(&broker).await;
    client
        .deploy_resource("many-items.bpmn", MANY_ITEMS.as_bytes().to_vec())
        .await
        .unwrap();
    let items: Vec<u32> = (0..3000).collect();
    let result = client
        .create_process_instance_with_result(
            ProcessRef::latest("many-items"),
            &json!({ "items": items }),
            &CreateWithResult {
                fetch_variables: vec![],
                request_timeout: Some(Duration::from_secs(60)),
            },
        )
        .await
        .unwrap();
    assert_eq!(result.bpmn_process_id, "many-items");
    broker.stop();

    let entries = log_entries(&data.join("partitions").join("1")).await;
    let carried: Vec<&Vec<Record>> = entries
        .iter()
        .filter_map(|(_, entry)| match entry {
            LogEntry::OutcomeWithCommands { commands, .. } => Some(commands),
            _ => None,
        })
        .collect();
    assert!(
        !carried.is_empty(),
        "3000 activations take several rounds, each continued from an outcome entry"
    );
    // No command entry of its own was needed for the follow-ups: every command entry holds the
    // commands of a client (deploy, create), none the broker's own.
    for (index, entry) in &entries {
        if let LogEntry::Commands(commands) = entry {
            assert!(
                commands.iter().all(|command| command.request.is_some()),
                "entry {index} holds follow-ups in an entry of their own"
            );
        }
    }
    // The carried commands were processed: each has a record that names it as its source.
    let sources: BTreeSet<_> = entries
        .iter()
        .flat_map(|(_, entry)| entry.records())
        .filter_map(|record| record.source_position)
        .collect();
    for commands in carried {
        for command in commands {
            assert!(
                sources.contains(&command.position),
                "the command at {} was never processed",
                command.position
            );
            assert!(matches!(command.value, RecordValue::ProcessInstance(..)));
        }
    }
}
