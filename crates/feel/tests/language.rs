//! The core language: literals, names, paths, operators, control flow, functions.

mod common;
use common::*;
use hornet_feel::{EvalContext, Expression, Value};

#[test]
fn literals() {
    assert_eq!(eval("1.50"), Value::Number("1.5".parse().unwrap()));
    assert_eq!(eval("-3"), Value::number(-3));
    assert_eq!(eval(".5"), Value::Number("0.5".parse().unwrap()));
    assert_eq!(eval("\"a\\tb\""), Value::string("a\tb"));
    assert_eq!(eval("true"), Value::Bool(true));
    assert_eq!(eval("null"), Value::Null);
    assert_eq!(
        eval("[1, \"x\", [true]]"),
        Value::List(vec![
            Value::number(1),
            Value::string("x"),
            Value::List(vec![Value::Bool(true)])
        ])
    );
}

#[test]
fn arithmetic() {
    check("1 + 2 * 3", "7");
    check("(1 + 2) * 3", "9");
    check("10 / 4", "2.5");
    check("2 ** 10", "1024");
    check("2 ** -1", "0.5");
    check("7 - 10", "-3");
    check("- (2 + 3)", "-5");
    check("1 / 0", "null");
    check("1 + null", "null");
    check("\"foo\" + \"bar\"", "\"foobar\"");
    check("\"a\" + 1", "null");
    check("0.1 + 0.2", "0.3");
    check("1 / 3", "0.3333333333333333333333333333333333");
    check("10 ** 30 + 1", "1000000000000000000000000000001");
    check(
        "123456789012345678901234567890 * 10",
        "1234567890123456789012345678900",
    );
    check("1.10 = 1.1", "true");
}

#[test]
fn comparisons() {
    check("1 < 2", "true");
    check("2 <= 2", "true");
    check("\"a\" < \"b\"", "true");
    check("1 = 1.0", "true");
    check("1 != 2", "true");
    check("null = null", "true");
    check("1 = null", "false");
    check("null != 1", "true");
    check("1 = \"1\"", "null");
    check("1 < \"2\"", "null");
    check("null < 1", "null");
    check("[1, 2] = [1, 2]", "true");
    check("[1, 2] = [2, 1]", "false");
    check("{a: 1, b: [2]} = {b: [2], a: 1}", "true");
    check("{a: 1} = {a: 2}", "false");
    check("5 between 1 and 10", "true");
    check("11 between 1 and 10", "false");
}

#[test]
fn three_valued_logic() {
    check("true and false", "false");
    check("true and null", "null");
    check("false and null", "false");
    check("null and false", "false");
    check("true or null", "true");
    check("false or null", "null");
    check("not(true)", "false");
    check("not(null)", "null");
    check("1 and true", "null");
}

#[test]
fn variables_and_paths() {
    let v = r#"{"amount": 1500, "customer": {"tier": "gold", "address": {"city": "Berlin"}},
               "items": [{"price": 10}, {"price": 20}, {"other": 1}]}"#;
    check_with("amount > 1000 and customer.tier = \"gold\"", v, "true");
    check_with("customer.address.city", v, "\"Berlin\"");
    check_with("missing", v, "null");
    check_with("missing.field", v, "null");
    check_with("customer.missing", v, "null");
    check_with("items.price", v, "[10, 20, null]");
    check_with("amount.x", v, "null");
}

