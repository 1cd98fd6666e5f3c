//! Compiles the syntax tree into the evaluator's [`Node`] tree: resolves which names are local,
//! pre-resolves built-in functions and their argument order, folds constant sub-expressions
//! and collects the free variables.

use crate::ast::*;
use crate::builtins::{self, Builtin};
use crate::context::{EmptyVariables, EvalContext};
use crate::error::EvalErrorKind;
use crate::eval::{CallArgs, Evaluator, LambdaDef, Node, Source, Test};
use crate::value::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

pub(crate) struct Compiler {
    /// Statically known local names, innermost last.
    locals: Vec<String>,
    /// Depth of enclosing filters: inside one, any name may be an entry of the current item.
    dynamic_scopes: usize,
    free: BTreeSet<String>,
    /// How many times `partial` was resolved as a local; lets `for` skip binding it.
    partial_refs: usize,
}

impl Compiler {
    pub fn new() -> Self {
        Compiler {
            locals: Vec::new(),
            dynamic_scopes: 0,
            free: BTreeSet::new(),
            partial_refs: 0,
        }
    }

    pub fn free_variables(self) -> Vec<String> {
        self.free.into_iter().collect()
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|l| l == name)
    }

    pub fn expr(&mut self, e: &Expr) -> Node {
        let node = self.expr_inner(e);
        fold(node)
    }

    fn boxed(&mut self, e: &Expr) -> Box<Node> {
        Box::new(self.expr(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> Node {
        match &e.kind {
            ExprKind::Null => Node::Const(Value::Null),
            ExprKind::Bool(b) => Node::Const(Value::Bool(*b)),
            ExprKind::Number(n) => Node::Const(Value::Number(n.clone())),
            ExprKind::Str(s) => Node::Const(Value::String(s.clone())),
            // The parser has validated the literal.
            ExprKind::Temporal(text) => {
                Node::Const(crate::temporal::parse_literal(text).unwrap_or(Value::Null))
            }
            ExprKind::Name(name) => self.name(name),
            ExprKind::Input => Node::Input,
            ExprKind::Path(target, key) => match self.expr(target) {
                // `order.items.price` on a variable: let the variable source navigate, so only
                // the selected part is converted to a FEEL value.
                Node::Global(name) => Node::GlobalPath(name, vec![key.clone()]),
                Node::GlobalPath(name, mut keys) => {
                    keys.push(key.clone());
                    Node::GlobalPath(name, keys)
                }
                other => Node::Path(Box::new(other), key.clone()),
            },
            ExprKind::Filter(target, filter) => {
                let target = self.boxed(target);
                self.locals.push("item".into());
                self.dynamic_scopes += 1;
                let filter = self.boxed(filter);
                self.dynamic_scopes -= 1;
                self.locals.pop();
                Node::Filter(target, filter)
            }
            ExprKind::Call(callee, args) => self.call(callee, args),
            ExprKind::Neg(a) => Node::Neg(self.boxed(a)),
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.boxed(a), self.boxed(b));
                match op {
                    BinaryOp::Add => Node::Add(a, b),
                    BinaryOp::Sub => Node::Sub(a, b),
                    BinaryOp::Mul => Node::Mul(a, b),
                    BinaryOp::Div => Node::Div(a, b),
                    BinaryOp::Pow => Node::Pow(a, b),
                }
            }
            ExprKind::Compare(op, a, b) => Node::Compare(*op, self.boxed(a), self.boxed(b)),
            ExprKind::And(a, b) => Node::And(self.boxed(a), self.boxed(b)),
            ExprKind::Or(a, b) => Node::Or(self.boxed(a), self.boxed(b)),
            ExprKind::Between(x, l, h) => {
                Node::Between(self.boxed(x), self.boxed(l), self.boxed(h))
            }
            ExprKind::In(x, tests) => {
                let x = self.boxed(x);
                let tests = self.tests(tests);
                Node::In(x, tests)
            }
            ExprKind::InstanceOf(x, ty) => Node::InstanceOf(self.boxed(x), ty.clone()),
            ExprKind::If(c, t, o) => Node::If(self.boxed(c), self.boxed(t), self.boxed(o)),
            ExprKind::For(iterations, body) => {
                let base = self.locals.len();
                let sources = self.iterations(iterations);
                self.locals.push("partial".into());
                let refs_before = self.partial_refs;
                let body = self.boxed(body);
                let uses_partial = self.partial_refs > refs_before;
                self.locals.truncate(base);
                Node::For(sources, body, uses_partial)
            }
            ExprKind::Quantified(q, iterations, cond) => {
                let base = self.locals.len();
                let sources = self.iterations(iterations);
                let cond = self.boxed(cond);
                self.locals.truncate(base);
                Node::Quantified(*q, sources, cond)
            }
            ExprKind::List(items) => Node::List(items.iter().map(|i| self.expr(i)).collect()),
            ExprKind::Context(entries) => {
                let base = self.locals.len();
                let mut nodes = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let node = self.expr(value);
                    nodes.push((key.clone(), node));
                    self.locals.push(key.clone());
                }
                self.locals.truncate(base);
                Node::Context(nodes)
            }
            ExprKind::Range {
                start,
                start_closed,
                end,
                end_closed,
            } => Node::Range {
                start: self.boxed(start),
                start_closed: *start_closed,
                end: self.boxed(end),
                end_closed: *end_closed,
            },
            ExprKind::UnaryRange(op, bound) => Node::UnaryRange(*op, self.boxed(bound)),
            ExprKind::FunctionDef {
                params,
                body,
                external,
            } => {
                if *external {
                    return Node::Fail(EvalErrorKind::UnsupportedFeature(
                        "FEEL external function definition".into(),
                    ));
                }
                let base = self.locals.len();
                let names: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
                self.locals.extend(names.iter().cloned());
                let body = self.expr(body);
                self.locals.truncate(base);
                Node::Lambda(Arc::new(LambdaDef {
                    params: names,
                    body,
                }))
            }
        }
    }

    fn name(&mut self, name: &str) -> Node {
        if self.is_local(name) {
            if name == "partial" {
                self.partial_refs += 1;
            }
            return Node::Name(name.to_string());
        }
        if self.dynamic_scopes > 0 {
            // Inside a filter the name may be an entry of the item; it may also be a variable.
            self.free.insert(name.to_string());
            return Node::Name(name.to_string());
        }
        self.free.insert(name.to_string());
        if !builtins::find(name).is_empty() {
            return Node::GlobalOrBuiltin(name.to_string());
        }
        Node::Global(name.to_string())
    }

    fn iterations(&mut self, iterations: &[Iteration]) -> Vec<(String, Source)> {
        let mut out = Vec::with_capacity(iterations.len());
        for it in iterations {
            let source = match &it.source {
                IterationSource::Expr(e) => Source::Expr(self.expr(e)),
                IterationSource::Range(a, b) => Source::Range(self.expr(a), self.expr(b)),
            };
            self.locals.push(it.name.clone());
            out.push((it.name.clone(), source));
        }
        out
    }

    pub fn tests(&mut self, tests: &[UnaryTest]) -> Vec<Test> {
        tests.iter().map(|t| self.test(t)).collect()
    }

    fn test(&mut self, test: &UnaryTest) -> Test {
        match test {
            UnaryTest::Any => Test::Any,
            UnaryTest::Compare(op, e) => Test::Compare(*op, self.expr(e)),
            UnaryTest::Not(tests) => Test::Not(self.tests(tests)),
            UnaryTest::Expr(e) => {
                let literal = matches!(
                    e.kind,
                    ExprKind::Null
                        | ExprKind::Bool(_)
                        | ExprKind::Number(_)
                        | ExprKind::Str(_)
                        | ExprKind::Temporal(_)
                );
                Test::Expr {
                    node: self.expr(e),
                    literal,
                }
            }
        }
    }

    fn call(&mut self, callee: &Expr, args: &Args) -> Node {
        if let ExprKind::Name(name) = &callee.kind {
            if !self.is_local(name) {
                let candidates = builtins::find(name);
                if !candidates.is_empty() {
                    return self.call_builtin(name, candidates, args);
                }
            }
        }
        let callee = self.boxed(callee);
        let args = match args {
            Args::Positional(items) => {
                CallArgs::Positional(items.iter().map(|a| self.expr(a)).collect())
            }
            Args::Named(items) => CallArgs::Named(
                items
                    .iter()
                    .map(|(n, a)| (n.clone(), self.expr(a)))
                    .collect(),
            ),
        };
        Node::CallValue(callee, args)
    }

    fn call_builtin(&mut self, name: &str, candidates: &[&'static Builtin], args: &Args) -> Node {
        match args {
            Args::Positional(items) => {
                let Some(builtin) = candidates.iter().find(|b| b.accepts(items.len())) else {
                    return Node::Fail(EvalErrorKind::NoSuchFunction {
                        name: name.to_string(),
                        arity: items.len(),
                    })
                    .null_friendly();
                };
                Node::CallBuiltin(builtin, items.iter().map(|a| self.expr(a)).collect())
            }
            Args::Named(items) => {
                let Some(builtin) = candidates.iter().find(|b| b.accepts_names(items)) else {
                    return Node::Fail(EvalErrorKind::NoSuchFunction {
                        name: name.to_string(),
                        arity: items.len(),
                    })
                    .null_friendly();
                };
                // Reorder to positional; omitted optional parameters are left off the end, and
                // a gap before a given one is filled with null.
                let last = items
                    .iter()
                    .filter_map(|(n, _)| builtin.params.iter().position(|p| p == n))
                    .max()
                    .map_or(0, |i| i + 1);
                let mut nodes: Vec<Node> = (0..last).map(|_| Node::Const(Value::Null)).collect();
                for (n, e) in items {
                    if let Some(i) = builtin.params.iter().position(|p| p == n) {
                        nodes[i] = self.expr(e);
                    }
                }
                Node::CallBuiltin(builtin, nodes)
            }
        }
    }
}

