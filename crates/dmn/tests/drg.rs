//! Decision requirements graphs: required decisions first, each once; names with spaces;
//! business knowledge models; cycles.

use hornet_dmn::{parse_definitions, DmnError, EvalSettings};
use hornet_feel::Value;
use std::collections::BTreeMap;

const MODEL: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="drg" namespace="drg">
  <inputData id="in_income" name="Monthly Income"><variable name="Monthly Income" typeRef="number"/></inputData>
  <decision id="top" name="Top">
    <informationRequirement><requiredDecision href="#mid"/></informationRequirement>
    <informationRequirement><requiredDecision href="#base"/></informationRequirement>
    <literalExpression><text>Mid Value + Base Value</text></literalExpression>
  </decision>
  <decision id="mid" name="Mid Value">
    <informationRequirement><requiredDecision href="#base"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#double"/></knowledgeRequirement>
    <literalExpression><text>Double It(Base Value)</text></literalExpression>
  </decision>
  <decision id="base" name="Base Value">
    <variable name="Base Value" typeRef="number"/>
    <informationRequirement><requiredInput href="#in_income"/></informationRequirement>
    <literalExpression><text>Monthly Income * 12</text></literalExpression>
  </decision>
  <businessKnowledgeModel id="double" name="Double It">
    <encapsulatedLogic>
      <formalParameter name="n" typeRef="number"/>
      <literalExpression><text>n * 2</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="invoke" name="Invoked">
    <invocation>
      <literalExpression><text>Double It</text></literalExpression>
      <binding><parameter name="n"/><literalExpression><text>21</text></literalExpression></binding>
    </invocation>
  </decision>
  <decision id="cycle_a" name="A">
    <informationRequirement><requiredDecision href="#cycle_b"/></informationRequirement>
    <literalExpression><text>B</text></literalExpression>
  </decision>
  <decision id="cycle_b" name="B">
    <informationRequirement><requiredDecision href="#cycle_a"/></informationRequirement>
    <literalExpression><text>A</text></literalExpression>
  </decision>
</definitions>"##;

fn income(n: i64) -> BTreeMap<String, Value> {
    let mut vars = BTreeMap::new();
    vars.insert("Monthly Income".to_string(), Value::number(n));
    vars
}

#[test]
fn required_decisions_are_evaluated_first_and_once() {
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let result = defs
        .evaluate_decision("top", &income(100), EvalSettings::default())
        .unwrap();
    // base = 1200, mid = 2400, top = 3600
    assert_eq!(result.output, Value::number(3600));
    let order: Vec<&str> = result
        .evaluated_decisions
        .iter()
        .map(|d| d.decision_id.as_str())
        .collect();
    assert_eq!(order, ["base", "mid", "top"]);
    assert_eq!(result.evaluated_decisions[0].output, Value::number(1200));
    assert_eq!(result.evaluated_decisions[1].decision_name, "Mid Value");
    assert_eq!(
        result.evaluated_decisions[1].decision_type.zeebe_name(),
        "LITERAL_EXPRESSION"
    );
}

#[test]
fn input_data_are_coerced_to_their_type() {
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let mut vars = BTreeMap::new();
    vars.insert("Monthly Income".to_string(), Value::string("not a number"));
    let result = defs
        .evaluate_decision("base", &vars, EvalSettings::default())
        .unwrap();
    assert_eq!(result.output, Value::Null);
}

#[test]
fn boxed_invocation_calls_the_bkm() {
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let result = defs
        .evaluate_decision("Invoked", &income(0), EvalSettings::default())
        .unwrap();
    assert_eq!(result.output, Value::number(42));
}

#[test]
fn cycles_are_reported() {
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let failure = defs
        .evaluate_decision("cycle_a", &income(0), EvalSettings::default())
        .unwrap_err();
    assert!(
        matches!(&failure.error, DmnError::Cycle { decision_id } if decision_id == "cycle_a"),
        "{failure:?}"
    );
}

#[test]
fn unknown_decisions_are_reported() {
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let failure = defs
        .evaluate_decision("nope", &income(0), EvalSettings::default())
        .unwrap_err();
    assert!(matches!(failure.error, DmnError::NotFound { .. }));
}
