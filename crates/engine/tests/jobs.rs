//! Job batch activation and every job command, with their rejections.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn setup(instances: usize) -> Harness {
    let mut h = Harness::new();
    h.deploy("p.bpmn", &one_task("p", "work"));
    for i in 0..instances {
        h.create("p", &format!(r#"{{"i": {i}, "other": "x"}}"#));
    }
    h
}

fn batch_request(h: &mut Harness, edit: impl FnOnce(&mut JobBatchRecord)) -> Record {
    let mut batch = JobBatchRecord {
        job_type: "work".into(),
        worker: "w".into(),
        timeout: 1000,
        max_jobs_to_activate: 10,
        fetch_variables: vec![],
        tenant_ids: vec![],
        job_keys: vec![],
        jobs: vec![],
        truncated: false,
    };
    edit(&mut batch);
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::JobBatch(JobBatchIntent::Activate, Box::new(batch)),
    );
    h.response(request).unwrap().clone()
}

fn batch_of(record: &Record) -> &JobBatchRecord {
    match &record.value {
        RecordValue::JobBatch(JobBatchIntent::Activated, b) => b,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn activates_in_key_order_up_to_max_and_reports_truncation() {
    let mut h = setup(3);
    let first = batch_request(&mut h, |b| b.max_jobs_to_activate = 2);
    let batch = batch_of(&first);
    assert_eq!(batch.jobs.len(), 2);
    assert!(batch.truncated);
    assert!(batch.job_keys[0] < batch.job_keys[1]);
    assert_eq!(batch.jobs[0].worker, "w");
    assert_eq!(batch.jobs[0].variables.as_str(), r#"{"i":0,"other":"x"}"#);
    let second = batch_request(&mut h, |b| {
        b.fetch_variables = vec!["i".into(), "nope".into()]
    });
    let batch = batch_of(&second);
    assert_eq!(batch.jobs.len(), 1);
    assert!(!batch.truncated);
    assert_eq!(batch.jobs[0].variables.as_str(), r#"{"i":2}"#);
    let empty = batch_request(&mut h, |_| {});
    assert!(batch_of(&empty).jobs.is_empty());
    // As in Zeebe 8, an empty worker name is accepted.
    let anonymous = batch_request(&mut h, |b| b.worker.clear());
    assert!(anonymous.rejection().is_none());
}

#[test]
fn rejects_invalid_batches_with_zeebe_reasons() {
    let mut h = setup(0);
    type Edit = Box<dyn FnOnce(&mut JobBatchRecord)>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|b| b.max_jobs_to_activate = 0), "Expected to activate job batch with max jobs to activate to be greater than zero, but it was '0'"),
        (Box::new(|b| b.timeout = 0), "Expected to activate job batch with timeout to be greater than zero, but it was '0'"),
        (Box::new(|b| b.job_type.clear()), "Expected to activate job batch with type to be present, but it was blank"),
    ];
    for (edit, reason) in cases {
        let r = batch_request(&mut h, edit);
        let rejection = r.rejection().expect("rejected");
        assert_eq!(rejection.kind, RejectionType::InvalidArgument);
        assert_eq!(rejection.reason, reason);
    }
}

#[test]
fn complete_rejections() {
    let mut h = setup(1);
    let missing = Key::new(PARTITION, 4242);
    let r = h.complete(missing, "");
    assert_eq!(r.rejection().unwrap().kind, RejectionType::NotFound);
    assert_eq!(
        r.rejection().unwrap().reason,
        format!("Expected to complete job with key '{missing}', but no such job was found")
    );
    let jobs = h.activate("work", 1);
    // Zeebe 8 lets a worker complete an activatable job, too; completing twice finds no job.
    h.complete(jobs[0].0, "");
    let again = h.complete(jobs[0].0, "");
    assert_eq!(again.rejection().unwrap().kind, RejectionType::NotFound);
}

#[test]
fn completing_an_activatable_job_is_allowed() {
    let mut h = setup(1);
    let job_key = events_of(&h.log, ValueType::Job, "CREATED")[0].key;
    let r = h.complete(job_key, "");
    assert_eq!(r.intent_name(), "COMPLETED");
}

#[test]
fn fail_with_retries_makes_the_job_activatable_again() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    let r = h.job_command(JobIntent::Fail, jobs[0].0, |j| {
        j.retries = 2;
        j.error_message = "boom".into();
    });
    assert_eq!(r.intent_name(), "FAILED");
    let again = h.activate("work", 1);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.retries, 2);
    assert_eq!(again[0].1.error_message, "boom");
}