impl Node {
    /// feel-scala (Camunda 8.8) turns a failed function lookup into `null` instead of an error.
    fn null_friendly(self) -> Node {
        match self {
            Node::Fail(EvalErrorKind::NoSuchFunction { .. }) => Node::Const(Value::Null),
            other => other,
        }
    }

    fn as_const(&self) -> Option<&Value> {
        match self {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }
}

/// Folds operators whose operands are all constants. Calls are never folded (they may depend on
/// the context, e.g. `now()`).
fn fold(node: Node) -> Node {
    let foldable = match &node {
        Node::Neg(a) => a.as_const().is_some(),
        Node::Add(a, b)
        | Node::Sub(a, b)
        | Node::Mul(a, b)
        | Node::Div(a, b)
        | Node::Pow(a, b)
        | Node::Compare(_, a, b)
        | Node::And(a, b)
        | Node::Or(a, b) => a.as_const().is_some() && b.as_const().is_some(),
        Node::If(c, t, o) => {
            c.as_const().is_some() && t.as_const().is_some() && o.as_const().is_some()
        }
        Node::List(items) => items.iter().all(|i| i.as_const().is_some()),
        Node::Range { start, end, .. } => start.as_const().is_some() && end.as_const().is_some(),
        _ => false,
    };
    if !foldable {
        return node;
    }
    let variables = EmptyVariables;
    let ctx = EvalContext::new(&variables);
    let mut evaluator = Evaluator::new(&ctx);
    match evaluator.eval(&node) {
        Ok(value) => Node::Const(value),
        Err(_) => node,
    }
}