#[test]
fn backtick_names_and_keyword_paths() {
    check_with(
        "`first name` + \" \" + `last-name`",
        r#"{"first name": "A", "last-name": "B"}"#,
        "\"A B\"",
    );
    check_with("x.type", r#"{"x": {"type": "t"}}"#, "\"t\"");
}

#[test]
fn contexts() {
    check("{a: 1, b: a + 1}.b", "2");
    check("{\"x y\": 1}.`x y`", "1");
    check("{first name: \"a\"}.`first name`", "\"a\"");
    check("{a: {b: 2}, c: a.b * 2}.c", "4");
    let Value::Context(ctx) = eval("{b: 1, a: 2}") else {
        panic!("expected a context");
    };
    assert_eq!(
        ctx.keys().collect::<Vec<_>>(),
        ["b", "a"],
        "insertion order is kept"
    );
}

#[test]
fn if_then_else() {
    check("if 1 > 0 then \"pos\" else \"neg\"", "\"pos\"");
    check("if null then 1 else 2", "2");
    check("if \"x\" then 1 else 2", "2");
    check("if true then if false then 1 else 2 else 3", "2");
}

#[test]
fn filters() {
    check("[1, 2, 3, 4][item > 2]", "[3, 4]");
    check("[1, 2, 3][1]", "1");
    check("[1, 2, 3][-1]", "3");
    check("[1, 2, 3][0]", "null");
    check("[1, 2, 3][4]", "null");
    check("[{a: 1}, {b: 2}][a < 10]", "[{a: 1}]");
    check("[{a: 1, b: 2}, {a: 3, b: 4}][a > 1].b", "[4]");
    check_with("[1, 2, 3][item > limit]", r#"{"limit": 1}"#, "[2, 3]");
    check("5[1]", "5");
}

#[test]
fn for_some_every() {
    check("for x in [1, 2, 3] return x * 2", "[2, 4, 6]");
    check("for x in 1..3 return x", "[1, 2, 3]");
    check("for x in 3..1 return x", "[3, 2, 1]");
    check("for x in [1..3] return x", "null");
    check("for x in null return x", "null");
    check(
        "for x in [1, 2], y in [10, 20] return x + y",
        "[11, 21, 12, 22]",
    );
    check(
        "for i in 1..4 return if i = 1 then 1 else i * partial[-1]",
        "[1, 2, 6, 24]",
    );
    check("some x in [1, 2, 3] satisfies x > 2", "true");
    check("every x in [1, 2, 3] satisfies x > 2", "false");
    check("every x in [] satisfies x > 2", "true");
    check("some x in [1, 2] satisfies x > \"a\"", "null");
    check("some x in [1, \"a\"] satisfies x = 1", "true");
    check("every x in [1, \"a\"] satisfies x = 2", "false");
    check("every x in [1, \"a\"] satisfies x = 1", "null");
    check("some x in [1, 2], y in [3, 4] satisfies x + y = 6", "true");
}

#[test]
fn huge_ranges_are_rejected_not_allocated() {
    let expr = Expression::parse("for i in 1..100000000 return i").unwrap();
    let vars = hornet_feel::EmptyVariables;
    assert!(expr.evaluate(&EvalContext::new(&vars)).is_err());
}

#[test]
fn in_and_unary_tests() {
    check("5 in [1..10]", "true");
    check("5 in (5..10]", "false");
    check("5 in < 10", "true");
    check("5 in (< 3, > 4)", "true");
    check("\"b\" in (\"a\", \"b\")", "true");
    check("2 in [1, 2, 3]", "true");
    check("4 in [1, 2, 3]", "false");
    check("5 in 5", "true");
}

#[test]
fn ranges() {
    check("[1..10].start", "1");
    check("(1..10].start included", "false");
    check("[1..10] = [1..10]", "true");
    check("(1..\"a\")", "null");
}

#[test]
fn instance_of() {
    check("1 instance of number", "true");
    check("\"a\" instance of string", "true");
    check("[1] instance of list<number>", "true");
    check("{a: 1} instance of context", "true");
    check("null instance of Any", "false");
    check("1 instance of string", "false");
    check("@\"P1D\" instance of days and time duration", "true");
    check("@\"P1Y\" instance of years and months duration", "true");
    check("@\"2020-01-01T00:00:00\" instance of date and time", "true");
    check("(function(x) x) instance of function", "true");
    check("[1..2] instance of range<number>", "true");
    check("{a: 1} instance of context<a: number>", "true");
    check("null instance of Null", "true");
}

#[test]
fn user_functions() {
    check("{f: function(a, b) a * b, r: f(2, 3)}.r", "6");
    check("{f: function(a, b) a - b, r: f(b: 1, a: 5)}.r", "4");
    check("(function(x) x + 1)(41)", "42");
    check("{add: function(n) function(m) n + m, r: add(1)(2)}.r", "3");
    check("{f: function(x) x, r: f(1, 2)}.r", "null");
}

#[test]
fn unknown_functions_are_null_like_feel_scala() {
    check("foo(1)", "null");
}

#[test]
fn free_variables() {
    let e = Expression::parse("for x in items return x.price * rate + count(items)").unwrap();
    assert_eq!(e.free_variables(), ["items", "rate"]);
    let e = Expression::parse("{a: 1, b: a + c}").unwrap();
    assert_eq!(e.free_variables(), ["c"]);
    let e = Expression::parse("order.id").unwrap();
    assert_eq!(e.free_variables(), ["order"]);
    assert_eq!(e.source(), "order.id");
}

#[test]
fn variables_shadow_builtin_names() {
    check_with("count + 1", r#"{"count": 2}"#, "3");
    check_with("sum(values)", r#"{"values": [1, 2]}"#, "3");
}

#[test]
fn expression_is_shareable() {
    fn assert_traits<T: Clone + Send + Sync + std::fmt::Debug>() {}
    assert_traits::<Expression>();
    assert_traits::<hornet_feel::UnaryTests>();
}

#[test]
fn range_literals() {
    check("[1..10) = [1..10[", "true");
    check("5 in ]1..10[", "true");
    check("10 in [1..10[", "false");
    check("(< 10) = (< 10)", "true");
    check("5 in (< 10)", "true");
    check("(< 10).end", "10");
    check("(>= 3).start included", "true");
    check("5 in (null..10]", "null");
    check("[1, 2, 3][2]", "2");
}

#[test]
fn in_with_lists() {
    check("1 in [[2..4], [1..3]]", "true");
    check("5 in [[2..4], [1..3]]", "false");
    check("[1, 2, 3] in [[1, 2, 3, 4], [1, 2, 3]]", "true");
    check("true in [false, 2, 3]", "false");
}

#[test]
fn for_over_dates() {
    check(
        "for d in @\"2020-02-28\"..@\"2020-03-01\" return d",
        "[@\"2020-02-28\", @\"2020-02-29\", @\"2020-03-01\"]",
    );
}

#[test]
fn names_beyond_ascii() {
    check("{🐎: \"bar\"}.🐎", "\"bar\"");
    check("{größe: 1}.größe", "1");
}

#[test]
fn context_keys_with_symbols() {
    check("{foo+bar: \"foo\"}", "{\"foo+bar\": \"foo\"}");
    check("{a.b: 1}", "{\"a.b\": 1}");
    check("{first  name: 1}", "{\"first name\": 1}");
}

#[test]
fn keywords_usable_as_names_where_unambiguous() {
    let v = r#"{"some": 6, "every": 2, "of": 3, "then": 4, "for": 5}"#;
    check_with("some > 5", v, "true");
    check_with("every + of", v, "5");
    check_with("if then > 3 then for else 0", v, "5");
    check_with("some x in [1, 2] satisfies x > every", v, "false");
    check_with("for x in [of] return x + some", v, "[9]");
}
