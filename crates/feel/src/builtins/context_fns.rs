//! Context functions: `get value`, `get entries`, `context put`, `context merge`.

use super::{args, list_arg, sig, variadic, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::value::{Context, Value};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("get value", &["context", "key"], 2, get_value),
    sig("get value", &["context", "keys"], 2, get_value),
    sig("get value", &["m", "key"], 2, get_value),
    sig("get entries", &["context"], 1, get_entries),
    sig("get entries", &["m"], 1, get_entries),
    sig("context put", &["context", "key", "value"], 3, context_put),
    sig("context put", &["context", "keys", "value"], 3, context_put),
    // `put` and `put all` are feel-scala's deprecated names.
    sig("put", &["context", "key", "value"], 3, context_put),
    variadic("context merge", &["contexts"], context_merge),
    variadic("put all", &["contexts"], context_merge),
];

type R = Result<Value, EvalErrorKind>;

fn keys_of(v: Value) -> Option<Vec<String>> {
    match v {
        Value::String(k) => Some(vec![k]),
        Value::List(items) if !items.is_empty() => items
            .into_iter()
            .map(|k| match k {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn get_value(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [ctx, keys] = args::<2>(a);
    let Some(keys) = keys_of(keys) else {
        return Ok(Value::Null);
    };
    let mut current = ctx;
    for key in keys {
        current = match current {
            Value::Context(mut c) => c.take(&key).unwrap_or(Value::Null),
            _ => return Ok(Value::Null),
        };
    }
    Ok(current)
}

fn get_entries(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [Value::Context(ctx)] = args::<1>(a) else {
        return Ok(Value::Null);
    };
    Ok(Value::List(
        ctx.into_entries()
            .map(|(k, v)| {
                let mut entry = Context::new();
                entry.insert("key", Value::String(k));
                entry.insert("value", v);
                Value::Context(entry)
            })
            .collect(),
    ))
}

fn put_path(mut ctx: Context, keys: &[String], value: Value) -> Option<Context> {
    let (first, rest) = keys.split_first()?;
    if rest.is_empty() {
        ctx.insert(first.clone(), value);
        return Some(ctx);
    }
    // A missing or non-context value on the path is replaced by a new context.
    let nested = match ctx.take(first) {
        Some(Value::Context(inner)) => inner,
        _ => Context::new(),
    };
    ctx.insert(
        first.clone(),
        Value::Context(put_path(nested, rest, value)?),
    );
    Some(ctx)
}

/// Paths longer than this are rejected: `put_path` recurses once per key.
const MAX_PATH: usize = 256;

fn context_put(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [ctx, keys, value] = args::<3>(a);
    let (Value::Context(ctx), Some(keys)) = (ctx, keys_of(keys)) else {
        return Ok(Value::Null);
    };
    if keys.len() > MAX_PATH {
        return Ok(Value::Null);
    }
    Ok(put_path(ctx, &keys, value).map_or(Value::Null, Value::Context))
}

/// `context merge([c1, c2])` or `context merge(c1, c2, ...)`: later entries win.
fn context_merge(a: Vec<Value>, _: &mut Evaluator) -> R {
    let contexts = list_arg(a);
    let mut merged = Context::new();
    for c in contexts {
        let Value::Context(c) = c else {
            return Ok(Value::Null);
        };
        for (k, v) in c.into_entries() {
            merged.insert(k, v);
        }
    }
    Ok(Value::Context(merged))
}
