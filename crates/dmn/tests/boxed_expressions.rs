//! Boxed expressions, BKMs and decision services called from FEEL, names with spaces and
//! item definition conformance.

use hornet_dmn::{parse_definitions, EvalSettings};
use hornet_feel::{Context, Value};
use std::collections::BTreeMap;

const MODEL: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" name="boxed" namespace="boxed">
  <itemDefinition name="tPerson">
    <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
  </itemDefinition>
  <itemDefinition name="tSmall"><typeRef>number</typeRef><allowedValues><text>[0..9]</text></allowedValues></itemDefinition>
  <itemDefinition name="tSmalls" isCollection="true"><typeRef>tSmall</typeRef></itemDefinition>
  <inputData id="i_person" name="Applicant's data"><variable name="Applicant's data" typeRef="tPerson"/></inputData>
  <inputData id="i_small" name="Small"><variable name="Small" typeRef="tSmalls"/></inputData>

  <decision id="ctx" name="Context Result">
    <informationRequirement><requiredInput href="#i_person"/></informationRequirement>
    <context>
      <contextEntry><variable name="Age In Months"/><literalExpression><text>Applicant's data.age * 12</text></literalExpression></contextEntry>
      <contextEntry><variable name="twice"/><functionDefinition><formalParameter name="n"/><literalExpression><text>n * 2</text></literalExpression></functionDefinition></contextEntry>
      <contextEntry><literalExpression><text>twice(Age In Months)</text></literalExpression></contextEntry>
    </context>
  </decision>
  <decision id="plain_ctx" name="Plain Context">
    <context>
      <contextEntry><variable name="a"/><literalExpression><text>1</text></literalExpression></contextEntry>
      <contextEntry><variable name="b"/><list><literalExpression><text>a</text></literalExpression><literalExpression><text>a + 1</text></literalExpression></list></contextEntry>
      <contextEntry><variable name="rows"/><relation>
        <column name="k"/><column name="v"/>
        <row><literalExpression><text>"x"</text></literalExpression><literalExpression><text>b[2]</text></literalExpression></row>
      </relation></contextEntry>
    </context>
  </decision>
  <decision id="cond" name="Cond">
    <conditional>
      <if><literalExpression><text>"not boolean"</text></literalExpression></if>
      <then><literalExpression><text>1</text></literalExpression></then>
      <else><literalExpression><text>2</text></literalExpression></else>
    </conditional>
  </decision>
  <decision id="cond_null" name="Cond Null">
    <conditional>
      <if><literalExpression><text>null</text></literalExpression></if>
      <then><literalExpression><text>1</text></literalExpression></then>
      <else><literalExpression><text>2</text></literalExpression></else>
    </conditional>
  </decision>
  <decision id="filter" name="Filter">
    <filter>
      <in><literalExpression><text>[{x: 1}, {x: 5}, {x: 7}]</text></literalExpression></in>
      <match><literalExpression><text>x &gt; 2</text></literalExpression></match>
    </filter>
  </decision>
  <decision id="for" name="For">
    <for iteratorVariable="v">
      <in><literalExpression><text>[1, 2, 3]</text></literalExpression></in>
      <return><literalExpression><text>v * v</text></literalExpression></return>
    </for>
  </decision>
  <decision id="every" name="Every">
    <every iteratorVariable="v">
      <in><literalExpression><text>[1, 2]</text></literalExpression></in>
      <satisfies><literalExpression><text>if v = 1 then true else "x"</text></literalExpression></satisfies>
    </every>
  </decision>

  <businessKnowledgeModel id="bkm_grade" name="Grade Of">
    <encapsulatedLogic>
      <formalParameter name="score" typeRef="number"/>
      <decisionTable hitPolicy="FIRST">
        <input><inputExpression><text>score</text></inputExpression></input>
        <output/>
        <rule><inputEntry><text>&gt;= 90</text></inputEntry><outputEntry><text>"A"</text></outputEntry></rule>
        <rule><inputEntry><text>not(&lt; 50)</text></inputEntry><outputEntry><text>"B"</text></outputEntry></rule>
        <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"C"</text></outputEntry></rule>
      </decisionTable>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="grades" name="Grades">
    <knowledgeRequirement><requiredKnowledge href="#bkm_grade"/></knowledgeRequirement>
    <literalExpression><text>[Grade Of(95), Grade Of(60), Grade Of(score: 10)]</text></literalExpression>
  </decision>

  <businessKnowledgeModel id="bkm_prio" name="prio">
    <encapsulatedLogic>
      <formalParameter name="n"/>
      <decisionTable hitPolicy="PRIORITY">
        <input><inputExpression><text>n</text></inputExpression></input>
        <output><outputValues><text>"high","low"</text></outputValues></output>
        <rule><inputEntry><text>-</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
        <rule><inputEntry><text>&gt; 5</text></inputEntry><outputEntry><text>"high"</text></outputEntry></rule>
      </decisionTable>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="prio_invoked" name="Prio Invoked">
    <invocation>
      <literalExpression><text>prio</text></literalExpression>
      <binding><parameter name="n"/><literalExpression><text>6</text></literalExpression></binding>
    </invocation>
  </decision>

  <decision id="svc_in" name="Service Input"><literalExpression><text>"default"</text></literalExpression></decision>
  <decision id="svc_out" name="Service Output">
    <informationRequirement><requiredDecision href="#svc_in"/></informationRequirement>
    <literalExpression><text>"got " + Service Input</text></literalExpression>
  </decision>
  <decisionService id="svc" name="Greeter">
    <outputDecision href="#svc_out"/>
    <inputDecision href="#svc_in"/>
  </decisionService>
  <decision id="svc_call" name="Service Call">
    <knowledgeRequirement><requiredKnowledge href="#svc"/></knowledgeRequirement>
    <literalExpression><text>Greeter("param")</text></literalExpression>
  </decision>

  <businessKnowledgeModel id="bkm_typed" name="add one">
    <encapsulatedLogic>
      <formalParameter name="the number" typeRef="number"/>
      <literalExpression typeRef="number"><text>[the number + 1]</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="typed_calls" name="Typed Calls">
    <knowledgeRequirement><requiredKnowledge href="#bkm_typed"/></knowledgeRequirement>
    <literalExpression><text>[add one(1), add one([2]), add one("x"), add one(null)]</text></literalExpression>
  </decision>
  <decision id="typed_invocation" name="Typed Invocation">
    <invocation>
      <literalExpression><text>add one</text></literalExpression>
      <binding><parameter name="the number"/><literalExpression><text>"not a number"</text></literalExpression></binding>
    </invocation>
  </decision>

  <decision id="small" name="Small Values">
    <informationRequirement><requiredInput href="#i_small"/></informationRequirement>
    <literalExpression><text>Small</text></literalExpression>
  </decision>
  <decision id="typed" name="Typed">
    <variable name="Typed" typeRef="tPerson"/>
    <literalExpression><text>{name: "only a name"}</text></literalExpression>
  </decision>
