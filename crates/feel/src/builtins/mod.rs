//! Built-in functions: the DMN 1.5 standard library plus feel-scala's extensions.
//!
//! Each function is a [`Builtin`] signature; names with several signatures (e.g. `substring`)
//! have one entry per signature. Following feel-scala, arguments of the wrong type make the
//! function return `null` rather than fail.

mod boolean;
mod context_fns;
mod conversion;
mod list;
mod misc;
mod numeric;
mod range_fns;
mod string;
mod temporal_fns;

use crate::error::EvalErrorKind;
use crate::eval::Evaluator;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub(crate) type BuiltinFn = fn(Vec<Value>, &mut Evaluator<'_, '_>) -> Result<Value, EvalErrorKind>;

/// One signature of a built-in function.
pub(crate) struct Builtin {
    pub name: &'static str,
    /// Parameter names, used for named arguments.
    pub params: &'static [&'static str],
    /// How many leading parameters are required; the rest are optional.
    pub required: usize,
    /// Accepts any number of arguments (at least `required`), e.g. `max(1, 2, 3)`.
    pub variadic: bool,
    pub func: BuiltinFn,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.params.join(", "))
    }
}

impl Builtin {
    /// DMN: a single value passed where a list is expected counts as a one-element list.
    pub fn coerce_singletons(&self, values: &mut [Value]) {
        for (value, param) in values.iter_mut().zip(self.params) {
            if matches!(*param, "list" | "lists" | "entries" | "contexts")
                && !matches!(value, Value::List(_) | Value::Null)
            {
                let single = std::mem::take(value);
                *value = Value::List(vec![single]);
            }
        }
    }

    pub fn accepts(&self, count: usize) -> bool {
        if self.variadic {
            count >= self.required
        } else {
            count >= self.required && count <= self.params.len()
        }
    }

    /// Named arguments fit if every name is a parameter; omitted parameters are null (as in
    /// feel-scala, which looks functions up by their parameter names).
    pub fn accepts_names<T>(&self, args: &[(String, T)]) -> bool {
        args.iter().all(|(n, _)| self.params.contains(&n.as_str()))
    }
}

/// Shorthand for declaring a signature.
pub(crate) const fn sig(
    name: &'static str,
    params: &'static [&'static str],
    required: usize,
    func: BuiltinFn,
) -> Builtin {
    Builtin {
        name,
        params,
        required,
        variadic: false,
        func,
    }
}

/// A signature taking either one list argument or the elements as separate arguments.
pub(crate) const fn variadic(
    name: &'static str,
    params: &'static [&'static str],
    func: BuiltinFn,
) -> Builtin {
    Builtin {
        name,
        params,
        required: 1,
        variadic: true,
        func,
    }
}

fn registry() -> &'static BTreeMap<&'static str, Vec<&'static Builtin>> {
    static REGISTRY: OnceLock<BTreeMap<&'static str, Vec<&'static Builtin>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut map: BTreeMap<&'static str, Vec<&'static Builtin>> = BTreeMap::new();
        let groups: [&'static [Builtin]; 9] = [
            range_fns::FUNCTIONS,
            temporal_fns::FUNCTIONS,
            misc::FUNCTIONS,
            boolean::FUNCTIONS,
            string::FUNCTIONS,
            list::FUNCTIONS,
            numeric::FUNCTIONS,
            context_fns::FUNCTIONS,
            conversion::FUNCTIONS,
        ];
        for group in groups {
            for b in group {
                map.entry(b.name).or_default().push(b);
            }
        }
        map
    })
}

/// Names of built-in functions that contain spaces, longest first.
pub(crate) fn multi_word_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = registry()
            .keys()
            .copied()
            .filter(|n| n.contains(' '))
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names
    })
}

/// All signatures of the built-in function `name` (empty if there is none).
pub(crate) fn find(name: &str) -> &'static [&'static Builtin] {
    registry().get(name).map_or(&[], |v| v.as_slice())
}

// ------------------------------------------------------------------ argument helpers

/// Unwraps arguments into a fixed-size array; missing optional ones are null.
pub(crate) fn args<const N: usize>(values: Vec<Value>) -> [Value; N] {
    let mut iter = values.into_iter();
    std::array::from_fn(|_| iter.next().unwrap_or(Value::Null))
}

/// For variadic list functions: one list argument, or the arguments themselves.
pub(crate) fn list_arg(values: Vec<Value>) -> Vec<Value> {
    if values.len() == 1 {
        match values.into_iter().next() {
            Some(Value::List(items)) => items,
            Some(other) => vec![other],
            None => Vec::new(),
        }
    } else {
        values
    }
}
