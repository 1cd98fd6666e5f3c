//! Job push: a job that becomes activatable is activated at once for an open job stream of its type,
//! and only announced to pollers when no stream takes it.

mod common;

use common::*;
use hornet_engine::job_streams::{JobStream, JobStreamId, JobStreams};
use hornet_protocol::value::*;
use hornet_protocol::*;
use std::sync::{Arc, Mutex};

/// Streams by job type, changeable between rounds.
#[derive(Default)]
struct TestStreams(Mutex<Vec<(JobStreamId, Arc<JobStreamProperties>)>>);

impl TestStreams {
    fn open(&self, id: u64, job_type: &str, fetch_variables: &[&str]) {
        self.0.lock().unwrap().push((
            JobStreamId(id),
            Arc::new(JobStreamProperties {
                job_type: job_type.into(),
                worker: format!("stream-{id}"),
                timeout: 5_000,
                fetch_variables: fetch_variables.iter().map(|v| v.to_string()).collect(),
            }),
        ));
    }

    fn close_all(&self) {
        self.0.lock().unwrap().clear();
    }
}

impl JobStreams for TestStreams {
    fn stream_for(&self, job_type: &str) -> Option<JobStream> {
        let streams = self.0.lock().unwrap();
        let (id, properties) = streams.iter().find(|(_, p)| p.job_type == job_type)?;
        Some(JobStream {
            id: *id,
            properties: Arc::clone(properties),
        })
    }
}

fn setup() -> (Harness, Arc<TestStreams>) {
    let streams = Arc::new(TestStreams::default());
    let mut h = Harness::with_job_streams(streams.clone());
    h.deploy("p.bpmn", &one_task("p", "work"));
    (h, streams)
}

