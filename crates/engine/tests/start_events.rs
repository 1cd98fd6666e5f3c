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
