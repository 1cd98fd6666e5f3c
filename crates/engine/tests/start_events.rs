//! Message and timer start events.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn message_start(job_type: &str) -> String {
    definitions(&format!(
        r#"<bpmn:message id="msg" name="order-placed" />
  <bpmn:process id="ms" isExecutable="true">
    <bpmn:startEvent id="placed"><bpmn:messageEventDefinition messageRef="msg" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="placed" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#
    ))
}

fn publish(h: &mut Harness, key: &str, variables: &str) -> Vec<Record> {
    h.command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "order-placed".into(),
                correlation_key: key.into(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::parse(variables).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    )
}

#[test]
fn a_message_starts_an_instance_with_its_variables() {
    let mut h = Harness::new();
    let start = h.log.len();
    h.deploy("ms.bpmn", &message_start("ship"));
    assert!(describe(&h.log[start..])
        .contains(&"E MESSAGE_START_EVENT_SUBSCRIPTION CREATED".to_string()));
    let records = publish(&mut h, "o-1", r#"{"order": 1}"#);
    let l = lifecycle(&records);
    assert_eq!(
        l[..5],
        [
            "ACTIVATE_ELEMENT ms",
            "ELEMENT_ACTIVATING ms",
            "ELEMENT_ACTIVATED ms",
            "ACTIVATE_ELEMENT placed",
            "ELEMENT_ACTIVATING placed",
        ]
    );
    let jobs = h.activate("ship", 5);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"order":1}"#);
    // While that instance runs, the same correlation key starts no other instance; another key does.
    publish(&mut h, "o-1", "{}");
    assert!(h.activate("ship", 5).is_empty());
    publish(&mut h, "o-2", "{}");
    assert_eq!(h.activate("ship", 5).len(), 1);
    // Once the first instance ended, the key is free again.
    h.complete(jobs[0].0, "");
    publish(&mut h, "o-1", "{}");
    assert_eq!(h.activate("ship", 5).len(), 1);
}

#[test]
fn a_new_version_replaces_the_message_start_subscription() {
    let mut h = Harness::new();
    h.deploy("ms.bpmn", &message_start("v1"));
    let start = h.log.len();
    h.deploy("ms.bpmn", &message_start("v2"));
    let d = describe(&h.log[start..]);
    assert!(
        d.contains(&"E MESSAGE_START_EVENT_SUBSCRIPTION DELETED".to_string()),
        "{d:?}"
    );
    publish(&mut h, "", "{}");
    assert!(h.activate("v1", 5).is_empty());
    assert_eq!(h.activate("v2", 5).len(), 1);
}

#[test]
fn a_timer_start_event_starts_instances_on_its_cycle() {
    let xml = definitions(
        r#"<bpmn:process id="ts" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="tick" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("ts.bpmn", &xml);
    assert_eq!(h.next_due(), Some(h.now + 60_000));
    for _ in 0..4 {
        h.advance(60_000);
        h.run_due();
    }
    assert_eq!(h.next_due(), None, "no repetition left");
    assert_eq!(h.activate("tick", 10).len(), 2, "R2 starts two instances");
    // A redeploy with another cycle cancels nothing left but schedules anew.
    let start = h.log.len();
    h.deploy("ts.bpmn", &xml.replace("R2/PT1M", "R/PT1H"));
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CREATED").len(),
        1
    );
    let start = h.log.len();
    h.deploy("ts.bpmn", &xml.replace("R2/PT1M", "R/PT2H"));
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CANCELED").len(),
        1
    );
}

fn with_event_sub_processes() -> String {
    definitions(
        r#"<bpmn:message id="cancel" name="cancel"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="esp" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:subProcess id="remind" triggeredByEvent="true">
      <bpmn:startEvent id="every-minute" isInterrupting="false">
        <bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1M</bpmn:timeCycle></bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:sequenceFlow id="r1" sourceRef="every-minute" targetRef="reminded" />
      <bpmn:endEvent id="reminded" />
    </bpmn:subProcess>
    <bpmn:subProcess id="on-cancel" triggeredByEvent="true">
      <bpmn:startEvent id="cancelled"><bpmn:messageEventDefinition messageRef="cancel" /></bpmn:startEvent>
      <bpmn:sequenceFlow id="c1" sourceRef="cancelled" targetRef="cleanup" />
      <bpmn:serviceTask id="cleanup"><bpmn:extensionElements><zeebe:taskDefinition type="cleanup" /></bpmn:extensionElements></bpmn:serviceTask>
    </bpmn:subProcess>
  </bpmn:process>"#,
    )
}

#[test]
fn event_sub_processes_with_timer_and_message_starts() {
    let mut h = Harness::new();
    h.deploy("esp.bpmn", &with_event_sub_processes());
    let start = h.log.len();
    h.create("esp", r#"{"id": "x"}"#);
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CREATED").len(),
        1
    );
    assert_eq!(
        events_of(
            &h.log[start..],
            ValueType::ProcessMessageSubscription,
            "CREATED"
        )
        .len(),
        1
    );
    // The non-interrupting timer fires every minute; the task keeps running.
    let mut reminders = 0;
    for _ in 0..3 {
        h.advance(60_000);
        let records = h.run_due();
        let l = lifecycle(&records);
        assert!(!l.iter().any(|s| s.contains("TERMINAT")), "{l:?}");
        reminders += l
            .iter()
            .filter(|s| *s == "ELEMENT_COMPLETED remind")
            .count();
    }
    assert_eq!(reminders, 3);
    // The interrupting message ends the task and runs the clean-up.
    let start = h.log.len();
    h.command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "cancel".into(),
                correlation_key: "x".into(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::parse(r#"{"reason": "user"}"#).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_TERMINATED work".to_string()), "{l:?}");
    assert!(
        l.contains(&"ELEMENT_ACTIVATED on-cancel".to_string()),
        "{l:?}"
    );
    let cleanup = h.activate("cleanup", 1);
    assert_eq!(cleanup.len(), 1);
    assert!(cleanup[0]
        .1
        .variables
        .as_str()
        .contains(r#""reason":"user""#));
    assert!(h.activate("work", 1).is_empty());
    let start = h.log.len();
    h.complete(cleanup[0].0, "");
    let l = lifecycle(&h.log[start..]);
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED esp");
    // The reminder timer went with the instance.
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CANCELED").len(),
        1,
        "{:?}",
        describe(&h.log[start..])
    );
    assert_eq!(h.next_due(), None);
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
