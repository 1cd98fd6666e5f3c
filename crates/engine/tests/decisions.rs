//! DMN: deploying decision requirements and their decisions (versions, duplicates, rejections,
//! distribution) and evaluating decisions with DECISION_EVALUATION EVALUATE.

mod common;

use common::*;
use hornet_protocol::value::*;
use hornet_protocol::*;

/// DRG `dishes`: decision table `dish` (hit policy FIRST) requiring literal decision `season`.
fn dishes(season_expression: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dishes" name="Dishes" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="season" name="Season">
    <literalExpression><text>{season_expression}</text></literalExpression>
  </decision>
  <decision id="dish" name="Dish">
    <informationRequirement id="r1"><requiredDecision href="#season" /></informationRequirement>
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_season" label="Season"><inputExpression typeRef="string"><text>Season</text></inputExpression></input>
      <input id="in_guests" label="Guests"><inputExpression typeRef="number"><text>guests</text></inputExpression></input>
      <output id="out_dish" label="Dish" name="dish" typeRef="string" />
      <rule id="rule_stew"><inputEntry><text>"Winter"</text></inputEntry><inputEntry><text>&lt;= 8</text></inputEntry><outputEntry><text>"Stew"</text></outputEntry></rule>
      <rule id="rule_roast"><inputEntry><text>"Winter"</text></inputEntry><inputEntry><text>&gt; 8</text></inputEntry><outputEntry><text>"Roast"</text></outputEntry></rule>
      <rule id="rule_salad"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>"Salad"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"##
    )
}

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
    h.response(request).expect("answered").clone()
}

fn deployment(record: &Record) -> DeploymentRecord {
    match &record.value {
        RecordValue::Deployment(DeploymentIntent::Created, d) => d.clone(),
        other => panic!("not a deployment: {other:?} {:?}", record.rejection()),
    }
}

fn evaluate(h: &mut Harness, value: DecisionEvaluationRecord) -> Record {
    let (request, _) = h.request(
        Key::NONE,
        RecordValue::DecisionEvaluation(DecisionEvaluationIntent::Evaluate, Box::new(value)),
    );
    h.response(request).expect("answered").clone()
}

fn by_id(id: &str, variables: &str) -> DecisionEvaluationRecord {
    DecisionEvaluationRecord {
        decision_id: id.to_string(),
        variables: Document::parse(variables).unwrap(),
        ..Default::default()
    }
}

fn evaluation(record: &Record) -> (&'static str, DecisionEvaluationRecord) {
    match &record.value {
        RecordValue::DecisionEvaluation(intent, v) => (intent.as_str(), (**v).clone()),
        other => panic!("not an evaluation: {other:?} {:?}", record.rejection()),
    }
}

#[test]
fn deploying_a_dmn_resource_creates_the_drg_and_its_decisions() {
    let mut h = Harness::new();
    let start = h.log.len();
    let created = deployment(&h.deploy("dishes.dmn", &dishes("\"Winter\"")));
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C DEPLOYMENT CREATE",
            "E DECISION_REQUIREMENTS CREATED",
            "E DECISION CREATED",
            "E DECISION CREATED",
            "E DEPLOYMENT CREATED",
        ]
    );
    let drg = &created.decision_requirements_metadata;
    assert_eq!(drg.len(), 1);
    assert_eq!(drg[0].decision_requirements_id, "dishes");
    assert_eq!(drg[0].decision_requirements_name, "Dishes");
    assert_eq!(drg[0].decision_requirements_version, 1);
    assert_eq!(drg[0].namespace, "http://camunda.org/schema/1.0/dmn");
    assert_eq!(drg[0].resource_name, "dishes.dmn");
    assert!(!drg[0].duplicate);
    let decisions: Vec<(&str, &str, i32, bool)> = created
        .decisions_metadata
        .iter()
        .map(|d| {
            assert_eq!(
                d.decision_requirements_key,
                drg[0].decision_requirements_key
            );
            assert_eq!(d.decision_requirements_id, "dishes");
            assert_eq!(d.deployment_key, created.deployment_key);
            (
                d.decision_id.as_str(),
                d.decision_name.as_str(),
                d.version,
                d.duplicate,
            )
        })
        .collect();
    assert_eq!(
        decisions,
        [("season", "Season", 1, false), ("dish", "Dish", 1, false)]
    );
    let events = events_of(&h.log[start..], ValueType::Decision, "CREATED");
    assert_eq!(events[1].key, created.decisions_metadata[1].decision_key);
}

