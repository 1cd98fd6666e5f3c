//! Evaluation of the decision requirements graph and of boxed expressions.
//!
//! A decision sees its required input data (coerced to their types), the outputs of its
//! required decisions (evaluated first, each once), every business knowledge model of the
//! model as a function, and, beneath those, the caller's variables.

use crate::decision_table;
use crate::error::DmnError;
use crate::feel_text::EvalSettings;
use crate::model::*;
use crate::result::{EvaluatedDecision, EvaluatedInput, MatchedRule};
use crate::scope::Scope;
use hornet_feel::{Context, Value, Variables};
use std::collections::BTreeMap;

/// Limit on nested invocations, against runaway recursion in BKMs.
const MAX_DEPTH: usize = 64;

/// Details of a decision table evaluation, reported for the decision that owns the table.
#[derive(Default)]
pub(crate) struct TableDetails {
    pub inputs: Vec<EvaluatedInput>,
    pub matched_rules: Vec<MatchedRule>,
}

pub(crate) struct Evaluator<'d> {
    pub defs: &'d Definitions,
    pub settings: EvalSettings,
    results: Vec<Option<Value>>,
    in_progress: Vec<bool>,
    /// Decision values supplied from outside (decision service input decisions), by id.
    overrides: BTreeMap<String, Value>,
    pub evaluated: Vec<EvaluatedDecision>,
    functions: Option<Context>,
    depth: usize,
}

impl<'d> Evaluator<'d> {
    pub fn new(defs: &'d Definitions, settings: EvalSettings) -> Self {
        Evaluator {
            defs,
            settings,
            results: vec![None; defs.decisions.len()],
            in_progress: vec![false; defs.decisions.len()],
            overrides: BTreeMap::new(),
            evaluated: Vec::new(),
            functions: None,
            depth: 0,
        }
    }

    pub fn set_override(&mut self, decision_id: &str, value: Value) {
        self.overrides.insert(decision_id.to_string(), value);
    }

    /// BKMs of the model as FEEL function values, by name.
    fn functions(&mut self) -> Context {
        if let Some(f) = &self.functions {
            return f.clone();
        }
        let mut functions = Context::new();
        for bkm in &self.defs.bkms {
            let Some(feel) = bkm.logic.as_ref().and_then(|l| l.as_feel.as_ref()) else {
                continue;
            };
            if let Ok(value) = feel.evaluate(&hornet_feel::EmptyVariables, self.settings) {
                functions.insert(bkm.name.clone(), value);
            }
        }
        for service in &self.defs.decision_services {
            let Some(feel) = &service.as_feel else {
                continue;
            };
            if let Ok(value) = feel.evaluate(&hornet_feel::EmptyVariables, self.settings) {
                functions.insert(service.name.clone(), value);
            }
        }
        self.functions = Some(functions.clone());
        functions
    }

