//! FEEL runtime values and their conversion to and from JSON (as Zeebe maps variables).

use crate::eval::FunctionValue;
use crate::number::Number;
use crate::temporal::{
    Date, DateTime, DayTimeDuration, LocalDateTime, LocalTime, Time, YearMonthDuration,
};
use indexmap::IndexMap;
use std::fmt;

/// A FEEL value.
///
/// Numbers are [`Number`]: decimals with 34 significant digits (DECIMAL128), like feel-scala.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Context(Context),
    Date(Date),
    /// A time of day without offset.
    LocalTime(LocalTime),
    /// A time of day with a UTC offset or zone.
    Time(Time),
    /// A date and time without offset.
    LocalDateTime(LocalDateTime),
    /// A date and time with a UTC offset or a zone id.
    DateTime(DateTime),
    DayTimeDuration(DayTimeDuration),
    YearMonthDuration(YearMonthDuration),
    Range(Box<Range>),
    Function(FunctionValue),
}

/// A FEEL context: string keys in insertion order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    entries: IndexMap<String, Value>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Inserts or replaces an entry; a replaced entry keeps its original position.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        self.entries.insert(key.into(), value);
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.keys()
    }

    pub fn into_entries(self) -> impl Iterator<Item = (String, Value)> {
        self.entries.into_iter()
    }

    pub(crate) fn take(&mut self, key: &str) -> Option<Value> {
        self.entries.get_mut(key).map(std::mem::take)
    }
}

impl FromIterator<(String, Value)> for Context {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Self {
        Context {
            entries: iter.into_iter().collect(),
        }
    }
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeBound {
    /// No limit on this side (`< 5` is a range with an unbounded start).
    Unbounded,
    /// The end point itself belongs to the range (`[` / `]` facing inward).
    Closed(Value),
    /// The end point does not belong to the range.
    Open(Value),
}

impl RangeBound {
    pub fn value(&self) -> Option<&Value> {
        match self {
            RangeBound::Unbounded => None,
            RangeBound::Closed(v) | RangeBound::Open(v) => Some(v),
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self, RangeBound::Closed(_))
    }
}

/// A FEEL range (interval), e.g. `[1..10)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub start: RangeBound,
    pub end: RangeBound,
}

impl Value {
    /// Builds a number value from an integer.
    pub fn number(n: i64) -> Value {
        Value::Number(Number::from(n))
    }

    /// Builds a string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The FEEL type name as used by `instance of` and error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Context(_) => "context",
            Value::Date(_) => "date",
            Value::LocalTime(_) | Value::Time(_) => "time",
            Value::LocalDateTime(_) | Value::DateTime(_) => "date and time",
            Value::DayTimeDuration(_) => "days and time duration",
            Value::YearMonthDuration(_) => "years and months duration",
            Value::Range(_) => "range",
            Value::Function(_) => "function",
        }
    }

    /// Converts a JSON value as Zeebe does for process variables.
    ///
    /// JSON numbers beyond the decimal128 range (about 1e6144) become `null`.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => number_from_json(n).map_or(Value::Null, Value::Number),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Context(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON as Zeebe does when writing variables: integral numbers become JSON
    /// integers, contexts objects, ranges and functions `null`, and temporal values ISO-8601
    /// strings in the `java.time` `toString()` form Zeebe emits (`2020-01-01T10:00+01:00`,
    /// `PT36H`, `P1Y2M`); `Display` gives FEEL's `string()` form instead.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Context(ctx) => serde_json::Value::Object(
                ctx.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
            Value::Date(_)
            | Value::LocalTime(_)
            | Value::Time(_)
            | Value::LocalDateTime(_)
            | Value::DateTime(_)
            | Value::DayTimeDuration(_)
            | Value::YearMonthDuration(_) => crate::temporal::java_string(self)
                .map_or(serde_json::Value::Null, serde_json::Value::String),
            Value::Range(_) | Value::Function(_) => serde_json::Value::Null,
        }
    }
}

pub(crate) fn number_from_json(n: &serde_json::Number) -> Option<Number> {
    if let Some(i) = n.as_i64() {
        return Some(Number::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(Number::from(u));
    }
    // Zeebe passes JSON floats to FEEL as doubles (`Double.toString` form: 10.0 keeps its
    // fraction digit, 1e20 becomes 1.0E+20).
    n.as_f64().and_then(Number::from_f64)
}

pub(crate) fn number_to_json(n: &Number) -> serde_json::Value {
    if let Some(i) = n.to_i64() {
        return serde_json::Value::from(i);
    }
    if let Some(u) = n.to_u64() {
        return serde_json::Value::from(u);
    }
    n.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl fmt::Display for Value {
    /// The FEEL `string()` representation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_nested(f, item)?;
                }
                f.write_str("]")
            }
            Value::Context(ctx) => {
                f.write_str("{")?;
                for (i, (k, v)) in ctx.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}:")?;
                    write_nested(f, v)?;
                }
                f.write_str("}")
            }
            Value::Date(d) => write!(f, "{d}"),
            Value::LocalTime(t) => write!(f, "{t}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::LocalDateTime(dt) => write!(f, "{dt}"),
            Value::DateTime(dt) => write!(f, "{dt}"),
            Value::DayTimeDuration(d) => write!(f, "{d}"),
            Value::YearMonthDuration(d) => write!(f, "{d}"),
            Value::Range(r) => {
                match &r.start {
                    RangeBound::Unbounded => f.write_str("(")?,
                    RangeBound::Closed(v) => {
                        f.write_str("[")?;
                        write_nested(f, v)?;
                    }
                    RangeBound::Open(v) => {
                        f.write_str("(")?;
                        write_nested(f, v)?;
                    }
                }
                f.write_str("..")?;
                match &r.end {
                    RangeBound::Unbounded => f.write_str(")"),
                    RangeBound::Closed(v) => {
                        write_nested(f, v)?;
                        f.write_str("]")
                    }
                    RangeBound::Open(v) => {
                        write_nested(f, v)?;
                        f.write_str(")")
                    }
                }
            }
            Value::Function(func) => write!(f, "{func:?}"),
        }
    }
}

/// Strings inside lists and contexts are quoted, like feel-scala's `string([“a”])` = `["a"]`.
fn write_nested(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::String(s) => write!(f, "\"{s}\""),
        other => write!(f, "{other}"),
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

impl From<Context> for Value {
    fn from(ctx: Context) -> Self {
        Value::Context(ctx)
    }
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        Value::from_json(json)
    }
}