#[test]
fn fail_with_backoff_recurs_when_due() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    h.job_command(JobIntent::Fail, jobs[0].0, |j| {
        j.retries = 1;
        j.retry_backoff = 5_000;
    });
    assert!(h.activate("work", 1).is_empty());
    assert_eq!(h.next_due(), Some(h.now + 5_000));
    h.advance(4_999);
    assert!(h.run_due().is_empty());
    h.advance(1);
    let records = h.run_due();
    assert_eq!(describe(&records), ["E JOB RECURRED_AFTER_BACKOFF"]);
    assert_eq!(h.activate("work", 1).len(), 1);
}

#[test]
fn fail_without_retries_raises_an_incident_that_needs_new_retries() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    let job_key = jobs[0].0;
    let start = h.log.len();
    h.job_command(JobIntent::Fail, job_key, |j| {
        j.retries = 0;
        j.error_message = "no luck".into();
    });
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    assert_eq!(incidents.len(), 1);
    let incident_key = incidents[0].key;
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::JobNoRetries);
    assert_eq!(incident.error_message, "no luck");
    assert_eq!(incident.job_key, job_key);
    assert_eq!(incident.element_id, "task");

    let resolve = |h: &mut Harness| {
        let (request, _) = h.request(
            incident_key,
            RecordValue::Incident(IncidentIntent::Resolve, Box::new(IncidentRecord::empty())),
        );
        h.response(request).unwrap().clone()
    };
    let r = resolve(&mut h);
    assert_eq!(r.rejection().unwrap().kind, RejectionType::InvalidState);
    assert_eq!(
        r.rejection().unwrap().reason,
        format!("Expected to resolve incident with key '{incident_key}', but job with key '{job_key}' has no retries left. Please update the job retries and retry resolving the incident")
    );
    let bad = h.job_command(JobIntent::UpdateRetries, job_key, |j| j.retries = 0);
    assert_eq!(
        bad.rejection().unwrap().kind,
        RejectionType::InvalidArgument
    );
    assert_eq!(
        bad.rejection().unwrap().reason,
        format!("Expected to update retries for job with key '{job_key}' with a positive amount of retries, but the amount given was '0'")
    );
    let updated = h.job_command(JobIntent::UpdateRetries, job_key, |j| j.retries = 2);
    assert_eq!(updated.intent_name(), "RETRIES_UPDATED");
    assert!(
        h.activate("work", 1).is_empty(),
        "still failed until the incident is resolved"
    );
    let r = resolve(&mut h);
    assert_eq!(r.intent_name(), "RESOLVED");
    assert!(h.jobs_available.iter().filter(|t| *t == "work").count() >= 2);
    let again = h.activate("work", 1);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.retries, 2);
    let missing = Key::new(PARTITION, 777);
    let (request, _) = h.request(
        missing,
        RecordValue::Incident(IncidentIntent::Resolve, Box::new(IncidentRecord::empty())),
    );
    assert_eq!(
        h.response(request).unwrap().rejection().unwrap().reason,
        format!(
            "Expected to resolve incident with key '{missing}', but no such incident was found"
        )
    );
}

#[test]
fn unhandled_thrown_error_raises_an_incident_with_zeebes_message() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    let start = h.log.len();
    let r = h.job_command(JobIntent::ThrowError, jobs[0].0, |j| {
        j.error_code = "E1".into();
        j.error_message = "went wrong".into();
    });
    assert_eq!(r.intent_name(), "ERROR_THROWN");
    let incidents: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::UnhandledErrorEvent);
    assert_eq!(
        incident.error_message,
        "Expected to throw an error event with the code 'E1' with message 'went wrong', but it was not caught. No error events are available in the scope."
    );
    // The job is not workable while the error waits.
    let again = h.complete(jobs[0].0, "");
    assert_eq!(
        again.rejection().unwrap().reason,
        format!(
            "Expected to complete job with key '{}', but it is in state 'ERROR_THROWN'",
            jobs[0].0
        )
    );
    let incident_key = incidents[0].key;
    h.command(
        incident_key,
        RecordValue::Incident(IncidentIntent::Resolve, Box::new(IncidentRecord::empty())),
    );
    assert_eq!(h.activate("work", 1).len(), 1);
}

