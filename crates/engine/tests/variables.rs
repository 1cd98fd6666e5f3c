//! Input/output mappings, variable propagation and SetVariables.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn mapped_task(outputs: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="m" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="t" />
        <zeebe:ioMapping>
          <zeebe:input source="=order.id" target="orderId" />
          <zeebe:input source="=orderId * 2" target="double" />
          <zeebe:input source="=1" target="nested.a.b" />
          {outputs}
        </zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

fn variable_events(records: &[Record]) -> Vec<(String, String, String, Key)> {
    records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::Variable(intent, v) => Some((
                intent.as_str().to_string(),
                v.name.to_string(),
                v.value.clone(),
                v.scope_key,
            )),
            _ => None,
        })
        .collect()
}

fn task_instance_key(h: &Harness) -> Key {
    h.log
        .iter()
        .find(|r| matches!(&r.value, RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v) if v.element_id == "task"))
        .unwrap()
        .key
}

#[test]
fn inputs_become_local_variables_and_see_earlier_inputs() {
    let mut h = Harness::new();
    h.deploy("m.bpmn", &mapped_task(""));
    let start = h.log.len();
    let pi = h.create("m", r#"{"order": {"id": 21}}"#);
    let task = task_instance_key(&h);
    let vars = variable_events(&h.log[start..]);
    assert_eq!(
        vars,
        [
            // The results of one mapping set are written in name order.
            (
                "CREATED".to_string(),
                "order".to_string(),
                r#"{"id":21}"#.to_string(),
                pi
            ),
            ("CREATED".into(), "double".into(), "42".into(), task),
            (
                "CREATED".into(),
                "nested".into(),
                r#"{"a":{"b":1}}"#.into(),
                task
            ),
            ("CREATED".into(), "orderId".into(), "21".into(), task),
        ]
    );
    let jobs = h.activate("t", 1);
    assert_eq!(
        jobs[0].1.variables.as_str(),
        r#"{"double":42,"nested":{"a":{"b":1}},"order":{"id":21},"orderId":21}"#
    );
    // Without output mappings the job's variables propagate: an existing local variable is updated in
    // place (and dropped with the task), new ones land on the root scope.
    let start = h.log.len();
    h.complete(jobs[0].0, r#"{"double": 0, "result": "ok"}"#);
    let vars = variable_events(&h.log[start..]);
    assert_eq!(
        vars,
        [
            (
                "UPDATED".to_string(),
                "double".to_string(),
                "0".to_string(),
                task
            ),
            ("CREATED".into(), "result".into(), r#""ok""#.into(), pi),
        ]
    );
}

#[test]
fn with_output_mappings_only_mapped_values_propagate() {
    let mut h = Harness::new();
    h.deploy(
        "m.bpmn",
        &mapped_task(r#"<zeebe:output source="=result + &quot;!&quot;" target="summary.text" /><zeebe:output source="=orderId" target="summary.id" />"#),
    );
    let pi = h.create("m", r#"{"order": {"id": 7}, "summary": {"keep": true}}"#);
    let task = task_instance_key(&h);
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    h.complete(jobs[0].0, r#"{"result": "done", "noise": 1}"#);
    let vars = variable_events(&h.log[start..]);
    assert_eq!(
        vars,
        [
            (
                "CREATED".to_string(),
                "noise".to_string(),
                "1".to_string(),
                task
            ),
            ("CREATED".into(), "result".into(), r#""done""#.into(), task),
            (
                "UPDATED".into(),
                "summary".into(),
                r#"{"id":7,"keep":true,"text":"done!"}"#.into(),
                pi
            ),
        ]
    );
}

fn set_variables(
    h: &mut Harness,
    scope: Key,
    semantic: VariableDocumentUpdateSemantic,
    doc: &str,
) -> Record {
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::VariableDocument(
            VariableDocumentIntent::Update,
            VariableDocumentRecord {
                scope_key: scope,
                update_semantics: semantic,
                variables: Document::parse(doc).unwrap(),
                process_instance_key: Key::NONE,
                tenant_id: String::new(),
            },
        ),
    );
    h.response(request).unwrap().clone()
}

#[test]
fn set_variables_local_or_propagating() {
    let mut h = Harness::new();
    h.deploy("m.bpmn", &mapped_task(""));
    let pi = h.create("m", r#"{"order": {"id": 1}, "a": 1}"#);
    let task = task_instance_key(&h);
    let start = h.log.len();
    let r = set_variables(
        &mut h,
        task,
        VariableDocumentUpdateSemantic::Local,
        r#"{"a": 2}"#,
    );
    assert_eq!(r.intent_name(), "UPDATED");
    let RecordValue::VariableDocument(_, doc) = &r.value else {
        panic!()
    };
    assert_eq!(doc.process_instance_key, pi);
    assert_eq!(
        variable_events(&h.log[start..]),
        [(
            "CREATED".to_string(),
            "a".to_string(),
            "2".to_string(),
            task
        )]
    );
    let start = h.log.len();
    set_variables(
        &mut h,
        task,
        VariableDocumentUpdateSemantic::Propagate,
        r#"{"a": 3, "orderId": 5, "fresh": true}"#,
    );
    assert_eq!(
        variable_events(&h.log[start..]),
        [
            (
                "UPDATED".to_string(),
                "a".to_string(),
                "3".to_string(),
                task
            ),
            ("CREATED".into(), "fresh".into(), "true".into(), pi),
            ("UPDATED".into(), "orderId".into(), "5".into(), task),
        ]
    );
    // Unchanged values write nothing.
    let start = h.log.len();
    set_variables(
        &mut h,
        pi,
        VariableDocumentUpdateSemantic::Propagate,
        r#"{"fresh": true}"#,
    );
    assert!(variable_events(&h.log[start..]).is_empty());
    let missing = Key::new(PARTITION, 12_345);
    let r = set_variables(&mut h, missing, VariableDocumentUpdateSemantic::Local, "{}");
    assert_eq!(r.rejection().unwrap().kind, RejectionType::NotFound);
    assert_eq!(
        r.rejection().unwrap().reason,
        format!("Expected to update variables for element with key '{missing}', but no such element was found")
    );
}

#[test]
fn failing_output_mapping_raises_io_mapping_incident_and_retries_on_resolve() {
    let mut h = Harness::new();
    // `assert` fails evaluation when its condition is false.
    h.deploy(
        "m.bpmn",
        &mapped_task(r#"<zeebe:output source="=assert(result, result != null)" target="out" />"#),
    );
    h.create("m", r#"{"order": {"id": 1}}"#);
    let jobs = h.activate("t", 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "{}");
    let created: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(created.len(), 1, "{:?}", describe(&h.log[start..]));
    let RecordValue::Incident(_, incident) = &created[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::IoMappingError);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETING task"
    );
    let task = task_instance_key(&h);
    set_variables(
        &mut h,
        task,
        VariableDocumentUpdateSemantic::Local,
        r#"{"result": 1}"#,
    );
    let start = h.log.len();
    h.command(
        created[0].key,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_COMPLETED m".to_string()), "{l:?}");
}
