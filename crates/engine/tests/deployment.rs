//! Deployment CREATE: versions, duplicates, rejections, distribution.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn deploy_resources(h: &mut Harness, resources: &[(&str, &str)]) -> Record {
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: resources
                    .iter()
                    .map(|(name, xml)| DeploymentResource {
                        resource_name: name.to_string(),
                        resource: bytes::Bytes::from(xml.as_bytes().to_vec()),
                    })
                    .collect(),
                ..Default::default()
            },
        ),
    );
    h.response(request).unwrap().clone()
}

fn metadata(record: &Record) -> Vec<ProcessMetadata> {
    match &record.value {
        RecordValue::Deployment(DeploymentIntent::Created, d) => d.processes_metadata.clone(),
        other => panic!("not a deployment: {other:?} {:?}", record.rejection()),
    }
}

#[test]
fn redeploying_identical_bytes_is_a_duplicate_and_changes_make_new_versions() {
    let mut h = Harness::new();
    let start = h.log.len();
    let first = metadata(&h.deploy("p.bpmn", &one_task("p", "a")));
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C DEPLOYMENT CREATE",
            "E PROCESS CREATED",
            "E DEPLOYMENT CREATED"
        ]
    );
    let start = h.log.len();
    let same = metadata(&h.deploy("p.bpmn", &one_task("p", "a")));
    assert_eq!(
        describe(&h.log[start..]),
        ["C DEPLOYMENT CREATE", "E DEPLOYMENT CREATED"]
    );
    assert!(same[0].is_duplicate);
    assert_eq!(same[0].version, 1);
    assert_eq!(
        same[0].process_definition_key,
        first[0].process_definition_key
    );
    assert_eq!(same[0].checksum, first[0].checksum);
    assert_eq!(first[0].checksum.len(), 32, "SHA-256");
    let changed = metadata(&h.deploy("p.bpmn", &one_task("p", "b")));
    assert!(!changed[0].is_duplicate);
    assert_eq!(changed[0].version, 2);
    assert_ne!(
        changed[0].process_definition_key,
        first[0].process_definition_key
    );
    // Going back to the first content is a new version again (only the latest counts).
    let back = metadata(&h.deploy("p.bpmn", &one_task("p", "a")));
    assert_eq!(back[0].version, 3);
    // The same content under another resource name is a new version (as in Zeebe).
    let renamed = metadata(&h.deploy("q.bpmn", &one_task("p", "a")));
    assert_eq!(renamed[0].version, 4);
}

#[test]
fn deploys_several_resources_at_once() {
    let mut h = Harness::new();
    let r = deploy_resources(
        &mut h,
        &[
            ("a.bpmn", &one_task("a", "x")),
            ("b.bpmn", &one_task("b", "y")),
        ],
    );
    let m = metadata(&r);
    assert_eq!(
        m.iter()
            .map(|m| m.bpmn_process_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(m
        .iter()
        .all(|m| m.version == 1 && m.deployment_key == r.key));
}

#[test]
fn rejects_empty_invalid_and_unsupported_deployments() {
    let mut h = Harness::new();
    let r = deploy_resources(&mut h, &[]);
    assert_eq!(
        r.rejection().unwrap().reason,
        "Expected to deploy at least one resource, but none given"
    );

    let r = deploy_resources(
        &mut h,
        &[
            ("good.bpmn", &one_task("good", "x")),
            ("bad.bpmn", "<not-xml"),
        ],
    );
    let rejection = r.rejection().unwrap();
    assert_eq!(rejection.kind, RejectionType::InvalidArgument);
    assert!(
        rejection.reason.starts_with(
            "Expected to deploy new resources, but encountered the following errors:\n'bad.bpmn': "
        ),
        "{}",
        rejection.reason
    );
    // Nothing of the rejected deployment was stored.
    let created = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            ProcessInstanceCreationIntent::Create,
            Harness::creation("good", ""),
        ),
    );
    assert_eq!(
        h.response(created.0).unwrap().rejection().unwrap().kind,
        RejectionType::NotFound
    );

    let r = deploy_resources(
        &mut h,
        &[
            ("a.bpmn", &one_task("same", "x")),
            ("b.bpmn", &one_task("same", "y")),
        ],
    );
    assert_eq!(
        r.rejection().unwrap().reason,
        "Expected to deploy new resources, but encountered the following errors:\nDuplicated process id in resources 'a.bpmn' and 'b.bpmn'"
    );

    let r = deploy_resources(&mut h, &[("form.form", "{}")]);
    assert!(r
        .rejection()
        .unwrap()
        .reason
        .contains("'form.form': resource type is not supported by Hornet yet"));

    let call = definitions(
        r#"<bpmn:process id="c" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:userTask id="call"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="invoice" /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>"#,
    );
    let r = deploy_resources(&mut h, &[("c.bpmn", &call)]);
    assert!(
        r.rejection().unwrap().reason.contains(
            "Element: call\n    - ERROR: a user task form referenced by formId (zeebe:formDefinition formId) is not supported by Hornet yet"
        ),
        "{}",
        r.rejection().unwrap().reason
    );
}