</definitions>"##;

fn eval(decision: &str, vars: &BTreeMap<String, Value>) -> Value {
    let defs = parse_definitions(MODEL.as_bytes()).expect("model parses");
    defs.evaluate_decision(decision, vars, EvalSettings::default())
        .unwrap_or_else(|f| panic!("{decision} failed: {f}"))
        .output
}

fn person(name: &str, age: i64) -> Value {
    let mut ctx = Context::new();
    ctx.insert("name", Value::string(name));
    ctx.insert("age", Value::number(age));
    Value::Context(ctx)
}

fn numbers(items: &[i64]) -> Value {
    Value::List(items.iter().map(|n| Value::number(*n)).collect())
}

#[test]
fn context_entries_see_earlier_entries_and_functions() {
    let mut vars = BTreeMap::new();
    vars.insert("Applicant's data".to_string(), person("Ada", 3));
    assert_eq!(eval("ctx", &vars), Value::number(72));
    // A non-conforming input (age is a string) becomes null, and so does the arithmetic.
    let mut bad = Context::new();
    bad.insert("name", Value::string("Ada"));
    bad.insert("age", Value::string("3"));
    vars.insert("Applicant's data".to_string(), Value::Context(bad));
    assert_eq!(eval("ctx", &vars), Value::Null);
}