fn activated_batches(records: &[Record]) -> Vec<&JobBatchRecord> {
    records
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::JobBatch(JobBatchIntent::Activated, b) if r.kind == RecordKind::Event => {
                Some(&**b)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_created_job_is_activated_for_an_open_stream_and_pushed_after_its_creation() {
    let (mut h, streams) = setup();
    streams.open(7, "work", &["a"]);
    let start = h.log.len();
    let instance = h.create("p", r#"{"a": 1, "b": 2}"#);
    let round = &h.log[start..];
    let created = events_of(round, ValueType::Job, "CREATED");
    assert_eq!(created.len(), 1);
    let job_key = created[0].key;
    // The activation is logged right after the creation, as a batch of one without variables.
    let batches = activated_batches(round);
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].job_keys, [job_key]);
    assert_eq!(batches[0].worker, "stream-7");
    assert_eq!(batches[0].jobs[0].deadline, h.now + 5_000);
    assert!(batches[0].jobs[0].variables.is_empty());
    // The stream gets the job with the variables it asked for; pollers hear nothing.
    assert_eq!(h.pushed.len(), 1);
    let (stream, pushed) = &h.pushed[0];
    assert_eq!(*stream, JobStreamId(7));
    assert_eq!(pushed.key, job_key);
    assert_eq!(pushed.job.worker, "stream-7");
    assert_eq!(pushed.job.process_instance_key, instance);
    assert_eq!(pushed.job.variables.as_str(), r#"{"a":1}"#);
    assert!(h.jobs_available.is_empty());
    // The job is activated: a poller finds nothing, and completing it completes the instance.
    assert!(h.activate("work", 10).is_empty());
    assert_eq!(h.complete(job_key, "{}").intent_name(), "COMPLETED");
    let completed = events_of(&h.log, ValueType::ProcessInstance, "ELEMENT_COMPLETED");
    assert!(completed.iter().any(|r| r.key == instance));
}

#[test]
fn without_a_stream_of_its_type_a_job_is_announced_and_waits_for_a_poller() {
    let (mut h, streams) = setup();
    streams.open(1, "other", &[]);
    h.create("p", "{}");
    assert!(h.pushed.is_empty());
    assert_eq!(h.jobs_available, ["work"]);
    assert_eq!(h.activate("work", 10).len(), 1);
}

#[test]
fn a_yielded_job_is_announced_to_pollers_and_not_pushed_again() {
    let (mut h, streams) = setup();
    streams.open(1, "work", &[]);
    h.create("p", r#"{"x": true}"#);
    let key = h.pushed[0].1.key;
    let yielded = h.job_command(JobIntent::Yield, key, |_| {});
    assert_eq!(yielded.intent_name(), "YIELDED");
    assert_eq!(
        h.pushed.len(),
        1,
        "a yield must not push the job straight back"
    );
    assert_eq!(h.jobs_available, ["work"]);
    let polled = h.activate("work", 10);
    assert_eq!(polled.len(), 1);
    assert_eq!(polled[0].0, key);
    assert_eq!(polled[0].1.variables.as_str(), r#"{"x":true}"#);
}

#[test]
fn the_yield_command_of_a_pushed_job_gives_it_back() {
    let (mut h, streams) = setup();
    streams.open(1, "work", &[]);
    h.create("p", "{}");
    let command = yield_job(h.pushed[0].1.key);
    assert_eq!(command.key, h.pushed[0].1.key);
    assert_eq!(command.intent_name(), "YIELD");
    assert!(command.is_command());
    let records = h.write(command);
    assert!(records.iter().any(|r| r.intent_name() == "YIELDED"));
    assert_eq!(h.activate("work", 10).len(), 1);
}

#[test]
fn failed_and_timed_out_jobs_are_pushed_again() {
    let (mut h, streams) = setup();
    streams.open(1, "work", &[]);
    h.create("p", "{}");
    let key = h.pushed[0].1.key;
    let failed = h.job_command(JobIntent::Fail, key, |job| job.retries = 2);
    assert_eq!(failed.intent_name(), "FAILED");
    assert_eq!(h.pushed.len(), 2);
    assert_eq!(h.pushed[1].1.key, key);
    assert_eq!(h.pushed[1].1.job.retries, 2);
    // The stream goes away; the activation times out and the job goes to the stream now open.
    streams.close_all();
    streams.open(2, "work", &[]);
    h.advance(5_001);
    let due = h.run_due();
    assert!(due.iter().any(|r| r.intent_name() == "TIMED_OUT"));
    assert_eq!(h.pushed.len(), 3);
    assert_eq!(h.pushed[2].0, JobStreamId(2));
    assert_eq!(h.pushed[2].1.job.deadline, h.now + 5_000);
    assert!(h.jobs_available.is_empty());
}

#[test]
fn a_job_back_from_its_backoff_is_pushed() {
    let (mut h, streams) = setup();
    h.create("p", "{}");
    let key = h.activate("work", 1)[0].0;
    h.job_command(JobIntent::Fail, key, |job| {
        job.retries = 1;
        job.retry_backoff = 1_000;
    });
    streams.open(3, "work", &[]);
    assert!(h.pushed.is_empty());
    h.advance(1_000);
    let due = h.run_due();
    assert!(due
        .iter()
        .any(|r| r.intent_name() == "RECURRED_AFTER_BACKOFF"));
    assert_eq!(h.pushed.len(), 1);
    assert_eq!(h.pushed[0].1.key, key);
}

#[test]
fn a_job_whose_incident_is_resolved_is_pushed() {
    let (mut h, streams) = setup();
    h.create("p", "{}");
    let key = h.activate("work", 1)[0].0;
    h.job_command(JobIntent::Fail, key, |job| job.retries = 0);
    let incident = events_of(&h.log, ValueType::Incident, "CREATED")[0].key;
    h.job_command(JobIntent::UpdateRetries, key, |job| job.retries = 1);
    streams.open(4, "work", &[]);
    let (request, _) = h.request(
        incident,
        RecordValue::Incident(IncidentIntent::Resolve, Box::new(IncidentRecord::empty())),
    );
    assert_eq!(h.response(request).unwrap().intent_name(), "RESOLVED");
    assert_eq!(h.pushed.len(), 1);
    assert_eq!(h.pushed[0].1.key, key);
    assert_eq!(h.pushed[0].1.job.retries, 1);
}
