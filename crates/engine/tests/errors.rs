//! BPMN errors: thrown by job workers and error end events, caught by boundary events and event
//! sub-processes.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn boundary_process() -> String {
    definitions(
        r#"<bpmn:error id="err1" errorCode="E1" />
  <bpmn:process id="b" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="caught" attachedToRef="task"><bpmn:errorEventDefinition errorRef="err1" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="handled" />
    <bpmn:endEvent id="handled" />
  </bpmn:process>"#,
    )
}

fn throw(h: &mut Harness, job: Key, code: &str, variables: &str) {
    h.job_command(JobIntent::ThrowError, job, |j| {
        j.error_code = code.into();
        j.error_message = "msg".into();
        j.variables = Document::parse(variables).unwrap();
    });
}

#[test]
fn error_boundary_event_catches_a_thrown_error_by_code() {
    let mut h = Harness::new();
    h.deploy("b.bpmn", &boundary_process());
    let pi = h.create("b", "");
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    throw(&mut h, jobs[0].0, "E1", r#"{"reason": "r"}"#);
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C JOB THROW_ERROR",
            "E JOB ERROR_THROWN",
            "E PROCESS_EVENT TRIGGERING",
            "C TERMINATE_ELEMENT task",
            "E ELEMENT_TERMINATING task",
            "E ELEMENT_TERMINATED task",
            "E PROCESS_EVENT TRIGGERED",
            "C ACTIVATE_ELEMENT caught",
            "E ELEMENT_ACTIVATING caught",
            "E ELEMENT_ACTIVATED caught",
            "C COMPLETE_ELEMENT caught",
            "E ELEMENT_COMPLETING caught",
            "E VARIABLE CREATED reason",
            "E ELEMENT_COMPLETED caught",
            "E SEQUENCE_FLOW_TAKEN f3",
            "C ACTIVATE_ELEMENT handled",
            "E ELEMENT_ACTIVATING handled",
            "E ELEMENT_ACTIVATED handled",
            "C COMPLETE_ELEMENT handled",
            "E ELEMENT_COMPLETING handled",
            "E ELEMENT_COMPLETED handled",
            "C COMPLETE_ELEMENT b",
            "E ELEMENT_COMPLETING b",
            "E ELEMENT_COMPLETED b",
        ]
    );
    let var = events_of(&h.log[start..], ValueType::Variable, "CREATED")[0];
    let RecordValue::Variable(_, v) = &var.value else {
        panic!()
    };
    assert_eq!(
        v.scope_key, pi,
        "error variables propagate to the process scope"
    );
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_error_with_another_code_is_not_caught() {
    let mut h = Harness::new();
    h.deploy("b.bpmn", &boundary_process());
    h.create("b", "");
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    throw(&mut h, jobs[0].0, "OTHER", "");
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::UnhandledErrorEvent);
}

