//! Parse and evaluate costs of typical Zeebe expressions.

use criterion::{criterion_group, criterion_main, Criterion};
use hornet_feel::{EvalContext, Expression};
use std::hint::black_box;

const CASES: &[(&str, &str)] = &[
    ("condition", r#"amount > 1000 and customer.tier = "gold""#),
    (
        "io_mapping",
        "{id: order.id, total: sum(order.items.price)}",
    ),
    ("correlation_key", "order.id"),
];

fn variables() -> serde_json::Map<String, serde_json::Value> {
    let json = serde_json::json!({
        "amount": 1500,
        "customer": {"tier": "gold", "name": "ACME"},
        "order": {
            "id": "order-4711",
            "items": [
                {"price": 10.5, "sku": "a"},
                {"price": 20, "sku": "b"},
                {"price": 3.25, "sku": "c"}
            ]
        }
    });
    match json {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

fn bench(c: &mut Criterion) {
    let vars = variables();
    for (name, source) in CASES {
        c.bench_function(&format!("parse/{name}"), |b| {
            b.iter(|| Expression::parse(black_box(source)))
        });
        let Ok(expr) = Expression::parse(source) else {
            continue;
        };
        c.bench_function(&format!("evaluate/{name}"), |b| {
            b.iter(|| expr.evaluate(black_box(&EvalContext::new(&vars))))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
