//! Command forwarding, node status and refusals over the cluster service.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{agreed_leader, counters, publish, start_group, wait_applied, P1, TIMEOUT};
use hornet_cluster::{
    serve, ClusterError, ClusterService, CommandHandler, ExecuteError, Peers, PeersConfig,
    ServiceConfig,
};
use hornet_protocol::{Key, MessageIntent, PartitionId, Position, Record, RecordKind, RecordValue};
use hornet_replication::NodeId;
use openraft::error::RPCError;
use openraft::network::RPCOption;
use openraft::raft::VoteRequest;
use openraft::{BasicNode, RaftNetwork, RaftNetworkFactory, Vote};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_reaches_the_leaders_handler_from_any_node() {
    let root = tempfile::tempdir().unwrap();
    let (_setup, nodes) = start_group(root.path(), 3, None).await;
    let leader = agreed_leader(&nodes).await;
    let follower = (leader + 1) % 3;
    let leader_addr = nodes[leader].addr.to_string();

    // A follower's gateway forwards to the leader's node, whose handler appends the command.
    let command = publish(42);
    let response = nodes[follower]
        .peers
        .forward_execute(&leader_addr, P1, &command, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(response.kind, RecordKind::Event);
    let index = response.position.log_index();
    assert!(index > 0);
    assert_eq!(response.position, Position::new(index, 0));
    assert_eq!(response.key, Key::new(P1, index));
    assert_eq!(response.timestamp, command.timestamp);
    let RecordValue::Message(MessageIntent::Published, message) = &response.value else {
        panic!("expected MESSAGE PUBLISHED, got {response:?}");
    };
    let RecordValue::Message(_, sent) = &command.value else {
        unreachable!()
    };
    assert_eq!(message, sent);
    assert_eq!(nodes[leader].handler.executed.lock().unwrap().len(), 1);
    for node in &nodes {
        wait_applied(&node.replica, index).await;
        assert_eq!(counters(&node.replica), (1, 42));
    }

    // Sent to a follower, the command is refused with the leader's id and cluster address.
    let err = nodes[leader]
        .peers
        .forward_execute(&nodes[follower].addr.to_string(), P1, &publish(1), TIMEOUT)
        .await
        .unwrap_err();
    match err {
        ClusterError::Rejected {
            partition,
            error:
                ExecuteError::NotLeader {
                    leader: Some(id),
                    leader_address: Some(address),
                },
            ..
        } => {
            assert_eq!(partition, P1);
            assert_eq!(id, nodes[leader].id);
            assert_eq!(address, leader_addr);
        }
        other => panic!("expected NotLeader with a hint, got {other}"),
    }

    // The handler's own refusals travel back typed.
    let err = nodes[follower]
        .peers
        .forward_execute(&leader_addr, P1, &publish(-5), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            ClusterError::Rejected { error: ExecuteError::InvalidCommand(m), .. }
                if m == "negative time to live"
        ),
        "{err}"
    );

    // A partition the node does not host is a clear error, not a hang.
    let err = nodes[follower]
        .peers
        .forward_execute(&leader_addr, PartitionId(2), &publish(1), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            ClusterError::Rejected {
                partition: PartitionId(2),
                error: ExecuteError::PartitionNotFound(PartitionId(2)),
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("partition 2 is not hosted by this node"),
        "{err}"
    );
    assert_eq!(nodes[leader].handler.executed.lock().unwrap().len(), 1);

    for node in nodes {
        node.stop().await;
    }
}

async fn vote_via(peers: &Peers, partition: PartitionId, target: NodeId, addr: &str) -> String {
    let mut network = peers.raft_network(partition);
    let mut client = network.new_client(target, &BasicNode::new(addr)).await;
    let err = client
        .vote(
            VoteRequest::new(Vote::new(1, 99), None),
            RPCOption::new(Duration::from_secs(2)),
        )
        .await
        .unwrap_err();
    match err {
        RPCError::Unreachable(unreachable) => unreachable.to_string(),
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raft_messages_for_unknown_partitions_other_clusters_or_dead_nodes_are_unreachable() {
    let root = tempfile::tempdir().unwrap();
    let (_setup, nodes) = start_group(root.path(), 1, None).await;
    // A one-node group elects itself after its election timeout; the checks below compare against that.
    common::agreed_leader(&nodes).await;
    let node = &nodes[0];
    let addr = node.addr.to_string();

    let outsider = Peers::new(PeersConfig::new(99, common::CLUSTER));
    let message = vote_via(&outsider, PartitionId(9), node.id, &addr).await;
    assert!(message.contains("does not host partition 9"), "{message}");
    assert!(message.contains("NotFound"), "{message}");

    let stranger = Peers::new(PeersConfig::new(99, "another-cluster"));
    let message = vote_via(&stranger, P1, node.id, &addr).await;
    assert!(message.contains("\"another-cluster\""), "{message}");
    assert!(message.contains("FailedPrecondition"), "{message}");

    // Nobody listens on a freshly closed port.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let message = vote_via(&outsider, P1, 5, &closed).await;
    assert!(message.contains(&closed), "{message}");

    // A malformed address is reported on use, not a panic.
    let message = vote_via(&outsider, P1, 5, "not an address").await;
    assert!(message.contains("invalid peer address"), "{message}");

    // The group itself was not disturbed: still a single leader, still writable.
    assert!(node.replica.is_leader());
    let status = outsider.node_status(&addr, TIMEOUT).await.unwrap();
    assert_eq!(status.partitions.len(), 1);
    assert_eq!(status.partitions[0].leader, Some(node.id));

    for node in nodes {
        node.stop().await;
    }
}

/// A handler that never answers, to see deadlines enforced by the executing node.
struct Stalling;

#[async_trait::async_trait]
impl CommandHandler for Stalling {
    async fn execute(
        &self,
        _partition: PartitionId,
        _command: Record,
        _deadline: tokio::time::Instant,
    ) -> Result<Record, ExecuteError> {
        std::future::pending().await
    }

    fn deliver(&self, partition: PartitionId, _command: Record) -> Result<(), ExecuteError> {
        Err(ExecuteError::Unavailable(format!(
            "partition {partition} takes nothing"
        )))
    }

    fn is_healthy(&self, _partition: PartitionId) -> bool {
        false
    }

    fn subscribe_jobs_available(
        &self,
    ) -> tokio::sync::broadcast::Receiver<hornet_protocol::JobsAvailable> {
        tokio::sync::broadcast::channel(1).1
    }

    fn open_job_stream(
        &self,
        _properties: hornet_protocol::JobStreamProperties,
        _sink: tokio::sync::mpsc::Sender<hornet_protocol::PushedJob>,
    ) -> Box<dyn Send + Sync> {
        Box::new(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_commands_and_raft_rpcs_honour_their_deadlines() {
    let root = tempfile::tempdir().unwrap();
    let (_setup, nodes) = start_group(root.path(), 1, None).await;
    let node = &nodes[0];

    // A second service over the same partition whose handler never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalling_addr = listener.local_addr().unwrap().to_string();
    let service = ClusterService::new(
        ServiceConfig::new(node.id, common::CLUSTER),
        Arc::new(node.registry.clone()),
        Arc::new(Stalling),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, service, async move {
        let _ = stopped.await;
    }));
    let started = tokio::time::Instant::now();
    let err = node
        .peers
        .forward_execute(&stalling_addr, P1, &publish(1), Duration::from_millis(300))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            &err,
            ClusterError::Rejected { error: ExecuteError::DeadlineExceeded(m), .. }
                if m.contains("did not answer within 300ms")
        ),
        "{err}"
    );
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // A peer that accepts connections but never speaks: the RPC gives up at openraft's TTL.
    let mute = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mute_addr = mute.local_addr().unwrap().to_string();
    let held = tokio::spawn(async move {
        let mut connections = Vec::new();
        while let Ok((socket, _)) = mute.accept().await {
            connections.push(socket);
        }
    });
    let mut network = node.peers.raft_network(P1);
    let mut client = network.new_client(7, &BasicNode::new(&mute_addr)).await;
    let started = tokio::time::Instant::now();
    let err = client
        .vote(
            VoteRequest::new(Vote::new(1, node.id), None),
            RPCOption::new(Duration::from_millis(250)),
        )
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    match err {
        RPCError::Timeout(timeout) => {
            assert_eq!(timeout.target, 7);
            assert_eq!(timeout.id, node.id);
            assert_eq!(timeout.timeout, Duration::from_millis(250));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    held.abort();

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    for node in nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_with_named_errors() {
    use hornet_api::hornet_cluster::{self as pb, cluster_client::ClusterClient};

    let root = tempfile::tempdir().unwrap();
    let (_setup, nodes) = start_group(root.path(), 1, None).await;
    common::agreed_leader(&nodes).await;
    let node = &nodes[0];
    let mut client = ClusterClient::connect(format!("http://{}", node.addr))
        .await
        .unwrap();

    // Command bytes that are no record: an in-band INVALID_COMMAND naming the problem.
    let response = client
        .execute(pb::ExecuteRequest {
            partition: 1,
            command: vec![0xff, 0xff, 0xff],
            deadline_ms: 1_000,
        })
        .await
        .unwrap()
        .into_inner();
    match response.result {
        Some(pb::execute_response::Result::Error(error)) => {
            assert_eq!(error.kind(), pb::ExecuteErrorKind::InvalidCommand);
            assert!(
                error
                    .message
                    .starts_with("cannot decode command record (3 bytes)"),
                "{}",
                error.message
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(node.handler.executed.lock().unwrap().is_empty());

    // Partition ids outside 1..=8191 are invalid arguments.
    let status = client
        .execute(pb::ExecuteRequest {
            partition: 0,
            command: Vec::new(),
            deadline_ms: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("partition 0 is out of range"),
        "{status:?}"
    );

    // A Raft payload that is no openraft request.
    let status = client
        .append_entries(pb::RaftRequest {
            cluster_name: common::CLUSTER.into(),
            partition: 1,
            payload: vec![1, 2, 3],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("partition 1: cannot decode append-entries request"),
        "{status:?}"
    );
    assert!(node.replica.is_leader());

    for node in nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_partition_still_registered_is_reported_inactive_and_unreachable() {
    let root = tempfile::tempdir().unwrap();
    let (_setup, mut nodes) = start_group(root.path(), 1, None).await;
    let node = nodes.remove(0);
    let addr = node.addr.to_string();
    let id = node.id;
    // The broker forgot to unregister the partition before stopping it.
    node.replica.shutdown().await.unwrap();

    let outsider = Peers::new(PeersConfig::new(99, common::CLUSTER));
    let message = vote_via(&outsider, P1, id, &addr).await;
    assert!(message.contains("Unavailable"), "{message}");
    assert!(
        message.contains(&format!("partition 1 on node {id} is not running")),
        "{message}"
    );

    let status = outsider.node_status(&addr, TIMEOUT).await.unwrap();
    assert_eq!(status.partitions.len(), 1);
    assert_eq!(status.partitions[0].role, hornet_replication::Role::Stopped);
}
