//! List functions (DMN 1.5 plus feel-scala's `is empty`, `partition`, `duplicate values`, ...).

use super::{args, list_arg, sig, variadic, Builtin};
use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::ops;
use crate::value::Value;
use std::cmp::Ordering;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    sig("list contains", &["list", "element"], 2, list_contains),
    sig("count", &["list"], 1, count),
    variadic("min", &["list"], min),
    variadic("max", &["list"], max),
    variadic("sum", &["list"], sum),
    variadic("product", &["list"], product),
    variadic("mean", &["list"], mean),
    variadic("median", &["list"], median),
    variadic("stddev", &["list"], stddev),
    variadic("mode", &["list"], mode),
    variadic("all", &["list"], all),
    variadic("and", &["list"], all),
    variadic("any", &["list"], any),
    variadic("or", &["list"], any),
    sig("sublist", &["list", "start position"], 2, sublist),
    sig("sublist", &["list", "start position", "length"], 3, sublist),
    variadic("append", &["list", "items"], append),
    variadic("concatenate", &["lists"], concatenate),
    sig(
        "insert before",
        &["list", "position", "newItem"],
        3,
        insert_before,
    ),
    sig("remove", &["list", "position"], 2, remove),
    sig("reverse", &["list"], 1, reverse),
    sig("index of", &["list", "match"], 2, index_of),
    variadic("union", &["lists"], union),
    sig("distinct values", &["list"], 1, distinct_values),
    sig("duplicate values", &["list"], 1, duplicate_values),
    sig("flatten", &["list"], 1, flatten),
    sig("sort", &["list", "precedes"], 2, sort),
    sig("is empty", &["list"], 1, is_empty),
    sig("partition", &["list", "size"], 2, partition),
    sig(
        "list replace",
        &["list", "position", "newItem"],
        3,
        list_replace,
    ),
    sig(
        "list replace",
        &["list", "match", "newItem"],
        3,
        list_replace,
    ),
];

type R = Result<Value, EvalErrorKind>;

fn contains_value(items: &[Value], v: &Value) -> bool {
    items.iter().any(|i| ops::equals(i, v) == Some(true))
}

fn list_contains(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<2>(a) {
        [Value::List(items), element] => Value::Bool(contains_value(&items, &element)),
        _ => Value::Null,
    })
}

fn count(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::List(items)] => Value::Number(Number::from(items.len())),
        _ => Value::Null,
    })
}

/// The extreme element by FEEL ordering; null if empty or not mutually comparable.
fn extreme(a: Vec<Value>, wanted: Ordering) -> Value {
    let items = list_arg(a);
    let mut iter = items.into_iter();
    let Some(mut best) = iter.next() else {
        return Value::Null;
    };
    for item in iter {
        match ops::compare(&item, &best) {
            Some(o) if o == wanted => best = item,
            Some(_) => {}
            None => return Value::Null,
        }
    }
    // A single element still has to be orderable.
    if ops::compare(&best, &best).is_none() {
        return Value::Null;
    }
    best
}

fn min(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(extreme(a, Ordering::Less))
}

fn max(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(extreme(a, Ordering::Greater))
}

/// All elements as numbers, or `None` if any is not a number.
fn numbers(a: Vec<Value>) -> Option<Vec<Number>> {
    list_arg(a)
        .into_iter()
        .map(|v| match v {
            Value::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

fn num(n: Option<Number>) -> Value {
    n.map_or(Value::Null, Value::Number)
}

fn checked_sum(ns: &[Number]) -> Option<Number> {
    ns.iter()
        .try_fold(Number::from(0), |acc, n| acc.checked_add(n))
}

fn sum(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match numbers(a) {
        Some(ns) if !ns.is_empty() => num(checked_sum(&ns)),
        _ => Value::Null,
    })
}

fn product(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match numbers(a) {
        Some(ns) if !ns.is_empty() => num(ns
            .iter()
            .try_fold(Number::from(1), |acc, n| acc.checked_mul(n))),
        _ => Value::Null,
    })
}

fn mean_of(ns: &[Number]) -> Option<Number> {
    checked_sum(ns)?.checked_div(&Number::from(ns.len()))
}

fn mean(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match numbers(a) {
        Some(ns) if !ns.is_empty() => num(mean_of(&ns)),
        _ => Value::Null,
    })
}

