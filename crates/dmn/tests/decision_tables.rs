//! Hit policies, aggregations, default outputs and the evaluation details of decision tables.

use hornet_dmn::{parse_definitions, DmnError, EvalSettings};
use hornet_feel::Value;
use std::collections::BTreeMap;

/// A table over input `x` with three overlapping rules (`>= 0`, `>= 5`, `>= 10`).
fn model(hit_policy: &str, outputs: [&str; 3], default: Option<&str>) -> String {
    let default = default
        .map(|d| format!("<defaultOutputEntry><text>{d}</text></defaultOutputEntry>"))
        .unwrap_or_default();
    let (policy, aggregation) = match hit_policy.split_once(' ') {
        Some(("COLLECT", agg)) => ("COLLECT", format!(" aggregation=\"{agg}\"")),
        _ => (hit_policy, String::new()),
    };
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" name="t" namespace="t">
  <inputData id="in_x" name="x"><variable name="x" typeRef="number"/></inputData>
  <decision id="d" name="Decision">
    <informationRequirement><requiredInput href="#in_x"/></informationRequirement>
    <decisionTable id="table" hitPolicy="{policy}"{aggregation}>
      <input id="input1" label="X"><inputExpression typeRef="number"><text>x</text></inputExpression></input>
      <output id="out1" name="out" label="Out Label"><outputValues><text>"high","mid","low"</text></outputValues>{default}</output>
      <rule id="r1"><inputEntry><text>&gt;= 0</text></inputEntry><outputEntry><text>{}</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&gt;= 5</text></inputEntry><outputEntry><text>{}</text></outputEntry></rule>
      <rule id="r3"><inputEntry><text>&gt;= 10</text></inputEntry><outputEntry><text>{}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"##,
        outputs[0], outputs[1], outputs[2]
    )
}

const WORDS: [&str; 3] = ["\"low\"", "\"mid\"", "\"high\""];

fn eval(xml: &str, x: i64) -> Result<Value, DmnError> {
    let defs = parse_definitions(xml.as_bytes()).expect("model parses");
    let mut vars = BTreeMap::new();
    vars.insert("x".to_string(), Value::number(x));
    defs.evaluate_decision("d", &vars, EvalSettings::default())
        .map(|r| r.output)
        .map_err(|f| f.error)
}

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::string(*s)).collect())
}

#[test]
fn unique_returns_the_single_match_and_rejects_several() {
    let xml = model("UNIQUE", WORDS, None);
    assert_eq!(eval(&xml, 2).unwrap(), Value::string("low"));
    match eval(&xml, 12) {
        Err(DmnError::HitPolicy {
            element_id,
            hit_policy,
            message,
        }) => {
            assert_eq!(element_id, "table");
            assert_eq!(hit_policy, "UNIQUE");
            assert!(message.contains("1, 2, 3"), "{message}");
        }
        other => panic!("expected a hit policy violation, got {other:?}"),
    }
    // No match and no default output: null.
    assert_eq!(eval(&xml, -1).unwrap(), Value::Null);
}

#[test]
fn default_output_entry_applies_when_nothing_matches() {
    let xml = model("UNIQUE", WORDS, Some("\"none\""));
    assert_eq!(eval(&xml, -1).unwrap(), Value::string("none"));
    let xml = model("COLLECT", WORDS, Some("\"none\""));
    assert_eq!(eval(&xml, -1).unwrap(), Value::string("none"));
}

#[test]
fn first_returns_the_first_match_in_rule_order() {
    let xml = model("FIRST", WORDS, None);
    assert_eq!(eval(&xml, 12).unwrap(), Value::string("low"));
    assert_eq!(eval(&xml, -1).unwrap(), Value::Null);
    // Only the first matching rule is reported (and its outputs evaluated), as in Zeebe.
    let defs = parse_definitions(xml.as_bytes()).unwrap();
    let mut vars = BTreeMap::new();
    vars.insert("x".to_string(), Value::number(12));
    let result = defs
        .evaluate_decision("d", &vars, EvalSettings::default())
        .unwrap();
    let rules: Vec<&str> = result.evaluated_decisions[0]
        .matched_rules
        .iter()
        .map(|r| r.rule_id.as_str())
        .collect();
    assert_eq!(rules, ["r1"]);
}

#[test]
fn inputs_outside_the_input_values_are_still_evaluated() {
    let xml = model("FIRST", WORDS, None).replace(
        "<inputExpression typeRef=\"number\"><text>x</text></inputExpression>",
        "<inputExpression typeRef=\"number\"><text>x</text></inputExpression><inputValues><text>[0..3]</text></inputValues>",
    );
    assert!(xml.contains("inputValues"));
    assert_eq!(eval(&xml, 7).unwrap(), Value::string("low"));
}

#[test]
fn priority_orders_by_output_values() {
    let xml = model("PRIORITY", WORDS, None);
    assert_eq!(eval(&xml, 12).unwrap(), Value::string("high"));
    assert_eq!(eval(&xml, 7).unwrap(), Value::string("mid"));
}