#[test]
fn identical_redeploys_are_duplicates_and_changes_make_new_versions() {
    let mut h = Harness::new();
    let first = deployment(&h.deploy("dishes.dmn", &dishes("\"Winter\"")));
    let start = h.log.len();
    let same = deployment(&h.deploy("dishes.dmn", &dishes("\"Winter\"")));
    assert_eq!(
        describe(&h.log[start..]),
        ["C DEPLOYMENT CREATE", "E DEPLOYMENT CREATED"]
    );
    assert!(same.decision_requirements_metadata[0].duplicate);
    assert_eq!(
        same.decision_requirements_metadata[0].decision_requirements_key,
        first.decision_requirements_metadata[0].decision_requirements_key
    );
    assert_eq!(same.decisions_metadata.len(), 2);
    for (a, b) in same
        .decisions_metadata
        .iter()
        .zip(&first.decisions_metadata)
    {
        assert!(a.duplicate);
        assert_eq!((a.decision_key, a.version), (b.decision_key, b.version));
        assert_eq!(a.deployment_key, same.deployment_key);
    }
    let changed = deployment(&h.deploy("dishes.dmn", &dishes("\"Summer\"")));
    assert_eq!(
        changed.decision_requirements_metadata[0].decision_requirements_version,
        2
    );
    assert!(!changed.decision_requirements_metadata[0].duplicate);
    assert!(changed
        .decisions_metadata
        .iter()
        .all(|d| d.version == 2 && !d.duplicate));
    // By id, the latest version is evaluated.
    let (intent, evaluated) = evaluation(&evaluate(&mut h, by_id("dish", r#"{"guests": 4}"#)));
    assert_eq!(intent, "EVALUATED");
    assert_eq!(evaluated.decision_output, r#""Salad""#);
    assert_eq!(evaluated.decision_version, 2);
    // By key, the version asked for.
    let old = DecisionEvaluationRecord {
        decision_key: first.decisions_metadata[1].decision_key,
        variables: Document::parse(r#"{"guests": 4}"#).unwrap(),
        ..Default::default()
    };
    let (_, evaluated) = evaluation(&evaluate(&mut h, old));
    assert_eq!(evaluated.decision_output, r#""Stew""#);
    assert_eq!(evaluated.decision_version, 1);
}

#[test]
fn an_invalid_dmn_resource_rejects_the_whole_deployment() {
    let mut h = Harness::new();
    let broken = dishes("\"Winter\" +* ");
    let response = deploy_resources(
        &mut h,
        &[("p.bpmn", &one_task("p", "work")), ("broken.dmn", &broken)],
    );
    let rejection = response.rejection().expect("rejected");
    assert_eq!(rejection.kind, RejectionType::InvalidArgument);
    assert!(
        rejection.reason.contains("'broken.dmn': "),
        "{}",
        rejection.reason
    );
    assert!(!h
        .log
        .iter()
        .any(|r| matches!(r.kind, RecordKind::Event) && r.value_type() == ValueType::Process));

    let not_xml = deploy_resources(&mut h, &[("x.dmn", "not xml")]);
    assert!(not_xml.rejection().unwrap().reason.contains("'x.dmn': "));

    let twice = deploy_resources(
        &mut h,
        &[
            ("a.dmn", &dishes("\"Winter\"")),
            ("b.dmn", &dishes("\"Winter\"")),
        ],
    );
    let reason = &twice.rejection().expect("rejected").reason;
    assert!(
        reason.contains("duplicated id 'dishes' in the resources 'a.dmn' and 'b.dmn'"),
        "{reason}"
    );
}

#[test]
fn evaluation_reports_output_evaluated_decisions_rules_and_inputs() {
    let mut h = Harness::new();
    let created = deployment(&h.deploy("dishes.dmn", &dishes("\"Winter\"")));
    let start = h.log.len();
    let response = evaluate(&mut h, by_id("dish", r#"{"guests": 10}"#));
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C DECISION_EVALUATION EVALUATE",
            "E DECISION_EVALUATION EVALUATED"
        ]
    );
    assert_eq!(response.key, h.log[start + 1].key);
    let (intent, v) = evaluation(&response);
    assert_eq!(intent, "EVALUATED");
    let dish = &created.decisions_metadata[1];
    assert_eq!(v.decision_key, dish.decision_key);
    assert_eq!(v.decision_id, "dish");
    assert_eq!(v.decision_name, "Dish");
    assert_eq!(v.decision_version, 1);
    assert_eq!(v.decision_requirements_id, "dishes");
    assert_eq!(v.decision_requirements_key, dish.decision_requirements_key);
    assert_eq!(v.decision_output, r#""Roast""#);
    assert_eq!(v.variables.to_map()["guests"], 10);
    assert_eq!(v.failed_decision_id, "");
    assert_eq!(v.evaluation_failure_message, "");
    assert_eq!(v.evaluated_decisions.len(), 2);
    let season = &v.evaluated_decisions[0];
    assert_eq!(season.decision_id, "season");
    assert_eq!(
        season.decision_key,
        created.decisions_metadata[0].decision_key
    );
    assert_eq!(season.decision_type, "LITERAL_EXPRESSION");
    assert_eq!(season.decision_output, r#""Winter""#);
    assert_eq!(
        season.decision_evaluation_instance_key,
        format!("{}-1", response.key.get())
    );
    let table = &v.evaluated_decisions[1];
    assert_eq!(
        table.decision_evaluation_instance_key,
        format!("{}-2", response.key.get())
    );
    assert_eq!(table.decision_type, "DECISION_TABLE");
    assert_eq!(table.decision_version, 1);
    let inputs: Vec<(&str, &str, &str)> = table
        .evaluated_inputs
        .iter()
        .map(|i| {
            (
                i.input_id.as_str(),
                i.input_name.as_str(),
                i.input_value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        [
            ("in_season", "Season", r#""Winter""#),
            ("in_guests", "Guests", "10")
        ]
    );
    assert_eq!(table.matched_rules.len(), 1);
    assert_eq!(table.matched_rules[0].rule_id, "rule_roast");
    assert_eq!(table.matched_rules[0].rule_index, 2);
    assert_eq!(
        table.matched_rules[0].evaluated_outputs,
        [EvaluatedOutputValue {
            output_id: "out_dish".into(),
            output_name: "Dish".into(),
            output_value: r#""Roast""#.into(),
        }]
    );
}

/// Decision `strict` requires `season`; its UNIQUE table has two rules that always both match.
const STRICT: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="strictness" name="Strictness" namespace="n">
  <decision id="season" name="Season">
    <literalExpression><text>"Winter"</text></literalExpression>
  </decision>
  <decision id="strict" name="Strict">
    <informationRequirement id="r1"><requiredDecision href="#season" /></informationRequirement>
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="i"><inputExpression typeRef="string"><text>Season</text></inputExpression></input>
      <output id="o" name="o" typeRef="number" />
      <rule id="one"><inputEntry><text>-</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule id="two"><inputEntry><text>-</text></inputEntry><outputEntry><text>2</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"##;

#[test]
fn a_failing_evaluation_answers_with_the_failed_event() {
    let mut h = Harness::new();
    h.deploy("strict.dmn", STRICT);
    let start = h.log.len();
    let response = evaluate(&mut h, by_id("strict", "{}"));
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C DECISION_EVALUATION EVALUATE",
            "E DECISION_EVALUATION FAILED"
        ]
    );
    let (intent, v) = evaluation(&response);
    assert_eq!(intent, "FAILED");
    assert_eq!(v.decision_id, "strict");
    assert_eq!(v.failed_decision_id, "strict");
    assert_eq!(v.decision_output, "null");
    assert!(
        v.evaluation_failure_message
            .starts_with("Expected to evaluate decision 'strict', but "),
        "{}",
        v.evaluation_failure_message
    );
    // The required decision evaluated before the failure is reported.
    assert_eq!(v.evaluated_decisions[0].decision_id, "season");
    assert_eq!(v.evaluated_decisions[0].decision_output, r#""Winter""#);
}

#[test]
fn unknown_decisions_are_rejected_as_not_found() {
    let mut h = Harness::new();
    let response = evaluate(&mut h, by_id("nope", "{}"));
    let rejection = response.rejection().expect("rejected");
    assert_eq!(rejection.kind, RejectionType::NotFound);
    assert_eq!(
        rejection.reason,
        "Expected to evaluate decision 'nope', but no decision found for id 'nope'"
    );
    let by_key = DecisionEvaluationRecord {
        decision_key: Key(2251799813685249),
        ..Default::default()
    };
    let rejection = evaluate(&mut h, by_key)
        .rejection()
        .expect("rejected")
        .clone();
    assert_eq!(rejection.kind, RejectionType::NotFound);
    let none = evaluate(&mut h, DecisionEvaluationRecord::default());
    assert_eq!(
        none.rejection().expect("rejected").kind,
        RejectionType::InvalidArgument
    );
}

#[test]
fn decisions_are_distributed_to_the_other_partitions() {
    let mut c = [1, 2].map(|p| Harness::partition(PartitionId(p), 2));
    let created = deployment(&c[0].deploy("dishes.dmn", &dishes("\"Winter\"")));
    let outbound = c[0].take_outbound();
    assert_eq!(outbound.len(), 1);
    let start = c[1].log.len();
    c[1].write(outbound[0].command.clone());
    let records = describe(&c[1].log[start..]);
    assert_eq!(
        records[..5],
        [
            "C DEPLOYMENT CREATE",
            "E DECISION_REQUIREMENTS CREATED",
            "E DECISION CREATED",
            "E DECISION CREATED",
            "E DEPLOYMENT CREATED",
        ]
    );
    let (_, v) = evaluation(&evaluate(&mut c[1], by_id("dish", r#"{"guests": 2}"#)));
    assert_eq!(v.decision_output, r#""Stew""#);
    assert_eq!(v.decision_key, created.decisions_metadata[1].decision_key);
}

/// start -> business rule task `rule` calling `decision_id` into `result` (with `extra` extension
/// elements) -> end.
fn rule_process(decision_id: &str, extra: &str) -> String {
    definitions(&format!(
        r#"<bpmn:process id="order" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule" />
    <bpmn:businessRuleTask id="rule">
      <bpmn:extensionElements><zeebe:calledDecision decisionId="{decision_id}" resultVariable="result" />{extra}</bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>"#
    ))
}

fn variable_created<'a>(records: &'a [Record], name: &str) -> Option<&'a VariableRecord> {
    records.iter().find_map(|r| match &r.value {
        RecordValue::Variable(VariableIntent::Created, v) if v.name == name => Some(v),
        _ => None,
    })
}

fn incident_created(records: &[Record]) -> (Key, IncidentRecord) {
    records
        .iter()
        .find_map(|r| match &r.value {
            RecordValue::Incident(IncidentIntent::Created, v) => Some((r.key, (**v).clone())),
            _ => None,
        })
        .expect("an incident")
}

#[test]
fn business_rule_task_evaluates_the_latest_decision_into_its_result_variable() {
    let mut h = Harness::new();
    let deployed = deployment(&deploy_resources(
        &mut h,
        &[
            ("dishes.dmn", &dishes("\"Winter\"")),
            ("order.bpmn", &rule_process("dish", "")),
        ],
    ));
    let start = h.log.len();
    let pi = h.create("order", r#"{"guests": 12}"#);
    let records = &h.log[start..];
    let rule_key = records
        .iter()
        .find(|r| {
            r.intent_name() == "ELEMENT_ACTIVATING"
                && matches!(&r.value, RecordValue::ProcessInstance(_, v) if v.element_id == "rule")
        })
        .expect("rule activated")
        .key;
    let evaluated = events_of(records, ValueType::DecisionEvaluation, "EVALUATED");
    assert_eq!(evaluated.len(), 1);
    let (_, v) = evaluation(evaluated[0]);
    assert_eq!(v.decision_id, "dish");
    assert_eq!(v.decision_key, deployed.decisions_metadata[1].decision_key);
    assert_eq!(v.decision_output, r#""Roast""#);
    assert_eq!(v.process_instance_key, pi);
    assert_eq!(v.element_instance_key, rule_key);
    assert_eq!(v.element_id, "rule");
    assert_eq!(v.bpmn_process_id, "order");
    assert_eq!(
        v.process_definition_key,
        deployed.processes_metadata[0].process_definition_key
    );
    assert_eq!(v.variables.to_map()["guests"], 12);
    // Without output mappings the result propagates to the process instance.
    let result = variable_created(records, "result").expect("result written");
    assert_eq!(
        (result.value.as_str(), result.scope_key),
        (r#""Roast""#, pi)
    );
    let rule: Vec<String> = lifecycle(records)
        .into_iter()
        .filter(|l| l.ends_with(" rule"))
        .collect();
    assert_eq!(
        rule,
        [
            "ACTIVATE_ELEMENT rule",
            "ELEMENT_ACTIVATING rule",
            "ELEMENT_ACTIVATED rule",
            "ELEMENT_COMPLETING rule",
            "ELEMENT_COMPLETED rule"
        ]
    );
    assert_eq!(
        lifecycle(records).last().unwrap(),
        "ELEMENT_COMPLETED order"
    );
}

#[test]
fn business_rule_task_output_mappings_map_the_local_result() {
    let mut h = Harness::new();
    h.deploy("dishes.dmn", &dishes("\"Winter\""));
    h.deploy(
        "order.bpmn",
        &rule_process(
            "dish",
            r#"<zeebe:ioMapping><zeebe:output source="=result" target="meal" /></zeebe:ioMapping>"#,
        ),
    );
    let start = h.log.len();
    let pi = h.create("order", r#"{"guests": 2}"#);
    let records = &h.log[start..];
    let result = variable_created(records, "result").expect("result written");
    assert_ne!(result.scope_key, pi, "the result stays local to the task");
    let meal = variable_created(records, "meal").expect("meal written");
    assert_eq!((meal.value.as_str(), meal.scope_key), (r#""Stew""#, pi));
    assert_eq!(
        lifecycle(records).last().unwrap(),
        "ELEMENT_COMPLETED order"
    );
}

#[test]
fn a_decision_that_is_not_deployed_is_a_called_decision_incident_resolved_by_deploying_it() {
    let mut h = Harness::new();
    h.deploy("order.bpmn", &rule_process("dish", ""));
    let start = h.log.len();
    h.create("order", r#"{"guests": 2}"#);
    let (incident_key, incident) = incident_created(&h.log[start..]);
    assert_eq!(incident.error_type, ErrorType::CalledDecisionError);
    assert_eq!(
        incident.error_message,
        "Expected to evaluate decision 'dish', but no decision found for id 'dish'"
    );
    assert_eq!(incident.element_id, "rule");
    assert!(events_of(&h.log[start..], ValueType::DecisionEvaluation, "EVALUATED").is_empty());

    h.deploy("dishes.dmn", &dishes("\"Winter\""));
    let start = h.log.len();
    h.command(
        incident_key,
        RecordValue::Incident(IncidentIntent::Resolve, Box::new(incident)),
    );
    let records = &h.log[start..];
    assert_eq!(
        events_of(records, ValueType::DecisionEvaluation, "EVALUATED").len(),
        1
    );
    assert_eq!(
        variable_created(records, "result").unwrap().value,
        r#""Stew""#
    );
    assert_eq!(
        lifecycle(records).last().unwrap(),
        "ELEMENT_COMPLETED order"
    );
}

#[test]
fn a_failed_evaluation_is_a_decision_evaluation_incident() {
    let mut h = Harness::new();
    h.deploy("strict.dmn", STRICT);
    h.deploy("order.bpmn", &rule_process("strict", ""));
    let start = h.log.len();
    let pi = h.create("order", "{}");
    let records = &h.log[start..];
    let failed = events_of(records, ValueType::DecisionEvaluation, "FAILED");
    assert_eq!(failed.len(), 1);
    let (_, v) = evaluation(failed[0]);
    assert_eq!(v.process_instance_key, pi);
    assert_eq!(v.failed_decision_id, "strict");
    let (_, incident) = incident_created(records);
    assert_eq!(incident.error_type, ErrorType::DecisionEvaluationError);
    assert_eq!(incident.error_message, v.evaluation_failure_message);
    assert!(variable_created(records, "result").is_none());
    assert!(!lifecycle(records).contains(&"ELEMENT_ACTIVATED rule".to_string()));
}

#[test]
fn decision_bindings_other_than_latest_are_rejected_at_deployment() {
    let mut h = Harness::new();
    let xml = rule_process("dish", "").replace(
        r#"resultVariable="result""#,
        r#"resultVariable="result" bindingType="deployment""#,
    );
    let response = deploy_resources(&mut h, &[("order.bpmn", &xml)]);
    let reason = &response.rejection().expect("rejected").reason;
    assert!(reason.contains("bindingType 'deployment'"), "{reason}");
}

#[test]
fn a_distributed_copy_without_its_dmn_resource_is_rejected_before_writing_anything() {
    let mut c = [1, 2].map(|p| Harness::partition(PartitionId(p), 2));
    c[0].deploy("p.bpmn", &one_task("p", "work"));
    c[0].take_outbound();
    let resources = [
        ("p.bpmn", one_task("p", "work2")),
        ("dishes.dmn", dishes("\"Winter\"")),
    ];
    let created = deployment(&deploy_resources(
        &mut c[0],
        &resources
            .iter()
            .map(|(n, x)| (*n, x.as_str()))
            .collect::<Vec<_>>(),
    ));
    assert_eq!(created.decisions_metadata.len(), 2);
    let mut outbound = c[0].take_outbound().remove(0).command;
    if let RecordValue::Deployment(_, copy) = &mut outbound.value {
        copy.resources.retain(|r| r.resource_name != "dishes.dmn");
    }
    let start = c[1].log.len();
    c[1].write(outbound);
    let records = &c[1].log[start..];
    let (kind, reason) = rejection(records).expect("rejected");
    assert_eq!(kind, RejectionType::InvalidArgument);
    assert_eq!(
        reason,
        "Expected the distributed deployment to contain resource 'dishes.dmn', but it does not"
    );
    assert!(records.iter().all(|r| !matches!(r.kind, RecordKind::Event)));
}
