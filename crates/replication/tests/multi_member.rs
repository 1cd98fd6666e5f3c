//! Three-member partition groups over the in-process transport: replication, failover, and a
//! lagging member catching up by snapshot after log compaction.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{append_values, entry_keys, read_sum, wait_applied, SumApplier};
use hornet_replication::in_process::InProcessRouter;
use hornet_replication::{PartitionReplica, ReplicaConfig, ReplicationError};

const TIMEOUT: Duration = Duration::from_secs(10);

fn config(root: &Path, id: u64, snapshot_every: Option<u64>) -> ReplicaConfig {
    let members = (1..=3)
        .map(|n| (n, format!("node-{n}")))
        .collect::<BTreeMap<_, _>>();
    let mut config = ReplicaConfig::new(root.join(format!("node-{id}")), id, members);
    config.snapshot_every = snapshot_every;
    config.logs_kept_after_snapshot = 5;
    config
}

struct Member {
    replica: PartitionReplica,
    applier: Arc<SumApplier>,
}

async fn start(
    router: &InProcessRouter,
    root: &Path,
    id: u64,
    snapshot_every: Option<u64>,
) -> Member {
    let applier = Arc::new(SumApplier::default());
    let replica = PartitionReplica::start(
        config(root, id, snapshot_every),
        Arc::clone(&applier),
        router.network(id),
    )
    .await
    .unwrap();
    router.register(id, replica.raft().clone());
    Member { replica, applier }
}

