//! Operators on values: arithmetic, equality, ordering and three-valued logic, with feel-scala's
//! null rules (an operation on incompatible types yields `null`).

use crate::temporal;
use crate::value::{Range, RangeBound, Value};
use std::cmp::Ordering;

/// `a + b`
pub(crate) fn add(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.checked_add(y).map_or(Value::Null, Value::Number),
        (Value::String(x), Value::String(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Value::String(s)
        }
        _ => temporal::add(a, b).unwrap_or(Value::Null),
    }
}

/// `a - b`
pub(crate) fn sub(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.checked_sub(y).map_or(Value::Null, Value::Number),
        _ => temporal::sub(a, b).unwrap_or(Value::Null),
    }
}

/// `a * b`
pub(crate) fn mul(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.checked_mul(y).map_or(Value::Null, Value::Number),
        _ => temporal::mul(a, b).unwrap_or(Value::Null),
    }
}

/// `a / b`; division by zero is `null`.
pub(crate) fn div(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.checked_div(y).map_or(Value::Null, Value::Number),
        _ => temporal::div(a, b).unwrap_or(Value::Null),
    }
}

/// `a ** b`
pub(crate) fn pow(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.pow(y).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    }
}

/// `-a`
pub(crate) fn neg(a: &Value) -> Value {
    match a {
        Value::Number(x) => Value::Number(x.neg()),
        _ => temporal::neg(a).unwrap_or(Value::Null),
    }
}

/// FEEL `=`: `Some(bool)` when comparable, `None` (FEEL null) for incompatible types.
/// `null = null` is true and `null = x` false for any other `x`.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        // Inside lists and contexts, elements that cannot be compared are simply unequal
        // (feel-scala), so the result is never null.
        (Value::List(x), Value::List(y)) => {
            Some(x.len() == y.len() && x.iter().zip(y).all(|(l, r)| equals(l, r) == Some(true)))
        }
        (Value::Context(x), Value::Context(y)) => Some(
            x.len() == y.len()
                && x.iter()
                    .all(|(k, l)| y.get(k).is_some_and(|r| equals(l, r) == Some(true))),
        ),
        (Value::Range(x), Value::Range(y)) => {
            Some(bound_equals(&x.start, &y.start)? && bound_equals(&x.end, &y.end)?)
        }
        (Value::Function(x), Value::Function(y)) => Some(x == y),
        _ => temporal::equals(a, b),
    }
}

fn bound_equals(a: &RangeBound, b: &RangeBound) -> Option<bool> {
    match (a, b) {
        (RangeBound::Unbounded, RangeBound::Unbounded) => Some(true),
        (RangeBound::Closed(x), RangeBound::Closed(y))
        | (RangeBound::Open(x), RangeBound::Open(y)) => equals(x, y),
        _ => Some(false),
    }
}

/// Ordering for `<`, `>`, ...: numbers, strings and temporal values of the same kind.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => temporal::compare(a, b),
    }
}

/// Three-valued `and` over already evaluated operands (non-booleans count as null).
pub(crate) fn and(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
        _ => Value::Null,
    }
}

/// Three-valued `or`.
pub(crate) fn or(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
        (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Whether `x` lies in `range`; `None` if not comparable.
pub(crate) fn in_range(x: &Value, range: &Range) -> Option<bool> {
    let after_start = match &range.start {
        RangeBound::Unbounded => true,
        RangeBound::Closed(s) => compare(x, s)? != Ordering::Less,
        RangeBound::Open(s) => compare(x, s)? == Ordering::Greater,
    };
    let before_end = match &range.end {
        RangeBound::Unbounded => true,
        RangeBound::Closed(e) => compare(x, e)? != Ordering::Greater,
        RangeBound::Open(e) => compare(x, e)? == Ordering::Less,
    };
    Some(after_start && before_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_equality() {
        assert_eq!(equals(&Value::Null, &Value::Null), Some(true));
        assert_eq!(equals(&Value::number(1), &Value::Null), Some(false));
        assert_eq!(equals(&Value::number(1), &Value::string("1")), None);
    }

    #[test]
    fn division_by_zero_is_null() {
        assert_eq!(div(&Value::number(1), &Value::number(0)), Value::Null);
    }
}
