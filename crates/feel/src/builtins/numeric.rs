//! Numeric functions: rounding family, `abs`, `modulo`, `sqrt`, `log`, `exp`, `odd`, `even`.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::value::Value;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("decimal", &["n", "scale"], 2, decimal),
    sig("floor", &["n"], 1, floor),
    sig("floor", &["n", "scale"], 2, floor),
    sig("ceiling", &["n"], 1, ceiling),
    sig("ceiling", &["n", "scale"], 2, ceiling),
    sig("round up", &["n", "scale"], 2, round_up),
    sig("round down", &["n", "scale"], 2, round_down),
    sig("round half up", &["n", "scale"], 2, round_half_up),
    sig("round half down", &["n", "scale"], 2, round_half_down),
    sig("abs", &["n"], 1, abs),
    sig("modulo", &["dividend", "divisor"], 2, modulo),
    sig("sqrt", &["number"], 1, sqrt),
    sig("log", &["number"], 1, log),
    sig("exp", &["number"], 1, exp),
    sig("odd", &["number"], 1, odd),
    sig("even", &["number"], 1, even),
];

type R = Result<Value, EvalErrorKind>;

/// Rounds `n` to `scale` digits (scale may be negative: `round(1250, -2)`).
fn round(a: Vec<Value>, strategy: RoundingStrategy) -> Value {
    let [n, scale] = args::<2>(a);
    let Value::Number(n) = n else {
        return Value::Null;
    };
    let scale = match scale {
        Value::Null => 0,
        Value::Number(s) if s.fract().is_zero() => match s.to_i64() {
            Some(s) if (-28..=28).contains(&s) => s,
            _ => return Value::Null,
        },
        _ => return Value::Null,
    };
    round_to(n, scale, strategy).map_or(Value::Null, Value::Number)
}

pub(crate) fn round_to(n: Decimal, scale: i64, strategy: RoundingStrategy) -> Option<Decimal> {
    if scale >= 0 {
        let scale = u32::try_from(scale).ok()?;
        Some(n.round_dp_with_strategy(scale, strategy))
    } else {
        let factor = Decimal::TEN.checked_powi(-scale)?;
        let shifted = n.checked_div(factor)?;
        shifted
            .round_dp_with_strategy(0, strategy)
            .checked_mul(factor)
    }
}

fn decimal(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::MidpointNearestEven))
}

fn floor(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::ToNegativeInfinity))
}

fn ceiling(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::ToPositiveInfinity))
}

fn round_up(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::AwayFromZero))
}

fn round_down(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::ToZero))
}

fn round_half_up(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::MidpointAwayFromZero))
}

fn round_half_down(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(round(a, RoundingStrategy::MidpointTowardZero))
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
    if divisor.is_zero() {
        return Ok(Value::Null);
    }
    let result = (|| {
        let q = dividend.checked_div(divisor)?.floor();
        dividend.checked_sub(divisor.checked_mul(q)?)
    })();
    Ok(result.map_or(Value::Null, Value::Number))
}

fn sqrt(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Number(n)] if !n.is_sign_negative() || n.is_zero() => n
            .sqrt()
            .map_or(Value::Null, |r| Value::Number(r.normalize())),
        _ => Value::Null,
    })
}

fn log(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Number(n)] if n > Decimal::ZERO => n
            .checked_ln()
            .map_or(Value::Null, |r| Value::Number(r.normalize())),
        _ => Value::Null,
    })
}

fn exp(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Number(n)] => n
            .checked_exp()
            .map_or(Value::Null, |r| Value::Number(r.normalize())),
        _ => Value::Null,
    })
}

fn parity(a: Vec<Value>, want_even: bool) -> Value {
    match args::<1>(a) {
        [Value::Number(n)] if n.fract().is_zero() => {
            let even = (n % Decimal::TWO).is_zero();
            Value::Bool(even == want_even)
        }
        _ => Value::Null,
    }
}

fn odd(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(parity(a, false))
}

fn even(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(parity(a, true))
}