fn median(a: Vec<Value>, _: &mut Evaluator) -> R {
    let Some(mut ns) = numbers(a) else {
        return Ok(Value::Null);
    };
    if ns.is_empty() {
        return Ok(Value::Null);
    }
    ns.sort();
    let mid = ns.len() / 2;
    Ok(if ns.len() % 2 == 1 {
        Value::Number(ns[mid].clone())
    } else {
        num(ns[mid - 1]
            .checked_add(&ns[mid])
            .and_then(|s| s.checked_div(&Number::from(2))))
    })
}

/// Sample standard deviation (n - 1 in the denominator), as DMN specifies; the square root
/// is taken in `f64` like feel-scala.
fn stddev(a: Vec<Value>, _: &mut Evaluator) -> R {
    let Some(ns) = numbers(a) else {
        return Ok(Value::Null);
    };
    if ns.len() < 2 {
        return Ok(Value::Null);
    }
    let result = (|| {
        let m = mean_of(&ns)?;
        let squares = ns.iter().try_fold(Number::from(0), |acc, n| {
            let d = n.checked_sub(&m)?;
            acc.checked_add(&d.checked_mul(&d)?)
        })?;
        squares.checked_div(&Number::from(ns.len() - 1))?.sqrt()
    })();
    Ok(num(result))
}

fn mode(a: Vec<Value>, _: &mut Evaluator) -> R {
    let Some(mut ns) = numbers(a) else {
        return Ok(Value::Null);
    };
    ns.sort();
    let mut best = 0;
    let mut modes: Vec<Number> = Vec::new();
    let mut i = 0;
    while i < ns.len() {
        let mut j = i;
        while j < ns.len() && ns[j] == ns[i] {
            j += 1;
        }
        let run = j - i;
        if run > best {
            best = run;
            modes.clear();
        }
        if run == best {
            modes.push(ns[i].clone());
        }
        i = j;
    }
    Ok(Value::List(modes.into_iter().map(Value::Number).collect()))
}

fn all(a: Vec<Value>, _: &mut Evaluator) -> R {
    let items = list_arg(a);
    let mut result = Value::Bool(true);
    for item in &items {
        result = ops::and(&result, item);
    }
    Ok(result)
}

fn any(a: Vec<Value>, _: &mut Evaluator) -> R {
    let items = list_arg(a);
    let mut result = Value::Bool(false);
    for item in &items {
        result = ops::or(&result, item);
    }
    Ok(result)
}

/// Converts a 1-based (negative: from the end) position into a 0-based index within `len`.
fn position(n: &Number, len: usize) -> Option<usize> {
    let i = n.trunc_i64()?;
    let len = len as i64;
    let idx = if i > 0 { i - 1 } else { len + i };
    (i != 0 && idx >= 0 && idx < len).then_some(idx as usize)
}

fn sublist(a: Vec<Value>, _: &mut Evaluator) -> R {
    let with_length = a.len() == 3;
    let [list, start, length] = args::<3>(a);
    let (Value::List(items), Value::Number(start)) = (list, start) else {
        return Ok(Value::Null);
    };
    let Some(from) = position(&start, items.len()) else {
        return Ok(Value::Null);
    };
    let to = if with_length {
        let Value::Number(n) = length else {
            return Ok(Value::Null);
        };
        let Some(n) = n.trunc_i64().and_then(|n| usize::try_from(n).ok()) else {
            return Ok(Value::Null);
        };
        from.saturating_add(n).min(items.len())
    } else {
        items.len()
    };
    Ok(Value::List(items[from..to].to_vec()))
}

fn append(a: Vec<Value>, _: &mut Evaluator) -> R {
    let mut iter = a.into_iter();
    let Some(Value::List(mut items)) = iter.next() else {
        return Ok(Value::Null);
    };
    items.extend(iter);
    Ok(Value::List(items))
}

fn concatenate(a: Vec<Value>, _: &mut Evaluator) -> R {
    let mut out = Vec::new();
    for list in a {
        match list {
            Value::List(items) => out.extend(items),
            _ => return Ok(Value::Null),
        }
    }
    Ok(Value::List(out))
}

fn insert_before(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [list, pos, item] = args::<3>(a);
    let (Value::List(mut items), Value::Number(pos)) = (list, pos) else {
        return Ok(Value::Null);
    };
    let Some(i) = position(&pos, items.len()) else {
        return Ok(Value::Null);
    };
    items.insert(i, item);
    Ok(Value::List(items))
}

fn remove(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [list, pos] = args::<2>(a);
    let (Value::List(mut items), Value::Number(pos)) = (list, pos) else {
        return Ok(Value::Null);
    };
    let Some(i) = position(&pos, items.len()) else {
        return Ok(Value::Null);
    };
    items.remove(i);
    Ok(Value::List(items))
}

