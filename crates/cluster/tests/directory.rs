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
use hornet_protocol::value::JobRecord;
use hornet_protocol::{Document, JobStreamProperties, JobsAvailable, Key, PushedJob, RecordKind};
use hornet_replication::Role;
use std::sync::atomic::Ordering;

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

fn pushed(index: u64) -> PushedJob {
    PushedJob {
        key: Key::new(P1, index),
        job: Box::new(JobRecord {
            job_type: "work".into(),
            worker: "streamer".into(),
            deadline: 1_700_000_030_000,
            timeout: 30_000,
            variables: Document::parse(r#"{"n":1}"#).unwrap(),
            process_instance_key: Key::new(P1, 200 + index),
            ..JobRecord::empty()
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_streams_are_opened_with_every_member_and_give_back_what_they_cannot_deliver() {
    let root = tempfile::tempdir().unwrap();
    let (setup, nodes) = start_group(root.path(), 3, None).await;
    agreed_leader(&nodes).await;
    let outside = Directory::start(
        Peers::new(PeersConfig::new(u64::MAX, common::CLUSTER)),
        setup.members.clone(),
        None,
        config(),
    );
    let properties = JobStreamProperties {
        job_type: "work".into(),
        worker: "streamer".into(),
        timeout: 30_000,
        fetch_variables: vec!["n".into()],
    };
    // Room for one job, so that a second one waits in the member's forwarding task.
    let (sink, mut received) = tokio::sync::mpsc::channel(1);
    outside.open_job_streams(&properties, &sink);
    drop(sink);
    eventually("every member to register the stream", || {
        nodes
            .iter()
            .all(|node| node.handler.open_streams.load(Ordering::SeqCst) == 1)
    })
    .await;
    for node in &nodes {
        assert_eq!(node.handler.job_streams.lock().unwrap()[0].0, properties);
    }
    let member_sink = |node: usize| nodes[node].handler.job_streams.lock().unwrap()[0].1.clone();

    member_sink(0).send(pushed(1)).await.unwrap();
    let first = tokio::time::timeout(TIMEOUT, received.recv())
        .await
        .expect("the pushed job crosses the network")
        .unwrap();
    assert_eq!(first, pushed(1));

    // Job 3 fills the sink again, so job 2, pushed after it, is held on the way.
    member_sink(1).send(pushed(3)).await.unwrap();
    eventually("the third job to arrive", || received.len() == 1).await;
    member_sink(2).send(pushed(2)).await.unwrap();
    eventually("the member to send job 2", || {
        let sink = member_sink(2);
        sink.capacity() == sink.max_capacity()
    })
    .await;
    // Loopback delivers it to the forwarding task, which waits for room in the full sink.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The gateway's stream ends: every member closes its stream, and the held job goes back.
    received.close();
    assert_eq!(received.recv().await, Some(pushed(3)));
    eventually("every member to close the stream", || {
        nodes
            .iter()
            .all(|node| node.handler.open_streams.load(Ordering::SeqCst) == 0)
    })
    .await;
    let given_back = || {
        nodes
            .iter()
            .flat_map(|node| node.handler.delivered.lock().unwrap().clone())
            .filter(|(_, key)| *key == pushed(2).key)
            .count()
    };
    eventually("the held job to be given back", || given_back() == 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(given_back(), 1, "given back exactly once");

    for node in nodes {
        node.stop().await;
    }
}
