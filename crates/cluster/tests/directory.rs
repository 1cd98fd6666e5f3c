//! The cluster directory: finding leaders, executing and delivering through them, and job notices
//! travelling between nodes.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::{agreed_leader, publish, start_group, P1, TIMEOUT};
use hornet_cluster::{
    Directory, DirectoryConfig, MemberView, PartitionRegistry, Peers, PeersConfig,
};
use hornet_protocol::{JobsAvailable, RecordKind};
use hornet_replication::Role;

fn config() -> DirectoryConfig {
    DirectoryConfig {
        poll_interval: Duration::from_millis(50),
        rewatch_backoff: Duration::from_millis(50),
        ..DirectoryConfig::default()
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_finds_the_leader_executes_there_and_hears_its_job_notices() {
    let root = tempfile::tempdir().unwrap();
    let (setup, nodes) = start_group(root.path(), 3, None).await;
    let leader = agreed_leader(&nodes).await;
    let follower = (leader + 1) % 3;

    // Inside a follower: its own Raft already knows the leader, before any poll.
    let inside = Directory::start(
        nodes[follower].peers.clone(),
        setup.members.clone(),
        Some((
            nodes[follower].id,
            Arc::new(nodes[follower].registry.clone()) as Arc<dyn PartitionRegistry>,
        )),
        config(),
    );
    assert_eq!(inside.leader_of(P1), Some(nodes[leader].id));

    // A standalone gateway learns it from the members' status.
    let outside = Directory::start(
        Peers::new(PeersConfig::new(u64::MAX, common::CLUSTER)),
        setup.members.clone(),
        None,
        config(),
    );
    eventually("the poll to name the leader", || {
        outside.leader_of(P1) == Some(nodes[leader].id)
    })
    .await;
    eventually("every member's status", || {
        outside
            .views()
            .values()
            .all(|view| matches!(view, MemberView::Up(_)))
    })
    .await;
    let views = outside.views();
    assert_eq!(views.len(), 3);
    for view in views.values() {
        let MemberView::Up(status) = view else {
            panic!("every member is up: {views:?}")
        };
        assert_eq!(status.partitions.len(), 1);
    }

    let mut notices = outside.subscribe_jobs_available();
    let response = outside.execute(P1, &publish(7), TIMEOUT).await.unwrap();
    assert_eq!(response.kind, RecordKind::Event);
    assert_eq!(nodes[leader].handler.executed.lock().unwrap().len(), 1);

    // Delivery goes to the leader's handler, whose notice reaches the watching directory.
    outside.deliver(P1, publish(8));
    let notice = tokio::time::timeout(TIMEOUT, notices.recv())
        .await
        .expect("a job notice from the leader")
        .unwrap();
    assert_eq!(
        notice,
        JobsAvailable {
            partition: P1,
            job_type: "delivered".into()
        }
    );
    assert_eq!(nodes[leader].handler.delivered.lock().unwrap().len(), 1);

    for node in nodes {
        node.stop().await;
    }
    eventually("the members to be seen down", || {
        outside
            .views()
            .values()
            .all(|view| matches!(view, MemberView::Down(_)))
    })
    .await;
    assert_eq!(outside.leader_of(P1), None);
    let err = outside
        .execute(P1, &publish(9), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no known leader"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_answering_under_another_id_is_not_trusted() {
    let root = tempfile::tempdir().unwrap();
    let (setup, nodes) = start_group(root.path(), 1, None).await;
    // Another node id is configured at the address the only node really serves.
    let (real, address) = setup.members.iter().next().unwrap();
    let configured = real + 1;
    let members = BTreeMap::from([(configured, address.clone())]);
    let directory = Directory::start(
        Peers::new(PeersConfig::new(u64::MAX, common::CLUSTER)),
        members,
        None,
        config(),
    );
    eventually("the node to lead", || {
        nodes[0].replica.role_watch().borrow().role == Role::Leader
    })
    .await;
    eventually("the poll", || {
        !matches!(
            directory.views().get(&configured),
            Some(MemberView::Unknown)
        )
    })
    .await;
    match directory.views().get(&configured) {
        Some(MemberView::Down(reason)) => assert!(
            reason.contains(&format!("configured as node {configured}")),
            "{reason}"
        ),
        other => panic!("expected the member to be refused, got {other:?}"),
    }
    assert_eq!(directory.leader_of(P1), None, "a leader it does not trust");
    for node in nodes {
        node.stop().await;
    }
}