    /// Evaluates the decision at `index` (once) and returns its output.
    pub fn decision(
        &mut self,
        index: usize,
        variables: &dyn Variables,
    ) -> Result<Value, (String, DmnError)> {
        let defs = self.defs;
        let decision = &defs.decisions[index];
        if let Some(v) = &self.results[index] {
            return Ok(v.clone());
        }
        if let Some(v) = self.overrides.get(&decision.id) {
            let v = defs.coerce(v.clone(), decision.type_ref.as_ref(), self.settings);
            self.results[index] = Some(v.clone());
            return Ok(v);
        }
        if self.in_progress[index] {
            return Err((
                decision.id.clone(),
                DmnError::Cycle {
                    decision_id: decision.id.clone(),
                },
            ));
        }
        self.in_progress[index] = true;
        let mut locals = self.functions();
        for required in &decision.required_decisions {
            let Some(ri) = defs.decisions.iter().position(|d| &d.id == required) else {
                return Err((
                    decision.id.clone(),
                    DmnError::Model {
                        element_id: decision.id.clone(),
                        line: decision.line,
                        message: format!("required decision '{required}' does not exist"),
                    },
                ));
            };
            let value = self.decision(ri, variables)?;
            locals.insert(defs.decisions[ri].name.clone(), value);
        }
        for required in &decision.required_inputs {
            if let Some(input) = defs.input_data.iter().find(|i| &i.id == required) {
                let value = variables.get(&input.name).unwrap_or(Value::Null);
                let value = defs.coerce(value, input.type_ref.as_ref(), self.settings);
                locals.insert(input.name.clone(), value);
            }
        }
        let scope = Scope {
            parent: variables,
            locals: &locals,
        };
        let mut details = TableDetails::default();
        let output = match &decision.logic {
            Some(BoxedExpression::DecisionTable(table)) => {
                decision_table::evaluate(self, table, &scope, &mut details)
            }
            Some(logic) => self.boxed(logic, &scope),
            None => Err(DmnError::Model {
                element_id: decision.id.clone(),
                line: decision.line,
                message: "decision has no decision logic".into(),
            }),
        };
        self.in_progress[index] = false;
        let output = output.map_err(|e| (decision.id.clone(), e))?;
        let output = defs.coerce(output, decision.type_ref.as_ref(), self.settings);
        self.results[index] = Some(output.clone());
        self.evaluated.push(EvaluatedDecision {
            decision_id: decision.id.clone(),
            decision_name: decision.name.clone(),
            decision_type: decision.decision_type(),
            output: output.clone(),
            inputs: details.inputs,
            matched_rules: details.matched_rules,
        });
        Ok(output)
    }

    /// Evaluates a boxed expression in `vars`.
    pub fn boxed(
        &mut self,
        expr: &BoxedExpression,
        vars: &dyn Variables,
    ) -> Result<Value, DmnError> {
        let defs = self.defs;
        let settings = self.settings;
        let value = match expr {
            BoxedExpression::Literal(l) => {
                let v = match &l.expr {
                    Some(e) => e.evaluate(vars, settings)?,
                    None => Value::Null,
                };
                return Ok(defs.coerce(v, l.info.type_ref.as_ref(), settings));
            }
            BoxedExpression::Context(c) => {
                let mut locals = Context::new();
                let mut result = None;
                for entry in &c.entries {
                    let value = {
                        let scope = Scope {
                            parent: vars,
                            locals: &locals,
                        };
                        self.boxed(&entry.value, &scope)?
                    };
                    let value = defs.coerce(value, entry.type_ref.as_ref(), settings);
                    match &entry.name {
                        Some(name) => locals.insert(name.clone(), value),
                        None => result = Some(value),
                    }
                }
                result.unwrap_or(Value::Context(locals))
            }
            BoxedExpression::DecisionTable(t) => {
                decision_table::evaluate(self, t, vars, &mut TableDetails::default())?
            }
            BoxedExpression::Invocation(i) => self.invocation(i, vars)?,
            BoxedExpression::List(l) => {
                let mut items = Vec::with_capacity(l.items.len());
                for item in &l.items {
                    items.push(self.boxed(item, vars)?);
                }
                Value::List(items)
            }
            BoxedExpression::Relation(r) => {
                let mut rows = Vec::with_capacity(r.rows.len());
                for row in &r.rows {
                    let mut ctx = Context::new();
                    for (column, cell) in r.columns.iter().zip(row) {
                        ctx.insert(column.clone(), self.boxed(cell, vars)?);
                    }
                    rows.push(Value::Context(ctx));
                }
                Value::List(rows)
            }
            BoxedExpression::FunctionDefinition(f) => match &f.as_feel {
                Some(feel) => feel.evaluate(vars, settings)?,
                None => {
                    return Err(DmnError::Unsupported {
                        element_id: f.info.id.clone(),
                        feature: unsupported_function_feature(f),
                    })
                }
            },
            // A condition that is neither boolean nor null yields null (DMN 1.5, 10.2.2.13).
            BoxedExpression::Conditional(c) => match self.boxed(&c.condition, vars)? {
                Value::Bool(true) => self.boxed(&c.then, vars)?,
                Value::Bool(false) | Value::Null => self.boxed(&c.otherwise, vars)?,
                _ => Value::Null,
            },
            BoxedExpression::Filter(f) => {
                let items = match self.boxed(&f.source, vars)? {
                    Value::List(items) => items,
                    Value::Null => return Ok(Value::Null),
                    other => vec![other],
                };
                let mut out = Vec::new();
                for item in items {
                    let mut locals = match &item {
                        Value::Context(ctx) => ctx.clone(),
                        _ => Context::new(),
                    };
                    locals.insert("item", item.clone());
                    let scope = Scope {
                        parent: vars,
                        locals: &locals,
                    };
                    match self.boxed(&f.condition, &scope)? {
                        Value::Bool(true) => out.push(item),
                        Value::Bool(false) | Value::Null => {}
                        // A non-boolean match makes the whole filter null.
                        _ => return Ok(Value::Null),
                    }
                }
                Value::List(out)
            }
            BoxedExpression::Iterator(it) => self.iterator(it, vars)?,
        };
        Ok(defs.coerce(value, expr_info(expr).type_ref.as_ref(), settings))
    }

