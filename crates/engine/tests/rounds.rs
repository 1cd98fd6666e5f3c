//! The follow-up bound of a round, and the KV layers.

mod common;

use common::*;
use hornet_engine::kv::{KvRead, KvWrite, Layered, MemKv, Overlay};
use hornet_engine::{Engine, EngineConfig, MAX_FOLLOW_UPS_PER_ROUND};
use hornet_protocol::*;

/// A loop without wait states: the manual task counts up until the gateway lets it out.
fn counting_loop(limit: u32) -> String {
    definitions(&format!(
        r#"<bpmn:process id="loop" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:manualTask id="count">
      <bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=i + 1" target="i" /></zeebe:ioMapping></bpmn:extensionElements>
    </bpmn:manualTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="out" />
    <bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="count">
      <bpmn:conditionExpression>= i &lt; {limit}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="gw" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

#[test]
fn long_rounds_hand_back_their_follow_ups_and_continue_later() {
    let mut h = Harness::new();
    h.deploy("loop.bpmn", &counting_loop(500));
    // Process the creation by hand to look at the first round.
    let config = EngineConfig {
        partition_id: PARTITION,
        partition_count: 1,
    };
    let mut engine = Engine::new(config);
    let mut command = Record::command(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::Create,
            Harness::creation("loop", r#"{"i": 0}"#),
        ),
    );
    command.timestamp = h.now;
    let processed = engine.process(&h.leader_state, &command).unwrap();
    let commands = processed.records.iter().filter(|r| r.is_command()).count();
    assert_eq!(commands, MAX_FOLLOW_UPS_PER_ROUND);
    assert!(!processed.follow_ups.is_empty());
    for follow_up in &processed.follow_ups {
        if let RecordValue::ProcessInstance(ProcessInstanceIntent::ActivateElement, _) =
            follow_up.value
        {
            assert_eq!(
                follow_up.key,
                Key::NONE,
                "fresh keys are allocated when processed"
            );
        }
    }

    // Through the harness (which writes the handed-back commands as new entries) the loop finishes.
    let start = h.log.len();
    h.create("loop", r#"{"i": 0}"#);
    let l = lifecycle(&h.log[start..]);
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED loop");
    assert_eq!(
        l.iter().filter(|s| *s == "ELEMENT_COMPLETED count").count(),
        500
    );
    // Every element instance key is unique.
    let mut keys: Vec<Key> = h.log[start..]
        .iter()
        .filter(|r| {
            matches!(
                r.value,
                RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, _)
            )
        })
        .map(|r| r.key)
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

#[test]
fn layered_reads_see_uncommitted_rounds() {
    // The leader processes a second command against committed state plus the first round's writes.
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "t"));
    let config = EngineConfig {
        partition_id: PARTITION,
        partition_count: 1,
    };
    let mut engine = Engine::new(config);
    let mut create = Record::command(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::Create,
            Harness::creation("p", ""),
        ),
    );
    create.timestamp = h.now;
    let first = engine.process(&h.leader_state, &create).unwrap();
    let layers = [&first.writes];
    let view = Layered::new(&layers, &h.leader_state);
    let second = engine.process(&view, &create).unwrap();
    // Keys continue after the first round's keys: no collision.
    let first_keys: Vec<Key> = first.records.iter().map(|r| r.key).collect();
    assert!(second
        .records
        .iter()
        .all(|r| !first_keys.contains(&r.key) || r.key == Key::NONE));

    let mut base = MemKv::new();
    base.put(b"k", b"v");
    let mut overlay = Overlay::new(&base);
    overlay.delete(b"k");
    assert_eq!(overlay.get(b"k").unwrap(), None);
    assert_eq!(base.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn apply_refuses_commands() {
    let mut engine = Engine::new(EngineConfig {
        partition_id: PARTITION,
        partition_count: 1,
    });
    let mut state = MemKv::new();
    let command = Record::command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            hornet_protocol::value::MessageRecord {
                name: "m".into(),
                correlation_key: String::new(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::empty(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    assert!(engine.apply(&mut state, &command).is_err());
    let mut event = command.clone();
    event.kind = RecordKind::Event;
    assert!(engine.process(&state, &event).is_err());
}

#[test]
fn processes_are_rebuilt_from_state_after_clearing_caches() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "t"));
    h.create("p", "");
    h.clear_caches();
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "");
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED p"
    );
}

#[test]
fn due_commands_come_earliest_first_and_respect_the_limit() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "t"));
    for _ in 0..3 {
        h.create("p", "");
    }
    // Three activations 1 s apart: deadlines now+60s, +61s, +62s.
    let mut keys = Vec::new();
    for _ in 0..3 {
        keys.push(h.activate("t", 1)[0].0);
        h.advance(1_000);
    }
    assert!(h.due(10).is_empty());
    h.advance(70_000);
    let due = h.due(2);
    assert_eq!(due.len(), 2);
    assert_eq!(due.iter().map(|r| r.key).collect::<Vec<_>>(), keys[..2]);
    assert!(due
        .iter()
        .all(|r| r.intent_name() == "TIME_OUT" && r.timestamp == h.now));
    assert_eq!(h.due(10).len(), 3);
}
