//! Camunda user tasks (`zeebe:userTask`): creation, assignment, claim, update, completion and
//! cancellation, as Zeebe 8.8 writes them without task listeners.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn process(extensions: &str, boundary: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task">
      <bpmn:extensionElements><zeebe:userTask />{extensions}</bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
    {boundary}
  </bpmn:process>"#
    ))
}

/// Deploys `xml`, creates an instance and returns the task's key (from USER_TASK CREATED).
fn start(h: &mut Harness, xml: &str, variables: &str) -> (Key, Key) {
    h.deploy("review.bpmn", xml);
    let from = h.log.len();
    let instance = h.create("review", variables);
    let created = events_of(&h.log[from..], ValueType::UserTask, "CREATED");
    assert_eq!(created.len(), 1, "{:#?}", describe(&h.log[from..]));
    (instance, created[0].key)
}

fn task_of(record: &Record) -> &UserTaskRecord {
    match &record.value {
        RecordValue::UserTask(_, task) => task,
        other => panic!("expected a user task record, got {other:?}"),
    }
}

fn user_task_command(
    h: &mut Harness,
    intent: UserTaskIntent,
    key: Key,
    record: UserTaskRecord,
) -> (Record, Vec<Record>) {
    let (request, records) = h.request(key, RecordValue::UserTask(intent, Box::new(record)));
    let response = h.response(request).expect("command answered").clone();
    (response, records)
}

fn user_task_records(records: &[Record]) -> Vec<String> {
    describe(records)
        .into_iter()
        .filter(|line| line.contains("USER_TASK"))
        .collect()
}

#[test]
fn activation_creates_the_task_with_its_evaluated_properties_then_assigns_it() {
    let mut h = Harness::new();
    let xml = process(
        r#"<zeebe:assignmentDefinition assignee="=reviewer" candidateGroups="claims, audit" candidateUsers="=[reviewer, &quot;x&quot;]" />
           <zeebe:taskSchedule dueDate="2025-03-02T15:35:00+02:00" followUpDate="=follow" />
           <zeebe:priorityDefinition priority="=prio + 1" />
           <zeebe:formDefinition externalReference="=&quot;https://forms/&quot; + form" />
           <zeebe:taskHeaders><zeebe:header key="team" value="blue" /></zeebe:taskHeaders>
           <zeebe:ioMapping><zeebe:input source="=&quot;f1&quot;" target="form" /></zeebe:ioMapping>"#,
        "",
    );
    h.deploy("review.bpmn", &xml);
    let now = h.now;
    let from = h.log.len();
    let instance = h.create(
        "review",
        r#"{"reviewer":"ann","follow":"2025-03-01T09:00:30.5Z","prio":79}"#,
    );
    let round = &h.log[from..];
    let lines: Vec<String> = describe(round)
        .into_iter()
        .filter(|line| line.contains("USER_TASK") || line.ends_with(" task"))
        .collect();
    assert_eq!(
        lines,
        [
            "C ACTIVATE_ELEMENT task",
            "E ELEMENT_ACTIVATING task",
            "E USER_TASK CREATING",
            "E USER_TASK CREATED",
            "E ELEMENT_ACTIVATED task",
            "E USER_TASK ASSIGNING",
            "E USER_TASK ASSIGNED",
        ]
    );
    let creating = events_of(round, ValueType::UserTask, "CREATING")[0];
    let task = task_of(creating);
    assert_eq!(task.user_task_key, creating.key);
    assert_eq!(task.assignee, "ann");
    assert_eq!(task.candidate_groups_list, ["claims", "audit"]);
    assert_eq!(task.candidate_users_list, ["ann", "x"]);
    assert_eq!(task.due_date, "2025-03-02T15:35+02:00");
    assert_eq!(task.follow_up_date, "2025-03-01T09:00:30.500Z");
    assert_eq!(task.external_form_reference, "https://forms/f1");
    assert_eq!(task.form_key, -1);
    assert_eq!(task.priority, 80);
    assert_eq!(
        task.custom_headers.get("team").map(String::as_str),
        Some("blue")
    );
    assert_eq!(task.process_instance_key, instance);
    assert_eq!(task.element_id, "task");
    assert_eq!(task.bpmn_process_id, "review");
    assert_eq!(task.creation_timestamp, now);
    assert!(task.changed_attributes.is_empty());

    let created = task_of(events_of(round, ValueType::UserTask, "CREATED")[0]);
    assert_eq!(created.assignee, "", "created unassigned");
    let assigned = task_of(events_of(round, ValueType::UserTask, "ASSIGNED")[0]);
    assert_eq!(assigned.assignee, "ann");
    assert_eq!(assigned.changed_attributes, ["assignee"]);
}

