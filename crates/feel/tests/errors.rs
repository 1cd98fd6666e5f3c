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

#[test]
fn deep_nesting_is_a_parse_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = Expression::parse(&deep).unwrap_err();
    assert!(err.to_string().contains("nest"), "{err}");
    let negations = format!("{}x", "-".repeat(10_000));
    assert!(Expression::parse(&negations).is_err());
    assert!(Expression::parse("- - x").is_ok());
    let lists = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Expression::parse(&lists).is_err());
    // The deepest accepted nesting parses, compiles and evaluates on a 2 MiB test thread.
    let vars = hornet_feel::EmptyVariables;
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{a: ", "}.a"),
        ("-(", ")"),
        ("f(", ")"),
    ] {
        let nested = format!("{}1{}", open.repeat(30), close.repeat(30));
        let expr = Expression::parse(&nested).unwrap_or_else(|e| panic!("{e}"));
        assert!(expr.evaluate(&EvalContext::new(&vars)).is_ok());
    }
}

#[test]
fn runaway_evaluations_are_stopped() {
    let vars = hornet_feel::EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let run = |source: &str| Expression::parse(source).unwrap().evaluate(&ctx);
    let err = run("{f: function(g) g(g), r: f(f)}.r").unwrap_err();
    assert!(matches!(err.kind, EvalErrorKind::LimitExceeded(_)), "{err}");
    let err = run("for i in 1..100000, j in 1..100000 return i * j").unwrap_err();
    assert!(matches!(err.kind, EvalErrorKind::LimitExceeded(_)), "{err}");
    let err = run("count(for i in 1..900000 return count(partial))").unwrap_err();
    assert!(matches!(err.kind, EvalErrorKind::LimitExceeded(_)), "{err}");
    let err = run("count(for i in 1..60 return partial)").unwrap_err();
    assert!(matches!(err.kind, EvalErrorKind::LimitExceeded(_)), "{err}");
    let doubling: String = (1..=40)
        .map(|i| format!("v{i}: [v{}, v{}]", i - 1, i - 1))
        .collect::<Vec<_>>()
        .join(", ");
    let err = run(&format!("{{v0: 1, {doubling}}}.v40")).unwrap_err();
    assert!(matches!(err.kind, EvalErrorKind::LimitExceeded(_)), "{err}");
    // Without `partial`, a large loop is fine.
    assert_eq!(
        run("count(for i in 1..900000 return i)").unwrap(),
        hornet_feel::Value::number(900_000)
    );
}

#[test]
fn input_symbol_outside_unary_tests_fails() {
    let vars = hornet_feel::EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let err = Expression::parse("? > 5")
        .unwrap()
        .evaluate(&ctx)
        .unwrap_err();
    assert_eq!(err.kind, EvalErrorKind::NoInputValue);
    assert_eq!(
        Expression::parse("7 in (? > 5)")
            .unwrap()
            .evaluate(&ctx)
            .unwrap(),
        hornet_feel::Value::Bool(true)
    );
}
