//! Compensation: subscriptions left by completed compensable activities, compensation intermediate
//! throw and end events invoking the handlers (also of activities inside completed sub-processes and
//! multi-instance activities), waiting for them, and the subscriptions' deletion.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

/// A service task `id` (job type `id`) with a compensation boundary event whose handler is the
/// service task `undo-<id>` (job type `undo-<id>`).
fn compensable(id: &str) -> String {
    format!(
        r#"<bpmn:serviceTask id="{id}"><bpmn:extensionElements><zeebe:taskDefinition type="{id}" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="{id}-compensation" attachedToRef="{id}"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:serviceTask id="undo-{id}" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="undo-{id}" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:association id="{id}-association" associationDirection="One" sourceRef="{id}-compensation" targetRef="undo-{id}" />"#
    )
}

fn process(body: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    {body}
  </bpmn:process>"#
    ))
}

/// start → a → b → compensate (throw, `throw_attributes` on its definition) → end.
fn two_activities_then_throw(throw_attributes: &str) -> String {
    process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    {a}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b" />
    {b}
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="compensate" />
    <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition {throw_attributes} /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="compensate" targetRef="end" />
    <bpmn:endEvent id="end" />"#,
        a = compensable("a"),
        b = compensable("b"),
    ))
}

fn subscriptions(records: &[Record]) -> Vec<(String, Key, CompensationSubscriptionRecord)> {
    records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::CompensationSubscription(intent, value) => {
                Some((intent.as_str().to_string(), r.key, (**value).clone()))
            }
            _ => None,
        })
        .collect()
}

/// "INTENT activity" of the compensation subscription events.
fn subscription_events(records: &[Record]) -> Vec<String> {
    subscriptions(records)
        .into_iter()
        .map(|(intent, _, value)| format!("{intent} {}", value.compensable_activity_id))
        .collect()
}

fn element_key(records: &[Record], intent: ProcessInstanceIntent, element_id: &str) -> Key {
    records
        .iter()
        .find(|r| {
            matches!(&r.value, RecordValue::ProcessInstance(i, v) if *i == intent && v.element_id == element_id)
        })
        .unwrap_or_else(|| panic!("no {intent} of {element_id}"))
        .key
}

fn complete_job(h: &mut Harness, job_type: &str) {
    let jobs = h.activate(job_type, 1);
    assert_eq!(jobs.len(), 1, "one '{job_type}' job expected");
    h.complete(jobs[0].0, "{}");
}

fn index_of(lines: &[String], line: &str) -> usize {
    lines
        .iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("'{line}' not found in {lines:#?}"))
}

#[test]
fn a_completed_activity_leaves_a_subscription_in_its_flow_scope() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(""));
    let pi = h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "a");
    let records = &h.log[start..];
    let described = describe(records);
    let created = index_of(&described, "E COMPENSATION_SUBSCRIPTION CREATED");
    assert!(created < index_of(&described, "E ELEMENT_COMPLETED a"));
    assert!(created > index_of(&described, "E ELEMENT_COMPLETING a"));
    let a_key = element_key(records, ProcessInstanceIntent::ElementCompleted, "a");
    let subs = subscriptions(records);
    assert_eq!(subs.len(), 1);
    let (_, _, value) = &subs[0];
    assert_eq!(value.compensable_activity_id, "a");
    assert_eq!(value.compensation_handler_id, "undo-a");
    assert_eq!(value.compensable_activity_instance_key, a_key);
    assert_eq!(value.compensable_activity_scope_key, pi);
    assert_eq!(value.process_instance_key, pi);
    assert_eq!(value.throw_event_id, "");
    assert_eq!(value.throw_event_instance_key, Key::NONE);
    assert_eq!(value.compensation_handler_instance_key, Key::NONE);
    // The boundary event is not activated while the activity runs: b is active, no subscription yet.
    assert!(!lifecycle(&h.log).contains(&"ELEMENT_ACTIVATED b-compensation".to_string()));
    assert!(subscriptions(&h.log[h.log.len() - 5..]).is_empty());
}

