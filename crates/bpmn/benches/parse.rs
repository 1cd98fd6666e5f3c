//! Parsing throughput of a realistic order process (see `tests/fixtures/order-process.bpmn`).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn parse_order_process(c: &mut Criterion) {
    let xml = include_bytes!("../tests/fixtures/order-process.bpmn");
    c.bench_function("parse order-process.bpmn", |b| {
        b.iter(|| hornet_bpmn::parse_definitions(black_box(xml)))
    });
}

criterion_group!(benches, parse_order_process);
criterion_main!(benches);