#[test]
fn a_distributed_deployment_keeps_its_keys_and_versions() {
    let mut origin = Harness::new();
    let created = origin.deploy("p.bpmn", &one_task("p", "a"));
    let RecordValue::Deployment(_, record) = created.value.clone() else {
        panic!()
    };

    // Another partition receives the deployment as it was created on the first one.
    let mut other = Harness::new();
    let (request, records) = other.request(
        created.key,
        RecordValue::Deployment(DeploymentIntent::Create, record.clone()),
    );
    assert_eq!(
        describe(&records),
        ["E PROCESS CREATED", "E DEPLOYMENT CREATED"]
    );
    assert_eq!(other.response(request).unwrap().key, record.deployment_key);
    let pi = other.create("p", "");
    let RecordValue::ProcessInstanceCreation(_, c) =
        &events_of(&other.log, ValueType::ProcessInstanceCreation, "CREATED")[0].value
    else {
        panic!()
    };
    assert_eq!(
        c.process_definition_key,
        record.processes_metadata[0].process_definition_key
    );
    assert!(pi.get() > 0);
    // Receiving it again (a retried distribution) creates nothing new.
    let (_, records) = other.request(
        created.key,
        RecordValue::Deployment(DeploymentIntent::Create, record),
    );
    assert_eq!(describe(&records), ["E DEPLOYMENT CREATED"]);
}

#[test]
fn unknown_commands_are_rejected_not_fatal() {
    let mut h = Harness::new();
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::ProcessInstanceBatch(
            ProcessInstanceBatchIntent::Activate,
            ProcessInstanceBatchRecord {
                process_instance_key: Key::NONE,
                batch_element_instance_key: Key::NONE,
                index: -1,
                tenant_id: String::new(),
            },
        ),
    );
    let r = h.response(request).unwrap();
    assert_eq!(r.rejection().unwrap().kind, RejectionType::ProcessingError);
    assert!(r
        .rejection()
        .unwrap()
        .reason
        .contains("PROCESS_INSTANCE_BATCH"));
}

#[test]
fn broadcasting_a_signal_nobody_waits_for_is_accepted() {
    let mut h = Harness::new();
    let (request, records) = h.request(
        Key::NONE,
        RecordValue::Signal(
            SignalIntent::Broadcast,
            SignalRecord {
                signal_name: "s".into(),
                variables: Document::empty(),
                tenant_id: String::new(),
            },
        ),
    );
    assert_eq!(describe(&records), ["E SIGNAL BROADCASTED"]);
    assert_eq!(h.response(request).unwrap().intent_name(), "BROADCASTED");
}

#[test]
fn rejects_timer_values_that_cannot_work() {
    let mut h = Harness::new();
    let cron = definitions(
        r#"<bpmn:process id="cron" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
  </bpmn:process>"#,
    );
    let r = deploy_resources(&mut h, &[("cron.bpmn", &cron)]);
    let reason = &r.rejection().unwrap().reason;
    assert!(reason.contains("Element: tick"), "{reason}");
    // Five fields: not a (six-field) cron expression.
    assert!(reason.contains("timer cycle '0 0 * * ?'"), "{reason}");
    let bad_expression = definitions(
        r#"<bpmn:process id="late" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition><bpmn:timeDuration>=missing</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>
  </bpmn:process>"#,
    );
    let r = deploy_resources(&mut h, &[("late.bpmn", &bad_expression)]);
    assert!(
        r.rejection().unwrap().reason.contains("Element: tick"),
        "{:?}",
        r.rejection()
    );
}