#[test]
fn a_throw_event_invokes_the_handlers_of_the_completed_activities_and_waits_for_them() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(""));
    let pi = h.create("p", "{}");
    complete_job(&mut h, "a");
    let start = h.log.len();
    complete_job(&mut h, "b");
    let records = h.log[start..].to_vec();
    assert_eq!(
        subscription_events(&records),
        ["CREATED b", "TRIGGERED a", "TRIGGERED b"]
    );
    let l = lifecycle(&records);
    let throw_activated = index_of(&l, "ELEMENT_ACTIVATED compensate");
    // Each handler is preceded by its compensation boundary event, passed through.
    let boundary_a = index_of(&l, "ELEMENT_ACTIVATING a-compensation");
    assert_eq!(
        l[boundary_a..boundary_a + 4],
        [
            "ELEMENT_ACTIVATING a-compensation",
            "ELEMENT_ACTIVATED a-compensation",
            "ELEMENT_COMPLETING a-compensation",
            "ELEMENT_COMPLETED a-compensation"
        ]
    );
    assert!(throw_activated < boundary_a);
    assert!(index_of(&l, "ELEMENT_COMPLETED b-compensation") > boundary_a);
    assert!(index_of(&l, "ELEMENT_ACTIVATED undo-a") > throw_activated);
    assert!(index_of(&l, "ELEMENT_ACTIVATED undo-b") > throw_activated);
    assert!(!l.contains(&"ELEMENT_COMPLETED compensate".to_string()));

    let throw_key = element_key(
        &records,
        ProcessInstanceIntent::ElementActivated,
        "compensate",
    );
    let undo_a_key = element_key(&records, ProcessInstanceIntent::ElementActivated, "undo-a");
    let handler = records
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivated, v)
                if v.element_id == "undo-a" =>
            {
                Some(v.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(handler.bpmn_event_type, BpmnEventType::Compensation);
    assert_eq!(handler.bpmn_element_type, BpmnElementType::ServiceTask);
    assert_eq!(handler.flow_scope_key, pi);
    let triggered: Vec<_> = subscriptions(&records)
        .into_iter()
        .filter(|(intent, _, _)| intent == "TRIGGERED")
        .collect();
    let (_, _, a) = &triggered[0];
    assert_eq!(a.throw_event_id, "compensate");
    assert_eq!(a.throw_event_instance_key, throw_key);
    assert_eq!(a.compensation_handler_instance_key, undo_a_key);

    // The throw event waits for both handlers.
    let start = h.log.len();
    complete_job(&mut h, "undo-a");
    let records = h.log[start..].to_vec();
    assert_eq!(subscription_events(&records), ["COMPLETED a"]);
    assert!(lifecycle(&records).contains(&"ELEMENT_COMPLETED undo-a".to_string()));
    assert!(!lifecycle(&records).contains(&"ELEMENT_COMPLETED compensate".to_string()));

    let start = h.log.len();
    complete_job(&mut h, "undo-b");
    let records = h.log[start..].to_vec();
    assert_eq!(subscription_events(&records), ["COMPLETED b"]);
    let l = lifecycle(&records);
    assert!(
        index_of(&l, "ELEMENT_COMPLETED undo-b") < index_of(&l, "ELEMENT_COMPLETED compensate")
    );
    assert!(index_of(&l, "ELEMENT_COMPLETED compensate") < index_of(&l, "ELEMENT_COMPLETED end"));
    assert!(l.contains(&"ELEMENT_COMPLETED p".to_string()));
    // Nothing is left to delete: the completed subscriptions are gone.
    assert!(!describe(&records).contains(&"E COMPENSATION_SUBSCRIPTION DELETED".to_string()));
}

#[test]
fn activity_ref_compensates_only_that_activity_and_the_rest_is_deleted_at_the_end() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(r#"activityRef="a""#));
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let start = h.log.len();
    complete_job(&mut h, "b");
    assert_eq!(
        subscription_events(&h.log[start..]),
        ["CREATED b", "TRIGGERED a"]
    );
    assert!(h.activate("undo-b", 1).is_empty());
    let start = h.log.len();
    complete_job(&mut h, "undo-a");
    let records = &h.log[start..];
    assert_eq!(subscription_events(records), ["COMPLETED a", "DELETED b"]);
    let l = lifecycle(records);
    assert!(index_of(&l, "ELEMENT_COMPLETED compensate") < index_of(&l, "ELEMENT_COMPLETED p"));
}

#[test]
fn an_activity_still_active_is_not_compensated() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="b" />
    {a}
    {b}
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="end-a" />
    <bpmn:endEvent id="end-a" />
    <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="compensate" />
    <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="compensate" targetRef="end-b" />
    <bpmn:endEvent id="end-b" />"#,
        a = compensable("a"),
        b = compensable("b"),
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "b");
    assert_eq!(
        subscription_events(&h.log[start..]),
        ["CREATED b", "TRIGGERED b"]
    );
    complete_job(&mut h, "undo-b");
    assert!(lifecycle(&h.log).contains(&"ELEMENT_COMPLETED compensate".to_string()));
    assert!(h.activate("undo-a", 1).is_empty());
    // a completes after the compensation: its subscription is deleted with the instance.
    let start = h.log.len();
    complete_job(&mut h, "a");
    assert_eq!(
        subscription_events(&h.log[start..]),
        ["CREATED a", "DELETED a"]
    );
    assert!(lifecycle(&h.log[start..]).contains(&"ELEMENT_COMPLETED p".to_string()));
}

