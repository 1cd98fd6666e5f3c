//! feel-scala extension functions that are not tied to one type: `uuid`, `random number`,
//! `to json`, `from json`.
//!
//! `uuid()` and `random number()` are deterministic: they draw from a SplitMix64 sequence seeded
//! by [`crate::EvalContext::seed`], so an engine replaying the same evaluation gets the same values.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("uuid", &[], 0, uuid),
    sig("random number", &[], 0, random_number),
    sig("to json", &["value"], 1, to_json),
    sig("from json", &["value"], 1, from_json),
];

type R = Result<Value, EvalErrorKind>;

fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Evaluator<'_, '_> {
    /// The next pseudo-random 64-bit value of this evaluation.
    pub(crate) fn next_random(&mut self) -> u64 {
        self.draws += 1;
        splitmix64(self.ctx.seed ^ splitmix64(self.draws))
    }
}

/// A version-4 UUID string built from two deterministic draws.
fn uuid(_: Vec<Value>, e: &mut Evaluator) -> R {
    let hi = e.next_random();
    let lo = e.next_random();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Value::String(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )))
}

/// A number in [0, 1) with 16 decimal digits.
fn random_number(_: Vec<Value>, e: &mut Evaluator) -> R {
    const SCALE: u64 = 10_000_000_000_000_000;
    let n = e.next_random() % SCALE;
    Ok(Value::Number(number_with_scale(n, 16)))
}

/// `n × 10^-scale`
fn number_with_scale(n: u64, scale: i64) -> Number {
    let digits = format!("{n}e-{scale}");
    Number::parse(&digits).unwrap_or_default()
}

fn to_json(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [v] = args::<1>(a);
    Ok(Value::String(json_of(&v).to_string()))
}

/// Like [`Value::to_json`], but temporal values in the form feel-scala's `to json()` uses.
fn json_of(value: &Value) -> serde_json::Value {
    match value {
        Value::List(items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
        Value::Context(ctx) => {
            serde_json::Value::Object(ctx.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
        }
        other => match crate::temporal::json_function_string(other) {
            Some(text) => serde_json::Value::String(text),
            None => other.to_json(),
        },
    }
}

fn from_json(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [v] = args::<1>(a);
    let Value::String(text) = v else {
        return Ok(Value::Null);
    };
    Ok(serde_json::from_str::<serde_json::Value>(&text)
        .map_or(Value::Null, |json| Value::from_json(&json)))
}
