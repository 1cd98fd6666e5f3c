//! Timer catch events, message publish/correlation and their boundary events.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn timer_catch() -> String {
    definitions(
        r#"<bpmn:process id="tc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT10S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    )
}

#[test]
fn timer_catch_event_fires_when_due() {
    let mut h = Harness::new();
    h.deploy("tc.bpmn", &timer_catch());
    let start = h.log.len();
    h.create("tc", "");
    let created: Vec<Record> = events_of(&h.log[start..], ValueType::Timer, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(created.len(), 1);
    let RecordValue::Timer(_, timer) = &created[0].value else {
        panic!()
    };
    assert_eq!(timer.due_date, h.now + 10_000);
    assert_eq!(timer.target_element_id, "wait");
    assert_eq!(h.next_due(), Some(h.now + 10_000));
    // Too early: nothing is due and a premature trigger is rejected.
    assert!(h.run_due().is_empty());
    let early = h.command(
        created[0].key,
        RecordValue::Timer(TimerIntent::Trigger, timer.clone()),
    );
    assert_eq!(rejection(&early).unwrap().0, RejectionType::InvalidState);
    h.advance(10_000);
    let records = h.run_due();
    assert_eq!(
        lifecycle(&records)[..4],
        [
            "COMPLETE_ELEMENT wait",
            "ELEMENT_COMPLETING wait",
            "ELEMENT_COMPLETED wait",
            "SEQUENCE_FLOW_TAKEN f2"
        ]
    );
    assert_eq!(describe(&records)[0], "E TIMER TRIGGERED");
    assert_eq!(lifecycle(&records).last().unwrap(), "ELEMENT_COMPLETED tc");
    assert_eq!(h.next_due(), None);
    // Triggering again finds no timer.
    let again = h.command(
        created[0].key,
        RecordValue::Timer(TimerIntent::Trigger, timer.clone()),
    );
    assert_eq!(rejection(&again).unwrap().0, RejectionType::NotFound);
}

fn task_with_boundaries(interrupting: bool) -> String {
    definitions(&format!(
        r#"<bpmn:message id="msg" name="cancel-order"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="tb" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="timeout" attachedToRef="task" cancelActivity="{interrupting}">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="timeout" targetRef="late" />
    <bpmn:endEvent id="late" />
    <bpmn:boundaryEvent id="cancelled" attachedToRef="task">
      <bpmn:messageEventDefinition messageRef="msg" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="cancelled" targetRef="gone" />
    <bpmn:endEvent id="gone" />
  </bpmn:process>"#
    ))
}

#[test]
fn interrupting_timer_boundary_terminates_the_task() {
    let mut h = Harness::new();
    h.deploy("tb.bpmn", &task_with_boundaries(true));
    let start = h.log.len();
    h.create("tb", r#"{"orderId": "o-1"}"#);
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
    h.advance(60_000);
    let records = h.run_due();
    let d = describe(&records);
    assert_eq!(
        d[..6],
        [
            "E TIMER TRIGGERED",
            "E PROCESS_EVENT TRIGGERING",
            "C TERMINATE_ELEMENT task",
            "E ELEMENT_TERMINATING task",
            "E JOB CANCELED",
            "E PROCESS_MESSAGE_SUBSCRIPTION DELETING",
        ]
    );
    // The message partition (this one) closes its half and acknowledges, in the same round.
    let closing: Vec<&String> = d.iter().filter(|s| s.contains("SUBSCRIPTION")).collect();
    assert_eq!(
        closing,
        [
            "E PROCESS_MESSAGE_SUBSCRIPTION DELETING",
            "C MESSAGE_SUBSCRIPTION DELETE",
            "E MESSAGE_SUBSCRIPTION DELETED",
            "C PROCESS_MESSAGE_SUBSCRIPTION DELETE",
            "E PROCESS_MESSAGE_SUBSCRIPTION DELETED",
        ]
    );
    assert!(lifecycle(&records).contains(&"ELEMENT_COMPLETED late".to_string()));
    assert_eq!(lifecycle(&records).last().unwrap(), "ELEMENT_COMPLETED tb");
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn non_interrupting_timer_boundary_keeps_the_task() {
    let mut h = Harness::new();
    h.deploy("tb.bpmn", &task_with_boundaries(false));
    h.create("tb", r#"{"orderId": "o-1"}"#);
    h.advance(60_000);
    let records = h.run_due();
    let l = lifecycle(&records);
    assert!(!l.iter().any(|s| s.contains("TERMINAT")), "{l:?}");
    assert!(l.contains(&"ELEMENT_COMPLETED late".to_string()));
    // The task goes on and completes the process.
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "");
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED tb"
    );
}

fn publish(h: &mut Harness, name: &str, key: &str, ttl: i64, id: &str, variables: &str) -> Record {
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: name.into(),
                correlation_key: key.into(),
                time_to_live: ttl,
                message_id: id.into(),
                variables: Document::parse(variables).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    h.response(request).unwrap().clone()
}

#[test]
fn message_boundary_event_correlates_by_name_and_key() {
    let mut h = Harness::new();
    h.deploy("tb.bpmn", &task_with_boundaries(true));
    h.create("tb", r#"{"orderId": "o-1"}"#);
    h.create("tb", r#"{"orderId": "o-2"}"#);
    let start = h.log.len();
    let published = publish(
        &mut h,
        "cancel-order",
        "o-2",
        0,
        "",
        r#"{"why": "customer"}"#,
    );
    assert_eq!(published.intent_name(), "PUBLISHED");
    let d = describe(&h.log[start..]);
    // Correlation goes through the message subscription (the message partition's half) even on one
    // partition; a message without time to live expires at once, its variables travel with the
    // correlation.
    assert_eq!(
        d[..9],
        [
            "C MESSAGE PUBLISH",
            "E MESSAGE PUBLISHED",
            "E MESSAGE_SUBSCRIPTION CORRELATING",
            "E MESSAGE EXPIRED",
            "C PROCESS_MESSAGE_SUBSCRIPTION CORRELATE",
            "E PROCESS_MESSAGE_SUBSCRIPTION CORRELATED",
            "E PROCESS_EVENT TRIGGERING",
            "C TERMINATE_ELEMENT task",
            "E ELEMENT_TERMINATING task",
        ]
    );
    // The task's termination closes the used-up subscription; the acknowledgement of the correlation
    // (queued after the termination) comes first, then the close handshake.
    let acknowledged: Vec<&String> = d[9..]
        .iter()
        .filter(|s| s.contains("SUBSCRIPTION"))
        .collect();
    assert_eq!(
        acknowledged,
        [
            "E PROCESS_MESSAGE_SUBSCRIPTION DELETING",
            "C MESSAGE_SUBSCRIPTION CORRELATE",
            "E MESSAGE_SUBSCRIPTION CORRELATED",
            "C MESSAGE_SUBSCRIPTION DELETE",
            "E MESSAGE_SUBSCRIPTION DELETED",
            "C PROCESS_MESSAGE_SUBSCRIPTION DELETE",
            "E PROCESS_MESSAGE_SUBSCRIPTION DELETED",
        ]
    );
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_COMPLETED gone".to_string()), "{l:?}");
    // The other instance still waits.
    assert_eq!(h.activate("t", 10).len(), 1);
    let vars = events_of(&h.log[start..], ValueType::Variable, "CREATED");
    let RecordValue::Variable(_, v) = &vars[0].value else {
        panic!()
    };
    assert_eq!(
        (v.name.as_str(), v.value.as_str()),
        ("why", r#""customer""#)
    );
}

fn message_catch() -> String {
    definitions(
        r#"<bpmn:message id="msg" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="mc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="msg" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    )
}

#[test]
fn buffered_message_correlates_when_the_subscription_opens_and_expires_after_its_ttl() {
    let mut h = Harness::new();
    h.deploy("mc.bpmn", &message_catch());
    publish(&mut h, "paid", "42", 30_000, "m-1", r#"{"amount": 10}"#);
    let dup = publish(&mut h, "paid", "42", 30_000, "m-1", "{}");
    assert_eq!(dup.rejection().unwrap().kind, RejectionType::AlreadyExists);
    assert_eq!(
        dup.rejection().unwrap().reason,
        "Expected to publish a new message with id 'm-1', but a message with that id was already published"
    );
    let start = h.log.len();
    let pi = h.create("mc", r#"{"orderId": 42}"#);
    let d = describe(&h.log[start..]);
    assert!(
        d.contains(&"C PROCESS_MESSAGE_SUBSCRIPTION CORRELATE".to_string()),
        "{d:?}"
    );
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED mc"
    );
    let vars: Vec<_> = events_of(&h.log[start..], ValueType::Variable, "CREATED")
        .into_iter()
        .map(|r| match &r.value {
            RecordValue::Variable(_, v) => (v.name.to_string(), v.scope_key),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        vars,
        [("orderId".to_string(), pi), ("amount".to_string(), pi)]
    );
    // A second instance of the same process does not get the same message again.
    let start = h.log.len();
    h.create("mc", r#"{"orderId": 42}"#);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_ACTIVATED wait"
    );
    // After the TTL the message expires.
    assert_eq!(h.next_due(), Some(h.now + 30_000));
    h.advance(30_000);
    let records = h.run_due();
    assert_eq!(describe(&records), ["E MESSAGE EXPIRED"]);
    // Now the id can be used again.
    let again = publish(&mut h, "paid", "42", 0, "m-1", "{}");
    assert_eq!(again.intent_name(), "PUBLISHED");
    let l = lifecycle(&h.log[h.log.len() - 12..]);
    assert!(l.contains(&"ELEMENT_COMPLETED mc".to_string()), "{l:?}");
}

#[test]
fn timer_date_and_cycle_definitions() {
    // 1_700_000_000_000 ms is 2023-11-14T22:13:20Z; the date lies 1 minute later.
    let xml = definitions(
        r#"<bpmn:process id="td" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="remind" attachedToRef="task" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT10S</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="remind" targetRef="reminded" />
    <bpmn:endEvent id="reminded" />
    <bpmn:sequenceFlow id="f3" sourceRef="task" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:timerEventDefinition><bpmn:timeDate>2023-11-14T22:14:20Z</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("td.bpmn", &xml);
    h.create("td", "");
    let mut reminders = 0;
    for _ in 0..5 {
        h.advance(10_000);
        let records = h.run_due();
        reminders += lifecycle(&records)
            .iter()
            .filter(|l| *l == "ELEMENT_COMPLETED reminded")
            .count();
    }
    assert_eq!(reminders, 3, "R3 fires three times");
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "");
    let created: Vec<Record> = events_of(&h.log[start..], ValueType::Timer, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    let RecordValue::Timer(_, timer) = &created[0].value else {
        panic!()
    };
    assert_eq!(timer.due_date, 1_700_000_060_000);
    h.now = 1_700_000_060_000;
    let records = h.run_due();
    assert_eq!(lifecycle(&records).last().unwrap(), "ELEMENT_COMPLETED td");
}

#[test]
fn invalid_timer_values_are_incidents() {
    let xml = timer_catch().replace("PT10S", "=wait");
    let mut h = Harness::new();
    h.deploy("tc.bpmn", &xml);
    let start = h.log.len();
    h.create("tc", r#"{"wait": "ten seconds"}"#);
    let created = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &created[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ExtractValueError);
    assert!(
        incident.error_message.contains("'ten seconds'"),
        "{}",
        incident.error_message
    );
    // A FEEL duration works too.
    let start = h.log.len();
    h.create("tc", r#"{"wait": "PT1S"}"#);
    assert_eq!(
        events_of(&h.log[start..], ValueType::Timer, "CREATED").len(),
        1
    );
}
