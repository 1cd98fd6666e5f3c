//! FEEL (Friendly Enough Expression Language) as Camunda's feel-scala evaluates it, for the
//! Hornet BPMN engine (conditions, input/output mappings, job types, timers, ...) and DMN.
//!
//! Pipeline: `lexer` → `parser` (AST with spans) → `compile` (local-name resolution,
//! built-in pre-resolution, constant folding, free variables) → `eval` (tree walk).
//!
//! ```
//! use hornet_feel::{EvalContext, Expression, Value};
//! let vars: serde_json::Map<String, serde_json::Value> =
//!     serde_json::from_str(r#"{"amount": 1500, "customer": {"tier": "gold"}}"#).unwrap();
//! let expr = Expression::parse(r#"amount > 1000 and customer.tier = "gold""#).unwrap();
//! assert_eq!(expr.evaluate(&EvalContext::new(&vars)).unwrap(), Value::Bool(true));
//! assert_eq!(expr.free_variables(), ["amount", "customer"]);
//! ```
//!
//! Semantics follow feel-scala (Camunda 8.8), which is "null-friendly": a missing variable,
//! a missing context entry, comparing incompatible types, or calling an unknown function yields
//! `null` instead of failing. Evaluation errors remain for `assert`, for safety limits and for
//! external (Java) function definitions, which are reported as "not supported yet".
//!
//! Evaluation is deterministic: nothing reads the clock or a random source; `now()`, `today()`,
//! `uuid()` and `random number()` derive from [`EvalContext`].
//!
//! Numbers are [`Number`]: decimals rounded to 34 significant digits (half-even), the
//! `BigDecimal`/`DECIMAL128` semantics feel-scala has.
//!
//! # Safety limits
//!
//! Expressions come from deployed models, so hostile input must not take the engine down:
//! nesting is limited to 32 levels and trees to 256 operations (parse errors); an evaluation
//! is limited to 300 levels of recursion, 64 nested function calls and 4,000,000 steps of work
//! (iterations, calls, copied value nodes), beyond which it fails with
//! [`EvalErrorKind::LimitExceeded`]; `for` over a numeric range is limited to 1,000,000 items.
//!
//! # Known differences from feel-scala
//!
//! - Multi-word built-in names (`date and time(`) are recognized only for built-ins; feel-scala
//!   also accepts arbitrary multi-word function names before `(`.
//! - A time with a zone id (`10:00@Europe/Paris`) takes the zone's standard offset at a fixed
//!   reference date rather than at the current instant.
//! - Regular expressions use the `regex` crate with XPath adaptations: back-references,
//!   look-around and Unicode block names (`\p{IsBasicLatin}`) are not available (`null`).
//! - DMN's singleton-list conversions are applied where feel-scala returns `null`: filters
//!   and `for` treat a non-list value as a one-element list, and a single value passed to a
//!   built-in's `list`/`entries`/`contexts` parameter counts as a one-element list.
//! - Unknown or ill-typed function calls yield `null` like feel-scala, but no warning list is
//!   collected.

mod ast;
mod builtins;
mod compile;
mod context;
mod error;
mod eval;
mod expression;
mod lexer;
mod number;
mod ops;
mod parser;
mod span;
mod temporal;
mod value;

pub use context::{EmptyVariables, EvalContext, Variables};
pub use error::{EvalError, EvalErrorKind, ParseError};
pub use eval::FunctionValue;
pub use expression::{parse_unary_tests, Expression, UnaryTests};
pub use number::{InvalidNumber, Number, Rounding};
pub use span::{Position, Span};
pub use temporal::{
    civil_from_days, days_from_civil, Date, DateTime, DayTimeDuration, LocalDateTime, LocalTime,
    Time, YearMonthDuration,
};
pub use value::{Context, Range, RangeBound, Value};
