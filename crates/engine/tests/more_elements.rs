//! Script tasks (FEEL), receive tasks and link events.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

#[test]
fn script_task_evaluates_its_expression_into_the_result_variable() {
    let xml = definitions(
        r#"<bpmn:process id="sc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
    <bpmn:scriptTask id="calc">
      <bpmn:extensionElements><zeebe:script expression="=sum(items)" resultVariable="total" /></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("sc.bpmn", &xml);
    let start = h.log.len();
    let pi = h.create("sc", r#"{"items": [1, 2, 3.5]}"#);
    let records = &h.log[start..];
    let total = records
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::Variable(VariableIntent::Created, v) if v.name == "total" => {
                Some(v.clone())
            }
            _ => None,
        })
        .expect("total written");
    assert_eq!((total.value.as_str(), total.scope_key), ("6.5", pi));
    let calc: Vec<String> = lifecycle(records)
        .into_iter()
        .filter(|l| l.ends_with(" calc"))
        .collect();
    assert_eq!(
        calc,
        [
            "ACTIVATE_ELEMENT calc",
            "ELEMENT_ACTIVATING calc",
            "ELEMENT_ACTIVATED calc",
            "ELEMENT_COMPLETING calc",
            "ELEMENT_COMPLETED calc"
        ]
    );
    assert_eq!(lifecycle(records).last().unwrap(), "ELEMENT_COMPLETED sc");
}

#[test]
fn receive_task_waits_for_its_message() {
    let xml = definitions(
        r#"<bpmn:message id="msg" name="approved"><bpmn:extensionElements><zeebe:subscription correlationKey="=request" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="rt" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive" />
    <bpmn:receiveTask id="receive" messageRef="msg" />
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("rt.bpmn", &xml);
    let start = h.log.len();
    h.create("rt", r#"{"request": "r-9"}"#);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_ACTIVATED receive"
    );
    let start = h.log.len();
    h.command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "approved".into(),
                correlation_key: "r-9".into(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::parse(r#"{"by": "ann"}"#).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    let l = lifecycle(&h.log[start..]);
    assert!(
        l.contains(&"ELEMENT_COMPLETED receive".to_string()),
        "{l:?}"
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED rt");
    assert_eq!(
        events_of(&h.log[start..], ValueType::Variable, "CREATED").len(),
        1
    );
}

#[test]
fn link_throw_event_continues_at_its_catch_event() {
    let xml = definitions(
        r#"<bpmn:process id="ln" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="go" />
    <bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition name="jump" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="jump" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="land" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("ln.bpmn", &xml);
    let start = h.log.len();
    h.create("ln", "");
    let l = lifecycle(&h.log[start..]);
    let tail: Vec<&str> = l
        .iter()
        .map(String::as_str)
        .skip_while(|s| *s != "ELEMENT_COMPLETED go")
        .collect();
    assert_eq!(
        tail[..4],
        [
            "ELEMENT_COMPLETED go",
            "ACTIVATE_ELEMENT land",
            "ELEMENT_ACTIVATING land",
            "ELEMENT_ACTIVATED land"
        ]
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED ln");
}

fn event_gateway() -> String {
    definitions(
        r#"<bpmn:message id="msg" name="answer"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="eg" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:eventBasedGateway id="gw" />
    <bpmn:sequenceFlow id="to-msg" sourceRef="gw" targetRef="answered" />
    <bpmn:sequenceFlow id="to-timer" sourceRef="gw" targetRef="timed-out" />
    <bpmn:intermediateCatchEvent id="answered"><bpmn:messageEventDefinition messageRef="msg" /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="timed-out"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="answered" targetRef="end-answer" />
    <bpmn:sequenceFlow id="f3" sourceRef="timed-out" targetRef="end-timeout" />
    <bpmn:endEvent id="end-answer" />
    <bpmn:endEvent id="end-timeout" />
  </bpmn:process>"#,
    )
}

#[test]
fn event_based_gateway_follows_the_first_event() {
    let mut h = Harness::new();
    h.deploy("eg.bpmn", &event_gateway());
    let start = h.log.len();
    h.create("eg", r#"{"id": "q1"}"#);
    h.create("eg", r#"{"id": "q2"}"#);
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CREATED").len(),
        2
    );
    let start = h.log.len();
    h.command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "answer".into(),
                correlation_key: "q1".into(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::parse(r#"{"answer": 42}"#).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    let l = lifecycle(&h.log[start..]);
    let tail: Vec<&str> = l
        .iter()
        .map(String::as_str)
        .skip_while(|s| *s != "COMPLETE_ELEMENT gw")
        .collect();
    assert_eq!(
        tail[..8],
        [
            "COMPLETE_ELEMENT gw",
            "ELEMENT_COMPLETING gw",
            "ELEMENT_COMPLETED gw",
            "SEQUENCE_FLOW_TAKEN to-msg",
            "ACTIVATE_ELEMENT answered",
            "ELEMENT_ACTIVATING answered",
            "ELEMENT_ACTIVATED answered",
            "COMPLETE_ELEMENT answered",
        ]
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED eg");
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CANCELED").len(),
        1
    );
    assert_eq!(
        events_of(&h.log[start..], ValueType::Variable, "CREATED").len(),
        1
    );
    // The other instance times out.
    h.advance(3_600_000);
    let records = h.run_due();
    let l = lifecycle(&records);
    assert!(
        l.contains(&"ELEMENT_COMPLETED timed-out".to_string()),
        "{l:?}"
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED eg");
    assert_eq!(
        events_of(&records, ValueType::ProcessMessageSubscription, "DELETED").len(),
        1
    );
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
