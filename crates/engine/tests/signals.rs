//! Signals: broadcast, catch events, boundary events, start events and throw events.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn broadcast(h: &mut Harness, name: &str, variables: &str) -> Vec<Record> {
    h.command(
        Key::NONE,
        RecordValue::Signal(
            SignalIntent::Broadcast,
            SignalRecord {
                signal_name: name.into(),
                variables: Document::parse(variables).unwrap(),
                tenant_id: String::new(),
            },
        ),
    )
}

#[test]
fn signals_complete_catch_events_trigger_boundaries_and_start_instances() {
    let waiting = definitions(
        r#"<bpmn:signal id="sig" name="go" />
  <bpmn:process id="wait" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="catch" />
    <bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition signalRef="sig" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="catch" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let started = definitions(
        r#"<bpmn:signal id="sig" name="go" />
  <bpmn:process id="started" isExecutable="true">
    <bpmn:startEvent id="on-go"><bpmn:signalEventDefinition signalRef="sig" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="on-go" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="started" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#,
    );
    let bounded = definitions(
        r#"<bpmn:signal id="sig" name="go" />
  <bpmn:process id="bounded" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="bounded" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="stop" attachedToRef="task"><bpmn:signalEventDefinition signalRef="sig" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="stop" targetRef="stopped" />
    <bpmn:endEvent id="stopped" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("wait.bpmn", &waiting);
    h.deploy("started.bpmn", &started);
    h.deploy("bounded.bpmn", &bounded);
    h.create("wait", "");
    h.create("bounded", "");
    let records = broadcast(&mut h, "go", r#"{"payload": 7}"#);
    let l = lifecycle(&records);
    assert!(l.contains(&"ELEMENT_COMPLETED wait".to_string()), "{l:?}");
    assert!(
        l.contains(&"ELEMENT_COMPLETED bounded".to_string()),
        "{l:?}"
    );
    assert!(l.contains(&"ELEMENT_TERMINATED task".to_string()), "{l:?}");
    let jobs = h.activate("started", 5);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"payload":7}"#);
    // The subscriptions of ended instances are gone; the start event still listens.
    let records = broadcast(&mut h, "go", "{}");
    assert_eq!(
        lifecycle(&records)
            .iter()
            .filter(|l| l.starts_with("ELEMENT_ACTIVATED started"))
            .count(),
        1
    );
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] == 0x6A || k[0] == 0x6B)
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the start event's subscription and its index"
    );
}