#[test]
fn a_task_without_assignee_waits_unassigned_with_default_priority() {
    let mut h = Harness::new();
    let from = h.log.len();
    let (_, key) = start(&mut h, &process("", ""), "{}");
    assert_eq!(
        user_task_records(&h.log[from..]),
        ["E USER_TASK CREATING", "E USER_TASK CREATED"]
    );
    let created = events_of(&h.log[from..], ValueType::UserTask, "CREATED")[0];
    assert_eq!(created.key, key);
    let task = task_of(created);
    assert_eq!(task.priority, 50);
    assert_eq!(task.assignee, "");
    assert!(task.candidate_groups_list.is_empty());
    assert_eq!(task.due_date, "");
}

#[test]
fn completion_merges_the_variables_and_continues_the_process() {
    let mut h = Harness::new();
    let (instance, key) = start(&mut h, &process("", ""), r#"{"a":1}"#);
    let (response, records) = user_task_command(
        &mut h,
        UserTaskIntent::Complete,
        key,
        UserTaskRecord {
            variables: Document::parse(r#"{"approved":true}"#).unwrap(),
            ..UserTaskRecord::default()
        },
    );
    let lines = describe(&records);
    let expected_start = [
        "E USER_TASK COMPLETING",
        "E USER_TASK COMPLETED",
        "C COMPLETE_ELEMENT task",
        "E ELEMENT_COMPLETING task",
        "E VARIABLE CREATED approved",
        "E ELEMENT_COMPLETED task",
    ];
    assert_eq!(&lines[..expected_start.len()], expected_start);
    assert_eq!(lines.last().unwrap(), "E ELEMENT_COMPLETED review");
    let variable = events_of(&records, ValueType::Variable, "CREATED")[0];
    let RecordValue::Variable(_, variable) = &variable.value else {
        unreachable!()
    };
    assert_eq!(variable.scope_key, instance);
    assert_eq!(variable.value, "true");

    assert_eq!(response.intent_name(), "COMPLETED");
    assert_eq!(response.key, key);
    let completed = task_of(&response);
    assert_eq!(completed.action, "complete");
    assert_eq!(completed.variables.as_str(), r#"{"approved":true}"#);

    // The task is gone.
    let (again, _) = user_task_command(
        &mut h,
        UserTaskIntent::Complete,
        key,
        UserTaskRecord::default(),
    );
    let rejection = again.rejection().expect("rejected");
    assert_eq!(rejection.kind, RejectionType::NotFound);
    assert_eq!(
        rejection.reason,
        format!("Expected to complete user task with key '{key}', but no such user task was found")
    );
}

#[test]
fn completion_variables_feed_output_mappings() {
    let mut h = Harness::new();
    let xml = process(
        r#"<zeebe:ioMapping><zeebe:output source="=decision" target="result" /></zeebe:ioMapping>"#,
        "",
    );
    let (_, key) = start(&mut h, &xml, "{}");
    let (_, records) = user_task_command(
        &mut h,
        UserTaskIntent::Complete,
        key,
        UserTaskRecord {
            variables: Document::parse(r#"{"decision":"yes"}"#).unwrap(),
            action: "approve".into(),
            ..UserTaskRecord::default()
        },
    );
    let completed = events_of(&records, ValueType::UserTask, "COMPLETED")[0];
    assert_eq!(task_of(completed).action, "approve");
    let names: Vec<String> = describe(&records)
        .into_iter()
        .filter(|line| line.contains("VARIABLE"))
        .collect();
    // As for a job: with output mappings the delivered variables are local to the task, then mapped.
    assert_eq!(
        names,
        ["E VARIABLE CREATED decision", "E VARIABLE CREATED result"]
    );
}

#[test]
fn assign_overrides_and_unassigns() {
    let mut h = Harness::new();
    let xml = process(r#"<zeebe:assignmentDefinition assignee="ann" />"#, "");
    let (_, key) = start(&mut h, &xml, "{}");

    let (response, records) = user_task_command(
        &mut h,
        UserTaskIntent::Assign,
        key,
        UserTaskRecord {
            assignee: "bob".into(),
            ..UserTaskRecord::default()
        },
    );
    assert_eq!(
        user_task_records(&records),
        ["E USER_TASK ASSIGNING", "E USER_TASK ASSIGNED"]
    );
    assert_eq!(response.intent_name(), "ASSIGNED");
    let assigned = task_of(&response);
    assert_eq!(assigned.assignee, "bob");
    assert_eq!(assigned.action, "assign");
    assert_eq!(assigned.changed_attributes, ["assignee"]);

    // The same assignee again changes nothing.
    let (response, _) = user_task_command(
        &mut h,
        UserTaskIntent::Assign,
        key,
        UserTaskRecord {
            assignee: "bob".into(),
            ..UserTaskRecord::default()
        },
    );
    assert!(task_of(&response).changed_attributes.is_empty());

    // Unassigning is an assignment to nobody.
    let (response, _) = user_task_command(
        &mut h,
        UserTaskIntent::Assign,
        key,
        UserTaskRecord {
            action: "unassign".into(),
            ..UserTaskRecord::default()
        },
    );
    assert_eq!(task_of(&response).assignee, "");
    assert_eq!(task_of(&response).action, "unassign");
}

#[test]
fn claim_takes_an_unassigned_task_only() {
    let mut h = Harness::new();
    let xml = process(r#"<zeebe:assignmentDefinition assignee="ann" />"#, "");
    let (_, key) = start(&mut h, &xml, "{}");
    let claim = |assignee: &str| UserTaskRecord {
        assignee: assignee.into(),
        ..UserTaskRecord::default()
    };

    let (response, _) = user_task_command(&mut h, UserTaskIntent::Claim, key, claim("bob"));
    let rejection = response.rejection().expect("rejected");
    assert_eq!(rejection.kind, RejectionType::InvalidState);
    assert_eq!(
        rejection.reason,
        format!("Expected to claim user task with key '{key}', but it has already been assigned")
    );

    let (response, _) = user_task_command(&mut h, UserTaskIntent::Claim, key, claim(" "));
    assert_eq!(
        response.rejection().expect("rejected").reason,
        format!("Expected to claim user task with key '{key}', but provided assignee is empty")
    );

    // The current assignee may claim again.
    let (response, records) = user_task_command(&mut h, UserTaskIntent::Claim, key, claim("ann"));
    assert_eq!(
        user_task_records(&records),
        ["E USER_TASK CLAIMING", "E USER_TASK ASSIGNED"]
    );
    assert_eq!(task_of(&response).action, "claim");

    user_task_command(&mut h, UserTaskIntent::Assign, key, claim(""));
    let (response, _) = user_task_command(&mut h, UserTaskIntent::Claim, key, claim("bob"));
    assert_eq!(response.intent_name(), "ASSIGNED");
    assert_eq!(task_of(&response).assignee, "bob");
    assert_eq!(task_of(&response).changed_attributes, ["assignee"]);

    let (response, _) = user_task_command(
        &mut h,
        UserTaskIntent::Claim,
        Key::new(PARTITION, 999_999),
        claim("bob"),
    );
    assert_eq!(
        response.rejection().expect("rejected").kind,
        RejectionType::NotFound
    );
}

#[test]
fn update_applies_the_changeset_and_names_what_changed() {
    let mut h = Harness::new();
    let xml = process(
        r#"<zeebe:assignmentDefinition candidateGroups="claims" />
           <zeebe:priorityDefinition priority="30" />"#,
        "",
    );
    let (_, key) = start(&mut h, &xml, "{}");
    let (response, records) = user_task_command(
        &mut h,
        UserTaskIntent::Update,
        key,
        UserTaskRecord {
            candidate_groups_list: vec!["claims".into()],
            candidate_users_list: vec!["ann".into()],
            due_date: "2025-05-01T10:00:00Z".into(),
            priority: 90,
            changed_attributes: vec![
                "candidateGroupsList".into(),
                "candidateUsersList".into(),
                "dueDate".into(),
                "priority".into(),
            ],
            ..UserTaskRecord::default()
        },
    );
    assert_eq!(
        user_task_records(&records),
        ["E USER_TASK UPDATING", "E USER_TASK UPDATED"]
    );
    assert_eq!(response.intent_name(), "UPDATED");
    let updated = task_of(&response);
    assert_eq!(
        updated.changed_attributes,
        ["candidateUsersList", "dueDate", "priority"]
    );
    assert_eq!(updated.candidate_users_list, ["ann"]);
    assert_eq!(updated.due_date, "2025-05-01T10:00:00Z");
    assert_eq!(updated.priority, 90);
    assert_eq!(updated.action, "update");
    // Attributes not named keep their value.
    assert_eq!(updated.follow_up_date, "");

    // The stored task carries the update: completing it reports the new values.
    let (response, _) = user_task_command(
        &mut h,
        UserTaskIntent::Complete,
        key,
        UserTaskRecord::default(),
    );
    assert_eq!(task_of(&response).priority, 90);
    assert_eq!(task_of(&response).candidate_users_list, ["ann"]);
}

#[test]
fn an_interrupting_boundary_event_cancels_the_task() {
    let mut h = Harness::new();
    let xml = process(
        "",
        r#"<bpmn:boundaryEvent id="late" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
           <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalated" />
           <bpmn:endEvent id="escalated" />"#,
    );
    let (_, key) = start(&mut h, &xml, "{}");
    h.advance(3_600_000);
    let records = h.run_due();
    let lines: Vec<String> = describe(&records)
        .into_iter()
        .filter(|line| line.contains("USER_TASK") || line.ends_with(" task"))
        .collect();
    assert_eq!(
        lines,
        [
            "C TERMINATE_ELEMENT task",
            "E ELEMENT_TERMINATING task",
            "E USER_TASK CANCELING",
            "E USER_TASK CANCELED",
            "E ELEMENT_TERMINATED task",
        ]
    );
    let canceled = events_of(&records, ValueType::UserTask, "CANCELED")[0];
    assert_eq!(canceled.key, key);

    let (response, _) = user_task_command(
        &mut h,
        UserTaskIntent::Assign,
        key,
        UserTaskRecord::default(),
    );
    assert_eq!(
        response.rejection().expect("rejected").reason,
        format!("Expected to assign user task with key '{key}', but no such user task was found")
    );
}

#[test]
fn canceling_the_instance_cancels_the_task() {
    let mut h = Harness::new();
    let (instance, key) = start(&mut h, &process("", ""), "{}");
    let records = h.cancel(instance);
    assert_eq!(
        user_task_records(&records),
        ["E USER_TASK CANCELING", "E USER_TASK CANCELED"]
    );
    assert_eq!(
        events_of(&records, ValueType::UserTask, "CANCELED")[0].key,
        key
    );
}

#[test]
fn a_priority_out_of_range_is_an_incident() {
    let mut h = Harness::new();
    h.deploy(
        "review.bpmn",
        &process(r#"<zeebe:priorityDefinition priority="=p" />"#, ""),
    );
    let from = h.log.len();
    h.create("review", r#"{"p":120}"#);
    let round = &h.log[from..];
    assert!(events_of(round, ValueType::UserTask, "CREATING").is_empty());
    let incident = events_of(round, ValueType::Incident, "CREATED")[0];
    let RecordValue::Incident(_, incident) = &incident.value else {
        unreachable!()
    };
    assert_eq!(incident.error_type, ErrorType::ExtractValueError);
    assert_eq!(
        incident.error_message,
        "Expected priority to be in the range [0,100] but was '120'."
    );
}

#[test]
fn a_custom_form_key_is_rejected_for_camunda_user_tasks() {
    let mut h = Harness::new();
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources: vec![DeploymentResource {
                    resource_name: "review.bpmn".into(),
                    resource: bytes::Bytes::from(
                        process(r#"<zeebe:formDefinition formKey="my-form" />"#, "").into_bytes(),
                    ),
                }],
                ..Default::default()
            },
        ),
    );
    let response = h.response(request).expect("answered");
    let reason = &response.rejection().expect("rejected").reason;
    assert!(
        reason.contains("Exactly one of the attributes 'formId, externalReference' must be present and not blank for native user tasks"),
        "{reason}"
    );
}

#[test]
fn resolving_the_incident_creates_the_task() {
    let mut h = Harness::new();
    h.deploy(
        "review.bpmn",
        &process(
            r#"<zeebe:assignmentDefinition candidateUsers="=reviewers" />"#,
            "",
        ),
    );
    let from = h.log.len();
    let instance = h.create("review", r#"{"reviewers":"ann"}"#);
    let incidents = events_of(&h.log[from..], ValueType::Incident, "CREATED");
    let incident = incidents[0].clone();
    let RecordValue::Incident(_, value) = &incident.value else {
        unreachable!()
    };
    assert_eq!(value.error_type, ErrorType::ExtractValueError);
    assert!(
        events_of(&h.log[from..], ValueType::UserTask, "CREATING").is_empty(),
        "no task while the properties cannot be evaluated"
    );

    h.command(
        Key::NONE,
        RecordValue::VariableDocument(
            VariableDocumentIntent::Update,
            VariableDocumentRecord {
                scope_key: instance,
                update_semantics: VariableDocumentUpdateSemantic::Propagate,
                variables: Document::parse(r#"{"reviewers":["ann","bob"]}"#).unwrap(),
                process_instance_key: Key::NONE,
                tenant_id: String::new(),
            },
        ),
    );
    let records = h.command(
        incident.key,
        RecordValue::Incident(IncidentIntent::Resolve, value.clone()),
    );
    let created = events_of(&records, ValueType::UserTask, "CREATED");
    assert_eq!(created.len(), 1, "{:#?}", describe(&records));
    assert_eq!(task_of(created[0]).candidate_users_list, ["ann", "bob"]);
    assert!(lifecycle(&records).contains(&"ELEMENT_ACTIVATED task".to_string()));
}

#[test]
fn each_inner_instance_of_a_multi_instance_task_gets_its_own_task() {
    let mut h = Harness::new();
    let xml = definitions(
        r#"<bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:assignmentDefinition assignee="=reviewer" />
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=reviewers" inputElement="reviewer" outputCollection="verdicts" outputElement="=verdict" />
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#,
    );
    h.deploy("review.bpmn", &xml);
    let from = h.log.len();
    h.create("review", r#"{"reviewers":["ann","bob"]}"#);
    let assigned = events_of(&h.log[from..], ValueType::UserTask, "ASSIGNED");
    let tasks: Vec<(Key, String)> = assigned
        .iter()
        .map(|r| (r.key, task_of(r).assignee.clone()))
        .collect();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0].1, "ann");
    assert_eq!(tasks[1].1, "bob");

    let mut last = Vec::new();
    for ((key, _), verdict) in tasks.iter().zip(["yes", "no"]) {
        let (response, records) = user_task_command(
            &mut h,
            UserTaskIntent::Complete,
            *key,
            UserTaskRecord {
                variables: Document::parse(&format!(r#"{{"verdict":"{verdict}"}}"#)).unwrap(),
                ..UserTaskRecord::default()
            },
        );
        assert_eq!(response.intent_name(), "COMPLETED");
        last = records;
    }
    assert_eq!(
        lifecycle(&last).last().map(String::as_str),
        Some("ELEMENT_COMPLETED review")
    );
    let verdicts = h
        .log
        .iter()
        .filter_map(|r| match &r.value {
            RecordValue::Variable(_, v) if v.name == "verdicts" => Some(v.value.clone()),
            _ => None,
        })
        .next_back();
    assert_eq!(verdicts.as_deref(), Some(r#"["yes","no"]"#));
}
