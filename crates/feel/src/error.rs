//! Errors reported at the crate boundary: [`ParseError`] for invalid source text and
//! [`EvalError`] for failures while evaluating a valid expression.

use crate::span::Position;
use std::fmt;

/// The source text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The full expression source.
    pub source_text: String,
    /// Where parsing failed.
    pub position: Position,
    /// What the parser expected at `position`, e.g. "an expression".
    pub expected: String,
    /// What it found instead, e.g. "end of input" or "'then'".
    pub found: String,
    /// Additional explanation, if any.
    pub message: Option<String>,
}

impl ParseError {
    pub(crate) fn new(
        source: &str,
        offset: usize,
        expected: &str,
        found: String,
        message: Option<String>,
    ) -> Self {
        ParseError {
            source_text: source.to_string(),
            position: Position::locate(source, offset),
            expected: expected.to_string(),
            found,
            message,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to parse FEEL expression '{}': expected {} at position {} (line {}, column {}), found {}",
            self.source_text,
            self.expected,
            self.position.offset,
            self.position.line,
            self.position.column,
            self.found
        )?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// What went wrong while evaluating an expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalErrorKind {
    /// A language construct this implementation does not provide, e.g. "FEEL external function
    /// definition".
    #[error("{0} is not supported yet")]
    UnsupportedFeature(String),
    /// No built-in or user function with that name (and arity) exists.
    #[error("no function found with name '{name}' and {arity} parameters")]
    NoSuchFunction { name: String, arity: usize },
    /// Arguments do not fit any signature of the function.
    #[error("failed to invoke function '{name}': {reason}")]
    InvalidInvocation { name: String, reason: String },
    /// A value was invoked that is not a function.
    #[error("expected a function but found '{0}'")]
    NotAFunction(String),
    /// `assert(...)` failed.
    #[error("assertion failed")]
    AssertionFailed,
    /// `assert(value, condition, cause)` failed with a user message.
    #[error("{0}")]
    AssertionFailedWith(String),
    /// `?` was used outside a unary test (as in feel-scala, this fails the evaluation).
    #[error("no input value available: '?' can only be used inside a unary test")]
    NoInputValue,
    /// Evaluation exceeded a built-in safety limit (e.g. a huge range in a `for` loop).
    #[error("{0}")]
    LimitExceeded(String),
}

/// Evaluation failed; carries the expression source for context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub expression: String,
    pub kind: EvalErrorKind,
}

impl EvalError {
    /// The message without the expression, e.g. "assertion failed".
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to evaluate FEEL expression '{}': {}",
            self.expression, self.kind
        )
    }
}

impl std::error::Error for EvalError {}