#[test]
fn a_terminated_activity_leaves_nothing_and_canceling_deletes_the_subscriptions() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(""));
    let pi = h.create("p", "{}");
    complete_job(&mut h, "a");
    let start = h.log.len();
    h.cancel(pi);
    let records = &h.log[start..];
    // b was terminated (no subscription for it); a's is deleted with the instance.
    assert_eq!(subscription_events(records), ["DELETED a"]);
    let l = lifecycle(records);
    assert!(l.contains(&"ELEMENT_TERMINATED b".to_string()));
    assert!(l.contains(&"ELEMENT_TERMINATED p".to_string()));
}

#[test]
fn a_compensation_end_event_waits_for_the_handler_then_ends_the_path() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    {a}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:compensateEventDefinition /></bpmn:endEvent>"#,
        a = compensable("a"),
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "a");
    let records = &h.log[start..];
    assert_eq!(subscription_events(records), ["CREATED a", "TRIGGERED a"]);
    let l = lifecycle(records);
    assert!(l.contains(&"ELEMENT_ACTIVATED end".to_string()));
    assert!(l.contains(&"ELEMENT_ACTIVATED undo-a".to_string()));
    assert!(!l.contains(&"ELEMENT_COMPLETED end".to_string()));
    let start = h.log.len();
    complete_job(&mut h, "undo-a");
    let records = &h.log[start..];
    assert_eq!(subscription_events(records), ["COMPLETED a"]);
    let l = lifecycle(records);
    assert_eq!(
        l[l.len() - 6..],
        [
            "COMPLETE_ELEMENT end",
            "ELEMENT_COMPLETING end",
            "ELEMENT_COMPLETED end",
            "COMPLETE_ELEMENT p",
            "ELEMENT_COMPLETING p",
            "ELEMENT_COMPLETED p"
        ]
    );
}

#[test]
fn a_throw_event_with_nothing_to_compensate_completes_at_once() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compensate" />
    <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="compensate" targetRef="a" />
    {a}
    <bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="end" />
    <bpmn:endEvent id="end" />"#,
        a = compensable("a"),
    ));
    h.deploy("p.bpmn", &xml);
    let start = h.log.len();
    h.create("p", "{}");
    let records = &h.log[start..];
    assert!(subscription_events(records).is_empty());
    let l = lifecycle(records);
    assert!(l.contains(&"ELEMENT_COMPLETED compensate".to_string()));
    assert!(l.contains(&"ELEMENT_ACTIVATED a".to_string()));
}

