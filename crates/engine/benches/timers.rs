//! Timers at scale: `--timers N` (default 1,000,000) instances each wait on a one-hour timer catch
//! event; then the clock jumps past their due date and the due work is drained the way a partition
//! leader drains it (`due_commands` in batches of `--batch`, each command processed and its writes
//! applied). Prints how long creating, scanning and firing took, and exits non-zero unless every
//! instance completed exactly once.
//!
//! `cargo bench -p hornet-engine --bench timers -- --timers 1000000`

use std::time::Instant;

use hornet_engine::kv::MemKv;
use hornet_engine::{Engine, EngineConfig};
use hornet_protocol::value::*;
use hornet_protocol::*;

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="wait" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="timer" />
    <bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="timer" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

struct Partition {
    engine: Engine,
    state: MemKv,
    now: i64,
    index: u64,
    completed: u64,
}

impl Partition {
    fn run(&mut self, mut command: Record) {
        command.timestamp = self.now;
        command.position = Position::new(self.index, 0);
        self.index += 1;
        let processed = self
            .engine
            .process(&self.state, &command)
            .expect("processing");
        self.state.apply(&processed.writes);
        self.completed += processed
            .records
            .iter()
            .filter(|r| {
                matches!(
                    &r.value,
                    RecordValue::ProcessInstance(ProcessInstanceIntent::ElementCompleted, v)
                        if v.bpmn_element_type == BpmnElementType::Process
                )
            })
            .count() as u64;
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let timers = arg("--timers", 1_000_000);
    let batch = arg("--batch", 1_000) as usize;
    let mut p = Partition {
        engine: Engine::new(EngineConfig {
            partition_id: PartitionId(1),
            partition_count: 1,
        }),
        state: MemKv::new(),
        now: 1_700_000_000_000,
        index: 1,
        completed: 0,
    };
    p.run(Record::command(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "wait.bpmn".into(),
                    resource: bytes::Bytes::from_static(PROCESS.as_bytes()),
                }],
                ..Default::default()
            },
        ),
    ));

    let started = Instant::now();
    for _ in 0..timers {
        p.run(Record::command(
            Key::NONE,
            RecordValue::ProcessInstanceCreation(
                ProcessInstanceCreationIntent::Create,
                ProcessInstanceCreationRecord {
                    bpmn_process_id: "wait".into(),
                    version: -1,
                    process_definition_key: Key::NONE,
                    process_instance_key: Key::NONE,
                    variables: Document::empty(),
                    fetch_variables: vec![],
                    start_instructions: vec![],
                    tenant_id: String::new(),
                },
            ),
        ));
    }
    let created = started.elapsed();
    assert_eq!(
        p.engine
            .next_due(&p.state)
            .expect("next due")
            .map(|due| due > p.now),
        Some(true)
    );

    // Every timer is due now.
    p.now += 3_600_001;
    let started = Instant::now();
    let (mut scans, mut scan_time, mut fired) = (0u64, std::time::Duration::ZERO, 0u64);
    loop {
        let scan = Instant::now();
        let due = p
            .engine
            .due_commands(&p.state, p.now, batch)
            .expect("due commands");
        scan_time += scan.elapsed();
        if due.is_empty() {
            break;
        }
        scans += 1;
        assert!(due.len() <= batch, "a scan returned more than its limit");
        for command in due {
            fired += 1;
            p.run(command);
        }
    }
    let drained = started.elapsed();
    println!(
        "{timers} timers: created in {:.1} s ({:.0} instances/s); all due at once: fired {fired} in {:.1} s \
         ({:.0} timers/s) over {scans} scans of at most {batch}, scanning {:.1} ms per scan",
        created.as_secs_f64(),
        timers as f64 / created.as_secs_f64(),
        drained.as_secs_f64(),
        fired as f64 / drained.as_secs_f64(),
        scan_time.as_secs_f64() * 1000.0 / scans.max(1) as f64,
    );
    assert_eq!(fired, timers, "every timer fires once");
    assert_eq!(p.completed, timers, "every instance completes once");
    assert_eq!(p.engine.next_due(&p.state).expect("next due"), None);
}