#[test]
fn timed_out_jobs_become_activatable() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    assert_eq!(h.next_due(), Some(h.now + 60_000));
    // A premature time-out command is rejected.
    let early = h.job_command(JobIntent::TimeOut, jobs[0].0, |_| {});
    assert_eq!(early.rejection().unwrap().kind, RejectionType::InvalidState);
    h.advance(60_000);
    let records = h.run_due();
    assert_eq!(describe(&records), ["E JOB TIMED_OUT"]);
    let again = h.activate("work", 1);
    assert_eq!(again.len(), 1);
    // A stale time-out (job re-activated meanwhile, deadline in the future) is rejected.
    let stale = h.job_command(JobIntent::TimeOut, jobs[0].0, |_| {});
    assert!(stale.rejection().is_some());
}

#[test]
fn update_timeout_moves_the_deadline() {
    let mut h = setup(1);
    let job_key = events_of(&h.log, ValueType::Job, "CREATED")[0].key;
    let not_active = h.job_command(JobIntent::UpdateTimeout, job_key, |j| j.timeout = 10);
    assert_eq!(
        not_active.rejection().unwrap().reason,
        format!("Expected to update the timeout of job with key '{job_key}', but it is not active")
    );
    h.activate("work", 1);
    let r = h.job_command(JobIntent::UpdateTimeout, job_key, |j| j.timeout = 500_000);
    let RecordValue::Job(JobIntent::TimeoutUpdated, job) = &r.value else {
        panic!("{r:?}")
    };
    assert_eq!(job.deadline, h.now + 500_000);
    assert_eq!(h.next_due(), Some(h.now + 500_000));
    let missing = h.job_command(JobIntent::UpdateTimeout, Key::new(PARTITION, 99_999), |j| {
        j.timeout = 1
    });
    assert_eq!(missing.rejection().unwrap().kind, RejectionType::NotFound);
}

#[test]
fn fail_and_throw_error_reject_unknown_jobs() {
    let mut h = setup(0);
    let key = Key::new(PARTITION, 5);
    for (intent, action) in [
        (JobIntent::Fail, "fail"),
        (JobIntent::ThrowError, "throw an error for"),
        (JobIntent::UpdateRetries, "update retries for"),
    ] {
        let r = h.job_command(intent, key, |j| j.retries = 1);
        assert_eq!(r.rejection().unwrap().kind, RejectionType::NotFound);
        assert_eq!(
            r.rejection().unwrap().reason,
            format!("Expected to {action} job with key '{key}', but no such job was found")
        );
    }
}

#[test]
fn job_type_and_retries_from_expressions() {
    let mut h = Harness::new();
    let xml = definitions(
        r#"<bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="=&quot;t-&quot; + kind" retries="=n + 1" /></bpmn:extensionElements>
    </bpmn:serviceTask>
  </bpmn:process>"#,
    );
    h.deploy("p.bpmn", &xml);
    h.create("p", r#"{"kind": "x", "n": 4}"#);
    let jobs = h.activate("t-x", 1);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].1.retries, 5);
    // A job type that does not evaluate to a string is an incident.
    let start = h.log.len();
    h.create("p", r#"{"kind": 1}"#);
    let incidents = events_of(&h.log[start..], ValueType::Incident, "CREATED");
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::ExtractValueError);
}

#[test]
fn fail_variables_become_local_variables_of_the_task() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    let start = h.log.len();
    h.job_command(JobIntent::Fail, jobs[0].0, |j| {
        j.retries = 1;
        j.variables = Document::parse(r#"{"attempt": 1}"#).unwrap();
    });
    let vars = events_of(&h.log[start..], ValueType::Variable, "CREATED");
    let RecordValue::Variable(_, v) = &vars[0].value else {
        panic!()
    };
    assert_eq!(v.scope_key, jobs[0].1.element_instance_key);
    let again = h.activate("work", 1);
    assert_eq!(
        again[0].1.variables.as_str(),
        r#"{"attempt":1,"i":0,"other":"x"}"#
    );
}

#[test]
fn a_yielded_job_is_activatable_again() {
    let mut h = setup(1);
    let jobs = h.activate("work", 1);
    let r = h.job_command(JobIntent::Yield, jobs[0].0, |_| {});
    assert_eq!(r.intent_name(), "YIELDED");
    assert_eq!(h.activate("work", 1).len(), 1);
    let again = h.job_command(JobIntent::Yield, Key::new(PARTITION, 123_456), |_| {});
    assert_eq!(again.rejection().unwrap().kind, RejectionType::NotFound);
}