fn list_replace(a: Vec<Value>, e: &mut Evaluator) -> R {
    let [list, pos, item] = args::<3>(a);
    let Value::List(mut items) = list else {
        return Ok(Value::Null);
    };
    match pos {
        Value::Number(pos) => {
            let Some(i) = position(&pos, items.len()) else {
                return Ok(Value::Null);
            };
            items[i] = item;
            Ok(Value::List(items))
        }
        // `list replace(list, match: function(item, newItem) ..., newItem)`
        Value::Function(matcher) => {
            let mut out = Vec::with_capacity(items.len());
            for current in items {
                match e.call_function(&matcher, vec![current.clone(), item.clone()])? {
                    Value::Bool(true) => out.push(item.clone()),
                    Value::Bool(false) => out.push(current),
                    _ => return Ok(Value::Null),
                }
            }
            Ok(Value::List(out))
        }
        _ => Ok(Value::Null),
    }
}

fn reverse(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::List(mut items)] => {
            items.reverse();
            Value::List(items)
        }
        _ => Value::Null,
    })
}

fn index_of(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<2>(a) {
        [Value::List(items), m] => Value::List(
            items
                .iter()
                .enumerate()
                .filter(|(_, v)| ops::equals(v, &m) == Some(true))
                .map(|(i, _)| Value::Number(Number::from(i + 1)))
                .collect(),
        ),
        _ => Value::Null,
    })
}

fn distinct(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !contains_value(&out, &item) {
            out.push(item);
        }
    }
    out
}

fn union(a: Vec<Value>, _: &mut Evaluator) -> R {
    let mut all = Vec::new();
    for list in a {
        match list {
            Value::List(items) => all.extend(items),
            _ => return Ok(Value::Null),
        }
    }
    Ok(Value::List(distinct(all)))
}

fn distinct_values(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::List(items)] => Value::List(distinct(items)),
        _ => Value::Null,
    })
}

fn duplicate_values(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [Value::List(items)] = args::<1>(a) else {
        return Ok(Value::Null);
    };
    let mut duplicates: Vec<Value> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if contains_value(&items[..i], item) && !contains_value(&duplicates, item) {
            duplicates.push(item.clone());
        }
    }
    Ok(Value::List(duplicates))
}

fn flatten_into(items: Vec<Value>, out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::List(inner) => flatten_into(inner, out),
            other => out.push(other),
        }
    }
}

fn flatten(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [Value::List(items)] = args::<1>(a) else {
        return Ok(Value::Null);
    };
    let mut out = Vec::new();
    flatten_into(items, &mut out);
    Ok(Value::List(out))
}

/// Stable merge sort driven by the user's `precedes(a, b)`; any non-boolean answer makes the
/// result null.
fn sort(a: Vec<Value>, e: &mut Evaluator) -> R {
    let [list, precedes] = args::<2>(a);
    let (Value::List(items), Value::Function(precedes)) = (list, precedes) else {
        return Ok(Value::Null);
    };
    let mut sorted: Vec<Value> = Vec::with_capacity(items.len());
    // Binary insertion keeps the number of calls at O(n log n) and the order stable.
    for item in items {
        let (mut lo, mut hi) = (0, sorted.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match e.call_function(&precedes, vec![item.clone(), sorted[mid].clone()])? {
                Value::Bool(true) => hi = mid,
                Value::Bool(false) => lo = mid + 1,
                _ => return Ok(Value::Null),
            }
        }
        sorted.insert(lo, item);
    }
    Ok(Value::List(sorted))
}

fn is_empty(a: Vec<Value>, _: &mut Evaluator) -> R {
    Ok(match args::<1>(a) {
        [Value::List(items)] => Value::Bool(items.is_empty()),
        _ => Value::Null,
    })
}

fn partition(a: Vec<Value>, _: &mut Evaluator) -> R {
    let [list, size] = args::<2>(a);
    let (Value::List(items), Value::Number(size)) = (list, size) else {
        return Ok(Value::Null);
    };
    let Some(size) = size
        .to_i64()
        .and_then(|s| usize::try_from(s).ok())
        .filter(|s| *s > 0)
    else {
        return Ok(Value::Null);
    };
    Ok(Value::List(
        items
            .chunks(size)
            .map(|chunk| Value::List(chunk.to_vec()))
            .collect(),
    ))
}
