//! The evaluator: walks the compiled [`Node`] tree against an [`EvalContext`].

use crate::ast::{CompareOp, Quantifier, TypeRef};
use crate::builtins::Builtin;
use crate::context::EvalContext;
use crate::error::EvalErrorKind;
use crate::number::Number;
use crate::ops;
use crate::value::{Context, Range, RangeBound, Value};
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// Upper bound on the work of one evaluation (iterations, filter items, function calls, value
/// nodes copied when reading names or binding `partial`), so that a hostile expression cannot
/// hang the engine or exhaust memory.
const MAX_STEPS: u64 = 4_000_000;

/// Upper bound on the recursion depth of the evaluator (tree depth plus nested function
/// bodies), protecting the stack; larger than the parser's tree-depth limit so any single
/// expression that parses can be evaluated.
const MAX_EVAL_DEPTH: usize = 300;

/// Upper bound on nested function calls (user functions can call themselves through
/// arguments, e.g. `f(f)`), protecting the stack.
const MAX_CALL_DEPTH: usize = 64;

/// Upper bound on the number of elements a `for` over a numeric range may produce; protects the
/// engine from expressions such as `for i in 1..1000000000 return i`.
const MAX_RANGE_ITERATION: i64 = 1_000_000;

/// The compiled form of an expression.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(Value),
    /// A name known not to be bound locally: read from the variables only.
    Global(String),
    /// `name.key1.key2...` on a variable known not to be local.
    GlobalPath(String, Vec<String>),
    /// Like `Global`, but the name is also a built-in function: a missing variable yields the
    /// function itself (so `sort(xs, my_precedes)`-style references work).
    GlobalOrBuiltin(String),
    /// A name that may be bound locally (iteration variable, parameter, context entry, filter
    /// item entry); falls back to the variables.
    Name(String),
    /// `?` in unary tests.
    Input,
    Path(Box<Node>, String),
    Filter(Box<Node>, Box<Node>),
    CallBuiltin(&'static Builtin, Vec<Node>),
    CallValue(Box<Node>, CallArgs),
    Neg(Box<Node>),
    Add(Box<Node>, Box<Node>),
    Sub(Box<Node>, Box<Node>),
    Mul(Box<Node>, Box<Node>),
    Div(Box<Node>, Box<Node>),
    Pow(Box<Node>, Box<Node>),
    Compare(CompareOp, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Between(Box<Node>, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Test>),
    InstanceOf(Box<Node>, TypeRef),
    If(Box<Node>, Box<Node>, Box<Node>),
    /// The flag says whether the body reads `partial` (binding it copies the results so far).
    For(Vec<(String, Source)>, Box<Node>, bool),
    Quantified(Quantifier, Vec<(String, Source)>, Box<Node>),
    List(Vec<Node>),
    Context(Vec<(String, Node)>),
    Range {
        start: Box<Node>,
        start_closed: bool,
        end: Box<Node>,
        end_closed: bool,
    },
    /// `(< x)`: a range unbounded on one side.
    UnaryRange(CompareOp, Box<Node>),
    Lambda(Arc<LambdaDef>),
    /// Evaluation fails with this error (a construct known at compile time to be unsupported).
    Fail(EvalErrorKind),
}

#[derive(Debug, Clone)]
pub(crate) enum CallArgs {
    Positional(Vec<Node>),
    Named(Vec<(String, Node)>),
}

#[derive(Debug, Clone)]
pub(crate) enum Source {
    Expr(Node),
    Range(Node, Node),
}

/// A compiled unary test.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Compare(CompareOp, Node),
    /// `literal`: the test is a plain literal (`5`, `"a"`, `true`), compared for equality.
    /// Other expressions follow feel-scala's rules, see `Evaluator::run_test`.
    Expr {
        node: Node,
        literal: bool,
    },
    Not(Vec<Test>),
    Any,
}

#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub params: Vec<String>,
    pub body: Node,
}

/// A function value: a built-in or a user-defined function with its captured scope.
#[derive(Clone)]
pub struct FunctionValue(pub(crate) Arc<FunctionKind>);

