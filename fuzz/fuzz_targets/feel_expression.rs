//! Any text must either fail to parse as a FEEL expression or parse; a parsed expression must
//! evaluate to a value or an `EvalError` (the evaluator's step, depth and call limits bound the
//! work), never panic. Non-UTF-8 input is skipped: the engine only ever hands FEEL a `&str`.
#![no_main]

use hornet_feel::{EmptyVariables, EvalContext, Expression};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expression) = Expression::parse(source) {
        let _ = expression.free_variables();
        let _ = expression.evaluate(&EvalContext::new(&EmptyVariables));
    }
});
