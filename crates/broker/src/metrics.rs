//! Prometheus metrics of the node, served on the monitoring port.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use hornet_protocol::PartitionId;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PartitionLabel {
    partition: u16,
}

/// The node's metrics, registered once in a registry that the monitoring endpoint renders.
pub struct Metrics {
    registry: Mutex<Registry>,
    commands_processed: Family<PartitionLabel, Counter<u64, AtomicU64>>,
    records_written: Family<PartitionLabel, Counter<u64, AtomicU64>>,
    backpressure: Family<PartitionLabel, Counter<u64, AtomicU64>>,
    jobs_pushed: Family<PartitionLabel, Counter<u64, AtomicU64>>,
    jobs_push_yielded: Family<PartitionLabel, Counter<u64, AtomicU64>>,
    leader: Family<PartitionLabel, Gauge>,
    recent_writes: Family<PartitionLabel, Gauge>,
    job_streams: Gauge,
    resident_memory: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hornet");
        let commands_processed = Family::<PartitionLabel, Counter<u64, AtomicU64>>::default();
        let records_written = Family::<PartitionLabel, Counter<u64, AtomicU64>>::default();
        let backpressure = Family::<PartitionLabel, Counter<u64, AtomicU64>>::default();
        let jobs_pushed = Family::<PartitionLabel, Counter<u64, AtomicU64>>::default();
        let jobs_push_yielded = Family::<PartitionLabel, Counter<u64, AtomicU64>>::default();
        let leader = Family::<PartitionLabel, Gauge>::default();
        registry.register(
            "commands_processed",
            "Commands processed by the partition",
            commands_processed.clone(),
        );
        registry.register(
            "records_written",
            "Records written by processing",
            records_written.clone(),
        );
        registry.register(
            "backpressure_rejections",
            "Commands refused by backpressure",
            backpressure.clone(),
        );
        registry.register(
            "jobs_pushed",
            "Jobs handed to job streams",
            jobs_pushed.clone(),
        );
        registry.register(
            "jobs_push_yielded",
            "Jobs activated for a job stream that could no longer take them, given back",
            jobs_push_yielded.clone(),
        );
        registry.register(
            "partition_leader",
            "1 while this node leads the partition",
            leader.clone(),
        );
        let recent_writes = Family::<PartitionLabel, Gauge>::default();
        registry.register(
            "leader_recent_writes_bytes",
            "Bytes of recently committed state the partition's leader reads from memory",
            recent_writes.clone(),
        );
        let job_streams = Gauge::default();
        registry.register(
            "job_streams",
            "Job streams open on this node, from gateways on any node",
            job_streams.clone(),
        );
        let resident_memory = Gauge::default();
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of the broker process",
            resident_memory.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            commands_processed,
            records_written,
            backpressure,
            jobs_pushed,
            jobs_push_yielded,
            leader,
            recent_writes,
            job_streams,
            resident_memory,
        }
    }

    /// The registry, for other components (the gateway) to add their metrics to.
    pub fn with_registry<R>(&self, f: impl FnOnce(&mut Registry) -> R) -> R {
        let mut registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut registry)
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        if let Some(bytes) = resident_memory_bytes() {
            self.resident_memory.set(bytes as i64);
        }
        let mut out = String::new();
        self.with_registry(|registry| prometheus_client::encoding::text::encode(&mut out, registry))
            .map(|_| out)
            .unwrap_or_default()
    }

    pub(crate) fn processed(&self, partition: PartitionId, commands: u64, records: u64) {
        let label = PartitionLabel {
            partition: partition.get(),
        };
        self.commands_processed
            .get_or_create(&label)
            .inc_by(commands);
        self.records_written.get_or_create(&label).inc_by(records);
    }

    pub(crate) fn backpressure(&self, partition: PartitionId) {
        self.backpressure
            .get_or_create(&PartitionLabel {
                partition: partition.get(),
            })
            .inc();
    }

    pub(crate) fn jobs_pushed(&self, partition: PartitionId, pushed: u64, yielded: u64) {
        let label = PartitionLabel {
            partition: partition.get(),
        };
        self.jobs_pushed.get_or_create(&label).inc_by(pushed);
        self.jobs_push_yielded.get_or_create(&label).inc_by(yielded);
    }

    /// The gauge the node's job stream registry keeps current.
    pub(crate) fn job_streams_gauge(&self) -> Gauge {
        self.job_streams.clone()
    }

    pub(crate) fn set_leader(&self, partition: PartitionId, leader: bool) {
        let label = PartitionLabel {
            partition: partition.get(),
        };
        self.leader.get_or_create(&label).set(leader as i64);
        if !leader {
            self.recent_writes.get_or_create(&label).set(0);
        }
    }

    pub(crate) fn recent_writes(&self, partition: PartitionId, bytes: usize) {
        self.recent_writes
            .get_or_create(&PartitionLabel {
                partition: partition.get(),
            })
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
}

/// The process' resident set size, from /proc (Linux); `None` elsewhere.
pub fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
