//! Parse error positions and evaluation error messages.

use hornet_feel::{EvalContext, EvalErrorKind, Expression};

fn parse_err(source: &str) -> hornet_feel::ParseError {
    Expression::parse(source).expect_err("source must not parse")
}

#[test]
fn parse_error_display_names_position() {
    let err = parse_err("a >");
    assert_eq!(err.position.offset, 3);
    let text = err.to_string();
    assert!(
        text.starts_with(
            "failed to parse FEEL expression 'a >': expected an expression at position 3"
        ),
        "{text}"
    );
}

#[test]
fn parse_errors() {
    assert_eq!(parse_err("1 +").expected, "an expression");
    assert_eq!(parse_err("[1, 2").expected, "',' or ']'");
    assert_eq!(parse_err("{a 1}").position.offset, 3);
    assert_eq!(parse_err("if a then b").expected, "'else'");
    assert_eq!(parse_err("x = \"abc").position.offset, 4);
    assert_eq!(parse_err("a b").found, "'b'");
    let err = parse_err("f(1,\n  )");
    assert_eq!((err.position.line, err.position.column), (2, 3));
    assert_eq!(parse_err("1 # 2").found, "'#'");
}

#[test]
fn assert_fails_evaluation() {
    let vars = hornet_feel::EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let err = Expression::parse("assert(x, x != null, \"x is required\")")
        .unwrap()
        .evaluate(&ctx)
        .unwrap_err();
    assert_eq!(
        err.kind,
        EvalErrorKind::AssertionFailedWith("x is required".into())
    );
    assert!(err.to_string().contains("assert(x, x != null"));
    let err = Expression::parse("assert(1, false)")
        .unwrap()
        .evaluate(&ctx)
        .unwrap_err();
    assert_eq!(err.kind, EvalErrorKind::AssertionFailed);
    assert_eq!(
        Expression::parse("assert(1, true)")
            .unwrap()
            .evaluate(&ctx)
            .unwrap(),
        hornet_feel::Value::number(1)
    );
}

#[test]
fn not_yet_supported_is_an_error_not_a_value() {
    let vars = hornet_feel::EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let source = r#"{f: function(x) external {java: {class: "C", method signature: "m()"}}}.f"#;
    let err = Expression::parse(source)
        .unwrap()
        .evaluate(&ctx)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "FEEL external function definition is not supported yet"
    );
}
