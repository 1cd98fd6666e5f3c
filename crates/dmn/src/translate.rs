//! Boxed expressions written as FEEL text, so that a business knowledge model or a function
//! definition can become a FEEL function value that literal expressions call by name.
//!
//! hornet_feel has no way to wrap native code in a function value, so a function whose body is
//! a decision table (or a Java/PMML function) has no FEEL form and is only callable through
//! boxed invocations, which the DMN evaluator handles itself.

use crate::model::{BoxedExpression, IteratorKind, Parameter};

/// `function(a, b) body`, with the names as they appear in the model (quoting is applied when
/// the text is compiled).
pub(crate) fn function(parameters: &[Parameter], body: &BoxedExpression) -> Option<String> {
    let params: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
    Some(format!("function({}) {}", params.join(", "), expr(body)?))
}

fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

/// The FEEL text of a boxed expression, parenthesized; `None` if it has no FEEL form.
pub(crate) fn expr(body: &BoxedExpression) -> Option<String> {
    Some(match body {
        // The newline ends a trailing `//` comment before the closing parenthesis.
        BoxedExpression::Literal(l) => match &l.expr {
            Some(e) => format!("({}\n)", e.source),
            None => "null".to_string(),
        },
        BoxedExpression::Context(c) => {
            let mut entries = Vec::new();
            let mut result = None;
            for entry in &c.entries {
                let value = expr(&entry.value)?;
                match &entry.name {
                    Some(name) => entries.push(format!("{}: {value}", string_literal(name))),
                    None => result = Some(value),
                }
            }
            match result {
                // The final result entry may use all named entries; a key that cannot clash
                // with a DMN name holds it.
                Some(r) => {
                    entries.push(format!("\"{RESULT_KEY}\": {r}"));
                    format!("({{{}}}.{RESULT_KEY})", entries.join(", "))
                }
                None => format!("{{{}}}", entries.join(", ")),
            }
        }
        BoxedExpression::List(l) => {
            let items: Option<Vec<String>> = l.items.iter().map(expr).collect();
            format!("[{}]", items?.join(", "))
        }
        BoxedExpression::Relation(r) => {
            let mut rows = Vec::new();
            for row in &r.rows {
                let mut cells = Vec::new();
                for (column, cell) in r.columns.iter().zip(row) {
                    cells.push(format!("{}: {}", string_literal(column), expr(cell)?));
                }
                rows.push(format!("{{{}}}", cells.join(", ")));
            }
            format!("[{}]", rows.join(", "))
        }
        BoxedExpression::FunctionDefinition(f) => match (&f.kind, &f.body) {
            (crate::model::FunctionKind::Feel, Some(body)) => {
                format!("({})", function(&f.parameters, body)?)
            }
            _ => return None,
        },
        BoxedExpression::Invocation(i) => {
            let mut args = Vec::new();
            for b in &i.bindings {
                let value = match &b.value {
                    Some(v) => expr(v)?,
                    None => "null".to_string(),
                };
                args.push(format!("{}: {value}", b.parameter));
            }
            format!("{}({})", i.callee, args.join(", "))
        }
        BoxedExpression::Conditional(c) => format!(
            "(if {} then {} else {})",
            expr(&c.condition)?,
            expr(&c.then)?,
            expr(&c.otherwise)?
        ),
        BoxedExpression::Filter(f) => format!("({}[{}])", expr(&f.source)?, expr(&f.condition)?),
        BoxedExpression::Iterator(it) => {
            let keyword = match it.kind {
                IteratorKind::For => "for",
                IteratorKind::Some => "some",
                IteratorKind::Every => "every",
            };
            let joint = match it.kind {
                IteratorKind::For => "return",
                _ => "satisfies",
            };
            format!(
                "({keyword} {} in {} {joint} {})",
                it.variable,
                expr(&it.source)?,
                expr(&it.body)?
            )
        }
        BoxedExpression::DecisionTable(_) => return None,
    })
}

/// Context key holding the final result entry of a context translated to FEEL.
const RESULT_KEY: &str = "__dmn_context_result__";
