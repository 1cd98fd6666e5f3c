//! Encoding and decoding of partition log entries (hornet-protocol's `LogEntry`), with the
//! batches the benchmark process really produces: every command's outcome goes through `encode`
//! on the leader and `decode` on every replica (and again on replay), so both are on the hot
//! path of each processed command.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hornet_benches::fixtures::{instance_creation_batch, job_completion_batch, payload};
use hornet_protocol::{LogEntry, PartitionId, Position};

fn entries() -> Vec<(&'static str, LogEntry)> {
    let source = Position::new(41, 0);
    let creation = |size| {
        let variables = payload(size).expect("the fixture payload is a JSON object");
        instance_creation_batch(PartitionId(1), 7, source, &variables)
    };
    vec![
        ("instance_creation_512B", creation(512)),
        ("instance_creation_4KiB", creation(4096)),
        (
            "job_completion",
            job_completion_batch(PartitionId(1), 7, source),
        ),
    ]
}

fn codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("record_codec");
    for (name, entry) in entries() {
        let bytes = entry.encode().expect("the fixture batch encodes");
        eprintln!(
            "record_codec/{name}: {} records, {} bytes encoded",
            entry.records().len(),
            bytes.len()
        );
        // Reported as records per second, the unit processing throughput is counted in.
        group.throughput(Throughput::Elements(entry.records().len() as u64));
        group.bench_with_input(BenchmarkId::new("encode", name), &entry, |b, entry| {
            b.iter(|| black_box(entry).encode())
        });
        group.bench_with_input(BenchmarkId::new("decode", name), &bytes, |b, bytes| {
            b.iter(|| LogEntry::decode(42, black_box(bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
