//! The syntax tree produced by the parser. Every node carries its source span.

use crate::number::Number;
use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// Height of this subtree (a leaf is 1). Computed on construction from the direct
    /// children, so the parser can bound it without walking (and recursing into) the tree.
    pub depth: u32,
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
        let depth = 1 + children_depth(&kind);
        Expr { kind, span, depth }
    }
}

fn max_depth<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> u32 {
    exprs.into_iter().map(|e| e.depth).max().unwrap_or(0)
}

fn tests_depth(tests: &[UnaryTest]) -> u32 {
    tests
        .iter()
        .map(|t| match t {
            UnaryTest::Compare(_, e) | UnaryTest::Expr(e) => e.depth,
            // `not(...)` only appears at the top of a cell and cannot nest.
            UnaryTest::Not(inner) => inner
                .iter()
                .map(|t| match t {
                    UnaryTest::Compare(_, e) | UnaryTest::Expr(e) => e.depth,
                    _ => 0,
                })
                .max()
                .unwrap_or(0),
            UnaryTest::Any => 0,
        })
        .max()
        .unwrap_or(0)
}

fn iterations_depth(iterations: &[Iteration]) -> u32 {
    iterations
        .iter()
        .map(|it| match &it.source {
            IterationSource::Expr(e) => e.depth,
            IterationSource::Range(a, b) => a.depth.max(b.depth),
        })
        .max()
        .unwrap_or(0)
}

/// The largest depth among the direct children (not recursive).
fn children_depth(kind: &ExprKind) -> u32 {
    match kind {
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::Str(_)
        | ExprKind::Temporal(_)
        | ExprKind::Name(_)
        | ExprKind::Input => 0,
        ExprKind::Path(e, _)
        | ExprKind::Neg(e)
        | ExprKind::InstanceOf(e, _)
        | ExprKind::UnaryRange(_, e) => e.depth,
        ExprKind::Filter(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::And(a, b)
        | ExprKind::Or(a, b) => a.depth.max(b.depth),
        ExprKind::Between(a, b, c) | ExprKind::If(a, b, c) => max_depth([&**a, &**b, &**c]),
        ExprKind::Call(callee, args) => callee.depth.max(match args {
            Args::Positional(items) => max_depth(items),
            Args::Named(items) => max_depth(items.iter().map(|(_, e)| e)),
        }),
        ExprKind::In(x, tests) => x.depth.max(tests_depth(tests)),
        ExprKind::For(iterations, body) => body.depth.max(iterations_depth(iterations)),
        ExprKind::Quantified(_, iterations, cond) => cond.depth.max(iterations_depth(iterations)),
        ExprKind::List(items) => max_depth(items),
        ExprKind::Context(entries) => max_depth(entries.iter().map(|(_, e)| e)),
        ExprKind::Range { start, end, .. } => start.depth.max(end.depth),
        ExprKind::FunctionDef { body, .. } => body.depth,
    }
}