#[test]
fn compensating_a_completed_sub_process_invokes_the_handlers_inside_it() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="sub-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="sub-start" targetRef="a" />
      {a}
      <bpmn:sequenceFlow id="s2" sourceRef="a" targetRef="sub-end" />
      <bpmn:endEvent id="sub-end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="b" />
    {b}
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="compensate" />
    <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="compensate" targetRef="end" />
    <bpmn:endEvent id="end" />"#,
        a = compensable("a"),
        b = compensable("b"),
    ));
    h.deploy("p.bpmn", &xml);
    let pi = h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "a");
    let records = h.log[start..].to_vec();
    // a's subscription lives in the sub-process; the completed sub-process gets one (without a handler)
    // in the process, so a can be compensated from there.
    assert_eq!(subscription_events(&records), ["CREATED a", "CREATED sub"]);
    let sub_key = element_key(&records, ProcessInstanceIntent::ElementCompleted, "sub");
    let subs = subscriptions(&records);
    assert_eq!(subs[0].2.compensable_activity_scope_key, sub_key);
    assert_eq!(subs[1].2.compensable_activity_scope_key, pi);
    assert_eq!(subs[1].2.compensable_activity_instance_key, sub_key);
    assert_eq!(subs[1].2.compensation_handler_id, "");

    let start = h.log.len();
    complete_job(&mut h, "b");
    let records = h.log[start..].to_vec();
    assert_eq!(
        subscription_events(&records),
        ["CREATED b", "TRIGGERED sub", "TRIGGERED a", "TRIGGERED b"]
    );
    let triggered = subscriptions(&records);
    assert_eq!(triggered[1].2.compensation_handler_instance_key, Key::NONE);
    // The handler of the inner activity runs in the throw event's scope: the sub-process is gone.
    let undo_a = records
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivated, v)
                if v.element_id == "undo-a" =>
            {
                Some(v.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(undo_a.flow_scope_key, pi);

    let start = h.log.len();
    complete_job(&mut h, "undo-b");
    assert_eq!(subscription_events(&h.log[start..]), ["COMPLETED b"]);
    let start = h.log.len();
    complete_job(&mut h, "undo-a");
    let records = &h.log[start..];
    assert_eq!(
        subscription_events(records),
        ["COMPLETED a", "COMPLETED sub"]
    );
    let l = lifecycle(records);
    assert!(index_of(&l, "ELEMENT_COMPLETED compensate") < index_of(&l, "ELEMENT_COMPLETED p"));
}

#[test]
fn a_throw_event_inside_a_sub_process_compensates_only_that_scope() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    {a}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="sub-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="sub-start" targetRef="b" />
      {b}
      <bpmn:sequenceFlow id="s2" sourceRef="b" targetRef="sub-end" />
      <bpmn:endEvent id="sub-end"><bpmn:compensateEventDefinition /></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f3" sourceRef="sub" targetRef="end" />
    <bpmn:endEvent id="end" />"#,
        a = compensable("a"),
        b = compensable("b"),
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let start = h.log.len();
    complete_job(&mut h, "b");
    assert_eq!(
        subscription_events(&h.log[start..]),
        ["CREATED b", "TRIGGERED b"]
    );
    let start = h.log.len();
    complete_job(&mut h, "undo-b");
    let records = &h.log[start..];
    // b is compensated and done, so the completed sub-process has nothing left to compensate; a's
    // subscription stays until the instance ends.
    assert_eq!(subscription_events(records), ["COMPLETED b", "DELETED a"]);
    assert!(lifecycle(records).contains(&"ELEMENT_COMPLETED p".to_string()));
    assert!(h.activate("undo-a", 1).is_empty());
}

#[test]
fn an_error_event_sub_process_compensates_the_activities_of_its_flow_scope() {
    let mut h = Harness::new();
    let xml = definitions(&format!(
        r#"<bpmn:error id="err" errorCode="failed" />
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    {a}
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="pay" />
    <bpmn:serviceTask id="pay"><bpmn:extensionElements><zeebe:taskDefinition type="pay" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="pay" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:subProcess id="on-error" triggeredByEvent="true">
      <bpmn:startEvent id="error-start"><bpmn:errorEventDefinition errorRef="err" /></bpmn:startEvent>
      <bpmn:sequenceFlow id="e1" sourceRef="error-start" targetRef="compensate" />
      <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
      <bpmn:sequenceFlow id="e2" sourceRef="compensate" targetRef="error-end" />
      <bpmn:endEvent id="error-end" />
    </bpmn:subProcess>
  </bpmn:process>"#,
        a = compensable("a"),
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let jobs = h.activate("pay", 1);
    let start = h.log.len();
    h.job_command(JobIntent::ThrowError, jobs[0].0, |job| {
        job.error_code = "failed".into()
    });
    assert_eq!(subscription_events(&h.log[start..]), ["TRIGGERED a"]);
    let start = h.log.len();
    complete_job(&mut h, "undo-a");
    let l = lifecycle(&h.log[start..]);
    assert!(
        index_of(&l, "ELEMENT_COMPLETED compensate") < index_of(&l, "ELEMENT_COMPLETED on-error")
    );
    assert!(l.contains(&"ELEMENT_COMPLETED p".to_string()));
}

fn deployment_error(xml: &str) -> String {
    let mut h = Harness::new();
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "p.bpmn".into(),
                    resource: bytes::Bytes::from(xml.as_bytes().to_vec()),
                }],
                ..Default::default()
            },
        ),
    );
    let response = h.response(request).expect("answered");
    response
        .rejection()
        .expect("the deployment is rejected")
        .reason
        .clone()
}

