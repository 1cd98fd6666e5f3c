//! ProcessInstanceCreation CREATE / CREATE_WITH_AWAITING_RESULT and ProcessInstance CANCEL.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn create_value(h: &mut Harness, value: ProcessInstanceCreationRecord) -> Record {
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, value),
    );
    h.response(request).unwrap().clone()
}

#[test]
fn creates_latest_or_given_version_or_by_key() {
    let mut h = Harness::new();
    let v1 = h.deploy("p.bpmn", &one_task("p", "a"));
    let v2 = h.deploy("p.bpmn", &one_task("p", "b"));
    let key_of = |r: &Record| match &r.value {
        RecordValue::Deployment(_, d) => (
            d.processes_metadata[0].process_definition_key,
            d.processes_metadata[0].version,
        ),
        _ => unreachable!(),
    };
    let (k1, ver1) = key_of(&v1);
    let (k2, ver2) = key_of(&v2);
    assert_eq!((ver1, ver2), (1, 2));

    let latest = create_value(&mut h, Harness::creation("p", ""));
    let RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Created, c) =
        &latest.value
    else {
        panic!()
    };
    assert_eq!((c.version, c.process_definition_key), (2, k2));
    assert_eq!(latest.key, c.process_instance_key);

    let mut by_version = Harness::creation("p", "");
    by_version.version = 1;
    let first = create_value(&mut h, by_version);
    let RecordValue::ProcessInstanceCreation(_, c) = &first.value else {
        panic!()
    };
    assert_eq!(c.process_definition_key, k1);

    let mut by_key = Harness::creation("", "");
    by_key.process_definition_key = k1;
    let r = create_value(&mut h, by_key);
    let RecordValue::ProcessInstanceCreation(_, c) = &r.value else {
        panic!()
    };
    assert_eq!((c.version, c.bpmn_process_id.as_str()), (1, "p"));
    // one job of type a (v1 twice), one of type b
    assert_eq!(h.activate("a", 10).len(), 2);
    assert_eq!(h.activate("b", 10).len(), 1);
}

#[test]
fn rejects_unknown_processes_like_zeebe() {
    let mut h = Harness::new();
    let r = create_value(&mut h, Harness::creation("missing", ""));
    let rej = r.rejection().unwrap();
    assert_eq!(rej.kind, RejectionType::NotFound);
    assert_eq!(
        rej.reason,
        "Expected to find process definition with process ID 'missing', but none found"
    );

    h.deploy("p.bpmn", &one_task("p", "a"));
    let mut v = Harness::creation("p", "");
    v.version = 7;
    let r = create_value(&mut h, v);
    assert_eq!(
        r.rejection().unwrap().reason,
        "Expected to find process definition with process ID 'p' and version '7', but none found"
    );
    let mut v = Harness::creation("", "");
    v.process_definition_key = Key::new(PARTITION, 999);
    let r = create_value(&mut h, v);
    assert_eq!(r.rejection().unwrap().kind, RejectionType::NotFound);
    assert_eq!(
        r.rejection().unwrap().reason,
        format!(
            "Expected to find process definition with key '{}', but none found",
            Key::new(PARTITION, 999)
        )
    );
    let r = create_value(&mut h, Harness::creation("", ""));
    assert_eq!(r.rejection().unwrap().kind, RejectionType::InvalidArgument);
}

#[test]
fn awaiting_result_answers_with_root_variables_when_completed() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "a"));
    let mut value = Harness::creation("p", r#"{"a": 1, "b": 2}"#);
    value.fetch_variables = vec!["b".into(), "c".into()];
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::CreateWithAwaitingResult,
            value,
        ),
    );
    assert!(h.response(request).is_none(), "answered before completion");
    let jobs = h.activate("a", 1);
    h.complete(jobs[0].0, r#"{"c": "x"}"#);
    let result = h.response(request).expect("result");
    let RecordValue::ProcessInstanceResult(ProcessInstanceResultIntent::Completed, r) =
        &result.value
    else {
        panic!("unexpected {result:?}")
    };
    assert_eq!(r.variables.as_str(), r#"{"b":2,"c":"x"}"#);
    assert_eq!(r.version, 1);
}

#[test]
fn awaiting_result_of_a_canceled_instance_is_a_rejection() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "a"));
    let (request, records) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::CreateWithAwaitingResult,
            Harness::creation("p", ""),
        ),
    );
    let pi = records[0].key;
    h.command(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    let answer = h.response(request).expect("answered");
    let rejection = answer.rejection().expect("a rejection");
    assert_eq!(rejection.kind, RejectionType::InvalidState);
    assert!(
        rejection.reason.contains("terminated"),
        "{}",
        rejection.reason
    );
}

#[test]
fn cancel_terminates_bottom_up_and_cancels_the_job() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "a"));
    let pi = h.create("p", "");
    let start = h.log.len();
    let (request, _) = h.request(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    assert_eq!(
        h.response(request).unwrap().intent_name(),
        "ELEMENT_TERMINATING"
    );
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C CANCEL ",
            "C TERMINATE_ELEMENT p",
            "E ELEMENT_TERMINATING p",
            "C TERMINATE_ELEMENT task",
            "E ELEMENT_TERMINATING task",
            "E JOB CANCELED",
            "E ELEMENT_TERMINATED task",
            "E ELEMENT_TERMINATED p",
        ]
    );
    assert!(h.activate("a", 5).is_empty());
    // Everything about the instance is gone from state.
    let (request, _) = h.request(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    let rejection = h.response(request).unwrap().rejection().unwrap().clone();
    assert_eq!(rejection.kind, RejectionType::NotFound);
    assert_eq!(
        rejection.reason,
        format!(
            "Expected to cancel a process instance with key '{pi}', but no such process was found"
        )
    );
}

#[test]
fn cancel_resolves_open_incidents() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "a"));
    let pi = h.create("p", "");
    let jobs = h.activate("a", 1);
    h.job_command(JobIntent::Fail, jobs[0].0, |j| j.retries = 0);
    let start = h.log.len();
    h.command(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    let records = &h.log[start..];
    assert_eq!(events_of(records, ValueType::Incident, "RESOLVED").len(), 1);
    assert_eq!(events_of(records, ValueType::Job, "CANCELED").len(), 1);
}

#[test]
fn start_instructions_start_at_the_named_elements() {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "a"));
    let mut value = Harness::creation("p", r#"{"x": 1}"#);
    value.start_instructions = vec!["task".into()];
    let (request, records) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, value),
    );
    assert!(h.response(request).unwrap().rejection().is_none());
    let l = lifecycle(&records);
    assert!(!l.iter().any(|s| s.ends_with(" start")), "{l:?}");
    assert!(l.contains(&"ELEMENT_ACTIVATED task".to_string()), "{l:?}");
    let jobs = h.activate("a", 1);
    assert_eq!(jobs.len(), 1);
    let start = h.log.len();
    h.complete(jobs[0].0, "");
    assert_eq!(
        lifecycle(&h.log[start..]).last().unwrap(),
        "ELEMENT_COMPLETED p"
    );

    let mut value = Harness::creation("p", "");
    value.start_instructions = vec!["nope".into()];
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, value),
    );
    let rejection = h.response(request).unwrap().rejection().unwrap().clone();
    assert_eq!(rejection.kind, RejectionType::InvalidArgument);
    assert_eq!(
        rejection.reason,
        "Expected to create instance of process with start instructions but no element found with id 'nope'."
    );
}
