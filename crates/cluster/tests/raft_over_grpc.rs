//! Three replicas of one partition, each behind its own cluster service on a loopback port,
//! replicating through `GrpcRaftNetwork`: election, replication, failover, restart, and catch-up
//! by snapshot after compaction.

mod common;

use std::time::Duration;

use common::{
    agreed_leader, append_values, counters, restart, start_group, wait_applied, P1, TIMEOUT,
};
use hornet_replication::{ReplicationError, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicates_fails_over_and_recovers_a_restarted_node() {
    let root = tempfile::tempdir().unwrap();
    let (setup, mut nodes) = start_group(root.path(), 3, None).await;
    let leader = agreed_leader(&nodes).await;

    let last = append_values(&nodes[leader].replica, 1..=200).await;
    for node in &nodes {
        wait_applied(&node.replica, last).await;
        assert_eq!(
            counters(&node.replica),
            (200, 200 * 201 / 2),
            "node {}",
            node.id
        );
    }

    // Every node reports its view of the partition over the wire.
    let leader_id = nodes[leader].id;
    for node in &nodes {
        // openraft publishes its metrics just after the state machine applied, so poll.
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        let status = loop {
            let status = nodes[leader]
                .peers
                .node_status(&node.addr.to_string(), TIMEOUT)
                .await
                .unwrap();
            let caught_up = status.partitions.iter().all(|p| p.last_applied >= last);
            if caught_up || tokio::time::Instant::now() >= deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_eq!(status.node_id, node.id);
        assert_eq!(status.cluster_name, common::CLUSTER);
        assert_eq!(status.partitions.len(), 1);
        let partition = &status.partitions[0];
        assert_eq!(partition.partition, P1);
        assert_eq!(partition.leader, Some(leader_id));
        assert_eq!(partition.term, nodes[leader].replica.current_term());
        assert_eq!(
            partition.role,
            if node.id == leader_id {
                Role::Leader
            } else {
                Role::Follower
            }
        );
        assert!(partition.last_applied >= last);
    }

    // The leader's node goes away; the other two elect a new leader that keeps accepting.
    let old = nodes.remove(leader);
    let old_id = old.id;
    let old_term = old.replica.current_term();
    old.stop().await;
    let new_leader = agreed_leader(&nodes).await;
    assert_ne!(nodes[new_leader].id, old_id);
    assert!(nodes[new_leader].replica.current_term() > old_term);
    let last = append_values(&nodes[new_leader].replica, 201..=300).await;
    for node in &nodes {
        wait_applied(&node.replica, last).await;
        assert_eq!(counters(&node.replica), (300, 300 * 301 / 2));
    }

    // The old leader comes back on its address and directory and catches up from the log.
    let restarted = restart(&setup, old_id).await;
    wait_applied(&restarted.replica, last).await;
    assert_eq!(counters(&restarted.replica), (300, 300 * 301 / 2));
    assert_eq!(*restarted.applier.snapshots_installed.lock().unwrap(), 0);
    nodes.push(restarted);
    let leader = agreed_leader(&nodes).await;
    let last = append_values(&nodes[leader].replica, [1000].into_iter()).await;
    for node in &nodes {
        wait_applied(&node.replica, last).await;
        assert_eq!(counters(&node.replica), (301, 300 * 301 / 2 + 1000));
    }
    for node in nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_a_compacted_log_catches_up_by_snapshot() {
    let root = tempfile::tempdir().unwrap();
    let (setup, mut nodes) = start_group(root.path(), 3, Some(50)).await;
    let leader = agreed_leader(&nodes).await;
    let early = append_values(&nodes[leader].replica, 1..=20).await;
    for node in &nodes {
        wait_applied(&node.replica, early).await;
    }

    // A follower's node goes down while the others move on and compact their logs.
    let lagging = (leader + 1) % 3;
    let lagging_node = nodes.remove(lagging);
    let lagging_id = lagging_node.id;
    lagging_node.stop().await;
    let leader = agreed_leader(&nodes).await;
    let last = append_values(&nodes[leader].replica, 21..=400).await;
    let snapshot = nodes[leader].replica.snapshot_now(TIMEOUT).await.unwrap();
    assert!(snapshot >= last);
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        match nodes[leader].replica.read_committed(early, 1) {
            Err(ReplicationError::LogPurged { .. }) => break,
            _ if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            other => panic!("leader log not compacted past {early}: {other:?}"),
        }
    }

    // Back on its address, it receives the snapshot in chunks over gRPC, then the log tail.
    let restarted = restart(&setup, lagging_id).await;
    assert!(restarted.replica.last_applied() < last);
    wait_applied(&restarted.replica, last).await;
    assert!(*restarted.applier.snapshots_installed.lock().unwrap() >= 1);
    assert_eq!(counters(&restarted.replica), (400, 400 * 401 / 2));
    nodes.push(restarted);

    let leader = agreed_leader(&nodes).await;
    let more = append_values(&nodes[leader].replica, [7].into_iter()).await;
    for node in &nodes {
        wait_applied(&node.replica, more).await;
        assert_eq!(counters(&node.replica), (401, 400 * 401 / 2 + 7));
    }
    for node in nodes {
        node.stop().await;
    }
}
