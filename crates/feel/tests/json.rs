//! Conversion between FEEL values and JSON as Zeebe does it.

mod common;
use common::*;
use hornet_feel::Value;
use serde_json::json;

#[test]
fn json_round_trip() {
    let input = json!({"a": 1, "b": 1.5, "c": "s", "d": [true, null], "e": {"f": -2}});
    let value = Value::from_json(&input);
    assert_eq!(value.to_json(), input);
}

#[test]
fn integral_numbers_become_json_integers() {
    assert_eq!(eval("1.0 + 1").to_json(), json!(2));
    assert_eq!(eval("10 / 4").to_json(), json!(2.5));
    assert_eq!(eval("-7").to_json(), json!(-7));
    assert_eq!(
        eval("2 ** 62").to_json(),
        json!(4_611_686_018_427_387_904_i64)
    );
}

#[test]
fn large_and_scientific_json_numbers() {
    assert_eq!(Value::from_json(&json!(1e3)), Value::number(1000));
    assert_eq!(
        Value::from_json(&json!(u64::MAX)).to_json(),
        json!(u64::MAX)
    );
    let big = Value::from_json(&json!(1e300));
    assert_eq!(big.type_name(), "number");
    assert_eq!(big.to_json(), json!(1e300));
    assert_eq!(eval("0.1 + 0.2").to_json(), json!(0.3));
    assert_eq!(eval("1 / 3").to_json(), json!(1.0 / 3.0));
}

#[test]
fn contexts_become_objects_and_ranges_null() {
    assert_eq!(
        eval("{a: [1, {b: null}]}").to_json(),
        json!({"a": [1, {"b": null}]})
    );
    assert_eq!(eval("[1..2]").to_json(), json!(null));
    assert_eq!(eval("function(x) x").to_json(), json!(null));
}

#[test]
fn json_floats_keep_their_fraction_digit_like_zeebe() {
    // Zeebe hands JSON floats to FEEL as doubles: 10.0 stays "10.0" in string().
    assert_eq!(
        eval_with("string(x)", r#"{"x": 10.0}"#),
        Value::string("10.0")
    );
    assert_eq!(eval_with("string(x)", r#"{"x": 10}"#), Value::string("10"));
    assert_eq!(
        eval_with("string(x)", r#"{"x": 0.1}"#),
        Value::string("0.1")
    );
    assert_eq!(eval_with("x", r#"{"x": 10.0}"#).to_json(), json!(10));
}

#[test]
fn type_names() {
    assert_eq!(eval("1").type_name(), "number");
    assert_eq!(eval("\"a\"").type_name(), "string");
    assert_eq!(eval("[1]").type_name(), "list");
    assert_eq!(eval("{}").type_name(), "context");
    assert_eq!(eval("null").type_name(), "Null");
    assert_eq!(eval("[1..2]").type_name(), "range");
}

#[test]
fn variables_from_btreemap() {
    use hornet_feel::{EvalContext, Expression};
    let mut vars = std::collections::BTreeMap::new();
    vars.insert("x".to_string(), Value::number(2));
    let v = Expression::parse("x * 3")
        .unwrap()
        .evaluate(&EvalContext::new(&vars))
        .unwrap();
    assert_eq!(v, Value::number(6));
}

#[test]
fn json_paths_match_value_paths() {
    use hornet_feel::{EvalContext, Expression};
    let json = r#"{"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": 5}, {"x": 1}], "s": "text",
                  "o": {"p": {"q": [1, 2]}, "n": null}}"#;
    let json_vars = vars(json);
    let value_vars: std::collections::BTreeMap<String, Value> = json_vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect();
    for source in [
        "a.b.c",
        "a.b",
        "a.x",
        "s.length",
        "o.p.q",
        "o.n.z",
        "o.missing.z",
        "missing.x",
        "a",
    ] {
        let expr = Expression::parse(source).unwrap();
        let from_json = expr.evaluate(&EvalContext::new(&json_vars)).unwrap();
        let from_values = expr.evaluate(&EvalContext::new(&value_vars)).unwrap();
        assert_eq!(from_json, from_values, "{source}");
    }
    assert_eq!(
        eval_with("a.b.c", json).to_json(),
        json!([[1, 2], null, null])
    );
}
