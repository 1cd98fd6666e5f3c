//! Call activities: child instances, variable passing, termination.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn parent(extra: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="parent" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child" {extra} /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

#[test]
fn call_activity_runs_the_child_and_takes_over_its_variables() {
    let mut h = Harness::new();
    h.deploy("child.bpmn", &one_task("child", "child-work"));
    h.deploy("parent.bpmn", &parent(""));
    let start = h.log.len();
    let pi = h.create("parent", r#"{"input": 1}"#);
    let child_activating = h.log[start..]
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v)
                if v.bpmn_process_id == "child"
                    && v.bpmn_element_type == BpmnElementType::Process =>
            {
                Some((r.key, v.clone()))
            }
            _ => None,
        })
        .expect("child started");
    let (child_key, child) = child_activating;
    assert_eq!(child.parent_process_instance_key, pi);
    let call_key = h.log[start..]
        .iter()
        .find(|r| matches!(&r.value, RecordValue::ProcessInstance(ProcessInstanceIntent::ElementActivating, v) if v.element_id == "call"))
        .unwrap()
        .key;
    assert_eq!(child.parent_element_instance_key, call_key);
    // The child cannot be canceled on its own.
    let r = h.command(
        child_key,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    assert_eq!(rejection(&r).unwrap().0, RejectionType::InvalidState);

    let jobs = h.activate("child-work", 1);
    assert_eq!(jobs[0].1.variables.as_str(), r#"{"input":1}"#);
    assert_eq!(jobs[0].1.process_instance_key, child_key);
    let start = h.log.len();
    h.complete(jobs[0].0, r#"{"output": "from child"}"#);
    let l = lifecycle(&h.log[start..]);
    let tail: Vec<&str> = l
        .iter()
        .map(String::as_str)
        .skip_while(|s| *s != "ELEMENT_COMPLETED child")
        .collect();
    assert_eq!(
        tail[..4],
        [
            "ELEMENT_COMPLETED child",
            "COMPLETE_ELEMENT call",
            "ELEMENT_COMPLETING call",
            "ELEMENT_COMPLETED call"
        ]
    );
    assert_eq!(l.last().unwrap(), "ELEMENT_COMPLETED parent");
    let parent_vars: Vec<String> = h.log[start..]
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::Variable(_, v) if v.scope_key == pi => {
                Some(format!("{}={}", v.name, v.value))
            }
            _ => None,
        })
        .collect();
    assert_eq!(parent_vars, [r#"output="from child""#]);
    let leftovers: Vec<_> = h
        .leader_state
        .iter()
        .filter(|(k, _)| k[0] >= 0x10)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn canceling_the_parent_terminates_the_child_first() {
    let mut h = Harness::new();
    h.deploy("child.bpmn", &one_task("child", "child-work"));
    h.deploy(
        "parent.bpmn",
        &parent(r#"propagateAllParentVariables="false""#),
    );
    let pi = h.create("parent", r#"{"secret": 1}"#);
    let jobs = h.activate("child-work", 1);
    assert_eq!(jobs[0].1.variables.as_str(), "{}");
    let start = h.log.len();
    h.command(
        pi,
        RecordValue::ProcessInstance(ProcessInstanceIntent::Cancel, empty_instance_record()),
    );
    assert_eq!(
        lifecycle(&h.log[start..]),
        [
            "CANCEL ",
            "TERMINATE_ELEMENT parent",
            "ELEMENT_TERMINATING parent",
            "TERMINATE_ELEMENT call",
            "ELEMENT_TERMINATING call",
            "TERMINATE_ELEMENT child",
            "ELEMENT_TERMINATING child",
            "TERMINATE_ELEMENT task",
            "ELEMENT_TERMINATING task",
            "ELEMENT_TERMINATED task",
            "ELEMENT_TERMINATED child",
            "ELEMENT_TERMINATED call",
            "ELEMENT_TERMINATED parent",
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
fn calling_a_missing_process_is_an_incident() {
    let mut h = Harness::new();
    h.deploy("parent.bpmn", &parent(""));
    let start = h.log.len();
    h.create("parent", "");
    let incidents: Vec<Record> = events_of(&h.log[start..], ValueType::Incident, "CREATED")
        .into_iter()
        .cloned()
        .collect();
    let RecordValue::Incident(_, incident) = &incidents[0].value else {
        panic!()
    };
    assert_eq!(incident.error_type, ErrorType::CalledElementError);
    assert_eq!(
        incident.error_message,
        "Expected process with BPMN process id 'child' to be deployed, but not found."
    );
    // Deploy the child and resolve: the call goes ahead.
    h.deploy("child.bpmn", &one_task("child", "child-work"));
    h.command(
        incidents[0].key,
        RecordValue::Incident(IncidentIntent::Resolve, incident.clone()),
    );
    assert_eq!(h.activate("child-work", 1).len(), 1);
}

fn tagged_child(tag: &str, job_type: &str) -> String {
    one_task("child", job_type).replace(
        r#"<bpmn:process id="child" isExecutable="true">"#,
        &format!(
            r#"<bpmn:process id="child" isExecutable="true"><bpmn:extensionElements><zeebe:versionTag value="{tag}" /></bpmn:extensionElements>"#
        ),
    )
}

#[test]
fn version_tag_and_deployment_bindings_pick_their_version() {
    let mut h = Harness::new();
    h.deploy("child.bpmn", &tagged_child("stable", "stable-work"));
    h.deploy("child.bpmn", &one_task("child", "newest-work"));
    h.deploy(
        "parent.bpmn",
        &parent(r#"bindingType="versionTag" versionTag="stable""#),
    );
    h.create("parent", "");
    assert_eq!(h.activate("stable-work", 5).len(), 1);
    assert!(h.activate("newest-work", 5).is_empty());

    // Deployment binding: the child deployed with the parent, even after a newer child version.
    let mut h = Harness::new();
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![
                    DeploymentResource {
                        resource_name: "parent.bpmn".into(),
                        resource: bytes::Bytes::from(
                            parent(r#"bindingType="deployment""#).into_bytes(),
                        ),
                    },
                    DeploymentResource {
                        resource_name: "child.bpmn".into(),
                        resource: bytes::Bytes::from(one_task("child", "together").into_bytes()),
                    },
                ],
                ..Default::default()
            },
        ),
    );
    assert!(h.response(request).unwrap().rejection().is_none());
    h.deploy("child.bpmn", &one_task("child", "later"));
    h.create("parent", "");
    assert_eq!(h.activate("together", 5).len(), 1);
    assert!(h.activate("later", 5).is_empty());
}