    fn iterator(&mut self, it: &Iterator, vars: &dyn Variables) -> Result<Value, DmnError> {
        let items = match self.boxed(&it.source, vars)? {
            Value::List(items) => items,
            Value::Null => return Ok(Value::Null),
            other => vec![other],
        };
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            let mut locals = Context::new();
            locals.insert(it.variable.clone(), item);
            if it.kind == IteratorKind::For {
                locals.insert("partial", Value::List(results.clone()));
            }
            let scope = Scope {
                parent: vars,
                locals: &locals,
            };
            results.push(self.boxed(&it.body, &scope)?);
        }
        if it.kind != IteratorKind::For && results.iter().any(|v| !matches!(v, Value::Bool(_))) {
            // `satisfies` must be boolean for every item, else the result is null.
            return Ok(Value::Null);
        }
        Ok(match it.kind {
            IteratorKind::For => Value::List(results),
            IteratorKind::Some => Value::Bool(results.contains(&Value::Bool(true))),
            IteratorKind::Every => Value::Bool(results.iter().all(|v| *v == Value::Bool(true))),
        })
    }

    fn invocation(&mut self, i: &Invocation, vars: &dyn Variables) -> Result<Value, DmnError> {
        let mut args = Vec::with_capacity(i.bindings.len());
        for b in &i.bindings {
            let value = match &b.value {
                Some(v) => self.boxed(v, vars)?,
                None => Value::Null,
            };
            args.push((b.parameter.clone(), value));
        }
        let defs = self.defs;
        if let Some(bkm) = defs.bkms.iter().find(|b| b.name == i.callee) {
            return self.invoke_bkm(bkm, &args, vars);
        }
        if let Some(service) = defs.decision_services.iter().find(|s| s.name == i.callee) {
            let params: Context = args.into_iter().collect();
            return self.defs.service_output(service, &params, self.settings);
        }
        self.invoke_feel_function(i, &args, vars)
    }

    /// Calls a function value in scope (e.g. a function defined in a context entry).
    fn invoke_feel_function(
        &mut self,
        i: &Invocation,
        args: &[(String, Value)],
        vars: &dyn Variables,
    ) -> Result<Value, DmnError> {
        let mut locals = Context::new();
        let mut named = Vec::new();
        for (n, (name, value)) in args.iter().enumerate() {
            let slot = format!("__dmn_arg_{n}");
            named.push(format!("`{name}`: {slot}"));
            locals.insert(slot, value.clone());
        }
        let source = format!("`{}`({})", i.callee.replace('`', ""), named.join(", "));
        let expr = crate::feel_text::FeelExpr::compile(
            &source,
            &crate::feel_text::Names::default(),
            &i.info.id,
            i.info.line,
        );
        let scope = Scope {
            parent: vars,
            locals: &locals,
        };
        expr.evaluate(&scope, self.settings)
    }

    /// Invokes a business knowledge model with arguments by parameter name.
    pub fn invoke_bkm(
        &mut self,
        bkm: &BusinessKnowledgeModel,
        args: &[(String, Value)],
        vars: &dyn Variables,
    ) -> Result<Value, DmnError> {
        let logic = bkm.logic.as_ref().ok_or_else(|| DmnError::Evaluation {
            element_id: bkm.id.clone(),
            message: "business knowledge model has no encapsulated logic".into(),
        })?;
        if logic.kind != FunctionKind::Feel {
            return Err(DmnError::Unsupported {
                element_id: bkm.id.clone(),
                feature: unsupported_function_feature(logic),
            });
        }
        let Some(body) = &logic.body else {
            return Ok(Value::Null);
        };
        if self.depth >= MAX_DEPTH {
            return Err(DmnError::Evaluation {
                element_id: bkm.id.clone(),
                message: format!("invocations nested deeper than {MAX_DEPTH}"),
            });
        }
        let mut locals = self.functions();
        for p in &logic.parameters {
            let value = args
                .iter()
                .find(|(n, _)| n == &p.name)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            let was_null = value.is_null();
            let value = self.defs.coerce(value, p.type_ref.as_ref(), self.settings);
            // An argument that does not conform to its parameter's type makes the invocation
            // null (DMN 1.5, 10.3.2.9.4), rather than running the body with a null argument.
            if value.is_null() && !was_null {
                return Ok(Value::Null);
            }
            locals.insert(p.name.clone(), value);
        }
        let scope = Scope {
            parent: vars,
            locals: &locals,
        };
        self.depth += 1;
        let result = self.boxed(body, &scope);
        self.depth -= 1;
        result
    }
}

