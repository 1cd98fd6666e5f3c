//! Arbitrary input must produce values or errors, never panics.

use hornet_feel::{EmptyVariables, EvalContext, Expression, UnaryTests, Value};

const PIECES: &[&str] = &[
    "1",
    "-",
    "+",
    "*",
    "/",
    "**",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "\"s\"",
    "@\"2020-01-01\"",
    "@\"P1D\"",
    "@\"10:00:00@Europe/Paris\"",
    "x",
    "item",
    "?",
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "for",
    "in",
    "return",
    "some",
    "every",
    "satisfies",
    "between",
    "instance",
    "of",
    "function",
    "null",
    "true",
    "false",
    "date and time",
    "count",
    "sum",
    "string",
    "substring",
    "sort",
    "partial",
    "0",
    "1e999",
    "9999999999999999999999999999999999999",
    ".5",
    "`a b`",
    "number",
    "list",
    "range",
];

/// A small deterministic generator (no randomness in tests).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

#[test]
fn token_soup_never_panics() {
    let vars = EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let mut rng = Lcg(42);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let len = 1 + rng.next() % 12;
        let source: Vec<&str> = (0..len)
            .map(|_| PIECES[rng.next() % PIECES.len()])
            .collect();
        let source = source.join(" ");
        if let Ok(expr) = Expression::parse(&source) {
            parsed += 1;
            let _ = expr.evaluate(&ctx);
        }
        if let Ok(tests) = UnaryTests::parse(&source) {
            let _ = tests.test(&Value::number(1), &ctx);
        }
    }
    assert!(
        parsed > 100,
        "the generator should produce some valid expressions"
    );
}

#[test]
fn byte_soup_never_panics() {
    let vars = EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let mut rng = Lcg(7);
    let alphabet: Vec<char> = "ab1.-+*/()[]{}\"\\`@?:,<>=! \n\t\u{e9}\u{1F40E}"
        .chars()
        .collect();
    for _ in 0..20_000 {
        let len = 1 + rng.next() % 16;
        let source: String = (0..len)
            .map(|_| alphabet[rng.next() % alphabet.len()])
            .collect();
        if let Ok(expr) = Expression::parse(&source) {
            let _ = expr.evaluate(&ctx);
        }
        let _ = UnaryTests::parse(&source);
    }
}

#[test]
fn temporal_and_number_functions_on_odd_strings() {
    let vars = EmptyVariables;
    let ctx = EvalContext::new(&vars);
    let odd = [
        "",
        "-",
        "P",
        "PT",
        "P-",
        "T",
        "24:00:00",
        "2020-02-30",
        "-999999999-01-01",
        "+10000-01-01",
        "99:99:99",
        "2020-01-01T10:00:00+19:00",
        "2020-01-01T10:00@",
        "1e",
        "1e-99999",
        "0x10",
        "NaN",
        "Infinity",
        "\u{1F40E}",
        "P1Y2M3DT4H",
        "PT1.0000000001S",
    ];
    for text in odd {
        for function in [
            "date",
            "time",
            "date and time",
            "duration",
            "number",
            "range",
        ] {
            let source = format!("{function}({})", serde_json::Value::from(text));
            let expr = Expression::parse(&source).unwrap_or_else(|e| panic!("{e}"));
            let _ = expr.evaluate(&ctx);
        }
    }
}