/// Waits until one of `members` leads and every one of them follows it; returns its position.
async fn leader_of(members: &[&Member]) -> usize {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let leaders: Vec<usize> = (0..members.len())
            .filter(|i| members[*i].replica.is_leader())
            .collect();
        if let [leader] = leaders[..] {
            let id = members[leader].replica.node_id();
            if members.iter().all(|m| m.replica.leader_id() == Some(id)) {
                return leader;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no agreed leader in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicates_fails_over_and_recovers_a_restarted_member() {
    let root = tempfile::tempdir().unwrap();
    let router = InProcessRouter::new();
    let mut members = Vec::new();
    for id in 1..=3 {
        members.push(start(&router, root.path(), id, None).await);
    }
    let leader = leader_of(&members.iter().collect::<Vec<_>>()).await;

    // A follower refuses appends and names the leader.
    let follower = (leader + 1) % 3;
    let receipt = members[follower]
        .replica
        .append(bytes::Bytes::copy_from_slice(&1u64.to_be_bytes()))
        .await
        .unwrap();
    match receipt.await {
        Err(ReplicationError::NotLeader {
            leader: Some(id), ..
        }) => {
            assert_eq!(id, members[leader].replica.node_id())
        }
        other => panic!("expected NotLeader, got {other:?}"),
    }

    let first = append_values(&members[leader].replica, 1..=100).await;
    let last = *first.last().unwrap();
    for member in &members {
        wait_applied(&member.replica, last, TIMEOUT).await;
        assert_eq!(read_sum(member.replica.state()), 5050);
        assert_eq!(*member.applier.seen.lock().unwrap(), first);
    }

    // Kill the leader; the other two elect a new one and keep applying.
    let old = members.remove(leader);
    let old_id = old.replica.node_id();
    router.unregister(old_id);
    old.replica.shutdown().await.unwrap();
    let new_leader = leader_of(&members.iter().collect::<Vec<_>>()).await;
    assert_ne!(members[new_leader].replica.node_id(), old_id);
    let second = append_values(&members[new_leader].replica, 101..=200).await;
    assert!(second[0] > last);
    let last = *second.last().unwrap();
    for member in &members {
        wait_applied(&member.replica, last, TIMEOUT).await;
        assert_eq!(read_sum(member.replica.state()), 200 * 201 / 2);
    }

    // The old leader restarts from its disk and catches up from the log.
    let restarted = start(&router, root.path(), old_id, None).await;
    wait_applied(&restarted.replica, last, TIMEOUT).await;
    assert_eq!(read_sum(restarted.replica.state()), 200 * 201 / 2);
    // It re-applied only what it had not applied before.
    assert_eq!(*restarted.applier.seen.lock().unwrap(), second);
    let expected_keys = entry_keys(members[new_leader].replica.state());
    assert_eq!(entry_keys(restarted.replica.state()), expected_keys);

    members.push(restarted);
    for member in members {
        member.replica.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_member_catches_up_by_snapshot_after_compaction() {
    let root = tempfile::tempdir().unwrap();
    let router = InProcessRouter::new();
    let mut members = Vec::new();
    for id in 1..=3 {
        members.push(start(&router, root.path(), id, Some(50)).await);
    }
    let leader = leader_of(&members.iter().collect::<Vec<_>>()).await;
    let early = append_values(&members[leader].replica, 1..=20).await;
    for member in &members {
        wait_applied(&member.replica, *early.last().unwrap(), TIMEOUT).await;
    }

    // Cut a follower off while the others move on and compact their logs.
    let lagging = (leader + 1) % 3;
    let lagging_id = members[lagging].replica.node_id();
    router.isolate(lagging_id);
    let late = append_values(&members[leader].replica, 21..=300).await;
    let last = *late.last().unwrap();
    let snapshot = members[leader].replica.snapshot_now(TIMEOUT).await.unwrap();
    assert!(snapshot >= last);
    // The leader's log no longer holds what the lagging member misses.
    let mut purged = false;
    for _ in 0..500 {
        if let Err(ReplicationError::LogPurged { .. }) =
            members[leader].replica.read_committed(early[0], 1)
        {
            purged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(purged, "leader log was not compacted");
    assert!(members[lagging].replica.last_applied() < last);

    router.heal(lagging_id);
    for member in &members {
        wait_applied(&member.replica, last, TIMEOUT).await;
        assert_eq!(read_sum(member.replica.state()), 300 * 301 / 2);
    }
    let lagging_member = &members[lagging];
    assert!(*lagging_member.applier.snapshots_installed.lock().unwrap() >= 1);
    // State after the snapshot is identical to the leader's.
    let leader_now = leader_of(&members.iter().collect::<Vec<_>>()).await;
    assert_eq!(
        entry_keys(lagging_member.replica.state()),
        entry_keys(members[leader_now].replica.state())
    );
    // And it keeps applying new entries normally.
    let more = append_values(&members[leader_now].replica, [7u64].into_iter()).await;
    wait_applied(&lagging_member.replica, more[0], TIMEOUT).await;
    assert_eq!(read_sum(lagging_member.replica.state()), 300 * 301 / 2 + 7);
    for member in members {
        member.replica.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_can_be_added_and_removed() {
    let root = tempfile::tempdir().unwrap();
    let router = InProcessRouter::new();
    let mut members = Vec::new();
    for id in 1..=3 {
        members.push(start(&router, root.path(), id, None).await);
    }
    let leader = leader_of(&members.iter().collect::<Vec<_>>()).await;
    let first = append_values(&members[leader].replica, 1..=50).await;
    for member in &members {
        wait_applied(&member.replica, *first.last().unwrap(), TIMEOUT).await;
    }

    // A follower cannot change membership.
    let follower = (leader + 2) % 3;
    let err = members[follower]
        .replica
        .change_voters([1, 2].into())
        .await
        .unwrap_err();
    assert!(matches!(err, ReplicationError::NotLeader { .. }), "{err}");

    // A new, empty node joins as a learner and catches up before add_learner returns.
    let applier = Arc::new(SumApplier::default());
    let joining = PartitionReplica::start(
        ReplicaConfig::new(root.path().join("node-4"), 4, BTreeMap::new()),
        Arc::clone(&applier),
        router.network(4),
    )
    .await
    .unwrap();
    router.register(4, joining.raft().clone());
    members[leader]
        .replica
        .add_learner(4, "node-4")
        .await
        .unwrap();
    wait_applied(&joining, *first.last().unwrap(), TIMEOUT).await;
    assert_eq!(read_sum(joining.state()), 50 * 51 / 2);
    let membership = members[leader].replica.membership();
    assert_eq!(membership.learners, [4].into());
    assert_eq!(
        membership.addresses.get(&4).map(String::as_str),
        Some("node-4")
    );

    // Swap a follower for the new node.
    let removed = (leader + 1) % 3;
    let removed_id = members[removed].replica.node_id();
    let voters: std::collections::BTreeSet<u64> = [1, 2, 3, 4]
        .into_iter()
        .filter(|id| *id != removed_id)
        .collect();
    members[leader]
        .replica
        .change_voters(voters.clone())
        .await
        .unwrap();
    let membership = members[leader].replica.membership();
    assert_eq!(membership.voters, voters);
    assert!(membership.learners.is_empty());

    let second = append_values(&members[leader].replica, 51..=60).await;
    let last = *second.last().unwrap();
    wait_applied(&joining, last, TIMEOUT).await;
    assert_eq!(read_sum(joining.state()), 60 * 61 / 2);
    assert!(members[removed].replica.last_applied() < last);

    joining.shutdown().await.unwrap();
    for member in members {
        member.replica.shutdown().await.unwrap();
    }
}