#[test]
fn context_without_result_entry_lists_and_relations() {
    let Value::Context(ctx) = eval("plain_ctx", &BTreeMap::new()) else {
        panic!("expected a context")
    };
    assert_eq!(ctx.get("a"), Some(&Value::number(1)));
    assert_eq!(ctx.get("b"), Some(&numbers(&[1, 2])));
    let Some(Value::List(rows)) = ctx.get("rows") else {
        panic!("expected relation rows")
    };
    let Value::Context(row) = &rows[0] else {
        panic!("expected a row context")
    };
    assert_eq!(row.get("k"), Some(&Value::string("x")));
    assert_eq!(row.get("v"), Some(&Value::number(2)));
}

#[test]
fn conditional_filter_and_iterators() {
    let none = BTreeMap::new();
    assert_eq!(eval("cond", &none), Value::Null);
    assert_eq!(eval("cond_null", &none), Value::number(2));
    let Value::List(hits) = eval("filter", &none) else {
        panic!("expected a list")
    };
    assert_eq!(hits.len(), 2);
    assert_eq!(eval("for", &none), numbers(&[1, 4, 9]));
    // A non-boolean `satisfies` makes the result null.
    assert_eq!(eval("every", &none), Value::Null);
}

#[test]
fn bkm_with_decision_table_is_callable_from_feel() {
    assert_eq!(
        eval("grades", &BTreeMap::new()),
        Value::List(vec![
            Value::string("A"),
            Value::string("B"),
            Value::string("C")
        ])
    );
}

#[test]
fn priority_table_bkm_through_invocation() {
    assert_eq!(
        eval("prio_invoked", &BTreeMap::new()),
        Value::string("high")
    );
}

#[test]
fn decision_services_from_feel_and_directly() {
    assert_eq!(
        eval("svc_call", &BTreeMap::new()),
        Value::string("got param")
    );
    let defs = parse_definitions(MODEL.as_bytes()).unwrap();
    let mut params = BTreeMap::new();
    params.insert("Service Input".to_string(), Value::string("direct"));
    assert_eq!(
        defs.evaluate_decision_service("Greeter", &params, EvalSettings::default())
            .unwrap(),
        Value::string("got direct")
    );
    // Evaluating the output decision itself evaluates its requirement.
    assert_eq!(
        eval("svc_out", &BTreeMap::new()),
        Value::string("got default")
    );
}

#[test]
fn item_definitions_constrain_values() {
    let mut vars = BTreeMap::new();
    vars.insert("Small".to_string(), numbers(&[1, 2]));
    assert_eq!(eval("small", &vars), numbers(&[1, 2]));
    // 12 is not an allowed value of tSmall, so the list does not conform.
    vars.insert("Small".to_string(), numbers(&[1, 12]));
    assert_eq!(eval("small", &vars), Value::Null);
    // A single value conforms to a collection type as a singleton list.
    vars.insert("Small".to_string(), Value::number(3));
    assert_eq!(eval("small", &vars), numbers(&[3]));
    // A context without every component of tPerson does not conform.
    assert_eq!(eval("typed", &BTreeMap::new()), Value::Null);
}

#[test]
fn bkm_arguments_and_results_conform_to_their_types() {
    // From FEEL: a singleton list argument converts, a non-conforming one makes the call null,
    // and the singleton list result converts to the declared number type.
    assert_eq!(
        eval("typed_calls", &BTreeMap::new()),
        Value::List(vec![
            Value::number(2),
            Value::number(3),
            Value::Null,
            Value::Null
        ])
    );
    // Through a boxed invocation the same rule applies.
    assert_eq!(eval("typed_invocation", &BTreeMap::new()), Value::Null);
}
