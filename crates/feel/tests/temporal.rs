//! Dates, times, date-times and durations: literals, constructors, arithmetic, comparison,
//! properties, formatting and JSON conversion.

mod common;
use common::*;
use hornet_feel::{EvalContext, Expression, Value};
use serde_json::json;

fn string_of(source: &str) -> String {
    match eval(&format!("string({source})")) {
        Value::String(s) => s,
        other => panic!("string({source}) gave {other:?}"),
    }
}

#[test]
fn constructors_and_literals() {
    check("date(\"2020-04-06\")", "@\"2020-04-06\"");
    check("date(2020, 4, 6)", "@\"2020-04-06\"");
    check("date(2020, 2, 30)", "null");
    check("date(\"2020-02-30\")", "null");
    check("date(\"x\")", "null");
    check(
        "date(date and time(\"2012-12-25T11:00:00\"))",
        "date(\"2012-12-25\")",
    );
    check("time(\"10:30:00\")", "@\"10:30:00\"");
    check("time(23, 59, 0)", "time(\"23:59:00\")");
    check(
        "time(14, 30, 0, duration(\"PT1H\"))",
        "time(\"14:30:00+01:00\")",
    );
    check(
        "time(date and time(\"2012-12-25T11:00:00\"))",
        "time(\"11:00:00\")",
    );
    check(
        "date and time(\"2012-12-24\")",
        "date and time(\"2012-12-24T00:00:00\")",
    );
    check(
        "date and time(date(\"2012-12-24\"), time(\"T23:59:00\"))",
        "date and time(\"2012-12-24T23:59:00\")",
    );
    check("duration(\"P5D\")", "@\"P5D\"");
    check("duration(\"P32Y\")", "@\"P32Y\"");
    check("duration(\"xyz\")", "null");
    check(
        "years and months duration(date(\"2011-12-22\"), date(\"2013-08-24\"))",
        "duration(\"P1Y8M\")",
    );
}

#[test]
fn invalid_temporal_literal_is_null_like_feel_scala() {
    check("@\"2020-13-01\"", "null");
    check("@\"foo\"", "null");
}

#[test]
fn string_forms() {
    assert_eq!(string_of("date(\"2012-12-25\")"), "2012-12-25");
    assert_eq!(string_of("time(\"10:30:00.5\")"), "10:30:00.5");
    assert_eq!(string_of("time(\"10:30:00+01:00\")"), "10:30:00+01:00");
    assert_eq!(
        string_of("@\"10:30:00@Europe/Paris\""),
        "10:30:00@Europe/Paris"
    );
    assert_eq!(
        string_of("@\"2020-01-01T10:00:00Z\""),
        "2020-01-01T10:00:00Z"
    );
    assert_eq!(
        string_of("@\"2020-07-31T14:27:30@Europe/Berlin\""),
        "2020-07-31T14:27:30@Europe/Berlin"
    );
    assert_eq!(string_of("duration(\"P1DT2H30M\")"), "P1DT2H30M");
    assert_eq!(string_of("duration(\"PT36H\")"), "P1DT12H");
    assert_eq!(string_of("duration(\"-PT5M\")"), "-PT5M");
    assert_eq!(string_of("duration(\"P14M\")"), "P1Y2M");
    assert_eq!(string_of("duration(\"P0Y\")"), "P0Y");
    assert_eq!(string_of("@\"-PT0S\""), "P0D");
    assert_eq!(string_of("@\"PT0H0M\""), "P0D");
    assert_eq!(string_of("@\"-P1DT2H3M4S\""), "-P1DT2H3M4S");
    assert_eq!(string_of("@\"P-1Y-2M\""), "-P1Y2M");
    assert_eq!(string_of("[]"), "[]");
    assert_eq!(string_of("[1,2,3]"), "[1, 2, 3]");
    assert_eq!(string_of("{a:1,b:2}"), "{a:1, b:2}");
}

#[test]
fn json_uses_java_to_string_like_zeebe() {
    assert_eq!(eval("@\"2020-01-01\"").to_json(), json!("2020-01-01"));
    assert_eq!(
        eval("@\"2020-01-01T10:00:00\"").to_json(),
        json!("2020-01-01T10:00")
    );
    assert_eq!(
        eval("@\"2020-01-01T10:00:05Z\"").to_json(),
        json!("2020-01-01T10:00:05Z")
    );
    assert_eq!(
        eval("@\"2020-01-01T10:00:00@Europe/Berlin\"").to_json(),
        json!("2020-01-01T10:00+01:00[Europe/Berlin]")
    );
    assert_eq!(eval("duration(\"P1DT12H\")").to_json(), json!("PT36H"));
    assert_eq!(eval("duration(\"P14M\")").to_json(), json!("P1Y2M"));
    assert_eq!(eval("@\"10:15:00\"").to_json(), json!("10:15"));
}

