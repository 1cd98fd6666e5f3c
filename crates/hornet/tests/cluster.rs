//! End-to-end tests of a three-node cluster: real `hornet broker` processes on loopback, three
//! partitions replicated on every node, real RocksDB on disk, clients on the gateway API.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use hornet_api::gateway_protocol::partition::{PartitionBrokerHealth, PartitionBrokerRole};
use hornet_client::{ActivateJobs, Client, ClientError, LongPolling, ProcessRef};
use hornet_cluster::{Peers, PeersConfig};
use hornet_protocol::{Key, PartitionId};
use serde_json::json;
use support::netns::TestNetwork;
use support::{cluster_specs, start_cluster, BrokerProcess, BrokerSpec, GatewayProcess, ONE_TASK};
use tonic::Code;

const PARTITIONS: u16 = 3;
const TIMEOUT: Duration = Duration::from_secs(60);

async fn connect(node: &BrokerProcess) -> Client {
    Client::connect(&node.address()).await.expect("connect")
}

fn partition_of(key: i64) -> u16 {
    Key(key).partition().expect("key names a partition").get()
}

/// Leader node of every partition, once the gateway's topology shows exactly one per partition.
async fn leaders(client: &Client) -> BTreeMap<u16, u32> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut leaders: BTreeMap<u16, Vec<u32>> = BTreeMap::new();
        if let Ok(topology) = client.topology().await {
            for broker in &topology.brokers {
                for p in &broker.partitions {
                    if p.role == PartitionBrokerRole::Leader as i32 {
                        leaders
                            .entry(p.partition_id as u16)
                            .or_default()
                            .push(broker.node_id as u32);
                    }
                }
            }
        }
        if leaders.len() == PARTITIONS as usize && leaders.values().all(|l| l.len() == 1) {
            return leaders.into_iter().map(|(p, l)| (p, l[0])).collect();
        }
        assert!(
            Instant::now() < deadline,
            "no single leader per partition: {leaders:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Instances acknowledged to the client and job completions, as a worker sees them.
#[derive(Default)]
struct Ledger {
    acknowledged: BTreeSet<i64>,
    /// Instance key -> the job completed for it (acknowledged completions only).
    completed: BTreeMap<i64, i64>,
    /// Instances whose completion got no answer (it may or may not have happened).
    unanswered: BTreeSet<i64>,
}

impl Ledger {
    fn outstanding(&self) -> Vec<i64> {
        self.acknowledged
            .iter()
            .filter(|i| !self.completed.contains_key(i) && !self.unanswered.contains(i))
            .copied()
            .collect()
    }
}

/// Creates `n` instances; failures the gateway reports are retried, so `n` get acknowledged.
async fn create(client: &Client, n: usize, ledger: &mut Ledger) {
    let deadline = Instant::now() + TIMEOUT;
    let mut created = 0;
    while created < n {
        assert!(
            Instant::now() < deadline,
            "only {created} of {n} instances created"
        );
        match client
            .create_process_instance(ProcessRef::latest("one-task"), &json!({ "n": created }))
            .await
        {
            Ok(instance) => {
                ledger.acknowledged.insert(instance.process_instance_key);
                created += 1;
            }
            Err(err) if retryable(&err) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("create failed: {err}"),
        }
    }
}

fn retryable(err: &ClientError) -> bool {
    matches!(
        err.code(),
        Some(Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted)
    )
}

/// Deploys the one-task process and waits until every partition can create instances of it.
async fn deploy_everywhere(client: &Client, ledger: &mut Ledger) {
    client
        .deploy_resource("one-task.bpmn", ONE_TASK.as_bytes().to_vec())
        .await
        .expect("deploy");
    let deadline = Instant::now() + TIMEOUT;
    let mut partitions = BTreeSet::new();
    while partitions.len() < PARTITIONS as usize {
        assert!(
            Instant::now() < deadline,
            "deployment reached only partitions {partitions:?}"
        );
        match client
            .create_process_instance(ProcessRef::latest("one-task"), &json!({}))
            .await
        {
            Ok(instance) => {
                partitions.insert(partition_of(instance.process_instance_key));
                ledger.acknowledged.insert(instance.process_instance_key);
            }
            Err(err) if err.code() == Some(Code::NotFound) || retryable(&err) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(err) => panic!("create failed: {err}"),
        }
    }
}

/// Activates and completes jobs until `done` holds for the ledger.
async fn work(client: &Client, ledger: &mut Ledger, done: impl Fn(&Ledger) -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    let activation = ActivateJobs::new("work", "cluster-test")
        .with_max_jobs(32)
        .with_timeout(Duration::from_secs(3))
        .with_long_polling(LongPolling::Timeout(Duration::from_millis(500)));
    while !done(ledger) {
        assert!(
            Instant::now() < deadline,
            "still waiting for instances {:?}",
            ledger.outstanding()
        );
        let jobs = match client.activate_jobs(&activation).await {
            Ok(jobs) => jobs,
            Err(err) if retryable(&err) => continue,
            Err(err) => panic!("activate failed: {err}"),
        };
        for job in jobs {
            match client.complete_job(job.key, &json!({ "done": true })).await {
                Ok(()) => {
                    let before = ledger.completed.insert(job.process_instance_key, job.key);
                    assert_eq!(
                        before, None,
                        "instance {} had its job completed twice",
                        job.process_instance_key
                    );
                }
                Err(err) if retryable(&err) => {
                    ledger.unanswered.insert(job.process_instance_key);
                }
                Err(err) => panic!("completing job {} failed: {err}", job.key),
            }
            if done(ledger) {
                break;
            }
        }
    }
}

/// Applied log index of every hosted partition, per node, read over the cluster port.
async fn applied(peers: &Peers, specs: &[BrokerSpec]) -> BTreeMap<u16, Vec<Option<u64>>> {
    let mut out: BTreeMap<u16, Vec<Option<u64>>> = BTreeMap::new();
    for spec in specs {
        let status = peers
            .node_status(&spec.internal_address(), Duration::from_secs(1))
            .await
            .ok();
        for p in 1..=PARTITIONS {
            let index = status.as_ref().and_then(|s| {
                s.partitions
                    .iter()
                    .find(|s| s.partition == PartitionId(p))
                    .map(|s| s.last_applied)
            });
            out.entry(p).or_default().push(index);
        }
    }
    out
}

/// Waits until every replica of every partition has applied the same index.
async fn wait_caught_up(specs: &[BrokerSpec]) {
    let peers = Peers::new(PeersConfig::new(u64::MAX, "zeebe-cluster"));
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let applied = applied(&peers, specs).await;
        let even = applied
            .values()
            .all(|nodes| nodes.iter().all(|i| i.is_some() && *i == nodes[0]));
        if even {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "replicas did not catch up: {applied:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A partition replica's applied index and every key and value of its state.
type StateDump = (Option<u64>, Vec<(Vec<u8>, Vec<u8>)>);

/// Reads a stopped replica's state from its RocksDB.
fn dump_state(partition_dir: &Path) -> StateDump {
    let store = hornet_storage::StateStore::open(partition_dir).expect("open state");
    store.with_view(|view| {
        let applied = hornet_replication::applied_position(view)
            .expect("applied position")
            .map(|p| p.index);
        let mut entries = Vec::new();
        view.scan_prefix(&[], |key, value| {
            entries.push((key.to_vec(), value.to_vec()));
            ControlFlow::Continue(())
        })
        .expect("scan state");
        (applied, entries)
    })
}

/// Stops every node (SIGTERM, letting each close its storage) and checks that the replicas of
/// each partition hold byte-identical state at the same applied position.
fn assert_replicas_identical(nodes: Vec<BrokerProcess>) {
    let specs: Vec<BrokerSpec> = nodes.into_iter().map(BrokerProcess::stop).collect();
    for p in 1..=PARTITIONS {
        let dumps: Vec<_> = specs
            .iter()
            .map(|spec| dump_state(&spec.data_dir.join("partitions").join(p.to_string())))
            .collect();
        let (applied, reference) = &dumps[0];
        assert!(applied.is_some(), "partition {p} applied nothing");
        assert!(!reference.is_empty(), "partition {p} has no state");
        for (node, (other_applied, state)) in dumps.iter().enumerate().skip(1) {
            assert_eq!(
                other_applied, applied,
                "partition {p}: node {node} applied another index than node 0"
            );
            assert!(
                state == reference,
                "partition {p}: node {node} holds other state than node 0 at index {applied:?} \
                 ({} vs {} entries)",
                state.len(),
                reference.len()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_leader_killed_mid_workload_loses_nothing_and_catches_up_on_restart() {
    let root = tempfile::tempdir().unwrap();
    let specs = cluster_specs(root.path(), 3, PARTITIONS, 3);
    let mut nodes: Vec<Option<BrokerProcess>> =
        start_cluster(&specs).into_iter().map(Some).collect();

    let first = connect(nodes[0].as_ref().unwrap()).await;
    let leaders = leaders(&first).await;
    // Every partition of every broker reports healthy once each leader's processor serves.
    let deadline = Instant::now() + TIMEOUT;
    let topology = loop {
        let topology = first.topology().await.unwrap();
        let healthy = topology.brokers.iter().all(|broker| {
            broker.partitions.len() == PARTITIONS as usize
                && broker
                    .partitions
                    .iter()
                    .all(|p| p.health == PartitionBrokerHealth::Healthy as i32)
        });
        if healthy && topology.brokers.len() == 3 {
            break topology;
        }
        assert!(Instant::now() < deadline, "not all healthy: {topology:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(topology.cluster_size, 3);
    assert_eq!(topology.partitions_count, PARTITIONS as i32);
    assert_eq!(topology.replication_factor, 3);

    // Work through a node that does not lead partition 1; its leader is the victim.
    let victim = leaders[&1] as usize;
    let gateway = (victim + 1) % 3;
    let client = connect(nodes[gateway].as_ref().unwrap()).await;
    let mut ledger = Ledger::default();
    deploy_everywhere(&client, &mut ledger).await;
    create(&client, 45, &mut ledger).await;
    let partitions: BTreeSet<u16> = ledger
        .acknowledged
        .iter()
        .map(|k| partition_of(*k))
        .collect();
    assert_eq!(
        partitions.len(),
        PARTITIONS as usize,
        "creations spread over partitions"
    );
    work(&client, &mut ledger, |l| l.completed.len() >= 20).await;

    let victim_spec = nodes[victim].take().unwrap().kill_9();
    create(&client, 45, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;
    let new_leaders = self::leaders(&client).await;
    assert_ne!(
        new_leaders[&1] as usize, victim,
        "partition 1 elected a new leader"
    );

    // The killed node comes back, catches up, and serves again as any member.
    nodes[victim] = Some(victim_spec.start());
    wait_caught_up(&specs).await;
    let back = connect(nodes[victim].as_ref().unwrap()).await;
    create(&back, 9, &mut ledger).await;
    work(&back, &mut ledger, |l| l.outstanding().is_empty()).await;
    wait_caught_up(&specs).await;

    assert_replicas_identical(nodes.into_iter().map(Option::unwrap).collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_far_behind_a_compacted_log_catches_up_by_snapshot() {
    let root = tempfile::tempdir().unwrap();
    let mut specs = cluster_specs(root.path(), 3, PARTITIONS, 3);
    for spec in &mut specs {
        // Snapshot (and compact) often, keeping little log behind each snapshot.
        spec.env.extend([
            (
                "ZEEBE_BROKER_DATA_SNAPSHOTPERIODENTRIES".into(),
                "20".into(),
            ),
            (
                "ZEEBE_BROKER_BACKPRESSURE_MAXCOMMANDSINFLIGHT".into(),
                "40".into(),
            ),
        ]);
    }
    let mut nodes: Vec<Option<BrokerProcess>> =
        start_cluster(&specs).into_iter().map(Some).collect();
    let client = connect(nodes[0].as_ref().unwrap()).await;
    let mut ledger = Ledger::default();
    deploy_everywhere(&client, &mut ledger).await;

    let behind = nodes[2].take().unwrap().kill_9();
    create(&client, 150, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;

    let node = behind.start();
    wait_caught_up(&specs).await;
    assert!(
        node.log().contains("installed snapshot"),
        "node 2 caught up without a snapshot; log:\n{}",
        node.log()
    );
    nodes[2] = Some(node);

    // With another node down, the caught-up node is half of the majority: it must hold it all.
    let _down = nodes[1].take().unwrap().kill_9();
    let client = connect(nodes[2].as_ref().unwrap()).await;
    create(&client, 15, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_isolated_leader_stops_acknowledging_and_the_majority_elects_another_and_serves() {
    let net = TestNetwork::create(3).unwrap_or_else(|reason| {
        panic!(
            "this test runs each node in its own network namespace and needs root (CAP_NET_ADMIN) \
             and iproute2: {reason}"
        )
    });
    let root = tempfile::tempdir().unwrap();
    let mut specs = cluster_specs(root.path(), 3, PARTITIONS, 3);
    let contact_points = (0..3)
        .map(|node| format!("{}:{}", net.host(node), specs[node].internal_port))
        .collect::<Vec<_>>()
        .join(",");
    for (node, spec) in specs.iter_mut().enumerate() {
        spec.host = net.host(node);
        spec.netns = Some(net.namespace(node));
        if let Some(cluster) = &mut spec.cluster {
            cluster.contact_points = contact_points.clone();
        }
    }
    let nodes = start_cluster(&specs);
    let first = connect(&nodes[0]).await;
    let leaders = leaders(&first).await;
    let isolated = leaders[&1] as usize;
    let majority = (isolated + 1) % 3;
    let client = connect(&nodes[majority]).await;
    let cut_off = connect(&nodes[isolated]).await;
    let mut ledger = Ledger::default();
    deploy_everywhere(&client, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;

    net.isolate(isolated);

    // The majority side elects a leader for partition 1 and serves every partition.
    // Creations skip partition 1 until its new leader is elected and known, then reach it again.
    let before = ledger.acknowledged.clone();
    let served = |ledger: &Ledger| -> BTreeSet<u16> {
        ledger
            .acknowledged
            .difference(&before)
            .map(|k| partition_of(*k))
            .collect()
    };
    create(&client, 30, &mut ledger).await;
    while served(&ledger).len() < PARTITIONS as usize {
        assert!(
            ledger.acknowledged.len() - before.len() < 300,
            "partition 1 got no new leader: served {:?}",
            served(&ledger)
        );
        create(&client, 1, &mut ledger).await;
    }
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;
    let new_leaders = self::leaders(&client).await;
    assert_ne!(new_leaders[&1] as usize, isolated);

    // The isolated node acknowledges nothing: not on the partition it led, not by forwarding.
    for attempt in 0..3 {
        let mut request =
            tonic::Request::new(hornet_api::gateway_protocol::CreateProcessInstanceRequest {
                bpmn_process_id: "one-task".into(),
                version: -1,
                variables: "{}".into(),
                ..Default::default()
            });
        request.set_timeout(Duration::from_secs(3));
        let answer = cut_off.raw().create_process_instance(request).await;
        assert!(
            answer.is_err(),
            "attempt {attempt}: the isolated node acknowledged {answer:?}"
        );
    }

    // Healed, it rejoins as a follower, catches up, and the replicas agree.
    net.heal(isolated);
    wait_caught_up(&specs).await;
    create(&cut_off, 6, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;
    wait_caught_up(&specs).await;
    assert_replicas_identical(nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standalone_gateway_reaches_every_partition_and_reports_the_cluster() {
    let root = tempfile::tempdir().unwrap();
    let specs = cluster_specs(root.path(), 3, PARTITIONS, 3);
    let nodes = start_cluster(&specs);
    let contact_points = specs
        .iter()
        .map(BrokerSpec::internal_address)
        .collect::<Vec<_>>()
        .join(",");
    let gateway = GatewayProcess::start(&root.path().join("gateway.log"), &contact_points);
    let client = Client::connect(&gateway.address()).await.expect("connect");
    let metrics = support::http_get("127.0.0.1", gateway.monitoring_port, "/metrics")
        .map(|(_, body)| body)
        .unwrap_or_default();
    assert!(
        metrics.contains("hornet_process_resident_memory_bytes"),
        "{metrics}"
    );

    leaders(&client).await;
    let topology = client.topology().await.unwrap();
    assert_eq!(topology.cluster_size, 3);
    assert_eq!(topology.partitions_count, PARTITIONS as i32);
    assert_eq!(topology.replication_factor, 3);
    let mut ports: Vec<i32> = topology.brokers.iter().map(|b| b.port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(
        ports.len(),
        3,
        "every broker reports its own address: {topology:?}"
    );

    let mut ledger = Ledger::default();
    deploy_everywhere(&client, &mut ledger).await;
    create(&client, 12, &mut ledger).await;
    work(&client, &mut ledger, |l| l.outstanding().is_empty()).await;

    // A long poll waiting on this gateway wakes up when a job is created on any node: the brokers
    // send their job notices to the gateway.
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move {
            let activation = ActivateJobs::new("work", "long-poller")
                .with_max_jobs(1)
                .with_long_polling(LongPolling::Timeout(Duration::from_secs(30)));
            client.activate_jobs(&activation).await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    create(&client, 1, &mut ledger).await;
    let jobs = waiting.await.unwrap().expect("long poll");
    assert_eq!(
        jobs.len(),
        1,
        "the long poll returned when the job was created"
    );
    for job in jobs {
        client.complete_job(job.key, &json!({})).await.unwrap();
    }

    // A job stream on this gateway is opened with every broker, and their leaders push to it.
    let pushed = || -> u64 {
        nodes
            .iter()
            .map(|node| support::counter_total(&node.metrics(), "hornet_jobs_pushed_total"))
            .sum()
    };
    let pushed_before = pushed();
    let mut stream = support::stream_work(&client, &[]).await;
    support::wait_for_job_streams(&nodes.iter().collect::<Vec<_>>(), 1.0).await;
    create(&client, 12, &mut ledger).await;
    let mut received = BTreeSet::new();
    while received.len() < 12 {
        let job = tokio::time::timeout(TIMEOUT, stream.message())
            .await
            .expect("a job did not reach the stream")
            .unwrap()
            .expect("the stream ended");
        client.complete_job(job.key, &json!({})).await.unwrap();
        received.insert(job.process_instance_key);
    }
    assert!(
        pushed() >= pushed_before + 12,
        "the brokers pushed {} of 12 jobs",
        pushed() - pushed_before
    );
}
