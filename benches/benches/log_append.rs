//! Appending encoded log entries to hornet-storage's RocksDB `LogStore`: the durable write every
//! processed batch waits for before its responses go out.
//!
//! The store lives in a temporary directory under `$HORNET_BENCH_DIR` (default: the system temp
//! directory); durable appends measure that file system's fsync, so say which one it was when
//! quoting the figures.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hornet_benches::fixtures::{instance_creation_batch, payload};
use hornet_protocol::{PartitionId, Position};
use hornet_storage::{LogBatch, LogStore};

fn bench_dir() -> PathBuf {
    std::env::var_os("HORNET_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// A store and the index its next entry gets.
struct Log {
    store: LogStore,
    next_index: u64,
    _dir: tempfile::TempDir,
}

impl Log {
    fn open() -> Self {
        let dir = tempfile::tempdir_in(bench_dir()).expect("create a temporary log directory");
        let store = LogStore::open(dir.path()).expect("open the log store");
        Self {
            store,
            next_index: 1,
            _dir: dir,
        }
    }

    fn batch(&mut self, entries: usize, entry: &[u8]) -> LogBatch {
        let mut batch = LogBatch::new();
        for _ in 0..entries {
            batch
                .push(self.next_index, entry)
                .expect("indices are contiguous");
            self.next_index += 1;
        }
        batch
    }
}

fn append(c: &mut Criterion) {
    let variables = payload(512).expect("the fixture payload is a JSON object");
    let entry = instance_creation_batch(PartitionId(1), 7, Position::new(41, 0), &variables)
        .encode()
        .expect("the fixture batch encodes");
    eprintln!(
        "log_append: entries of {} bytes in {}",
        entry.len(),
        bench_dir().display()
    );

    let mut group = c.benchmark_group("log_append");
    // fsync dominates; a short, small sample keeps the run quick and still stable.
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    for entries in [1usize, 16] {
        group.throughput(Throughput::Elements(entries as u64));
        let mut log = Log::open();
        group.bench_function(BenchmarkId::new("durable", entries), |b| {
            b.iter(|| {
                let batch = log.batch(entries, &entry);
                log.store.append(black_box(batch)).expect("durable append")
            })
        });
        let mut log = Log::open();
        group.bench_function(BenchmarkId::new("buffered", entries), |b| {
            b.iter(|| {
                let batch = log.batch(entries, &entry);
                log.store
                    .append_buffered(black_box(batch))
                    .expect("buffered append")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