fn unsupported_function_feature(f: &FunctionDefinition) -> String {
    match f.kind {
        FunctionKind::Java => "Java functions".into(),
        FunctionKind::Pmml => "PMML functions".into(),
        FunctionKind::Feel => {
            "a function whose body (a decision table) has no FEEL form as a value".into()
        }
    }
}

pub(crate) fn expr_info(expr: &BoxedExpression) -> &ExprInfo {
    match expr {
        BoxedExpression::Literal(x) => &x.info,
        BoxedExpression::Context(x) => &x.info,
        BoxedExpression::DecisionTable(x) => &x.info,
        BoxedExpression::Invocation(x) => &x.info,
        BoxedExpression::List(x) => &x.info,
        BoxedExpression::Relation(x) => &x.info,
        BoxedExpression::FunctionDefinition(x) => &x.info,
        BoxedExpression::Conditional(x) => &x.info,
        BoxedExpression::Filter(x) => &x.info,
        BoxedExpression::Iterator(x) => &x.info,
    }
}

impl Definitions {
    /// Evaluates a decision service with parameters (input decisions and input data) by name;
    /// a service with one output decision returns its value, otherwise a context of outputs.
    pub(crate) fn service_output(
        &self,
        service: &DecisionService,
        params: &dyn Variables,
        settings: EvalSettings,
    ) -> Result<Value, DmnError> {
        let mut ev = Evaluator::new(self, settings);
        for id in &service.input_decisions {
            if let Some(d) = self.decisions.iter().find(|d| &d.id == id) {
                ev.set_override(id, params.get(&d.name).unwrap_or(Value::Null));
            }
        }
        // Only the service's inputs are visible inside it.
        let mut inputs = Context::new();
        for id in &service.input_data {
            if let Some(i) = self.input_data.iter().find(|i| &i.id == id) {
                inputs.insert(i.name.clone(), params.get(&i.name).unwrap_or(Value::Null));
            }
        }
        let mut outputs = Context::new();
        for id in &service.output_decisions {
            let index = self
                .decisions
                .iter()
                .position(|d| &d.id == id)
                .ok_or_else(|| DmnError::Model {
                    element_id: service.id.clone(),
                    line: service.line,
                    message: format!("output decision '{id}' does not exist"),
                })?;
            let value = ev.decision(index, &inputs).map_err(|(_, e)| e)?;
            outputs.insert(self.decisions[index].name.clone(), value);
        }
        if outputs.len() == 1 {
            return Ok(outputs
                .into_entries()
                .next()
                .map_or(Value::Null, |(_, v)| v));
        }
        Ok(Value::Context(outputs))
    }
}