#[test]
fn a_signal_throw_event_broadcasts_its_variables() {
    let thrower = definitions(
        r#"<bpmn:signal id="sig" name="done" />
  <bpmn:process id="thrower" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="throw" />
    <bpmn:endEvent id="throw">
      <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=result" target="result" /></zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:signalEventDefinition signalRef="sig" />
    </bpmn:endEvent>
  </bpmn:process>"#,
    );
    let listener = definitions(
        r#"<bpmn:signal id="sig" name="done" />
  <bpmn:process id="listener" isExecutable="true">
    <bpmn:startEvent id="on-done"><bpmn:signalEventDefinition signalRef="sig" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="on-done" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="listen" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("thrower.bpmn", &thrower);
    h.deploy("listener.bpmn", &listener);
    h.create("thrower", r#"{"result": "ok", "other": 1}"#);
    let jobs = h.activate("listen", 5);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"result":"ok"}"#);
}

/// A signal reaches every partition: the broadcasting partition distributes it, each receiver
/// triggers its own subscriptions once (re-sent copies are only acknowledged again), and the
/// distribution finishes when every receiver acknowledged.
#[test]
fn a_signal_reaches_the_subscriptions_of_every_partition_once() {
    use common::cluster::Cluster;
    /// Process `id`: `start` → `middle` → end, where the first two are given with ids `start` and
    /// `middle`.
    fn flow(id: &str, start: &str, middle: &str) -> String {
        definitions(&format!(
            r#"<bpmn:signal id="sig" name="go" />
  <bpmn:process id="{id}" isExecutable="true">
    {start}
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="middle" />
    {middle}
    <bpmn:sequenceFlow id="f2" sourceRef="middle" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
        ))
    }
    const SIGNAL: &str = r#"<bpmn:signalEventDefinition signalRef="sig" />"#;
    let waiting = flow(
        "wait",
        r#"<bpmn:startEvent id="start" />"#,
        &format!(
            r#"<bpmn:intermediateCatchEvent id="middle">{SIGNAL}</bpmn:intermediateCatchEvent>"#
        ),
    );
    let started = flow(
        "started",
        &format!(r#"<bpmn:startEvent id="start">{SIGNAL}</bpmn:startEvent>"#),
        r#"<bpmn:task id="middle" />"#,
    );
    let thrower = flow(
        "thrower",
        r#"<bpmn:startEvent id="start" />"#,
        &format!(
            r#"<bpmn:intermediateThrowEvent id="middle">{SIGNAL}</bpmn:intermediateThrowEvent>"#
        ),
    );
    let mut c = Cluster::new(3);
    c.deploy("wait.bpmn", &waiting);
    c.deploy("started.bpmn", &started);
    c.deploy("thrower.bpmn", &thrower);
    for p in 1..=3 {
        c.p(p).create("wait", "");
    }
    let count = |records: &[Record], what: &str| {
        lifecycle(records)
            .iter()
            .filter(|line| line.as_str() == what)
            .count()
    };

    // BroadcastSignal goes to partition 1 (the gateway's deployment partition).
    let marks = c.marks();
    let records = broadcast(c.p(1), "go", r#"{"n": 1}"#);
    let broadcasts = |records: &[Record]| -> Vec<Key> {
        records
            .iter()
            .filter(|r| matches!(r.value, RecordValue::Signal(SignalIntent::Broadcasted, _)))
            .map(|r| r.key)
            .collect()
    };
    let broadcasted = broadcasts(&records)[0];
    let started_distributions: Vec<PartitionId> = records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::CommandDistribution(CommandDistributionIntent::Started, v) => {
                Some(v.partition_id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(started_distributions, vec![PartitionId(2), PartitionId(3)]);
    c.settle_duplicating();
    for p in 1..=3 {
        let since = c.since(&marks, p);
        assert_eq!(count(since, "ELEMENT_COMPLETED wait"), 1, "partition {p}");
        assert_eq!(
            count(since, "ELEMENT_COMPLETED started"),
            1,
            "partition {p}"
        );
        let broadcasts: Vec<Key> = since
            .iter()
            .filter(|r| matches!(r.value, RecordValue::Signal(SignalIntent::Broadcasted, _)))
            .map(|r| r.key)
            .collect();
        assert_eq!(
            broadcasts,
            vec![broadcasted],
            "partition {p} broadcast once"
        );
    }
    let finished = c
        .since(&marks, 1)
        .iter()
        .filter(|r| {
            matches!(
                r.value,
                RecordValue::CommandDistribution(CommandDistributionIntent::Finished, _)
            )
        })
        .count();
    assert_eq!(finished, 1);
    assert!(c.pending().is_empty(), "nothing left to re-send");

    // A signal thrown by an instance on partition 2 also reaches partitions 1 and 3, even when the
    // first copies are lost and only the re-sent ones arrive.
    let marks = c.marks();
    c.p(2).create("thrower", "");
    let delivered = c.settle_losing(|outbound| {
        matches!(
            outbound.command.value,
            RecordValue::Signal(SignalIntent::Broadcast, _)
        )
    });
    assert_eq!(
        delivered, 0,
        "the only commands in flight were the copies, all lost"
    );
    c.resend_pending();
    c.settle();
    for p in 1..=3 {
        assert_eq!(
            count(c.since(&marks, p), "ELEMENT_COMPLETED started"),
            1,
            "partition {p}"
        );
    }
    assert!(c.pending().is_empty());
}
