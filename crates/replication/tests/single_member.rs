//! A one-member partition group on real RocksDB: append, commit, apply, snapshot, restart.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{append_values, entry_keys, read_sum, wait_for_role, SumApplier};
use hornet_replication::{
    NoPeers, PartitionReplica, ReplicaConfig, ReplicationError, Role, StateStore,
};

fn config(dir: &Path) -> ReplicaConfig {
    ReplicaConfig::single_node(dir, 1, "127.0.0.1:26502")
}

async fn wait_for_leadership(replica: &PartitionReplica, timeout: Duration) -> Duration {
    let elapsed = wait_for_role(replica, Role::Leader, timeout).await;
    assert!(replica.is_leader());
    assert_eq!(replica.leader_id(), Some(1));
    elapsed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_commit_apply_in_order_and_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let applier = Arc::new(SumApplier::default());
    let replica = PartitionReplica::start(config(dir.path()), Arc::clone(&applier), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let term = replica.current_term();
    assert!(term >= 1);

    let indices = append_values(&replica, 1..=1000).await;
    // Receipts report contiguous indices in call order.
    assert!(indices.windows(2).all(|w| w[1] == w[0] + 1), "{indices:?}");
    let first = indices[0];
    let last = *indices.last().unwrap();
    assert!(replica.last_applied() >= last);

    // The applier saw exactly the application entries, in log order.
    assert_eq!(*applier.seen.lock().unwrap(), indices);
    assert_eq!(read_sum(replica.state()), 1000 * 1001 / 2);
    assert_eq!(entry_keys(replica.state()), indices);

    // The committed log can be read back from any index.
    let all = replica.read_committed(0, usize::MAX).unwrap();
    assert_eq!(all.len(), 1000);
    assert_eq!(all[0], (first, Bytes::copy_from_slice(&1u64.to_be_bytes())));
    let page = replica.read_committed(first + 10, 5).unwrap();
    let page_indices: Vec<u64> = page.iter().map(|(i, _)| *i).collect();
    assert_eq!(page_indices, (first + 10..first + 15).collect::<Vec<_>>());
    assert!(replica.read_committed(last + 1, 10).unwrap().is_empty());

    replica.shutdown().await.unwrap();

    // Restart from disk with a fresh applier: state is recovered, leadership is quick.
    let applier = Arc::new(SumApplier::default());
    let restarted = Instant::now();
    let replica = PartitionReplica::start(config(dir.path()), Arc::clone(&applier), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let elapsed = restarted.elapsed();
    eprintln!("restarted single member leads again {elapsed:?} after start");
    assert!(
        elapsed < Duration::from_millis(500),
        "leader again after {elapsed:?}"
    );
    assert_eq!(read_sum(replica.state()), 1000 * 1001 / 2);
    assert!(replica.last_applied() >= last);
    assert!(replica.current_term() >= term);
    // Nothing already in the state was applied twice.
    assert!(applier.seen.lock().unwrap().is_empty());

    let more = append_values(&replica, [5u64, 6].into_iter()).await;
    assert!(more[0] > last && more[1] == more[0] + 1);
    assert_eq!(read_sum(replica.state()), 1000 * 1001 / 2 + 11);
    assert_eq!(replica.read_committed(last, 100).unwrap().len(), 3);
    replica.shutdown().await.unwrap();
}

/// With a flush delay, appends still commit only once fsynced, in order, and survive a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_commit_with_a_flush_delay() {
    let dir = tempfile::tempdir().unwrap();
    let delayed = || {
        let mut config = config(dir.path());
        config.log_flush_delay = Duration::from_millis(5);
        config
    };
    let replica = PartitionReplica::start(delayed(), Arc::new(SumApplier::default()), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let indices = append_values(&replica, 1..=200).await;
    assert!(indices.windows(2).all(|w| w[1] == w[0] + 1), "{indices:?}");
    assert_eq!(read_sum(replica.state()), 200 * 201 / 2);
    replica.shutdown().await.unwrap();

    let replica = PartitionReplica::start(delayed(), Arc::new(SumApplier::default()), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    assert_eq!(read_sum(replica.state()), 200 * 201 / 2);
    assert_eq!(
        replica
            .read_committed(indices[0], usize::MAX)
            .unwrap()
            .len(),
        200
    );
    replica.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_replays_committed_entries_missing_from_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let old_state = scratch.path().join("old-state");

    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let early = append_values(&replica, 1..=100).await;
    // Capture the state as it was after 100 entries, then keep going.
    replica.state().checkpoint(&old_state).unwrap();
    let late = append_values(&replica, 101..=250).await;
    replica.shutdown().await.unwrap();

    // Simulate a crash that lost the state writes after entry 100 (state writes are not fsynced).
    {
        let state = StateStore::open(dir.path()).unwrap();
        let incoming = state.prepare_incoming().unwrap();
        for file in std::fs::read_dir(&old_state).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), incoming.path().join(file.file_name())).unwrap();
        }
        state.install(incoming).unwrap();
        assert_eq!(read_sum(&state), 100 * 101 / 2);
    }

    let applier = Arc::new(SumApplier::default());
    let replica = PartitionReplica::start(config(dir.path()), Arc::clone(&applier), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let mut applied = replica.applied_watch();
    let last = *late.last().unwrap();
    tokio::time::timeout(Duration::from_secs(5), applied.wait_for(|i| *i >= last))
        .await
        .unwrap()
        .unwrap();
    // Exactly the lost entries were re-applied, in order.
    assert_eq!(*applier.seen.lock().unwrap(), late);
    assert_eq!(read_sum(replica.state()), 250 * 251 / 2);
    let mut all = early.clone();
    all.extend(&late);
    assert_eq!(entry_keys(replica.state()), all);
    replica.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_compact_the_log_and_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.snapshot_every = Some(100);
    cfg.logs_kept_after_snapshot = 10;
    let replica = PartitionReplica::start(cfg.clone(), Arc::new(SumApplier::default()), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let indices = append_values(&replica, 1..=450).await;
    let last = *indices.last().unwrap();
    let snapshot_index = replica.snapshot_now(Duration::from_secs(10)).await.unwrap();
    assert!(snapshot_index >= last);

    // The head of the log was purged behind the snapshot; reading it is a typed error.
    let mut purged = false;
    for _ in 0..200 {
        match replica.read_committed(indices[0], 10) {
            Err(ReplicationError::LogPurged { requested, .. }) => {
                assert_eq!(requested, indices[0]);
                purged = true;
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert!(purged, "log was never purged");
    // The tail kept behind the snapshot is still readable.
    assert_eq!(replica.read_committed(last - 5, 100).unwrap().len(), 6);
    replica.shutdown().await.unwrap();

    let applier = Arc::new(SumApplier::default());
    let replica = PartitionReplica::start(cfg, Arc::clone(&applier), NoPeers)
        .await
        .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    assert_eq!(read_sum(replica.state()), 450 * 451 / 2);
    let more = append_values(&replica, [1u64].into_iter()).await;
    assert!(more[0] > last);
    assert_eq!(read_sum(replica.state()), 450 * 451 / 2 + 1);
    replica.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configuration_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.node_id = 2;
    let err = PartitionReplica::start(cfg, Arc::new(SumApplier::default()), NoPeers)
        .await
        .unwrap_err();
    assert!(matches!(err, ReplicationError::Config(_)), "{err}");

    let mut cfg = config(dir.path());
    cfg.election_timeout_min = Duration::from_millis(10);
    let err = PartitionReplica::start(cfg, Arc::new(SumApplier::default()), NoPeers)
        .await
        .unwrap_err();
    assert!(matches!(err, ReplicationError::Config(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_applier_stops_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    // Not 8 bytes: the applier rejects it, and the group must not skip the entry.
    let receipt = replica.append(Bytes::from_static(b"bad")).await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(5), receipt)
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, ReplicationError::Stopped(_)), "{err}");
    let mut roles = replica.role_watch();
    tokio::time::timeout(
        Duration::from_secs(5),
        roles.wait_for(|r| r.role == Role::Stopped),
    )
    .await
    .unwrap()
    .unwrap();
    // Shutting a failed member down still releases its storage.
    let _ = replica.shutdown().await;
    let reopened = StateStore::open(dir.path()).unwrap();
    assert_eq!(read_sum(&reopened), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_replica_stops_it_and_releases_storage() {
    let dir = tempfile::tempdir().unwrap();
    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    append_values(&replica, 1..=3).await;
    drop(replica);
    // The member stops in the background; the partition can then be started again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let replica = loop {
        match PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
        {
            Ok(replica) => break replica,
            Err(ReplicationError::Storage(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Err(other) => panic!("restart failed: {other}"),
        }
    };
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    assert_eq!(read_sum(replica.state()), 6);
    replica.shutdown().await.unwrap();
}

/// Rough throughput figure; run with `--ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn append_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let n = 20_000u64;
    let started = Instant::now();
    append_values(&replica, 0..n).await;
    let pipelined = started.elapsed();

    let started = Instant::now();
    let sequential = 500u64;
    for value in 0..sequential {
        let receipt = replica
            .append(Bytes::copy_from_slice(&value.to_be_bytes()))
            .await
            .unwrap();
        receipt.await.unwrap();
    }
    let one_by_one = started.elapsed();
    eprintln!(
        "pipelined: {n} appends in {pipelined:?} = {:.0}/s; one at a time: {sequential} in {one_by_one:?} = {:.0}/s",
        n as f64 / pipelined.as_secs_f64(),
        sequential as f64 / one_by_one.as_secs_f64()
    );
    replica.shutdown().await.unwrap();
}

/// Raw durable-append rate of the log store, for comparison with `append_throughput`.
#[test]
#[ignore]
fn raw_log_sync_rate() {
    let dir = tempfile::tempdir().unwrap();
    let store = hornet_storage::LogStore::open(dir.path()).unwrap();
    let n = 2000u64;
    let started = Instant::now();
    for index in 1..=n {
        let mut batch = hornet_storage::LogBatch::new();
        batch.push(index, &[0u8; 64]).unwrap();
        store.append(batch).unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "raw: {n} synced appends in {elapsed:?} = {:.0}/s",
        n as f64 / elapsed.as_secs_f64()
    );
}

/// Where restart time goes; run with `--ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn restart_timing() {
    let dir = tempfile::tempdir().unwrap();
    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    append_values(&replica, 1..=100).await;
    replica.shutdown().await.unwrap();

    let t = Instant::now();
    drop(hornet_storage::LogStore::open(dir.path()).unwrap());
    let log_open = t.elapsed();
    let t = Instant::now();
    drop(StateStore::open(dir.path()).unwrap());
    let state_open = t.elapsed();
    let t = Instant::now();
    let replica =
        PartitionReplica::start(config(dir.path()), Arc::new(SumApplier::default()), NoPeers)
            .await
            .unwrap();
    let started = t.elapsed();
    wait_for_leadership(&replica, Duration::from_secs(5)).await;
    let leading = t.elapsed();
    eprintln!(
        "log open {log_open:?}, state open {state_open:?}, start {started:?}, leader {leading:?}"
    );
    replica.shutdown().await.unwrap();
}
