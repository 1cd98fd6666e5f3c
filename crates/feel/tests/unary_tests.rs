//! Unary tests as used in DMN decision table input entries.

mod common;
use common::vars;
use hornet_feel::{EvalContext, UnaryTests, Value};

fn matches_with(tests: &str, input: Value, variables: &str) -> bool {
    let vars = vars(variables);
    let tests = UnaryTests::parse(tests).unwrap_or_else(|e| panic!("{e}"));
    tests
        .test(&input, &EvalContext::new(&vars))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn matches(tests: &str, input: Value) -> bool {
    matches_with(tests, input, "{}")
}

fn n(i: i64) -> Value {
    Value::number(i)
}

fn s(text: &str) -> Value {
    Value::string(text)
}

#[test]
fn comparisons() {
    assert!(matches("< 5", n(3)));
    assert!(!matches("< 5", n(5)));
    assert!(matches("<= 5", n(5)));
    assert!(matches("> 5", n(6)));
    assert!(matches(">= 5", n(5)));
    assert!(matches("= 5", n(5)));
    assert!(matches("!= 5", n(4)));
    assert!(!matches("< 5", s("a")), "incomparable does not match");
    assert!(!matches("< 5", Value::Null));
}

#[test]
fn literals_and_lists_of_tests() {
    assert!(matches("5", n(5)));
    assert!(matches("\"gold\"", s("gold")));
    assert!(matches("\"gold\", \"silver\"", s("silver")));
    assert!(!matches("\"gold\", \"silver\"", s("bronze")));
    assert!(matches("< 3, > 10", n(11)));
    assert!(!matches("true", Value::Bool(false)));
    assert!(matches("false", Value::Bool(false)));
    assert!(matches("null", Value::Null));
    assert!(!matches("null", n(1)));
    assert!(matches(
        "@\"2020-01-01\"",
        hornet_feel::Expression::parse("date(\"2020-01-01\")")
            .unwrap()
            .evaluate(&EvalContext::new(&hornet_feel::EmptyVariables))
            .unwrap()
    ));
}

#[test]
fn ranges() {
    assert!(matches("[1..10]", n(1)));
    assert!(matches("[1..10]", n(10)));
    assert!(!matches("(1..10)", n(10)));
    assert!(!matches("]1..10]", n(1)));
    assert!(matches("[1..10[", n(9)));
    assert!(matches("[\"a\"..\"m\"]", s("f")));
}

#[test]
fn negation_and_any() {
    assert!(matches("-", n(1)));
    assert!(matches("-", Value::Null));
    assert!(matches("", s("x")));
    assert!(matches("not(\"a\")", s("b")));
    assert!(!matches("not(\"a\")", s("a")));
    assert!(!matches("not(< 5, > 10)", n(11)));
    assert!(matches("not(< 5, > 10)", n(7)));
    assert!(matches("not(null)", n(7)));
}

#[test]
fn input_symbol_and_conditions() {
    assert!(matches("? > 5", n(6)));
    assert!(!matches("? > 5", n(4)));
    assert!(matches("starts with(?, \"ab\")", s("abc")));
    assert!(matches("string length(?) = 3", s("abc")));
    assert!(matches("? in [1..3]", n(2)));
    assert!(matches("date(?) < date(\"2020-01-01\")", s("2019-05-05")));
    assert!(matches(
        "count(?[item > 1]) = 2",
        Value::List(vec![n(1), n(2), n(3)])
    ));
}

#[test]
fn variables_in_tests() {
    let v = r#"{"limit": 10, "tiers": ["gold", "silver"], "flag": true, "r": null}"#;
    assert!(matches_with("< limit", n(5), v));
    assert!(!matches_with("> limit", n(5), v));
    assert!(
        matches_with("tiers", s("gold"), v),
        "a list tests membership"
    );
    assert!(!matches_with("tiers", s("bronze"), v));
    assert!(matches_with("[limit - 5..limit]", n(5), v));
    // feel-scala: a non-literal expression that yields `true` matches any input.
    assert!(matches_with("flag", s("anything"), v));
    assert!(matches_with("limit > 5", n(0), v));
}

#[test]
fn parse_errors_have_positions() {
    let err = UnaryTests::parse("< 5,").unwrap_err();
    assert_eq!(err.position.offset, 4);
    let err = UnaryTests::parse("[1..").unwrap_err();
    assert_eq!(err.found, "end of input");
    assert!(hornet_feel::parse_unary_tests("> 5, < 3").is_ok());
}

#[test]
fn free_variables_of_tests() {
    let tests = UnaryTests::parse("< limit, [low..high], ? > x").unwrap();
    assert_eq!(tests.free_variables(), ["high", "limit", "low", "x"]);
}
