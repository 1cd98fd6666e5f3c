//! Deployment, creation, the element lifecycle of a one-task process, and job completion.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

#[test]
fn one_task_process_runs_to_completion_like_zeebe() {
    let mut h = Harness::new();
    let deployment = h.deploy("one.bpmn", &one_task("one", "work"));
    let RecordValue::Deployment(DeploymentIntent::Created, d) = &deployment.value else {
        panic!("unexpected {deployment:?}")
    };
    assert_eq!(d.processes_metadata.len(), 1);
    assert_eq!(d.processes_metadata[0].version, 1);
    assert!(!d.processes_metadata[0].is_duplicate);

    let start = h.log.len();
    let pi = h.create("one", r#"{"x": 1}"#);
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C PROCESS_INSTANCE_CREATION CREATE",
            "E VARIABLE CREATED x",
            "E PROCESS_INSTANCE_CREATION CREATED",
            "C ACTIVATE_ELEMENT one",
            "E ELEMENT_ACTIVATING one",
            "E ELEMENT_ACTIVATED one",
            "C ACTIVATE_ELEMENT start",
            "E ELEMENT_ACTIVATING start",
            "E ELEMENT_ACTIVATED start",
            "C COMPLETE_ELEMENT start",
            "E ELEMENT_COMPLETING start",
            "E ELEMENT_COMPLETED start",
            "E SEQUENCE_FLOW_TAKEN f1",
            "C ACTIVATE_ELEMENT task",
            "E ELEMENT_ACTIVATING task",
            "E ELEMENT_ACTIVATED task",
            "E JOB CREATED",
        ]
    );
    assert_eq!(h.jobs_available, ["work"]);

    let jobs = h.activate("work", 10);
    assert_eq!(jobs.len(), 1);
    let (job_key, job) = &jobs[0];
    assert_eq!(job.variables.as_str(), r#"{"x":1}"#);
    assert_eq!(job.custom_headers.get("h").map(String::as_str), Some("v"));
    assert_eq!(job.retries, 3);
    assert_eq!(job.process_instance_key, pi);
    assert_eq!(job.deadline, h.now + 60_000);

    let start = h.log.len();
    let completed = h.complete(*job_key, r#"{"y": "done"}"#);
    assert_eq!(completed.intent_name(), "COMPLETED");
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C JOB COMPLETE",
            "E JOB COMPLETED",
            "C COMPLETE_ELEMENT task",
            "E ELEMENT_COMPLETING task",
            "E VARIABLE CREATED y",
            "E ELEMENT_COMPLETED task",
            "E SEQUENCE_FLOW_TAKEN f2",
            "C ACTIVATE_ELEMENT end",
            "E ELEMENT_ACTIVATING end",
            "E ELEMENT_ACTIVATED end",
            "C COMPLETE_ELEMENT end",
            "E ELEMENT_COMPLETING end",
            "E ELEMENT_COMPLETED end",
            "C COMPLETE_ELEMENT one",
            "E ELEMENT_COMPLETING one",
            "E ELEMENT_COMPLETED one",
        ]
    );
    // Everything of the instance is gone; only definitions and the key counter remain.
    assert!(h.activate("work", 10).is_empty());
}
