//! Any text must either fail to parse as FEEL unary tests (a decision table input entry) or
//! parse; parsed tests are then run against a few input values of different types, which must
//! answer `true`/`false` or an `EvalError`, never panic.
#![no_main]

use hornet_feel::{parse_unary_tests, EmptyVariables, EvalContext, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tests) = parse_unary_tests(source) {
        let _ = tests.free_variables();
        let context = EvalContext::new(&EmptyVariables);
        for input in [
            Value::Null,
            Value::number(5),
            Value::string("a"),
            Value::Bool(true),
        ] {
            let _ = tests.test(&input, &context);
        }
    }
});