#[test]
fn to_json_function_formats() {
    check("to json(@\"2023-06-14\")", "\"\\\"2023-06-14\\\"\"");
    check(
        "to json(@\"2025-11-24T10:00:00@Europe/Berlin\")",
        "\"\\\"2025-11-24T10:00:00+01:00[Europe/Berlin]\\\"\"",
    );
    check("to json(@\"14:55:00\")", "\"\\\"14:55:00\\\"\"");
    check("to json(@\"PT90M\")", "\"\\\"PT1H30M\\\"\"");
    check("to json(@\"P3Y\")", "\"\\\"P3Y\\\"\"");
    check("to json([@\"2023-06-14\"])", "\"[\\\"2023-06-14\\\"]\"");
}

#[test]
fn arithmetic() {
    check(
        "date(\"2021-01-31\") + duration(\"P1M\")",
        "date(\"2021-02-28\")",
    );
    check(
        "date(\"2020-01-01\") + duration(\"P1D\")",
        "date(\"2020-01-02\")",
    );
    check(
        "date(\"2020-01-01\") - duration(\"P1Y\")",
        "date(\"2019-01-01\")",
    );
    check(
        "date(\"2020-03-01\") - date(\"2020-02-01\")",
        "duration(\"P29D\")",
    );
    check(
        "time(\"10:30:00\") - time(\"09:00:00\")",
        "duration(\"PT1H30M\")",
    );
    check(
        "time(\"09:00:00\") - time(\"10:00:00\")",
        "duration(\"-PT1H\")",
    );
    check(
        "time(\"23:00:00\") + duration(\"PT2H\")",
        "time(\"01:00:00\")",
    );
    check(
        "date and time(\"2020-01-01T10:00:00\") + duration(\"P1DT1H\")",
        "date and time(\"2020-01-02T11:00:00\")",
    );
    check(
        "date and time(\"2020-01-02T00:00:00Z\") - date and time(\"2020-01-01T12:00:00Z\")",
        "duration(\"PT12H\")",
    );
    check(
        "@\"2020-03-28T12:00:00@Europe/Berlin\" + duration(\"P1D\")",
        "@\"2020-03-29T13:00:00@Europe/Berlin\"",
    );
    check(
        "@\"2020-03-28T12:00:00@Europe/Berlin\" + duration(\"P1M\")",
        "@\"2020-04-28T12:00:00@Europe/Berlin\"",
    );
    check(
        "duration(\"P1D\") + duration(\"PT1H\")",
        "duration(\"PT25H\")",
    );
    check(
        "duration(\"P1Y\") - duration(\"P1M\")",
        "duration(\"P11M\")",
    );
    check("duration(\"PT1H\") * 2", "duration(\"PT2H\")");
    check("duration(\"P1Y\") / 2", "duration(\"P6M\")");
    check("duration(\"P1D\") / duration(\"PT1H\")", "24");
    check("duration(\"P1Y\") / duration(\"P1M\")", "12");
    check("-duration(\"PT1H\")", "duration(\"-PT1H\")");
    check("date(\"2020-01-01\") + 1", "null");
    check("duration(\"P1Y\") + duration(\"P1D\")", "null");
}

#[test]
fn comparison() {
    check("date(\"2020-01-01\") < date(\"2020-01-02\")", "true");
    // Equality is feel-scala's (java.time `equals`): the same instant in another offset is not
    // equal, while ordering compares instants.
    check("time(\"10:00:00+01:00\") = time(\"09:00:00Z\")", "false");
    check("time(\"10:00:00+01:00\") <= time(\"09:00:00Z\")", "true");
    check(
        "time(\"10:00:00+01:00\") = time(\"10:00:00+01:00\")",
        "true",
    );
    check(
        "@\"2020-01-01T10:00:00+01:00\" = @\"2020-01-01T09:00:00Z\"",
        "false",
    );
    check(
        "@\"2020-01-01T10:00:00+01:00\" >= @\"2020-01-01T09:00:00Z\"",
        "true",
    );
    check(
        "@\"2020-01-01T10:00:00@Europe/Paris\" = @\"2020-01-01T10:00:00@Europe/Paris\"",
        "true",
    );
    check("[1] = [\"1\"]", "false");
    check("{a: 1} = {a: \"1\"}", "false");
    check(
        "@\"2020-01-01T10:00:00\" = @\"2020-01-01T10:00:00Z\"",
        "null",
    );
    check(
        "date(\"2020-01-01\") = date and time(\"2020-01-01T00:00:00\")",
        "null",
    );
    check("duration(\"P1D\") > duration(\"PT23H\")", "true");
    check("duration(\"P1Y\") = duration(\"P12M\")", "true");
    check(
        "date(\"2020-01-05\") between date(\"2020-01-01\") and date(\"2020-01-31\")",
        "true",
    );
    check(
        "date(\"2020-01-05\") in [date(\"2020-01-01\")..date(\"2020-01-31\")]",
        "true",
    );
    check(
        "max([date(\"2020-01-05\"), date(\"2021-01-01\")])",
        "date(\"2021-01-01\")",
    );
}