const TWO_ITEMS: &str = r#"<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2]" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"#;

#[test]
fn a_multi_instance_activity_is_compensated_once_by_its_body() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements>{TWO_ITEMS}</bpmn:serviceTask>
    <bpmn:boundaryEvent id="a-compensation" attachedToRef="a"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:serviceTask id="undo-a" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="undo-a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:association id="as" sourceRef="a-compensation" targetRef="undo-a" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="compensate" />
    <bpmn:intermediateThrowEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="compensate" targetRef="end" />
    <bpmn:endEvent id="end" />"#
    ));
    h.deploy("p.bpmn", &xml);
    let pi = h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "a");
    assert!(subscription_events(&h.log[start..]).is_empty());
    complete_job(&mut h, "a");
    let records = h.log[start..].to_vec();
    // The body completed: one subscription for it, triggered by the throw event.
    assert_eq!(subscription_events(&records), ["CREATED a", "TRIGGERED a"]);
    let body = records
        .iter()
        .find(|r| matches!(&r.value, RecordValue::ProcessInstance(ProcessInstanceIntent::ElementCompleted, v) if v.bpmn_element_type == BpmnElementType::MultiInstanceBody))
        .unwrap()
        .key;
    let subs = subscriptions(&records);
    assert_eq!(subs[0].2.compensable_activity_instance_key, body);
    assert_eq!(subs[0].2.compensable_activity_scope_key, pi);
    complete_job(&mut h, "undo-a");
    assert!(h.activate("undo-a", 1).is_empty());
    assert!(lifecycle(&h.log).contains(&"ELEMENT_COMPLETED p".to_string()));
}

#[test]
fn compensating_a_multi_instance_sub_process_invokes_the_handler_of_each_instance() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      {TWO_ITEMS}
      <bpmn:startEvent id="sub-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="sub-start" targetRef="a" />
      {a}
      <bpmn:sequenceFlow id="s2" sourceRef="a" targetRef="sub-end" />
      <bpmn:endEvent id="sub-end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="compensate" />
    <bpmn:endEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:endEvent>"#,
        a = compensable("a"),
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    let start = h.log.len();
    complete_job(&mut h, "a");
    complete_job(&mut h, "a");
    let records = h.log[start..].to_vec();
    // Each inner instance leaves a's subscription and its own; the body one for all of them.
    assert_eq!(
        subscription_events(&records),
        [
            "CREATED a",
            "CREATED sub",
            "CREATED a",
            "CREATED sub",
            "CREATED sub",
            "TRIGGERED sub",
            "TRIGGERED sub",
            "TRIGGERED a",
            "TRIGGERED sub",
            "TRIGGERED a"
        ]
    );
    let jobs = h.activate("undo-a", 5);
    assert_eq!(jobs.len(), 2);
    let start = h.log.len();
    h.complete(jobs[0].0, "{}");
    assert_eq!(
        subscription_events(&h.log[start..]),
        ["COMPLETED a", "COMPLETED sub"]
    );
    let start = h.log.len();
    h.complete(jobs[1].0, "{}");
    let records = &h.log[start..];
    assert_eq!(
        subscription_events(records),
        ["COMPLETED a", "COMPLETED sub", "COMPLETED sub"]
    );
    let l = lifecycle(records);
    assert!(index_of(&l, "ELEMENT_COMPLETED compensate") < index_of(&l, "ELEMENT_COMPLETED p"));
}

#[test]
fn a_multi_instance_handler_runs_for_each_item_and_completes_the_compensation_once() {
    let mut h = Harness::new();
    let xml = process(&format!(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="a-compensation" attachedToRef="a"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:serviceTask id="undo-a" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="undo-a" /></bpmn:extensionElements>{TWO_ITEMS}</bpmn:serviceTask>
    <bpmn:association id="as" sourceRef="a-compensation" targetRef="undo-a" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="compensate" />
    <bpmn:endEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:endEvent>"#
    ));
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let jobs = h.activate("undo-a", 5);
    assert_eq!(jobs.len(), 2);
    let start = h.log.len();
    h.complete(jobs[0].0, "{}");
    assert!(subscription_events(&h.log[start..]).is_empty());
    let start = h.log.len();
    h.complete(jobs[1].0, "{}");
    let records = &h.log[start..];
    assert_eq!(subscription_events(records), ["COMPLETED a"]);
    assert!(lifecycle(records).contains(&"ELEMENT_COMPLETED p".to_string()));
}

