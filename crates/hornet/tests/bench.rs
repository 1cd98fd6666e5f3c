//! `hornet bench` against a real single-node broker: both worker modes complete every instance they
//! start, with no errors, and report what they measured.

mod support;

use std::time::Duration;

use hornet_loadgen::{BenchArgs, WorkerMode};
use support::BrokerProcess;

async fn bench(broker: &BrokerProcess, worker_mode: WorkerMode) -> hornet_loadgen::Summary {
    let args = BenchArgs {
        address: broker.address(),
        monitoring: format!("{}:{}", broker.spec.host, broker.spec.monitoring_port),
        duration: Duration::from_secs(2),
        warmup: Duration::from_millis(500),
        rate: 200,
        workers: 2,
        // Few jobs per worker, so that a polling worker activates again while it still holds jobs.
        max_jobs: 4,
        worker_mode,
        ..BenchArgs::default()
    };
    hornet_loadgen::run(args).await.expect("bench run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_worker_modes_complete_every_instance_they_start() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(&dir.path().join("data"), 2);
    for mode in [WorkerMode::Polling, WorkerMode::Streaming] {
        let summary = bench(&broker, mode).await;
        assert!(summary.errors.is_empty(), "{mode}: {:?}", summary.errors);
        assert_eq!(summary.instances_failed, 0, "{mode}");
        assert_eq!(summary.instances_unfinished, 0, "{mode}");
        assert!(summary.instances_started >= 100, "{mode}: {summary:?}");
        assert_eq!(
            summary.instances_completed, summary.instances_started,
            "{mode}"
        );
        assert!(
            summary.jobs_completed >= summary.instances_completed,
            "{mode}: {summary:?}"
        );
        let latency = summary.latency.as_ref().expect("latency measured");
        assert!(
            latency.p50_ms > 0.0 && latency.p50_ms <= latency.p99_ms,
            "{mode}: {latency:?}"
        );
        assert!(
            summary.broker_peak_resident_memory_bytes.is_some(),
            "{mode}: {summary:?}"
        );
    }
}