#[test]
fn properties() {
    check("date(\"2020-04-06\").year", "2020");
    check("date(\"2020-04-06\").month", "4");
    check("date(\"2020-04-06\").day", "6");
    check("date(\"2020-04-06\").weekday", "1");
    check("time(\"10:30:15+02:00\").hour", "10");
    check("time(\"10:30:15+02:00\").time offset", "duration(\"PT2H\")");
    check("time(\"10:30:15\").time offset", "null");
    check(
        "@\"2020-07-31T14:27:30@Europe/Berlin\".timezone",
        "\"Europe/Berlin\"",
    );
    check(
        "@\"2020-07-31T14:27:30@Europe/Berlin\".time offset",
        "duration(\"PT2H\")",
    );
    check("@\"2020-07-31T14:27:30Z\".timezone", "null");
    check("@\"2020-07-31T14:27:30\".minute", "27");
    check("duration(\"P1DT2H3M4S\").days", "1");
    check("duration(\"P1DT2H3M4S\").hours", "2");
    check("duration(\"P1DT2H3M4S\").minutes", "3");
    check("duration(\"P1DT2H3M4S\").seconds", "4");
    check("duration(\"P3Y5M\").years", "3");
    check("duration(\"P3Y5M\").months", "5");
    check("date(\"2020-04-06\").hour", "null");
}

#[test]
fn zones() {
    check(
        "date and time(@\"2020-07-31T14:27:30@Europe/Berlin\", \"America/Los_Angeles\")",
        "@\"2020-07-31T05:27:30@America/Los_Angeles\"",
    );
    check(
        "date and time(@\"2020-07-31T14:27:30\", \"Z\")",
        "@\"2020-07-31T14:27:30Z\"",
    );
    check(
        "date and time(\"2020-01-01T10:00:00@Nowhere/Land\")",
        "null",
    );
    check(
        "date and time(\"2020-01-01T10:00:00+01:00[Europe/Berlin]\")",
        "@\"2020-01-01T10:00:00@Europe/Berlin\"",
    );
}

#[test]
fn calendar_functions() {
    check("day of week(date(\"2019-09-17\"))", "\"Tuesday\"");
    check("day of year(date(\"2019-09-17\"))", "260");
    check("week of year(date(\"2019-09-17\"))", "38");
    check("week of year(date(2003, 12, 29))", "1");
    check("week of year(date(2004, 1, 4))", "1");
    check("week of year(date(2005, 1, 1))", "53");
    check("week of year(date(2005, 1, 3))", "1");
    check("day of year(date(\"2020-12-31\"))", "366");
    check(
        "day of week(@\"2019-09-17T14:30:00@Europe/Berlin\")",
        "\"Tuesday\"",
    );
    check("month of year(date(\"2019-09-17\"))", "\"September\"");
    check("last day of month(date(\"2022-02-01\"))", "28");
    check(
        "last day of month(date and time(\"2024-02-10T10:00:00\"))",
        "29",
    );
    check("is(date(\"2012-12-25\"), time(\"23:00:50\"))", "false");
    check("is(date(\"2012-12-25\"), date(\"2012-12-25\"))", "true");
    check("is(time(\"23:00:50z\"), time(\"23:00:50\"))", "false");
}

#[test]
fn now_and_today_come_from_the_context() {
    let vars = hornet_feel::EmptyVariables;
    // 2021-03-04T05:06:07.008Z
    let ctx = EvalContext::new(&vars).at(1_614_834_367_008);
    let now = Expression::parse("now()").unwrap().evaluate(&ctx).unwrap();
    assert_eq!(now.to_string(), "2021-03-04T05:06:07.008Z");
    let today = Expression::parse("today()")
        .unwrap()
        .evaluate(&ctx)
        .unwrap();
    assert_eq!(today.to_string(), "2021-03-04");
    let later = Expression::parse("now() + duration(\"PT1H\") > now()")
        .unwrap()
        .evaluate(&ctx)
        .unwrap();
    assert_eq!(later, Value::Bool(true));
}

#[test]
fn timer_style_expressions() {
    let vars = vars(r#"{"deadline": "2030-01-01T00:00:00Z", "wait": "PT10M"}"#);
    let ctx = EvalContext::new(&vars);
    let v = Expression::parse("date and time(deadline) - duration(wait)")
        .unwrap()
        .evaluate(&ctx)
        .unwrap();
    assert_eq!(v.to_json(), json!("2029-12-31T23:50Z"));
}
