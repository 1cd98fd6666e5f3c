//! One create-instance + activate-job + complete-job cycle on the one-service-task process, processed by
//! the engine over an in-memory store (writes applied after every round, as a broker would on commit).

use criterion::{criterion_group, criterion_main, Criterion};
use hornet_engine::kv::MemKv;
use hornet_engine::{Engine, EngineConfig};
use hornet_protocol::value::*;
use hornet_protocol::*;
use std::hint::black_box;

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="bench-job" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

struct Bench {
    engine: Engine,
    state: MemKv,
    now: i64,
    index: u64,
}

impl Bench {
    fn run(&mut self, key: Key, value: RecordValue) -> Vec<Record> {
        let mut command = Record::command(key, value);
        command.timestamp = self.now;
        command.position = Position::new(self.index, 0);
        command.request = Some(RequestRef {
            node: 1,
            id: self.index,
        });
        self.index += 1;
        let processed = self
            .engine
            .process(&self.state, &command)
            .expect("processing");
        self.state.apply(&processed.writes);
        self.now += 1;
        processed.responses.into_iter().map(|r| r.record).collect()
    }
}

fn cycle(b: &mut Bench) {
    let creation = ProcessInstanceCreationRecord {
        bpmn_process_id: "bench".into(),
        version: -1,
        process_definition_key: Key::NONE,
        process_instance_key: Key::NONE,
        variables: Document::parse(r#"{"orderId": "A-1", "amount": 42.5}"#).unwrap(),
        fetch_variables: vec![],
        start_instructions: vec![],
        tenant_id: String::new(),
    };
    b.run(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, creation),
    );
    let batch = JobBatchRecord {
        job_type: "bench-job".into(),
        worker: "w".into(),
        timeout: 30_000,
        max_jobs_to_activate: 1,
        fetch_variables: vec![],
        tenant_ids: vec![],
        job_keys: vec![],
        jobs: vec![],
        truncated: false,
    };
    let answer = b.run(
        Key::NONE,
        RecordValue::JobBatch(JobBatchIntent::Activate, Box::new(batch)),
    );
    let RecordValue::JobBatch(_, batch) = &answer[0].value else {
        panic!("no batch")
    };
    let (key, mut job) = (batch.job_keys[0], batch.jobs[0].clone());
    job.variables = Document::parse(r#"{"ok": true}"#).unwrap();
    black_box(b.run(key, RecordValue::Job(JobIntent::Complete, Box::new(job))));
}

fn bench(c: &mut Criterion) {
    let mut b = Bench {
        engine: Engine::new(EngineConfig {
            partition_id: PartitionId(1),
            partition_count: 1,
        }),
        state: MemKv::new(),
        now: 1_700_000_000_000,
        index: 1,
    };
    b.run(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "bench.bpmn".into(),
                    resource: bytes::Bytes::from_static(PROCESS.as_bytes()),
                }],
                ..Default::default()
            },
        ),
    );
    c.bench_function(
        "create + activate + complete (one service task)",
        |bencher| bencher.iter(|| cycle(&mut b)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
