//! The syntax tree produced by the parser. Every node carries its source span.

use crate::number::Number;
use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    Some,
    Every,
}

/// A type in `instance of` and parameter annotations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    Context(Vec<(String, TypeRef)>),
    Range(Box<TypeRef>),
    Function(Vec<TypeRef>, Box<TypeRef>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Args {
    Positional(Vec<Expr>),
    Named(Vec<(String, Expr)>),
}

/// One `name in source` of a `for`, `some` or `every`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Iteration {
    pub name: String,
    pub source: IterationSource,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IterationSource {
    /// `x in list`
    Expr(Expr),
    /// `x in 1..n` (only allowed in iterations)
    Range(Expr, Expr),
}

/// A unary test, as in decision table cells and the right side of `in`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UnaryTest {
    /// `< 5`, `>= x`, `= 3`, `!= "a"`
    Compare(CompareOp, Expr),
    /// An expression: compared for equality with the input, or (if it yields a boolean that
    /// is derived from `?`) used as the result directly; ranges and lists test membership.
    Expr(Expr),
    /// `not(t1, t2)`
    Not(Vec<UnaryTest>),
    /// `-`: matches anything.
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    /// `@"2021-01-01"`
    Temporal(String),
    Name(String),
    /// `?` — the input value of a unary test.
    Input,
    Path(Box<Expr>, String),
    Filter(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Args),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<UnaryTest>),
    InstanceOf(Box<Expr>, TypeRef),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    For(Vec<Iteration>, Box<Expr>),
    Quantified(Quantifier, Vec<Iteration>, Box<Expr>),
    List(Vec<Expr>),
    Context(Vec<(String, Expr)>),
    /// `[a..b]`, `(a..b)`, `]a..b[` ... ; `None` bounds do not occur in literals but in unary
    /// tests like `< 5` after lowering.
    Range {
        start: Box<Expr>,
        start_closed: bool,
        end: Box<Expr>,
        end_closed: bool,
    },
    /// `(< 10)`, `(>= x)`: a range with one unbounded end.
    UnaryRange(CompareOp, Box<Expr>),
    FunctionDef {
        params: Vec<(String, Option<TypeRef>)>,
        body: Box<Expr>,
        external: bool,
    },
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }
}
