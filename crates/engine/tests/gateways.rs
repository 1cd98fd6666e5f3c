//! Exclusive and parallel gateways.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn exclusive() -> String {
    definitions(
        r#"<bpmn:process id="x" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="to-gw" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="to-default" />
    <bpmn:sequenceFlow id="to-big" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression>= amount &gt; 100</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-small" sourceRef="gw" targetRef="small">
      <bpmn:conditionExpression>= amount &lt; 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-default" sourceRef="gw" targetRef="fallback" />
    <bpmn:endEvent id="big" />
    <bpmn:endEvent id="small" />
    <bpmn:endEvent id="fallback" />
  </bpmn:process>"#,
    )
}

fn no_default() -> String {
    definitions(
        r#"<bpmn:process id="nd" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="to-gw" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="to-yes" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression>= ok = true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-no" sourceRef="gw" targetRef="no">
      <bpmn:conditionExpression>= ok = false</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="yes" />
    <bpmn:endEvent id="no" />
  </bpmn:process>"#,
    )
}

fn taken_end(records: &[Record]) -> Vec<String> {
    lifecycle(records)
        .into_iter()
        .filter(|l| l.starts_with("ELEMENT_COMPLETED") && !l.ends_with("start"))
        .collect()
}

#[test]
fn exclusive_gateway_takes_the_first_true_condition_or_the_default() {
    let mut h = Harness::new();
    h.deploy("x.bpmn", &exclusive());
    let start = h.log.len();
    h.create("x", r#"{"amount": 500}"#);
    assert_eq!(
        taken_end(&h.log[start..]),
        [
            "ELEMENT_COMPLETED gw",
            "ELEMENT_COMPLETED big",
            "ELEMENT_COMPLETED x"
        ]
    );
    let gateway: Vec<_> = lifecycle(&h.log[start..])
        .into_iter()
        .filter(|l| l.ends_with(" gw"))
        .collect();
    assert_eq!(
        gateway,
        [
            "ACTIVATE_ELEMENT gw",
            "ELEMENT_ACTIVATING gw",
            "ELEMENT_ACTIVATED gw",
            "ELEMENT_COMPLETING gw",
            "ELEMENT_COMPLETED gw"
        ]
    );
    let start = h.log.len();
    h.create("x", r#"{"amount": 5}"#);
    assert_eq!(taken_end(&h.log[start..])[1], "ELEMENT_COMPLETED small");
    let start = h.log.len();
    h.create("x", r#"{"amount": 50}"#);
    assert_eq!(taken_end(&h.log[start..])[1], "ELEMENT_COMPLETED fallback");
}

#[test]
fn no_true_condition_and_no_default_is_an_incident_resolved_by_new_variables() {
    let mut h = Harness::new();
    h.deploy("nd.bpmn", &no_default());
    let start = h.log.len();
    let pi = h.create("nd", r#"{"ok": "maybe"}"#);
    let created: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(created.len(), 1);
    let RecordValue::Incident(_, incident) = &created[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ConditionError);
    assert_eq!(incident.element_id, "gw");
    // `ok = true` with a string is null in FEEL, which is not a boolean.
    assert_eq!(
        incident.error_message,
        "Expected result of the expression 'ok = true' to be 'BOOLEAN', but was 'NULL'."
    );
    assert!(lifecycle(&h.log[start..])
        .last()
        .unwrap()
        .starts_with("ELEMENT_ACTIVATING gw"));

    // Fix the variable, then resolve: the gateway is activated again.
    h.command(
        Key::NONE,
        RecordValue::VariableDocument(
            VariableDocumentIntent::Update,
            VariableDocumentRecord {
                scope_key: pi,
                update_semantics: VariableDocumentUpdateSemantic::Propagate,
                variables: Document::parse(r#"{"ok": false}"#).unwrap(),
                process_instance_key: Key::NONE,
                tenant_id: String::new(),
            },
        ),
    );
    let start = h.log.len();
    h.command(
        created[0].key,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    let after = lifecycle(&h.log[start..]);
    assert!(
        after.contains(&"ELEMENT_COMPLETED no".to_string()),
        "{after:?}"
    );
    assert!(after.contains(&"ELEMENT_COMPLETED nd".to_string()));
}

#[test]
fn all_conditions_false_without_default_is_a_condition_error() {
    let xml = no_default()
        .replace("= ok = false", "= ok = 1")
        .replace("= ok = true", "= ok = 2");
    let mut h = Harness::new();
    h.deploy("nd.bpmn", &xml);
    let start = h.log.len();
    h.create("nd", r#"{"ok": 3}"#);
    let created = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &created[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ConditionError);
    assert_eq!(
        incident.error_message,
        "Expected at least one condition to evaluate to true, or to have a default flow"
    );
}

fn fork_join() -> String {
    definitions(
        r#"<bpmn:process id="fj" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="ja" sourceRef="a" targetRef="join" />
    <bpmn:sequenceFlow id="jb" sourceRef="b" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="fe" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    )
}

#[test]
fn parallel_gateway_forks_and_joins_once_every_flow_arrived() {
    let mut h = Harness::new();
    h.deploy("fj.bpmn", &fork_join());
    let start = h.log.len();
    h.create("fj", "");
    let l = lifecycle(&h.log[start..]);
    assert!(
        l.contains(&"SEQUENCE_FLOW_TAKEN fa".to_string())
            && l.contains(&"SEQUENCE_FLOW_TAKEN fb".to_string())
    );
    let a = h.activate("a", 1);
    let b = h.activate("b", 1);
    let start = h.log.len();
    h.complete(a[0].0, r#"{"ra": 1}"#);
    let l = lifecycle(&h.log[start..]);
    assert_eq!(
        l.last().unwrap(),
        "SEQUENCE_FLOW_TAKEN ja",
        "the join waits: {l:?}"
    );
    let start = h.log.len();
    h.complete(b[0].0, r#"{"rb": 2}"#);
    assert_eq!(
        lifecycle(&h.log[start..]),
        [
            "COMPLETE_ELEMENT b",
            "ELEMENT_COMPLETING b",
            "ELEMENT_COMPLETED b",
            "SEQUENCE_FLOW_TAKEN jb",
            "ACTIVATE_ELEMENT join",
            "ELEMENT_ACTIVATING join",
            "ELEMENT_ACTIVATED join",
            "COMPLETE_ELEMENT join",
            "ELEMENT_COMPLETING join",
            "ELEMENT_COMPLETED join",
            "SEQUENCE_FLOW_TAKEN fe",
            "ACTIVATE_ELEMENT end",
            "ELEMENT_ACTIVATING end",
            "ELEMENT_ACTIVATED end",
            "COMPLETE_ELEMENT end",
            "ELEMENT_COMPLETING end",
            "ELEMENT_COMPLETED end",
            "COMPLETE_ELEMENT fj",
            "ELEMENT_COMPLETING fj",
            "ELEMENT_COMPLETED fj",
        ]
    );
    // Nothing of the instance is left in state but definitions and the key counter.
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn terminate_end_event_ends_the_other_paths_and_completes_the_scope() {
    let xml = definitions(
        r#"<bpmn:process id="te" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b" />
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="fe" sourceRef="a" targetRef="stop" />
    <bpmn:endEvent id="stop"><bpmn:terminateEventDefinition /></bpmn:endEvent>
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("te.bpmn", &xml);
    h.create("te", "");
    let a = h.activate("a", 1);
    let start = h.log.len();
    h.complete(a[0].0, "");
    let l = lifecycle(&h.log[start..]);
    let tail: Vec<&str> = l
        .iter()
        .map(String::as_str)
        .skip_while(|s| *s != "ELEMENT_COMPLETED stop")
        .collect();
    assert_eq!(
        tail,
        [
            "ELEMENT_COMPLETED stop",
            "TERMINATE_ELEMENT b",
            "ELEMENT_TERMINATING b",
            "ELEMENT_TERMINATED b",
            "COMPLETE_ELEMENT te",
            "ELEMENT_COMPLETING te",
            "ELEMENT_COMPLETED te",
        ]
    );
    assert_eq!(
        events_of(&h.log[start..], ValueType::Job, "CANCELED").len(),
        1
    );
}

#[test]
fn inclusive_gateway_forks_to_every_true_condition() {
    let xml = definitions(
        r#"<bpmn:process id="inc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />
    <bpmn:inclusiveGateway id="gw" default="none" />
    <bpmn:sequenceFlow id="to-a" sourceRef="gw" targetRef="a"><bpmn:conditionExpression>= x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-b" sourceRef="gw" targetRef="b"><bpmn:conditionExpression>= x &gt; 2</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="none" sourceRef="gw" targetRef="c" />
    <bpmn:endEvent id="a" />
    <bpmn:endEvent id="b" />
    <bpmn:endEvent id="c" />
  </bpmn:process>"#,
    );
    let mut h = Harness::new();
    h.deploy("inc.bpmn", &xml);
    for (x, ends) in [(5, vec!["a", "b"]), (2, vec!["a"]), (0, vec!["c"])] {
        let start = h.log.len();
        h.create("inc", &format!(r#"{{"x": {x}}}"#));
        let completed: Vec<String> = lifecycle(&h.log[start..])
            .into_iter()
            .filter_map(|l| l.strip_prefix("ELEMENT_COMPLETED ").map(str::to_string))
            .filter(|id| ["a", "b", "c"].contains(&id.as_str()))
            .collect();
        assert_eq!(completed, ends, "x = {x}");
        assert_eq!(
            lifecycle(&h.log[start..]).last().unwrap(),
            "ELEMENT_COMPLETED inc"
        );
    }
}

fn inclusive_fork_join() -> String {
    definitions(
        r#"<bpmn:process id="ij" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:inclusiveGateway id="fork" />
    <bpmn:sequenceFlow id="to-a" sourceRef="fork" targetRef="a"><bpmn:conditionExpression>= wantA</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-b" sourceRef="fork" targetRef="b"><bpmn:conditionExpression>= wantB</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="a" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="b" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="a-join" sourceRef="a" targetRef="join" />
    <bpmn:sequenceFlow id="b-join" sourceRef="b" targetRef="join" />
    <bpmn:inclusiveGateway id="join" />
    <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    )
}

#[test]
fn inclusive_join_waits_only_for_the_paths_that_were_taken() {
    let mut h = Harness::new();
    h.deploy("ij.bpmn", &inclusive_fork_join());
    // Both paths: the join waits for the second.
    h.create("ij", r#"{"wantA": true, "wantB": true}"#);
    let a = h.activate("a", 1);
    let b = h.activate("b", 1);
    let start = h.log.len();
    h.complete(a[0].0, "");
    assert!(!lifecycle(&h.log[start..]).contains(&"ACTIVATE_ELEMENT join".to_string()));
    let start = h.log.len();
    h.complete(b[0].0, "");
    let l = lifecycle(&h.log[start..]);
    assert_eq!(
        l.iter().filter(|s| *s == "ELEMENT_COMPLETED join").count(),
        1,
        "{l:?}"
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED ij");
    // One path only: the join does not wait for the other.
    h.create("ij", r#"{"wantA": false, "wantB": true}"#);
    let b = h.activate("b", 1);
    let start = h.log.len();
    h.complete(b[0].0, "");
    let l = lifecycle(&h.log[start..]);
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED ij", "{l:?}");
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn inclusive_join_stops_waiting_when_the_other_path_ends_elsewhere() {
    // Path b can end at an end event instead of reaching the join.
    let xml = inclusive_fork_join().replace(
        r#"<bpmn:sequenceFlow id="b-join" sourceRef="b" targetRef="join" />"#,
        r#"<bpmn:sequenceFlow id="b-xor" sourceRef="b" targetRef="xor" />
    <bpmn:exclusiveGateway id="xor" default="b-join" />
    <bpmn:sequenceFlow id="b-out" sourceRef="xor" targetRef="out"><bpmn:conditionExpression>= leave</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="out" />
    <bpmn:sequenceFlow id="b-join" sourceRef="xor" targetRef="join" />"#,
    );
    let mut h = Harness::new();
    h.deploy("ij.bpmn", &xml);
    h.create("ij", r#"{"wantA": true, "wantB": true, "leave": true}"#);
    let a = h.activate("a", 1);
    let b = h.activate("b", 1);
    h.complete(a[0].0, "");
    let start = h.log.len();
    h.complete(b[0].0, "");
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_COMPLETED out".to_string()), "{l:?}");
    assert!(l.contains(&"ELEMENT_COMPLETED join".to_string()), "{l:?}");
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED ij", "{l:?}");
}