pub(crate) enum FunctionKind {
    Builtin(&'static str),
    Lambda {
        def: Arc<LambdaDef>,
        captured: Vec<Scope>,
    },
}

impl FunctionValue {
    /// Parameter names, if known.
    pub fn params(&self) -> Vec<String> {
        match &*self.0 {
            FunctionKind::Builtin(name) => crate::builtins::find(name)
                .first()
                .map(|b| b.params.iter().map(|p| p.to_string()).collect())
                .unwrap_or_default(),
            FunctionKind::Lambda { def, .. } => def.params.clone(),
        }
    }
}

impl PartialEq for FunctionValue {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for FunctionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            FunctionKind::Builtin(name) => write!(f, "function {name}"),
            FunctionKind::Lambda { def, .. } => {
                write!(f, "function({})", def.params.join(", "))
            }
        }
    }
}

/// A frame of local names.
#[derive(Clone)]
pub(crate) enum Scope {
    Binding(String, Value),
    /// All entries of a context are names (filter items, context literals under construction).
    Entries(Context),
}

/// The results of a `for` loop so far, with their total size in value nodes.
#[derive(Default)]
struct Partial {
    values: Vec<Value>,
    weight: u64,
}

/// The number of value nodes in `value`, counting at most to `cap` (iterative, so deep values
/// cannot exhaust the stack).
fn weight(value: &Value, cap: u64) -> u64 {
    let mut count = 0u64;
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        count += 1;
        if count >= cap {
            return cap;
        }
        match v {
            Value::List(items) => pending.extend(items.iter()),
            Value::Context(ctx) => pending.extend(ctx.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// Evaluation state for one `evaluate` call.
pub(crate) struct Evaluator<'c, 'v> {
    pub ctx: &'c EvalContext<'v>,
    scopes: Vec<Scope>,
    input: Option<Value>,
    /// Counter for deterministic `uuid()` / `random number()` within one evaluation.
    pub draws: u64,
    steps: u64,
    call_depth: usize,
    eval_depth: usize,
}

type Eval = Result<Value, EvalErrorKind>;

impl<'c, 'v> Evaluator<'c, 'v> {
    pub fn new(ctx: &'c EvalContext<'v>) -> Self {
        Evaluator {
            ctx,
            scopes: Vec::new(),
            input: None,
            draws: 0,
            steps: 0,
            call_depth: 0,
            eval_depth: 0,
        }
    }

    pub fn with_input(ctx: &'c EvalContext<'v>, input: Value) -> Self {
        let mut e = Self::new(ctx);
        e.input = Some(input);
        e
    }

    fn lookup(&self, name: &str) -> Value {
        for scope in self.scopes.iter().rev() {
            match scope {
                Scope::Binding(n, v) if n == name => return v.clone(),
                Scope::Entries(ctx) => {
                    if let Some(v) = ctx.get(name) {
                        return v.clone();
                    }
                }
                _ => {}
            }
        }
        self.ctx.variables.get(name).unwrap_or(Value::Null)
    }

    /// Evaluates a node. This is a thin dispatcher: the work happens in small helpers that are
    /// never inlined, so the stack frame per nesting level stays small (deeply nested input
    /// must not overflow the stack, even in unoptimized builds).
    pub fn eval(&mut self, node: &Node) -> Eval {
        if self.eval_depth >= MAX_EVAL_DEPTH {
            return Err(EvalErrorKind::LimitExceeded(format!(
                "the evaluation nested deeper than {MAX_EVAL_DEPTH} levels"
            )));
        }
        self.eval_depth += 1;
        let result = self.eval_node(node);
        self.eval_depth -= 1;
        result
    }

    fn eval_node(&mut self, node: &Node) -> Eval {
        match node {
            Node::Const(v) => Ok(v.clone()),
            Node::Global(_)
            | Node::GlobalOrBuiltin(_)
            | Node::GlobalPath(..)
            | Node::Name(_)
            | Node::Input => {
                if matches!(node, Node::Input) && self.input.is_none() {
                    return Err(EvalErrorKind::NoInputValue);
                }
                let value = self.eval_name(node);
                // Reading a name copies its value: charge the copy, so that expressions such as
                // `{a: [1], b: [a, a], c: [b, b], ...}` cannot grow exponentially.
                let budget = MAX_STEPS.saturating_sub(self.steps).saturating_add(1);
                self.step(weight(&value, budget))?;
                Ok(value)
            }
            Node::Path(target, key) => self.eval_path(target, key),
            Node::Filter(target, filter) => self.eval_filter(target, filter),
            Node::CallBuiltin(builtin, args) => self.eval_call_builtin(builtin, args),
            Node::CallValue(callee, args) => self.call_value(callee, args),
            Node::Neg(a) => self.eval_neg(a),
            Node::Add(a, b) => self.eval_binary(ops::add, a, b),
            Node::Sub(a, b) => self.eval_binary(ops::sub, a, b),
            Node::Mul(a, b) => self.eval_binary(ops::mul, a, b),
            Node::Div(a, b) => self.eval_binary(ops::div, a, b),
            Node::Pow(a, b) => self.eval_binary(ops::pow, a, b),
            Node::Compare(op, a, b) => self.eval_compare(*op, a, b),
            Node::And(a, b) => self.eval_and(a, b),
            Node::Or(a, b) => self.eval_or(a, b),
            Node::Between(x, low, high) => self.eval_between(x, low, high),
            Node::In(x, tests) => self.eval_in(x, tests),
            Node::InstanceOf(x, ty) => self.eval_instance_of(x, ty),
            Node::If(cond, then, otherwise) => self.eval_if(cond, then, otherwise),
            Node::For(iterations, body, uses_partial) => {
                self.for_loop(iterations, body, *uses_partial)
            }
            Node::Quantified(q, iterations, cond) => self.quantified(*q, iterations, cond),
            Node::List(items) => self.eval_list(items),
            Node::Context(entries) => self.eval_context(entries),
            Node::Range {
                start,
                start_closed,
                end,
                end_closed,
            } => self.eval_range(start, *start_closed, end, *end_closed),
            Node::UnaryRange(op, bound) => self.eval_unary_range(*op, bound),
            Node::Lambda(def) => Ok(self.make_lambda(def)),
            Node::Fail(kind) => Err(kind.clone()),
        }
    }

    #[inline(never)]
    fn eval_name(&mut self, node: &Node) -> Value {
        match node {
            Node::Global(name) => self.ctx.variables.get(name).unwrap_or(Value::Null),
            Node::GlobalOrBuiltin(name) => match self.ctx.variables.get(name) {
                Some(v) => v,
                None => Value::Function(FunctionValue(Arc::new(FunctionKind::Builtin(
                    crate::builtins::find(name).first().map_or("", |b| b.name),
                )))),
            },
            Node::GlobalPath(name, keys) => self
                .ctx
                .variables
                .get_path(name, keys)
                .unwrap_or(Value::Null),
            Node::Name(name) => self.lookup(name),
            Node::Input => self.input.clone().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    #[inline(never)]
    fn eval_path(&mut self, target: &Node, key: &str) -> Eval {
        let value = self.eval(target)?;
        Ok(path(value, key))
    }

    #[inline(never)]
    fn eval_filter(&mut self, target: &Node, filter: &Node) -> Eval {
        let value = self.eval(target)?;
        self.filter(value, filter)
    }

    #[inline(never)]
    fn eval_call_builtin(&mut self, builtin: &'static Builtin, args: &[Node]) -> Eval {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        if !builtin.variadic {
            builtin.coerce_singletons(&mut values);
        }
        (builtin.func)(values, self)
    }

    #[inline(never)]
    fn eval_neg(&mut self, a: &Node) -> Eval {
        Ok(ops::neg(&self.eval(a)?))
    }

    #[inline(never)]
    fn eval_binary(&mut self, op: fn(&Value, &Value) -> Value, a: &Node, b: &Node) -> Eval {
        let left = self.eval(a)?;
        let right = self.eval(b)?;
        Ok(op(&left, &right))
    }

    #[inline(never)]
    fn eval_compare(&mut self, op: CompareOp, a: &Node, b: &Node) -> Eval {
        let left = self.eval(a)?;
        let right = self.eval(b)?;
        Ok(compare(op, &left, &right))
    }

    #[inline(never)]
    fn eval_and(&mut self, a: &Node, b: &Node) -> Eval {
        let left = self.eval(a)?;
        if left == Value::Bool(false) {
            return Ok(left);
        }
        Ok(ops::and(&left, &self.eval(b)?))
    }

    #[inline(never)]
    fn eval_or(&mut self, a: &Node, b: &Node) -> Eval {
        let left = self.eval(a)?;
        if left == Value::Bool(true) {
            return Ok(left);
        }
        Ok(ops::or(&left, &self.eval(b)?))
    }

    #[inline(never)]
    fn eval_between(&mut self, x: &Node, low: &Node, high: &Node) -> Eval {
        let x = self.eval(x)?;
        let low = self.eval(low)?;
        let high = self.eval(high)?;
        Ok(ops::and(
            &compare(CompareOp::Ge, &x, &low),
            &compare(CompareOp::Le, &x, &high),
        ))
    }

    #[inline(never)]
    fn eval_in(&mut self, x: &Node, tests: &[Test]) -> Eval {
        let x = self.eval(x)?;
        self.run_tests(&x, tests)
    }

    #[inline(never)]
    fn eval_instance_of(&mut self, x: &Node, ty: &TypeRef) -> Eval {
        Ok(Value::Bool(instance_of(&self.eval(x)?, ty)))
    }

    #[inline(never)]
    fn eval_if(&mut self, cond: &Node, then: &Node, otherwise: &Node) -> Eval {
        if self.eval(cond)? == Value::Bool(true) {
            self.eval(then)
        } else {
            self.eval(otherwise)
        }
    }

    #[inline(never)]
    fn eval_list(&mut self, items: &[Node]) -> Eval {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            values.push(self.eval(item)?);
        }
        Ok(Value::List(values))
    }

    #[inline(never)]
    fn eval_context(&mut self, entries: &[(String, Node)]) -> Eval {
        // Later entries can refer to earlier ones.
        self.scopes.push(Scope::Entries(Context::new()));
        let mut result = Ok(());
        for (key, node) in entries {
            match self.eval(node) {
                Ok(v) => {
                    if let Some(Scope::Entries(ctx)) = self.scopes.last_mut() {
                        ctx.insert(key.clone(), v);
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let scope = self.scopes.pop();
        result?;
        Ok(match scope {
            Some(Scope::Entries(ctx)) => Value::Context(ctx),
            _ => Value::Null,
        })
    }

    #[inline(never)]
    fn eval_range(
        &mut self,
        start: &Node,
        start_closed: bool,
        end: &Node,
        end_closed: bool,
    ) -> Eval {
        let s = self.eval(start)?;
        let e = self.eval(end)?;
        Ok(make_range(s, start_closed, e, end_closed))
    }

    #[inline(never)]
    fn eval_unary_range(&mut self, op: CompareOp, bound: &Node) -> Eval {
        let value = self.eval(bound)?;
        let (start, end) = match op {
            CompareOp::Lt => (RangeBound::Unbounded, RangeBound::Open(value)),
            CompareOp::Le => (RangeBound::Unbounded, RangeBound::Closed(value)),
            CompareOp::Gt => (RangeBound::Open(value), RangeBound::Unbounded),
            _ => (RangeBound::Closed(value), RangeBound::Unbounded),
        };
        Ok(Value::Range(Box::new(Range { start, end })))
    }

    fn make_lambda(&self, def: &Arc<LambdaDef>) -> Value {
        Value::Function(FunctionValue(Arc::new(FunctionKind::Lambda {
            def: def.clone(),
            captured: self.scopes.clone(),
        })))
    }

    fn call_value(&mut self, callee: &Node, args: &CallArgs) -> Eval {
        let function = self.eval(callee)?;
        let Value::Function(function) = function else {
            // feel-scala: invoking something that is not a function yields null.
            return Ok(Value::Null);
        };
        match &*function.0 {
            FunctionKind::Builtin(name) => {
                let values = match args {
                    CallArgs::Positional(nodes) => {
                        let mut values = Vec::with_capacity(nodes.len());
                        for n in nodes {
                            values.push(self.eval(n)?);
                        }
                        values
                    }
                    CallArgs::Named(_) => return Ok(Value::Null),
                };
                self.call_builtin_by_name(name, values)
            }
            FunctionKind::Lambda { def, .. } => {
                let mut values = vec![Value::Null; def.params.len()];
                match args {
                    CallArgs::Positional(nodes) => {
                        if nodes.len() != def.params.len() {
                            return Ok(Value::Null);
                        }
                        for (slot, n) in values.iter_mut().zip(nodes) {
                            *slot = self.eval(n)?;
                        }
                    }
                    CallArgs::Named(named) => {
                        for (name, n) in named {
                            let Some(i) = def.params.iter().position(|p| p == name) else {
                                return Ok(Value::Null);
                            };
                            values[i] = self.eval(n)?;
                        }
                    }
                }
                self.call_function(&function, values)
            }
        }
    }

    fn call_builtin_by_name(&mut self, name: &str, values: Vec<Value>) -> Eval {
        let candidates = crate::builtins::find(name);
        match candidates.iter().find(|b| b.accepts(values.len())) {
            Some(b) => (b.func)(values, self),
            None => Ok(Value::Null),
        }
    }

    /// Invokes a function value with positional arguments (used by `sort` and friends).
    /// Accounts for `n` units of work; fails once the evaluation exceeds [`MAX_STEPS`].
    fn step(&mut self, n: u64) -> Result<(), EvalErrorKind> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            return Err(EvalErrorKind::LimitExceeded(format!(
                "the evaluation exceeded {MAX_STEPS} steps"
            )));
        }
        Ok(())
    }

    pub fn call_function(&mut self, function: &FunctionValue, args: Vec<Value>) -> Eval {
        self.step(1)?;
        if self.call_depth >= MAX_CALL_DEPTH {
            return Err(EvalErrorKind::LimitExceeded(format!(
                "function calls nested deeper than {MAX_CALL_DEPTH}"
            )));
        }
        self.call_depth += 1;
        let result = self.call_function_inner(function, args);
        self.call_depth -= 1;
        result
    }

    fn call_function_inner(&mut self, function: &FunctionValue, args: Vec<Value>) -> Eval {
        match &*function.0 {
            FunctionKind::Builtin(name) => self.call_builtin_by_name(name, args),
            FunctionKind::Lambda { def, captured } => {
                if args.len() != def.params.len() {
                    return Ok(Value::Null);
                }
                let saved = std::mem::replace(&mut self.scopes, captured.clone());
                for (name, value) in def.params.iter().zip(args) {
                    self.scopes.push(Scope::Binding(name.clone(), value));
                }
                let result = self.eval(&def.body);
                self.scopes = saved;
                result
            }
        }
    }

    fn filter(&mut self, value: Value, filter: &Node) -> Eval {
        let items = match value {
            Value::List(items) => items,
            Value::Null => return Ok(Value::Null),
            other => vec![other],
        };
        if let Node::Const(Value::Number(n)) = filter {
            return Ok(index(items, n));
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            self.step(1)?;
            let scope_count = self.push_item(item);
            let result = self.eval(filter);
            self.scopes.truncate(self.scopes.len() - scope_count);
            match result? {
                // A numeric filter selects by index (evaluated per item, as in `list[n]`).
                Value::Number(n) if i == 0 => return Ok(index(items, &n)),
                Value::Bool(true) => out.push(item.clone()),
                _ => {}
            }
        }
        Ok(Value::List(out))
    }

    /// Binds `item` and, for context items, each entry. Returns the number of scopes pushed.
    fn push_item(&mut self, item: &Value) -> usize {
        self.scopes
            .push(Scope::Binding("item".to_string(), item.clone()));
        if let Value::Context(ctx) = item {
            self.scopes.push(Scope::Entries(ctx.clone()));
            2
        } else {
            1
        }
    }

    fn source_items(&mut self, source: &Source) -> Result<Option<Vec<Value>>, EvalErrorKind> {
        match source {
            Source::Expr(node) => Ok(match self.eval(node)? {
                Value::List(items) => Some(items),
                // A range value is not an iteration domain (feel-scala, DMN); `a..b` is.
                Value::Range(_) | Value::Null => None,
                other => Some(vec![other]),
            }),
            Source::Range(start, end) => {
                let start = self.eval(start)?;
                let end = self.eval(end)?;
                match (start, end) {
                    (Value::Number(s), Value::Number(e)) => numeric_range(s, e),
                    (Value::Date(s), Value::Date(e)) => date_range(s, e),
                    _ => Ok(None),
                }
            }
        }
    }

    fn for_loop(
        &mut self,
        iterations: &[(String, Source)],
        body: &Node,
        uses_partial: bool,
    ) -> Eval {
        let mut results = Partial::default();
        let base = self.scopes.len();
        let outcome = self.for_level(iterations, body, uses_partial, &mut results);
        self.scopes.truncate(base);
        Ok(match outcome? {
            true => Value::List(results.values),
            false => Value::Null,
        })
    }

    /// Returns false if an iteration source was not a list (the result is then null).
    fn for_level(
        &mut self,
        iterations: &[(String, Source)],
        body: &Node,
        uses_partial: bool,
        results: &mut Partial,
    ) -> Result<bool, EvalErrorKind> {
        let Some(((name, source), rest)) = iterations.split_first() else {
            self.step(1)?;
            if !uses_partial {
                let value = self.eval(body)?;
                results.values.push(value);
                return Ok(true);
            }
            // Binding `partial` copies everything produced so far; charge that copy so that
            // self-referencing loops (`return partial`) cannot grow exponentially.
            self.step(results.weight)?;
            self.scopes.push(Scope::Binding(
                "partial".into(),
                Value::List(results.values.clone()),
            ));
            let value = self.eval(body);
            self.scopes.pop();
            let value = value?;
            results.weight = results
                .weight
                .saturating_add(weight(&value, MAX_STEPS.saturating_add(1)));
            results.values.push(value);
            return Ok(true);
        };
        let Some(items) = self.source_items(source)? else {
            return Ok(false);
        };
        for item in items {
            self.scopes.push(Scope::Binding(name.clone(), item));
            let ok = self.for_level(rest, body, uses_partial, results);
            self.scopes.pop();
            if !ok? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn quantified(&mut self, q: Quantifier, iterations: &[(String, Source)], cond: &Node) -> Eval {
        let base = self.scopes.len();
        let mut outcomes = Vec::new();
        let ok = self.quantified_level(iterations, cond, &mut outcomes);
        self.scopes.truncate(base);
        if !ok? {
            return Ok(Value::Null);
        }
        // As feel-scala: a decisive answer wins, otherwise a non-boolean outcome makes it null.
        let (decisive, fallback) = match q {
            Quantifier::Some => (true, false),
            Quantifier::Every => (false, true),
        };
        if outcomes.contains(&Value::Bool(decisive)) {
            return Ok(Value::Bool(decisive));
        }
        if outcomes.iter().any(|v| !matches!(v, Value::Bool(_))) {
            return Ok(Value::Null);
        }
        Ok(Value::Bool(fallback))
    }

    fn quantified_level(
        &mut self,
        iterations: &[(String, Source)],
        cond: &Node,
        outcomes: &mut Vec<Value>,
    ) -> Result<bool, EvalErrorKind> {
        let Some(((name, source), rest)) = iterations.split_first() else {
            self.step(1)?;
            outcomes.push(self.eval(cond)?);
            return Ok(true);
        };
        let Some(items) = self.source_items(source)? else {
            return Ok(false);
        };
        for item in items {
            self.scopes.push(Scope::Binding(name.clone(), item));
            let ok = self.quantified_level(rest, cond, outcomes);
            self.scopes.pop();
            if !ok? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Evaluates unary tests against `input`: true if any test matches, null if none matches
    /// but some could not be decided.
    pub fn run_tests(&mut self, input: &Value, tests: &[Test]) -> Eval {
        let mut undecided = false;
        for test in tests {
            match self.run_test(input, test)? {
                Value::Bool(true) => return Ok(Value::Bool(true)),
                Value::Bool(false) => {}
                _ => undecided = true,
            }
        }
        Ok(if undecided {
            Value::Null
        } else {
            Value::Bool(false)
        })
    }

    fn run_test(&mut self, input: &Value, test: &Test) -> Eval {
        Ok(match test {
            Test::Any => Value::Bool(true),
            Test::Compare(op, node) => {
                let operand = self.eval(node)?;
                compare(*op, input, &operand)
            }
            Test::Not(tests) => match self.run_tests(input, tests)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            Test::Expr { node, literal } => {
                let saved = self.input.replace(input.clone());
                let value = self.eval(node);
                self.input = saved;
                let value = value?;
                if *literal {
                    return Ok(ops::equals(input, &value).map_or(Value::Null, Value::Bool));
                }
                // feel-scala's unary-test expression: `true` matches (the expression is a
                // condition such as `? > 5` or `x < 10`), ranges and lists test membership,
                // anything else is compared with the input.
                match value {
                    Value::Bool(true) => Value::Bool(true),
                    Value::Range(range) => {
                        ops::in_range(input, &range).map_or(Value::Null, Value::Bool)
                    }
                    // A list matches if one element is (or, for ranges, contains) the input, or
                    // if the input is that very list.
                    Value::List(items) => {
                        let found = items.iter().any(|item| match item {
                            Value::Range(range) => ops::in_range(input, range) == Some(true),
                            other => ops::equals(input, other) == Some(true),
                        });
                        Value::Bool(
                            found || ops::equals(input, &Value::List(items.clone())) == Some(true),
                        )
                    }
                    other => match ops::equals(input, &other) {
                        Some(true) => Value::Bool(true),
                        _ if other == Value::Bool(false) => Value::Bool(false),
                        Some(false) => Value::Bool(false),
                        None => Value::Null,
                    },
                }
            }
        })
    }
}

/// Reads `key` from a value: context entry, element-wise on lists, or a property of a
/// temporal value or range. Anything else is null.
pub(crate) fn path(value: Value, key: &str) -> Value {
    match value {
        Value::Context(mut ctx) => ctx.take(key).unwrap_or(Value::Null),
        Value::List(items) => Value::List(items.into_iter().map(|item| path(item, key)).collect()),
        Value::Range(range) => match key {
            "start" => range.start.value().cloned().unwrap_or(Value::Null),
            "end" => range.end.value().cloned().unwrap_or(Value::Null),
            "start included" => Value::Bool(range.start.is_closed()),
            "end included" => Value::Bool(range.end.is_closed()),
            _ => Value::Null,
        },
        other => crate::temporal::property(&other, key).unwrap_or(Value::Null),
    }
}

/// 1-based index; negative counts from the end; out of range is null.
fn index(items: Vec<Value>, n: &Number) -> Value {
    let Some(i) = n.trunc_i64() else {
        return Value::Null;
    };
    let len = items.len() as i64;
    let position = if i > 0 { i - 1 } else { len + i };
    if i == 0 || position < 0 || position >= len {
        return Value::Null;
    }
    items
        .into_iter()
        .nth(position as usize)
        .unwrap_or(Value::Null)
}

pub(crate) fn compare(op: CompareOp, a: &Value, b: &Value) -> Value {
    let result = match op {
        CompareOp::Eq => ops::equals(a, b),
        CompareOp::NotEq => ops::equals(a, b).map(|x| !x),
        CompareOp::Lt => ops::compare(a, b).map(|o| o == Ordering::Less),
        CompareOp::Le => ops::compare(a, b).map(|o| o != Ordering::Greater),
        CompareOp::Gt => ops::compare(a, b).map(|o| o == Ordering::Greater),
        CompareOp::Ge => ops::compare(a, b).map(|o| o != Ordering::Less),
    };
    result.map_or(Value::Null, Value::Bool)
}

fn make_range(start: Value, start_closed: bool, end: Value, end_closed: bool) -> Value {
    // Both ends must be comparable with each other. A `null` end point is kept as a value (it
    // makes membership undecidable); only `< x`-style ranges are unbounded.
    if !start.is_null() && !end.is_null() && ops::compare(&start, &end).is_none() {
        return Value::Null;
    }
    let bound = |v: Value, closed: bool| {
        if closed {
            RangeBound::Closed(v)
        } else {
            RangeBound::Open(v)
        }
    };
    Value::Range(Box::new(Range {
        start: bound(start, start_closed),
        end: bound(end, end_closed),
    }))
}

fn numeric_range(start: Number, end: Number) -> Result<Option<Vec<Value>>, EvalErrorKind> {
    let (Some(s), Some(e)) = (start.trunc_i64(), end.trunc_i64()) else {
        return Ok(None);
    };
    if (e - s).abs() >= MAX_RANGE_ITERATION {
        return Err(EvalErrorKind::LimitExceeded(format!(
            "the range {s}..{e} has more than {MAX_RANGE_ITERATION} elements"
        )));
    }
    Ok(Some(if s <= e {
        (s..=e).map(Value::number).collect()
    } else {
        (e..=s).rev().map(Value::number).collect()
    }))
}

/// The days from `start` to `end` (either direction), inclusive.
fn date_range(
    start: crate::temporal::Date,
    end: crate::temporal::Date,
) -> Result<Option<Vec<Value>>, EvalErrorKind> {
    let (s, e) = (start.epoch_days(), end.epoch_days());
    if (e - s).abs() >= MAX_RANGE_ITERATION {
        return Err(EvalErrorKind::LimitExceeded(format!(
            "the range {start}..{end} has more than {MAX_RANGE_ITERATION} elements"
        )));
    }
    let days: Vec<i64> = if s <= e {
        (s..=e).collect()
    } else {
        (e..=s).rev().collect()
    };
    Ok(Some(
        days.into_iter()
            .filter_map(crate::temporal::Date::from_epoch_days)
            .map(Value::Date)
            .collect(),
    ))
}

/// `value instance of ty`
pub(crate) fn instance_of(value: &Value, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(name) => match name.as_str() {
            "Any" => !value.is_null(),
            "Null" | "null" => value.is_null(),
            "number" => matches!(value, Value::Number(_)),
            "string" => matches!(value, Value::String(_)),
            "boolean" => matches!(value, Value::Bool(_)),
            "date" => matches!(value, Value::Date(_)),
            "time" => matches!(value, Value::Time(_) | Value::LocalTime(_)),
            "date and time" | "date time" => {
                matches!(value, Value::DateTime(_) | Value::LocalDateTime(_))
            }
            "days and time duration" | "day-time-duration" | "dayTimeDuration" => {
                matches!(value, Value::DayTimeDuration(_))
            }
            "years and months duration" | "year-month-duration" | "yearMonthDuration" => {
                matches!(value, Value::YearMonthDuration(_))
            }
            "list" => matches!(value, Value::List(_)),
            "context" => matches!(value, Value::Context(_)),
            "range" => matches!(value, Value::Range(_)),
            "function" => matches!(value, Value::Function(_)),
            _ => false,
        },
        TypeRef::List(item) => match value {
            Value::List(items) => items.iter().all(|i| i.is_null() || instance_of(i, item)),
            _ => false,
        },
        TypeRef::Context(entries) => match value {
            Value::Context(ctx) => entries
                .iter()
                .all(|(k, t)| ctx.get(k).is_some_and(|v| v.is_null() || instance_of(v, t))),
            _ => false,
        },
        TypeRef::Range(item) => match value {
            Value::Range(r) => [r.start.value(), r.end.value()]
                .into_iter()
                .flatten()
                .all(|v| instance_of(v, item)),
            _ => false,
        },
        TypeRef::Function(..) => matches!(value, Value::Function(_)),
    }
}
