//! Boolean functions: `not`, `is defined`, `get or else`, `assert`.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("not", &["negand"], 1, not),
    sig("is defined", &["value"], 1, is_defined),
    sig("get or else", &["value", "default"], 2, get_or_else),
    sig("assert", &["value", "condition"], 2, assert),
    sig("assert", &["value", "condition", "cause"], 3, assert),
];

type R = Result<Value, EvalErrorKind>;

fn not(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Bool(b)] => Value::Bool(!b),
        _ => Value::Null,
    })
}

fn is_defined(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [v] = args::<1>(a);
    Ok(Value::Bool(!v.is_null()))
}

fn get_or_else(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [v, default] = args::<2>(a);
    Ok(if v.is_null() { default } else { v })
}

fn assert(a: Vec<Value>, _: &mut Evaluator) -> R {
    let has_cause = a.len() == 3;
    let [value, condition, cause] = args::<3>(a);
    if condition == Value::Bool(true) {
        return Ok(value);
    }
    if has_cause {
        let message = match cause {
            Value::String(s) => s,
            other => other.to_string(),
        };
        return Err(EvalErrorKind::AssertionFailedWith(message));
    }
    Err(EvalErrorKind::AssertionFailed)
}
