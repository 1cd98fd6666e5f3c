//! Conversion functions: `string`, `number`, `context`.

use super::{args, sig, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::value::{Context, Value};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("string", &["from"], 1, string),
    sig("number", &["from"], 1, number),
    sig("number", &["from", "grouping separator"], 2, number),
    sig(
        "number",
        &["from", "grouping separator", "decimal separator"],
        3,
        number,
    ),
    sig("context", &["entries"], 1, context),
];

type R = Result<Value, EvalErrorKind>;

fn string(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::Null] => Value::Null,
        [Value::String(s)] => Value::String(s),
        [other] => Value::String(other.to_string()),
    })
}

/// Parses number text as `number()` does: surrounding whitespace is ignored.
pub(crate) fn parse_number(text: &str) -> Option<Number> {
    Number::parse(text.trim())
}

fn number(a: Vec<Value>, _: &mut Evaluator) -> R {
    let with_separators = a.len() >= 2;
    let [from, grouping, decimal] = args::<3>(a);
    let Value::String(from) = from else {
        return Ok(Value::Null);
    };
    if !with_separators {
        return Ok(parse_number(&from).map_or(Value::Null, Value::Number));
    }
    let grouping = match grouping {
        Value::String(g) if matches!(g.as_str(), " " | "," | ".") => Some(g),
        Value::Null => None,
        _ => return Ok(Value::Null),
    };
    let decimal = match decimal {
        Value::String(d) if matches!(d.as_str(), "," | ".") => Some(d),
        Value::Null => None,
        _ => return Ok(Value::Null),
    };
    if grouping.is_some() && grouping == decimal {
        return Ok(Value::Null);
    }
    let mut text = from;
    if let Some(g) = grouping {
        text = text.replace(g.as_str(), "");
    }
    if let Some(d) = decimal {
        text = text.replace(d.as_str(), ".");
    }
    Ok(parse_number(&text).map_or(Value::Null, Value::Number))
}

fn context(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [Value::List(entries)] = args::<1>(a) else {
        return Ok(Value::Null);
    };
    let mut ctx = Context::new();
    for entry in entries {
        let Value::Context(mut entry) = entry else {
            return Ok(Value::Null);
        };
        let (Some(Value::String(key)), Some(value)) = (entry.take("key"), entry.remove("value"))
        else {
            return Ok(Value::Null);
        };
        ctx.insert(key, value);
    }
    Ok(Value::Context(ctx))
}
