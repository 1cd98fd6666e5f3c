//! The public entry points: [`Expression`] and [`UnaryTests`].

use crate::compile::Compiler;
use crate::context::EvalContext;
use crate::error::{EvalError, ParseError};
use crate::eval::{Evaluator, Node, Test};
use crate::parser;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

/// A parsed and compiled FEEL expression. Cheap to clone; evaluate it any number of times.
#[derive(Clone)]
pub struct Expression {
    inner: Arc<Compiled>,
}

struct Compiled {
    source: String,
    node: Node,
    free_variables: Vec<String>,
}

impl Expression {
    /// Parses and compiles `source` (without Zeebe's leading `=`).
    pub fn parse(source: &str) -> Result<Expression, ParseError> {
        let ast = parser::parse_expression(source)?;
        let mut compiler = Compiler::new();
        let node = compiler.expr(&ast);
        Ok(Expression {
            inner: Arc::new(Compiled {
                source: source.to_string(),
                node,
                free_variables: compiler.free_variables(),
            }),
        })
    }

    /// Evaluates against the given context.
    pub fn evaluate(&self, ctx: &EvalContext<'_>) -> Result<Value, EvalError> {
        Evaluator::new(ctx)
            .eval(&self.inner.node)
            .map_err(|kind| EvalError {
                expression: self.inner.source.clone(),
                kind,
            })
    }

    /// The source text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Variable names read at top level, sorted and deduplicated. Names used inside a filter
    /// (`list[x > 1]`) are included because they may refer to variables as well as item entries.
    pub fn free_variables(&self) -> &[String] {
        &self.inner.free_variables
    }
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expression")
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

/// Unary tests of a DMN decision table input entry, e.g. `< 5`, `[1..3]`, `"a","b"`, `not(1)`, `-`.
#[derive(Clone)]
pub struct UnaryTests {
    inner: Arc<CompiledTests>,
}

struct CompiledTests {
    source: String,
    tests: Vec<Test>,
    free_variables: Vec<String>,
}

impl UnaryTests {
    /// Parses unary tests. An empty source matches everything, like `-`.
    pub fn parse(source: &str) -> Result<UnaryTests, ParseError> {
        let ast = parser::parse_unary_tests(source)?;
        let mut compiler = Compiler::new();
        let tests = compiler.tests(&ast);
        Ok(UnaryTests {
            inner: Arc::new(CompiledTests {
                source: source.to_string(),
                tests,
                free_variables: compiler.free_variables(),
            }),
        })
    }

    /// Whether `input` satisfies the tests. A test that cannot be decided (e.g. comparing a
    /// number with a string) does not match.
    pub fn test(&self, input: &Value, ctx: &EvalContext<'_>) -> Result<bool, EvalError> {
        let mut evaluator = Evaluator::with_input(ctx, input.clone());
        evaluator
            .run_tests(input, &self.inner.tests)
            .map(|v| v == Value::Bool(true))
            .map_err(|kind| EvalError {
                expression: self.inner.source.clone(),
                kind,
            })
    }

    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Variable names the tests read, sorted and deduplicated.
    pub fn free_variables(&self) -> &[String] {
        &self.inner.free_variables
    }
}

/// Shorthand for [`UnaryTests::parse`].
pub fn parse_unary_tests(source: &str) -> Result<UnaryTests, ParseError> {
    UnaryTests::parse(source)
}

impl fmt::Debug for UnaryTests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnaryTests")
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}