#[test]
fn any_requires_equal_outputs() {
    let xml = model("ANY", ["\"same\"", "\"same\"", "\"other\""], None);
    assert_eq!(eval(&xml, 7).unwrap(), Value::string("same"));
    assert!(matches!(
        eval(&xml, 12),
        Err(DmnError::HitPolicy {
            hit_policy: "ANY",
            ..
        })
    ));
}

#[test]
fn rule_order_output_order_and_collect_return_lists() {
    assert_eq!(
        eval(&model("RULE ORDER", WORDS, None), 12).unwrap(),
        strings(&["low", "mid", "high"])
    );
    assert_eq!(
        eval(&model("OUTPUT ORDER", WORDS, None), 12).unwrap(),
        strings(&["high", "mid", "low"])
    );
    assert_eq!(
        eval(&model("COLLECT", WORDS, None), 7).unwrap(),
        strings(&["low", "mid"])
    );
    // No match and no default output: null for every hit policy, as in Zeebe (dmn-scala).
    assert_eq!(
        eval(&model("RULE ORDER", WORDS, None), -1).unwrap(),
        Value::Null
    );
    assert_eq!(
        eval(&model("COLLECT", WORDS, None), -1).unwrap(),
        Value::Null
    );
}

#[test]
fn collect_aggregations() {
    let numbers = ["1", "20", "300"];
    assert_eq!(
        eval(&model("COLLECT SUM", numbers, None), 12).unwrap(),
        Value::number(321)
    );
    assert_eq!(
        eval(&model("COLLECT MIN", numbers, None), 12).unwrap(),
        Value::number(1)
    );
    assert_eq!(
        eval(&model("COLLECT MAX", numbers, None), 7).unwrap(),
        Value::number(20)
    );
    assert_eq!(
        eval(&model("COLLECT COUNT", numbers, None), 12).unwrap(),
        Value::number(3)
    );
    assert_eq!(
        eval(&model("COLLECT COUNT", numbers, None), -1).unwrap(),
        Value::Null
    );
    assert_eq!(
        eval(&model("COLLECT COUNT", numbers, Some("0")), -1).unwrap(),
        Value::number(0)
    );
    assert_eq!(
        eval(&model("COLLECT SUM", numbers, None), -1).unwrap(),
        Value::Null
    );
    assert!(matches!(
        eval(&model("COLLECT SUM", WORDS, None), 12),
        Err(DmnError::HitPolicy { .. })
    ));
}

#[test]
fn reports_inputs_and_matched_rules() {
    let defs = parse_definitions(model("RULE ORDER", WORDS, None).as_bytes()).unwrap();
    let mut vars = BTreeMap::new();
    vars.insert("x".to_string(), Value::number(7));
    let result = defs
        .evaluate_decision("Decision", &vars, EvalSettings::default())
        .unwrap();
    let evaluated = &result.evaluated_decisions[0];
    assert_eq!(evaluated.decision_id, "d");
    assert_eq!(evaluated.decision_type.zeebe_name(), "DECISION_TABLE");
    assert_eq!(evaluated.inputs.len(), 1);
    assert_eq!(evaluated.inputs[0].input_id, "input1");
    assert_eq!(evaluated.inputs[0].input_name, "X");
    assert_eq!(evaluated.inputs[0].value, Value::number(7));
    let rules: Vec<(&str, usize)> = evaluated
        .matched_rules
        .iter()
        .map(|r| (r.rule_id.as_str(), r.rule_index))
        .collect();
    assert_eq!(rules, [("r1", 1), ("r2", 2)]);
    assert_eq!(evaluated.matched_rules[1].outputs[0].output_id, "out1");
    // Zeebe names outputs by label first.
    assert_eq!(
        evaluated.matched_rules[1].outputs[0].output_name,
        "Out Label"
    );
    assert_eq!(
        evaluated.matched_rules[1].outputs[0].value,
        Value::string("mid")
    );
}

#[test]
fn several_outputs_make_a_context() {
    let xml = r#"<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" name="t" namespace="t">
  <decision id="d" name="d">
    <decisionTable id="t" hitPolicy="UNIQUE">
      <input id="i"><inputExpression><text>x + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0</text></inputExpression></input>
      <output id="o1" name="a"/><output id="o2" name="b"/>
      <rule id="r"><inputEntry><text>-</text></inputEntry><outputEntry><text>1</text></outputEntry><outputEntry><text>x + 1</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;
    let defs = parse_definitions(xml.as_bytes()).unwrap();
    let mut vars = BTreeMap::new();
    vars.insert("x".to_string(), Value::number(41));
    let out = defs
        .evaluate_decision("d", &vars, EvalSettings::default())
        .unwrap();
    let Value::Context(ctx) = out.output else {
        panic!("expected a context, got {:?}", out.output)
    };
    // Without label an input is named by its expression, cut to 30 characters as in Zeebe.
    assert_eq!(
        out.evaluated_decisions[0].inputs[0].input_name,
        "x + 0 + 0 + 0 + 0 + 0 + 0 + 0 "
    );
    assert_eq!(ctx.get("a"), Some(&Value::number(1)));
    assert_eq!(ctx.get("b"), Some(&Value::number(42)));
}