#[test]
fn error_event_sub_process_catches_errors_of_the_scope() {
    let xml = definitions(
        r#"<bpmn:error id="err" errorCode="FAIL" />
  <bpmn:process id="esp" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:subProcess id="on-error" triggeredByEvent="true">
      <bpmn:startEvent id="error-start"><bpmn:errorEventDefinition errorRef="err" /></bpmn:startEvent>
      <bpmn:sequenceFlow id="e1" sourceRef="error-start" targetRef="cleanup" />
      <bpmn:serviceTask id="cleanup"><bpmn:extensionElements><zeebe:taskDefinition type="cleanup" /></bpmn:extensionElements></bpmn:serviceTask>
    </bpmn:subProcess>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("esp.bpmn", &xml);
    h.create("esp", "");
    let a = h.activate("a", 1);
    assert_eq!(h.activate("b", 1).len(), 1);
    let start = h.log.len();
    throw(&mut h, a[0].0, "FAIL", r#"{"why": "x"}"#);
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_TERMINATED a".to_string()), "{l:?}");
    assert!(l.contains(&"ELEMENT_TERMINATED b".to_string()), "{l:?}");
    assert!(
        l.contains(&"ELEMENT_ACTIVATED on-error".to_string()),
        "{l:?}"
    );
    assert_eq!(
        events_of(&h.log[start..], ValueType::Job, "CANCELED").len(),
        1,
        "b's job"
    );
    let cleanup = h.activate("cleanup", 1);
    assert_eq!(cleanup.len(), 1);
    assert_eq!(cleanup[0].1.variables.as_str(), r#"{"why":"x"}"#);
    let start = h.log.len();
    h.complete(cleanup[0].0, "");
    let l = lifecycle(&h.log[start..]);
    assert_eq!(l[l.len() - 1], "ELEMENT_COMPLETED esp", "{l:?}");
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn error_end_event_in_a_sub_process_is_caught_by_its_boundary_event() {
    let xml = definitions(
        r#"<bpmn:error id="err" errorCode="X" />
  <bpmn:process id="sub" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="inner" />
    <bpmn:subProcess id="inner">
      <bpmn:startEvent id="inner-start" />
      <bpmn:sequenceFlow id="i1" sourceRef="inner-start" targetRef="throw" />
      <bpmn:endEvent id="throw"><bpmn:errorEventDefinition errorRef="err" /></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="catch-all" attachedToRef="inner"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="catch-all" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("sub.bpmn", &xml);
    let start = h.log.len();
    h.create("sub", "");
    let l = lifecycle(&h.log[start..]);
    let tail: Vec<&str> = l
        .iter()
        .map(String::as_str)
        .skip_while(|s| *s != "ELEMENT_ACTIVATED throw")
        .collect();
    assert_eq!(
        tail,
        [
            "ELEMENT_ACTIVATED throw",
            "TERMINATE_ELEMENT inner",
            "ELEMENT_TERMINATING inner",
            "TERMINATE_ELEMENT throw",
            "ELEMENT_TERMINATING throw",
            "ELEMENT_TERMINATED throw",
            "ELEMENT_TERMINATED inner",
            "ACTIVATE_ELEMENT catch-all",
            "ELEMENT_ACTIVATING catch-all",
            "ELEMENT_ACTIVATED catch-all",
            "COMPLETE_ELEMENT catch-all",
            "ELEMENT_COMPLETING catch-all",
            "ELEMENT_COMPLETED catch-all",
            "SEQUENCE_FLOW_TAKEN f2",
            "ACTIVATE_ELEMENT end",
            "ELEMENT_ACTIVATING end",
            "ELEMENT_ACTIVATED end",
            "COMPLETE_ELEMENT end",
            "ELEMENT_COMPLETING end",
            "ELEMENT_COMPLETED end",
            "COMPLETE_ELEMENT sub",
            "ELEMENT_COMPLETING sub",
            "ELEMENT_COMPLETED sub",
        ]
    );
}

#[test]
fn uncaught_error_end_event_is_an_incident() {
    let xml = definitions(
        r#"<bpmn:error id="err" errorCode="NOPE" />
  <bpmn:process id="u" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="throw" />
    <bpmn:endEvent id="throw"><bpmn:errorEventDefinition errorRef="err" /></bpmn:endEvent>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("u.bpmn", &xml);
    let start = h.log.len();
    h.create("u", "");
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::UnhandledErrorEvent);
    assert_eq!(
        incident.error_message,
        "Expected to throw an error event with the code 'NOPE', but it was not caught. No error events are available in the scope."
    );
}

fn escalating(interrupting: bool) -> String {
    definitions(&format!(
        r#"<bpmn:escalation id="esc-late" escalationCode="LATE" />
  <bpmn:process id="esc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="s-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="s-start" targetRef="raise" />
      <bpmn:intermediateThrowEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc-late" /></bpmn:intermediateThrowEvent>
      <bpmn:sequenceFlow id="s2" sourceRef="raise" targetRef="after" />
      <bpmn:serviceTask id="after"><bpmn:extensionElements><zeebe:taskDefinition type="after" /></bpmn:extensionElements></bpmn:serviceTask>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="escalated" attachedToRef="sub" cancelActivity="{interrupting}"><bpmn:escalationEventDefinition escalationRef="esc-late" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="escalated" targetRef="handle" />
    <bpmn:serviceTask id="handle"><bpmn:extensionElements><zeebe:taskDefinition type="handle" /></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>"#
    ))
}

#[test]
fn escalation_is_caught_by_a_non_interrupting_boundary_and_the_thrower_goes_on() {
    let mut h = Harness::new();
    h.deploy("esc.bpmn", &escalating(false));
    let start = h.log.len();
    h.create("esc", "");
    let d = describe(&h.log[start..]);
    assert!(d.contains(&"E ESCALATION ESCALATED".to_string()), "{d:?}");
    assert_eq!(h.activate("handle", 1).len(), 1);
    assert_eq!(h.activate("after", 1).len(), 1, "the throw event completed");
}

#[test]
fn interrupting_escalation_boundary_ends_the_sub_process() {
    let mut h = Harness::new();
    h.deploy("esc.bpmn", &escalating(true));
    let start = h.log.len();
    h.create("esc", "");
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_TERMINATED raise".to_string()), "{l:?}");
    assert!(l.contains(&"ELEMENT_TERMINATED sub".to_string()), "{l:?}");
    assert_eq!(h.activate("handle", 1).len(), 1);
    assert!(h.activate("after", 1).is_empty());
}

#[test]
fn uncaught_escalation_is_not_escalated_and_the_flow_goes_on() {
    let xml = escalating(false).replace(
        r#"<bpmn:boundaryEvent id="escalated" attachedToRef="sub" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="esc-late" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="escalated" targetRef="handle" />
    <bpmn:serviceTask id="handle"><bpmn:extensionElements><zeebe:taskDefinition type="handle" /></bpmn:extensionElements></bpmn:serviceTask>"#,
        "",
    );
    let mut h = Harness::new();
    h.deploy("esc.bpmn", &xml);
    let start = h.log.len();
    h.create("esc", "");
    let d = describe(&h.log[start..]);
    assert!(
        d.contains(&"E ESCALATION NOT_ESCALATED".to_string()),
        "{d:?}"
    );
    assert!(events_of(&h.log[start..], ValueType::Incident, "CREATED").is_empty());
    assert_eq!(h.activate("after", 1).len(), 1);
}