#[test]
fn a_compensation_event_sub_process_is_rejected_at_deployment() {
    let xml = process(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:subProcess id="undo" triggeredByEvent="true">
      <bpmn:startEvent id="undo-start"><bpmn:compensateEventDefinition /></bpmn:startEvent>
      <bpmn:sequenceFlow id="u1" sourceRef="undo-start" targetRef="undo-end" />
      <bpmn:endEvent id="undo-end" />
    </bpmn:subProcess>"#,
    );
    let reason = deployment_error(&xml);
    assert!(reason.contains("Element: undo-start"), "{reason}");
}

#[test]
fn a_sub_process_can_be_the_compensation_handler() {
    let mut h = Harness::new();
    let xml = process(
        r#"<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="a-compensation" attachedToRef="a"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:subProcess id="undo-a" isForCompensation="true">
      <bpmn:startEvent id="undo-start" />
      <bpmn:sequenceFlow id="u1" sourceRef="undo-start" targetRef="refund" />
      <bpmn:serviceTask id="refund"><bpmn:extensionElements><zeebe:taskDefinition type="refund" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:sequenceFlow id="u2" sourceRef="refund" targetRef="undo-end" />
      <bpmn:endEvent id="undo-end" />
    </bpmn:subProcess>
    <bpmn:association id="as" sourceRef="a-compensation" targetRef="undo-a" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:compensateEventDefinition /></bpmn:endEvent>"#,
    );
    h.deploy("p.bpmn", &xml);
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let start = h.log.len();
    complete_job(&mut h, "refund");
    let records = &h.log[start..];
    assert_eq!(subscription_events(records), ["COMPLETED a"]);
    let l = lifecycle(records);
    assert!(index_of(&l, "ELEMENT_COMPLETED undo-a") < index_of(&l, "ELEMENT_COMPLETED end"));
    assert!(l.contains(&"ELEMENT_COMPLETED p".to_string()));
}

#[test]
fn canceling_during_compensation_terminates_the_handlers_and_deletes_the_subscriptions() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(""));
    let pi = h.create("p", "{}");
    complete_job(&mut h, "a");
    complete_job(&mut h, "b");
    complete_job(&mut h, "undo-a");
    let start = h.log.len();
    h.cancel(pi);
    let records = &h.log[start..];
    // b's subscription, triggered and waiting for its handler, is deleted with the instance.
    assert_eq!(subscription_events(records), ["DELETED b"]);
    let l = lifecycle(records);
    assert!(l.contains(&"ELEMENT_TERMINATED undo-b".to_string()));
    assert!(l.contains(&"ELEMENT_TERMINATED compensate".to_string()));
    assert_eq!(events_of(records, ValueType::Job, "CANCELED").len(), 1);
    assert!(h.activate("undo-b", 1).is_empty());
}

#[test]
fn subscription_records_are_exported_with_zeebes_field_names() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &two_activities_then_throw(""));
    h.create("p", "{}");
    complete_job(&mut h, "a");
    let record = h
        .log
        .iter()
        .find(|r| r.value_type() == ValueType::CompensationSubscription)
        .expect("a compensation subscription record");
    let json = record.to_json(PartitionId::FIRST);
    assert_eq!(json["valueType"], "COMPENSATION_SUBSCRIPTION");
    assert_eq!(json["intent"], "CREATED");
    let value = json["value"].as_object().unwrap();
    let mut fields: Vec<&str> = value.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "compensableActivityId",
            "compensableActivityInstanceKey",
            "compensableActivityScopeKey",
            "compensationHandlerId",
            "compensationHandlerInstanceKey",
            "processDefinitionKey",
            "processInstanceKey",
            "tenantId",
            "throwEventId",
            "throwEventInstanceKey",
            "variables",
        ]
    );
    assert_eq!(value["compensationHandlerInstanceKey"], -1);
}
