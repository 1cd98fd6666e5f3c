//! Embedded sub-processes and variable scopes, incidents while activating, and non-interrupting
//! message boundary events.

mod common;

use common::*;
use hornet_engine::Engine;
use hornet_protocol::value::*;
use hornet_protocol::*;

#[test]
fn engine_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<Engine>();
}

fn sub_process() -> String {
    definitions(
        r#"<bpmn:process id="s" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub" />
    <bpmn:subProcess id="sub">
      <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=10" target="local" /></zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:startEvent id="sub-start" />
      <bpmn:sequenceFlow id="s1" sourceRef="sub-start" targetRef="task" />
      <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:sequenceFlow id="s2" sourceRef="task" targetRef="sub-end" />
      <bpmn:endEvent id="sub-end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    )
}

#[test]
fn sub_process_scopes_variables_and_completes_its_flow_scope() {
    let mut h = Harness::new();
    h.deploy("s.bpmn", &sub_process());
    let start = h.log.len();
    let pi = h.create("s", r#"{"global": 1}"#);
    let l = lifecycle(&h.log[start..]);
    assert!(
        l.contains(&"ELEMENT_ACTIVATED sub".to_string())
            && l.contains(&"ELEMENT_ACTIVATED task".to_string())
    );
    let sub_key = h.log[start..]
        .iter()
        .find(|r| matches!(&r.value, RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v) if v.element_id == "sub"))
        .unwrap()
        .key;
    let task_record = h.log[start..]
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v)
                if v.element_id == "task" =>
            {
                Some(v.clone())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(task_record.flow_scope_key, sub_key);
    let jobs = h.activate("t", 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"global":1,"local":10}"#);
    let start = h.log.len();
    h.complete(jobs[0].0, r#"{"local": 11, "out": true}"#);
    let vars: Vec<(String, Key)> = h.log[start..]
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::Variable(_, v) => Some((v.name.to_string(), v.scope_key)),
            _ => None,
        })
        .collect();
    assert_eq!(
        vars,
        [("local".to_string(), sub_key), ("out".to_string(), pi)]
    );
    let l = lifecycle(&h.log[start..]);
    assert_eq!(
        l[l.len() - 12..],
        [
            "COMPLETE_ELEMENT sub",
            "ELEMENT_COMPLETING sub",
            "ELEMENT_COMPLETED sub",
            "SEQUENCE_FLOW_TAKEN f2",
            "ACTIVATE_ELEMENT end",
            "ELEMENT_ACTIVATING end",
            "ELEMENT_ACTIVATED end",
            "COMPLETE_ELEMENT end",
            "ELEMENT_COMPLETING end",
            "ELEMENT_COMPLETED end",
            "COMPLETE_ELEMENT s",
            "ELEMENT_COMPLETING s",
            "ELEMENT_COMPLETED s",
        ][1..]
    );
}

#[test]
fn cancel_terminates_nested_scopes_bottom_up() {
    let mut h = Harness::new();
    h.deploy("s.bpmn", &sub_process());
    let pi = h.create("s", "");
    let start = h.log.len();
    h.command(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    assert_eq!(
        lifecycle(&h.log[start..]),
        [
            "CANCEL ",
            "TERMINATE_ELEMENT s",
            "ELEMENT_TERMINATING s",
            "TERMINATE_ELEMENT sub",
            "ELEMENT_TERMINATING sub",
            "TERMINATE_ELEMENT task",
            "ELEMENT_TERMINATING task",
            "ELEMENT_TERMINATED task",
            "ELEMENT_TERMINATED sub",
            "ELEMENT_TERMINATED s",
        ]
    );
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn input_mapping_incident_on_a_task_is_retried_on_resolve() {
    let xml = one_task("p", "t").replace(
        r#"<zeebe:taskDefinition type="t" retries="3" />"#,
        r#"<zeebe:taskDefinition type="t" retries="3" /><zeebe:ioMapping><zeebe:input source="=assert(x, x != null)" target="y" /></zeebe:ioMapping>"#,
    );
    let mut h = Harness::new();
    h.deploy("p.bpmn", &xml);
    let start = h.log.len();
    let pi = h.create("p", "");
    let incidents: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(incidents.len(), 1);
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::IoMappingError);
    assert!(h.activate("t", 1).is_empty());
    // Resolving without fixing the cause raises a new incident.
    let start = h.log.len();
    h.command(
        incidents[0].key,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    assert_eq!(
        events_of(&h.log[start..], ValueType::Incident, "CREATED").len(),
        1
    );
    let second = events_of(&h.log[start..], ValueType::Incident, "CREATED")[0].key;
    // Set the variable on the process and resolve again: the job is created.
    h.command(
        Key::NONE,
        RecordValue::VariableDocument(
            VariableDocumentIntent::Update,
            VariableDocumentRecord {
                scope_key: pi,
                update_semantics: VariableDocumentUpdateSemantic::Local,
                variables: Document::parse(r#"{"x": 5}"#).unwrap(),
                process_instance_key: Key::NONE,
                tenant_id: String::new(),
            },
        ),
    );
    h.command(
        second,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    let jobs = h.activate("t", 1);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"x":5,"y":5}"#);
    // A resolved incident cannot be resolved again.
    let again = h.command(
        second,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    assert_eq!(rejection(&again).unwrap().0, RejectionType::NotFound);
}

#[test]
fn non_interrupting_message_boundary_fires_each_time_the_subscription_is_open() {
    let xml = definitions(
        r#"<bpmn:message id="msg" name="ping"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="nb" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="pinged" attachedToRef="task" cancelActivity="false"><bpmn:messageEventDefinition messageRef="msg" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="pinged" targetRef="noted" />
    <bpmn:endEvent id="noted" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("nb.bpmn", &xml);
    h.create("nb", r#"{"id": "a"}"#);
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: "ping".into(),
                correlation_key: "a".into(),
                time_to_live: 0,
                message_id: String::new(),
                variables: Document::parse(r#"{"n": 1}"#).unwrap(),
                deadline: -1,
                tenant_id: String::new(),
            },
        ),
    );
    assert_eq!(h.response(request).unwrap().intent_name(), "PUBLISHED");
    let l = lifecycle(&h.log);
    assert!(l.contains(&"ELEMENT_COMPLETED noted".to_string()), "{l:?}");
    assert!(!l.iter().any(|s| s.contains("TERMINAT")));
    // The task still runs and completes the process.
    let jobs = h.activate("t", 1);
    assert_eq!(jobs.len(), 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "");
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED nb"
    );
}

#[test]
fn resolving_an_incident_of_a_terminated_element_is_rejected() {
    // An incident that outlives its element cannot happen (termination resolves incidents), so build the
    // rejection case from a resolved-then-recreated state: resolve twice.
    let xml = one_task("p", "t").replace(
        r#"<zeebe:taskDefinition type="t" retries="3" />"#,
        r#"<zeebe:taskDefinition type="=kind" retries="3" />"#,
    );
    let mut h = Harness::new();
    h.deploy("p.bpmn", &xml);
    let start = h.log.len();
    let pi = h.create("p", "");
    let incidents: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ExtractValueError);
    assert_eq!(
        incident.error_message,
        "Expected result of the expression 'kind' to be 'STRING', but was 'NULL'."
    );
    // Cancelling resolves the incident; resolving it afterwards finds nothing.
    h.command(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    let r = h.command(
        incidents[0].key,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    assert_eq!(rejection(&r).unwrap().0, RejectionType::NotFound);
}
