//! Multi-instance activities.

mod common;

use common::*;
use hornet_engine::MAX_FOLLOW_UPS_PER_ROUND;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn mi(sequential: bool, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!("<bpmn:completionCondition>{condition}</bpmn:completionCondition>")
    };
    definitions(&format!(
        r#"<bpmn:process id="mi" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="each" />
    <bpmn:serviceTask id="each">
      <bpmn:extensionElements><zeebe:taskDefinition type="item" /></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=result" />
        </bpmn:extensionElements>
        {condition}
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

fn result_of(h: &Harness, pi: Key) -> Option<String> {
    h.log.iter().rev().find_map(|r| match &r.value {
        RecordValue::Variable(_, v) if v.name == "results" && v.scope_key == pi => {
            Some(v.value.clone())
        }
        _ => None,
    })
}

#[test]
fn parallel_multi_instance_runs_all_items_and_collects_results() {
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(false, ""));
    let start = h.log.len();
    let pi = h.create("mi", r#"{"items": ["a", "b", "c"]}"#);
    let l = lifecycle(&h.log[start..]);
    assert!(l.contains(&"ELEMENT_ACTIVATED each".to_string()));
    let body_types: Vec<BpmnElementType> = h.log[start..]
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v)
                if v.element_id == "each" =>
            {
                Some(v.bpmn_element_type)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        body_types,
        [
            BpmnElementType::MultiInstanceBody,
            BpmnElementType::ServiceTask,
            BpmnElementType::ServiceTask,
            BpmnElementType::ServiceTask
        ]
    );
    let jobs = h.activate("item", 10);
    assert_eq!(jobs.len(), 3);
    let items: Vec<String> = jobs
        .iter()
        .map(|(_, j)| j.variables.as_str().to_string())
        .collect();
    assert!(
        items[0].contains(r#""item":"a""#) && items[0].contains(r#""loopCounter":1"#),
        "{items:?}"
    );
    assert!(
        items[2].contains(r#""item":"c""#) && items[2].contains(r#""loopCounter":3"#),
        "{items:?}"
    );
    // Complete out of order; results keep the item order.
    h.complete(jobs[2].0, r#"{"result": "C"}"#);
    h.complete(jobs[0].0, r#"{"result": "A"}"#);
    let start = h.log.len();
    h.complete(jobs[1].0, r#"{"result": "B"}"#);
    let l = lifecycle(&h.log[start..]);
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED mi");
    assert_eq!(result_of(&h, pi).as_deref(), Some(r#"["A","B","C"]"#));
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn sequential_multi_instance_runs_items_one_after_another() {
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(true, ""));
    let pi = h.create("mi", r#"{"items": [1, 2]}"#);
    let first = h.activate("item", 10);
    assert_eq!(first.len(), 1);
    assert!(first[0].1.variables.as_str().contains(r#""item":1"#));
    h.complete(first[0].0, r#"{"result": 10}"#);
    let second = h.activate("item", 10);
    assert_eq!(second.len(), 1);
    assert!(second[0].1.variables.as_str().contains(r#""item":2"#));
    assert!(second[0]
        .1
        .variables
        .as_str()
        .contains(r#""loopCounter":2"#));
    let start = h.log.len();
    h.complete(second[0].0, r#"{"result": 20}"#);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED mi"
    );
    assert_eq!(result_of(&h, pi).as_deref(), Some("[10,20]"));
}

#[test]
fn empty_collection_completes_at_once_and_a_non_list_is_an_incident() {
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(false, ""));
    let start = h.log.len();
    let pi = h.create("mi", r#"{"items": []}"#);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED mi"
    );
    assert_eq!(result_of(&h, pi).as_deref(), Some("[]"));
    let start = h.log.len();
    h.create("mi", r#"{"items": 5}"#);
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ExtractValueError);
    assert_eq!(
        incident.error_message,
        "Expected result of the expression 'items' to be 'ARRAY', but was 'NUMBER'."
    );
}

#[test]
fn completion_condition_terminates_the_remaining_instances() {
    let mut h = Harness::new();
    h.deploy(
        "mi.bpmn",
        &mi(false, "= numberOfCompletedInstances &gt;= 1"),
    );
    h.create("mi", r#"{"items": [1, 2, 3]}"#);
    let jobs = h.activate("item", 10);
    let start = h.log.len();
    h.complete(jobs[1].0, r#"{"result": "first"}"#);
    let l = lifecycle(&h.log[start..]);
    assert_eq!(
        l.iter().filter(|s| *s == "ELEMENT_TERMINATED each").count(),
        2,
        "{l:?}"
    );
    assert_eq!(
        events_of(&h.log[start..], ValueType::Job, "CANCELED").len(),
        2
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED mi");
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `(intent, name, value, scope)` of the VARIABLE events among `records`.
fn variable_events(records: &[Record]) -> Vec<(String, String, String, Key)> {
    records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::Variable(_, v) if matches!(r.kind, RecordKind::Event) => Some((
                r.intent_name().to_string(),
                v.name.to_string(),
                v.value.clone(),
                v.scope_key,
            )),
            _ => None,
        })
        .collect()
}

fn mi_output(output_element: &str) -> String {
    mi(false, "").replace(
        r#"outputElement="=result""#,
        &format!(r#"outputElement="{output_element}""#),
    )
}

#[test]
fn output_element_variable_is_local_to_each_inner_instance() {
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(false, ""));
    let start = h.log.len();
    let pi = h.create("mi", r#"{"items": ["a", "b"]}"#);
    let inner: Vec<Key> = h.log[start..]
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v)
                if v.bpmn_element_type == BpmnElementType::ServiceTask =>
            {
                Some(r.key)
            }
            _ => None,
        })
        .collect();
    assert_eq!(inner.len(), 2);
    let body = h.log[start..]
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v)
                if v.bpmn_element_type == BpmnElementType::MultiInstanceBody =>
            {
                Some(r.key)
            }
            _ => None,
        })
        .unwrap();
    let created = |name: &str, value: &str, scope: Key| {
        (
            "CREATED".to_string(),
            name.to_string(),
            value.to_string(),
            scope,
        )
    };
    // As Zeebe's setLoopVariables: inputElement, the outputElement's variable (null), loopCounter.
    assert_eq!(
        variable_events(&h.log[start..]),
        [
            created("items", r#"["a","b"]"#, pi),
            created("results", "[null,null]", body),
            created("item", r#""a""#, inner[0]),
            created("result", "null", inner[0]),
            created("loopCounter", "1", inner[0]),
            created("item", r#""b""#, inner[1]),
            created("result", "null", inner[1]),
            created("loopCounter", "2", inner[1]),
        ]
    );
    let jobs = h.activate("item", 10);
    let start = h.log.len();
    h.complete(jobs[1].0, r#"{"result": "B"}"#);
    // The job's result updates the inner instance's local variable, then its slot in the collection.
    assert_eq!(
        variable_events(&h.log[start..]),
        [
            (
                "UPDATED".to_string(),
                "result".to_string(),
                r#""B""#.to_string(),
                inner[1]
            ),
            (
                "UPDATED".to_string(),
                "results".to_string(),
                r#"[null,"B"]"#.to_string(),
                body
            ),
        ]
    );
    let start = h.log.len();
    h.complete(jobs[0].0, r#"{"result": "A"}"#);
    assert_eq!(
        variable_events(&h.log[start..]),
        [
            (
                "UPDATED".to_string(),
                "result".to_string(),
                r#""A""#.to_string(),
                inner[0]
            ),
            (
                "UPDATED".to_string(),
                "results".to_string(),
                r#"["A","B"]"#.to_string(),
                body
            ),
            created("results", r#"["A","B"]"#, pi),
        ]
    );
    // Only the collection reached the process scope.
    assert!(
        !variable_events(&h.log)
            .iter()
            .any(|(_, name, _, scope)| name == "result" && *scope == pi),
        "{:?}",
        variable_events(&h.log)
    );
}

#[test]
fn only_an_output_element_naming_a_variable_creates_it_locally() {
    for (output_element, local) in [
        ("=result.total", Some("result")),
        ("= result ", Some("result")),
        ("=item", None),        // the input element is already local
        ("=loopCounter", None), // and so is the loop counter
        ("=item + &quot;!&quot;", None),
        ("=null", None),
    ] {
        let mut h = Harness::new();
        h.deploy("mi.bpmn", &mi_output(output_element));
        let start = h.log.len();
        h.create("mi", r#"{"items": ["a"]}"#);
        let names: Vec<String> = variable_events(&h.log[start..])
            .into_iter()
            .map(|(_, name, _, _)| name)
            .collect();
        let mut expected = vec!["items", "results", "item"];
        expected.extend(local);
        expected.push("loopCounter");
        assert_eq!(names, expected, "{output_element}");
    }
}

fn mi_collection(input_collection: &str) -> String {
    mi(true, "").replace(
        r#"inputCollection="=items""#,
        &format!(r#"inputCollection="{input_collection}""#),
    )
}

/// Runs the sequential `mi` process over `variables`, completing each job with its item times ten;
/// the items seen, and the final `results`.
fn run_sequential(h: &mut Harness, variables: &str) -> (Vec<String>, Option<String>) {
    let pi = h.create("mi", variables);
    let mut seen = Vec::new();
    while let Some((key, job)) = h.activate("item", 1).into_iter().next() {
        let vars: serde_json::Value = serde_json::from_str(job.variables.as_str()).unwrap();
        seen.push(vars["item"].to_string());
        let result = vars["item"]
            .as_f64()
            .map_or(serde_json::Value::Null, |n| (n * 10.0).into());
        h.complete(key, &serde_json::json!({ "result": result }).to_string());
    }
    (seen, result_of(h, pi))
}

#[test]
fn input_collection_paths_and_expressions_give_the_same_items() {
    for (collection, variables) in [
        ("=items", r#"{"items": [1, 2.5, 3]}"#),
        (
            "=order.items",
            r#"{"order": {"id": "o-1", "items": [1, 2.5, 3]}}"#,
        ),
        (
            "= order.lines.items",
            r#"{"order": {"lines": {"items": [1, 2.5, 3]}}}"#,
        ),
        ("=for x in [1, 2.5, 3] return x", "{}"),
        ("=items[item &gt; 0]", r#"{"items": [1, 2.5, 3]}"#),
    ] {
        let mut h = Harness::new();
        h.deploy("mi.bpmn", &mi_collection(collection));
        let (seen, results) = run_sequential(&mut h, variables);
        assert_eq!(seen, ["1", "2.5", "3"], "{collection}");
        assert_eq!(results.as_deref(), Some("[10,25,30]"), "{collection}");
    }
    // A path that does not lead to a list is the same incident either way.
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi_collection("=order.items"));
    let start = h.log.len();
    h.create("mi", r#"{"order": {"items": "none"}}"#);
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(
        incident.error_message,
        "Expected result of the expression 'order.items' to be 'ARRAY', but was 'STRING'."
    );
}

#[test]
fn the_input_collection_is_read_again_for_every_inner_instance() {
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(true, ""));
    h.create("mi", r#"{"items": ["a", "b", "c"]}"#);
    let first = h.activate("item", 1);
    // The first job replaces the collection (it propagates to the process scope, where `items` lives).
    h.complete(first[0].0, r#"{"result": 1, "items": ["a", "B", "c"]}"#);
    let second = h.activate("item", 1);
    assert!(second[0].1.variables.as_str().contains(r#""item":"B""#));
    // Shrunk below the next loop counter: nothing left to iterate, the body completes (as Zeebe).
    h.complete(second[0].0, r#"{"result": 2, "items": ["a", "B"]}"#);
    assert!(h.activate("item", 1).is_empty());
    assert!(lifecycle(&h.log).contains(&"ELEMENT_COMPLETED mi".to_string()));
}

#[test]
fn a_collection_larger_than_a_round_gives_every_inner_instance_its_own_item() {
    // More inner instances than one round activates: the rest are activated by later rounds, which
    // read the same (indexed) collection.
    let n = MAX_FOLLOW_UPS_PER_ROUND + 100;
    let mut h = Harness::new();
    h.deploy("mi.bpmn", &mi(false, ""));
    let items: Vec<String> = (0..n).map(|i| format!("item-{i}")).collect();
    let pi = h.create("mi", &serde_json::json!({ "items": items }).to_string());
    let mut jobs = Vec::new();
    loop {
        let batch = h.activate("item", 500);
        if batch.is_empty() {
            break;
        }
        jobs.extend(batch);
    }
    assert_eq!(jobs.len(), n);
    // Completed in reverse, each with a result derived from its own item.
    for (key, job) in jobs.iter().rev() {
        let vars: serde_json::Value = serde_json::from_str(job.variables.as_str()).unwrap();
        let item = vars["item"].as_str().unwrap();
        let counter = vars["loopCounter"].as_u64().unwrap() as usize;
        assert_eq!(item, items[counter - 1]);
        h.complete(
            *key,
            &serde_json::json!({ "result": item.to_uppercase() }).to_string(),
        );
    }
    let expected: Vec<String> = items.iter().map(|i| i.to_uppercase()).collect();
    assert_eq!(
        result_of(&h, pi),
        Some(serde_json::to_string(&expected).unwrap())
    );
}

#[test]
fn number_of_instances_counts_the_inner_instances_created_so_far() {
    // As Zeebe (the body's count of activated children): a sequential body has created one inner
    // instance when the first completes, so this condition holds at once.
    let mut h = Harness::new();
    h.deploy(
        "mi.bpmn",
        &mi(true, "= numberOfCompletedInstances = numberOfInstances"),
    );
    h.create("mi", r#"{"items": [1, 2, 3]}"#);
    let first = h.activate("item", 10);
    assert_eq!(first.len(), 1);
    let start = h.log.len();
    h.complete(first[0].0, r#"{"result": 1}"#);
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED mi"
    );
    // A parallel body creates all of them first: the same condition waits for every item.
    let mut h = Harness::new();
    h.deploy(
        "mi.bpmn",
        &mi(false, "= numberOfCompletedInstances = numberOfInstances"),
    );
    h.create("mi", r#"{"items": [1, 2, 3]}"#);
    let jobs = h.activate("item", 10);
    h.complete(jobs[0].0, r#"{"result": 1}"#);
    h.complete(jobs[1].0, r#"{"result": 2}"#);
    assert!(!lifecycle(&h.log).contains(&"ELEMENT_COMPLETED mi".to_string()));
    h.complete(jobs[2].0, r#"{"result": 3}"#);
    assert!(lifecycle(&h.log).contains(&"ELEMENT_COMPLETED mi".to_string()));
}
