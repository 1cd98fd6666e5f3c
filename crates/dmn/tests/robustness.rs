//! Truncated and garbled models produce errors (or, if still valid, evaluate), never panics.

use hornet_dmn::{parse_definitions, parse_definitions_lenient, EvalSettings};
use hornet_feel::Value;
use std::collections::BTreeMap;

const MODELS: &[&str] = &[
    r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" name="m" namespace="m">
  <itemDefinition name="tPerson"><itemComponent name="age"><typeRef>number</typeRef></itemComponent></itemDefinition>
  <inputData id="i" name="Person"><variable name="Person" typeRef="tPerson"/></inputData>
  <decision id="d" name="Adult">
    <informationRequirement><requiredInput href="#i"/></informationRequirement>
    <decisionTable id="t" hitPolicy="COLLECT" aggregation="SUM">
      <input id="in1"><inputExpression typeRef="number"><text>Person.age</text></inputExpression></input>
      <output id="o1"/>
      <rule id="r1"><inputEntry><text>&gt;= 18</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>[0..120]</text></inputEntry><outputEntry><text>10</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="d2" name="Summary">
    <informationRequirement><requiredDecision href="#d"/></informationRequirement>
    <context>
      <contextEntry><variable name="f"/><functionDefinition><formalParameter name="a"/><literalExpression><text>a * 2</text></literalExpression></functionDefinition></contextEntry>
      <contextEntry><variable name="rows"/><relation><column name="k"/><row><literalExpression><text>1</text></literalExpression></row></relation></contextEntry>
      <contextEntry><literalExpression><text>f(Adult) + count(rows)</text></literalExpression></contextEntry>
    </context>
  </decision>
</definitions>"##,
    r##"<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd" id="x" name="x" namespace="x">
  <businessKnowledgeModel id="b" name="bkm"><encapsulatedLogic><formalParameter name="p"/>
    <decisionTable hitPolicy="PRIORITY"><input><inputExpression><text>p</text></inputExpression></input>
      <output><outputValues><text>"a","b"</text></outputValues></output>
      <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"b"</text></outputEntry></rule>
      <rule><inputEntry><text>not(1)</text></inputEntry><outputEntry><text>"a"</text></outputEntry></rule>
    </decisionTable></encapsulatedLogic></businessKnowledgeModel>
  <decision id="d" name="d"><knowledgeRequirement><requiredKnowledge href="#b"/></knowledgeRequirement>
    <invocation><literalExpression><text>bkm</text></literalExpression>
      <binding><parameter name="p"/><literalExpression><text>2</text></literalExpression></binding></invocation></decision>
  <decisionService id="s" name="svc"><outputDecision href="#d"/></decisionService>
</definitions>"##,
];

/// Parses (strictly and leniently) and, if that works, evaluates every decision.
fn exercise(bytes: &[u8]) {
    let _ = parse_definitions(bytes);
    if let Ok(defs) = parse_definitions_lenient(bytes) {
        let mut person = hornet_feel::Context::new();
        person.insert("age", Value::number(30));
        let mut vars = BTreeMap::new();
        vars.insert("Person".to_string(), Value::Context(person));
        for d in defs.decisions() {
            let _ = defs.evaluate_decision(&d.id, &vars, EvalSettings::default());
        }
        for s in defs.decision_services() {
            let _ = defs.evaluate_decision_service(&s.id, &vars, EvalSettings::default());
        }
    }
}

#[test]
fn intact_models_evaluate() {
    let defs = parse_definitions(MODELS[0].as_bytes()).unwrap();
    let mut person = hornet_feel::Context::new();
    person.insert("age", Value::number(30));
    let mut vars = BTreeMap::new();
    vars.insert("Person".to_string(), Value::Context(person));
    let r = defs
        .evaluate_decision("Summary", &vars, EvalSettings::default())
        .unwrap();
    // Adult = 1 + 10 = 11; f(11) = 22; one relation row.
    assert_eq!(r.output, Value::number(23));
    let defs = parse_definitions(MODELS[1].as_bytes()).unwrap();
    let r = defs
        .evaluate_decision("d", &vars, EvalSettings::default())
        .unwrap();
    assert_eq!(r.output, Value::string("a"));
}

#[test]
fn truncated_models_never_panic() {
    for model in MODELS {
        let bytes = model.as_bytes();
        for end in 0..bytes.len() {
            exercise(&bytes[..end]);
        }
        // Truncation inside the root always leaves an unclosed element: an error.
        assert!(parse_definitions_lenient(&bytes[..bytes.len() - 3]).is_err());
    }
}

#[test]
fn garbled_models_never_panic() {
    // A fixed linear congruential generator keeps the test deterministic.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    const NOISE: &[u8] = b"<>/\"'&;=#x \n\t\xff\xc3-[]().,0";
    for model in MODELS {
        for _ in 0..400 {
            let mut bytes = model.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let at = next() % bytes.len();
                match next() % 3 {
                    0 => bytes[at] = NOISE[next() % NOISE.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, NOISE[next() % NOISE.len()]),
                }
            }
            exercise(&bytes);
        }
    }
}
