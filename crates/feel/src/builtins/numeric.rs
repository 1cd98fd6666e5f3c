//! Numeric functions: rounding family, `abs`, `modulo`, `sqrt`, `log`, `exp`, `odd`, `even`.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::{Number, Rounding};
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("decimal", &["n", "scale"], 2, decimal),
    sig("decimal", &["n", "scale", "mode"], 3, decimal_with_mode),
    sig("floor", &["n"], 1, floor),
    sig("floor", &["n", "scale"], 2, floor_scale),
    sig("ceiling", &["n"], 1, ceiling),
    sig("ceiling", &["n", "scale"], 2, ceiling_scale),
    sig("round up", &["n", "scale"], 2, round_up),
    sig("round down", &["n", "scale"], 2, round_down),
    sig("round half up", &["n", "scale"], 2, round_half_up),
    sig("round half down", &["n", "scale"], 2, round_half_down),
    sig("abs", &["n"], 1, abs),
    sig("abs", &["number"], 1, abs),
    sig("modulo", &["dividend", "divisor"], 2, modulo),
    sig("sqrt", &["number"], 1, sqrt),
    sig("log", &["number"], 1, log),
    sig("exp", &["number"], 1, exp),
    sig("odd", &["number"], 1, odd),
    sig("even", &["number"], 1, even),
];

type R = Result<Value, EvalErrorKind>;

/// The scale range DMN allows for rounding functions.
const SCALES: std::ops::RangeInclusive<i64> = -6111..=6176;

/// Rounds `n` to `scale` digits (scale may be negative: `round half up(1250, -2)`); the
/// scale is truncated to an integer, as feel-scala's `intValue` does.
fn round(a: Vec<Value>, rounding: Rounding) -> Value {
    let [n, scale] = args::<2>(a);
    let (Value::Number(n), Value::Number(scale)) = (n, scale) else {
        return Value::Null;
    };
    match scale.trunc_i64() {
        Some(scale) if SCALES.contains(&scale) => {
            n.round(scale, rounding).map_or(Value::Null, Value::Number)
        }
        _ => Value::Null,
    }
}

/// `floor(n)` / `ceiling(n)`: to an integer.
fn round_integer(a: Vec<Value>, rounding: Rounding) -> Value {
    match args::<1>(a) {
        [Value::Number(n)] => n.round(0, rounding).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    }
}

fn decimal(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::HalfEven))
}

/// feel-scala's `decimal(n, scale, mode)` with a Java rounding mode name such as `"HALF_UP"`.
fn decimal_with_mode(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [n, scale, mode] = args::<3>(a);
    let Value::String(mode) = mode else {
        return Ok(Value::Null);
    };
    Ok(match Rounding::from_name(&mode) {
        Some(rounding) => round(vec![n, scale], rounding),
        None => Value::Null,
    })
}

fn floor(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round_integer(a, Rounding::Floor))
}

fn floor_scale(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::Floor))
}

fn ceiling(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round_integer(a, Rounding::Ceiling))
}

fn ceiling_scale(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::Ceiling))
}

fn round_up(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::Up))
}

fn round_down(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::Down))
}

fn round_half_up(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::HalfUp))
}

fn round_half_down(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, Rounding::HalfDown))
}

fn abs(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Number(n)] => Value::Number(n.abs()),
        [Value::DayTimeDuration(d)] => Value::DayTimeDuration(d.abs()),
        [Value::YearMonthDuration(d)] => Value::YearMonthDuration(d.abs()),
        _ => Value::Null,
    })
}

/// `dividend - divisor * floor(dividend / divisor)`: the result has the divisor's sign.
fn modulo(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [Value::Number(dividend), Value::Number(divisor)] = args::<2>(a) else {
        return Ok(Value::Null);
    };
    Ok(dividend.modulo(&divisor).map_or(Value::Null, Value::Number))
}

fn number_fn(a: Vec<Value>, f: impl FnOnce(&Number) -> Option<Number>) -> R {
    Ok(match args::<1>(a) {
        [Value::Number(n)] => f(&n).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    })
}

fn sqrt(a: Vec<Value>, _: &mut Evaluator) -> R {
    number_fn(a, Number::sqrt)
}

fn log(a: Vec<Value>, _: &mut Evaluator) -> R {
    number_fn(a, Number::ln)
}

fn exp(a: Vec<Value>, _: &mut Evaluator) -> R {
    number_fn(a, Number::exp)
}

/// feel-scala: `odd` is `|n| % 2 = 1`, `even` is `n % 2 = 0`; a fraction is neither.
fn parity(a: Vec<Value>, want_even: bool) -> Value {
    match args::<1>(a) {
        [Value::Number(n)] => match n.abs().modulo(&Number::from(2)) {
            Some(rest) if want_even => Value::Bool(rest.is_zero()),
            Some(rest) => Value::Bool(rest == Number::from(1)),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

fn odd(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(parity(a, false))
}

fn even(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(parity(a, true))
}
