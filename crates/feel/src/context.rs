//! What an evaluation can see: variables, the current time and a seed for deterministic
//! pseudo-random values.

use crate::value::Value;
use std::collections::BTreeMap;

/// A source of variables. A missing variable is FEEL `null`, never an error.
pub trait Variables {
    fn get(&self, name: &str) -> Option<Value>;

    /// `name.path[0].path[1]...` with FEEL path semantics (missing entries are null, paths
    /// over lists apply to each element). Sources can override this to avoid converting the
    /// whole variable when only a part is read.
    fn get_path(&self, name: &str, path: &[String]) -> Option<Value> {
        let mut value = self.get(name)?;
        for key in path {
            value = crate::eval::path(value, key);
        }
        Some(value)
    }
}

/// No variables at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmptyVariables;

impl Variables for EmptyVariables {
    fn get(&self, _name: &str) -> Option<Value> {
        None
    }
}

impl Variables for serde_json::Map<String, serde_json::Value> {
    fn get(&self, name: &str) -> Option<Value> {
        serde_json::Map::get(self, name).map(Value::from_json)
    }

    fn get_path(&self, name: &str, path: &[String]) -> Option<Value> {
        serde_json::Map::get(self, name).map(|json| json_path(json, path))
    }
}

/// FEEL path semantics directly on JSON, converting only what is selected: objects are
/// entered, arrays are mapped element-wise, anything else yields null (or, for properties of
/// temporal values, which JSON cannot hold, also null).
fn json_path(json: &serde_json::Value, path: &[String]) -> Value {
    let Some((key, rest)) = path.split_first() else {
        return Value::from_json(json);
    };
    match json {
        serde_json::Value::Object(map) => match map.get(key) {
            Some(next) => json_path(next, rest),
            None => Value::Null,
        },
        serde_json::Value::Array(items) => {
            Value::List(items.iter().map(|item| json_path(item, path)).collect())
        }
        // Strings are not converted to temporal values implicitly, so they have no properties.
        _ => Value::Null,
    }
}

impl Variables for BTreeMap<String, Value> {
    fn get(&self, name: &str) -> Option<Value> {
        BTreeMap::get(self, name).cloned()
    }
}

impl Variables for crate::value::Context {
    fn get(&self, name: &str) -> Option<Value> {
        crate::value::Context::get(self, name).cloned()
    }
}

/// Everything an evaluation depends on besides the expression itself. Evaluation is a pure
/// function of this context: `now()`/`today()` read `now_millis`, `uuid()` and `random number()`
/// derive from `seed`.
pub struct EvalContext<'a> {
    pub variables: &'a dyn Variables,
    /// Current time as UTC epoch milliseconds, used by `now()` and `today()`.
    pub now_millis: i64,
    /// Seed for `uuid()` and `random number()`; the same seed gives the same values.
    pub seed: u64,
}

impl<'a> EvalContext<'a> {
    /// A context with the given variables, time 0 (1970-01-01T00:00:00Z) and seed 0.
    pub fn new(variables: &'a dyn Variables) -> Self {
        EvalContext {
            variables,
            now_millis: 0,
            seed: 0,
        }
    }

    /// Sets the time `now()` and `today()` report.
    pub fn at(mut self, now_millis: i64) -> Self {
        self.now_millis = now_millis;
        self
    }

    /// Sets the seed of `uuid()` and `random number()`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("now_millis", &self.now_millis)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}
