//! Shared helpers for the integration tests.
#![allow(dead_code)]

use hornet_feel::{EvalContext, Expression, Value};

pub fn vars(json: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(json).expect("test variables are valid JSON")
}

/// Evaluates `source` against the JSON object `variables`.
pub fn eval_with(source: &str, variables: &str) -> Value {
    let vars = vars(variables);
    let expr = Expression::parse(source).unwrap_or_else(|e| panic!("{e}"));
    expr.evaluate(&EvalContext::new(&vars))
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn eval(source: &str) -> Value {
    eval_with(source, "{}")
}

/// Asserts that `source` evaluates to the same value as the FEEL expression `expected`.
#[track_caller]
pub fn check(source: &str, expected: &str) {
    assert_eq!(eval(source), eval(expected), "{source}  ==>  {expected}");
}

#[track_caller]
pub fn check_with(source: &str, variables: &str, expected: &str) {
    assert_eq!(
        eval_with(source, variables),
        eval(expected),
        "{source}  ==>  {expected}"
    );
}
