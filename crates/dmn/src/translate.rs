//! Boxed expressions written as FEEL text, so that a business knowledge model or a function
//! definition can become a FEEL function value that literal expressions call by name.
//!
//! hornet_feel has no way to wrap native code in a function value, so every body is written as
//! FEEL; decision tables become a FEEL context that applies the hit policy. Bodies without a
//! FEEL form (PRIORITY/OUTPUT ORDER tables, Java/PMML functions) are only callable through
//! boxed invocations, which the DMN evaluator handles itself.

use crate::model::{
    Aggregation, BoxedExpression, DecisionService, DecisionTable, Definitions, HitPolicy,
    IteratorKind, Parameter,
};
use crate::types::{BuiltinType, TypeRef};

/// `function(a, b) body`, with the names as they appear in the model (quoting is applied when
/// the text is compiled).
///
/// Parameters with a built-in `typeRef` are checked as in a native invocation: a
/// non-conforming argument makes the call null, a singleton list converts to its element.
pub(crate) fn function(parameters: &[Parameter], body: &BoxedExpression) -> Option<String> {
    let params: Vec<(&str, Option<&TypeRef>)> = parameters
        .iter()
        .map(|p| (p.name.as_str(), p.type_ref.as_ref()))
        .collect();
    Some(checked_function(&params, &expr(body)?))
}

/// `function(params) body`, with the argument checks described at [`function`].
fn checked_function(params: &[(&str, Option<&TypeRef>)], body: &str) -> String {
    let names: Vec<&str> = params.iter().map(|(n, _)| *n).collect();
    let typed: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(name, t)| Some((*name, feel_type((*t)?)?)))
        .collect();
    if typed.is_empty() {
        return format!("function({}) {body}", names.join(", "));
    }
    let ok: Vec<String> = typed
        .iter()
        .map(|(name, ty)| format!("({name} = null or {} != null)", conform(name, ty)))
        .collect();
    let mut entries = vec![format!("{ARGS_OK}: {}", ok.join(" and "))];
    for (name, ty) in &typed {
        entries.push(format!("{}: {}", string_literal(name), conform(name, ty)));
    }
    entries.push(format!("{RESULT_KEY}: if {ARGS_OK} then {body} else null"));
    format!(
        "function({}) ({{{}}}.{RESULT_KEY})",
        names.join(", "),
        entries.join(", ")
    )
}

/// The FEEL type name of a built-in type worth checking (`Any` needs no check; item
/// definitions are unknown to FEEL).
fn feel_type(t: &TypeRef) -> Option<&'static str> {
    let TypeRef::Builtin(b) = t else {
        return None;
    };
    Some(match b {
        BuiltinType::Any => return None,
        BuiltinType::String => "string",
        BuiltinType::Number => "number",
        BuiltinType::Boolean => "boolean",
        BuiltinType::Date => "date",
        BuiltinType::Time => "time",
        BuiltinType::DateTime => "date and time",
        BuiltinType::DayTimeDuration => "days and time duration",
        BuiltinType::YearMonthDuration => "years and months duration",
        BuiltinType::Context => "context",
        BuiltinType::List => "list",
        BuiltinType::Function => "function",
        BuiltinType::Range => "range",
    })
}

/// FEEL text for the value of the name `v` conforming to type `ty` (see `types`): the value
/// itself, the element of a singleton list, or null.
fn conform(v: &str, ty: &str) -> String {
    if ty == "list" {
        return format!("(if {v} instance of list then {v} else null)");
    }
    format!(
        "(if {v} instance of {ty} then {v} else if {v} instance of list and count({v}) = 1 and {v}[1] instance of {ty} then {v}[1] else null)"
    )
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
        BoxedExpression::Literal(l) => {
            match (&l.expr, l.info.type_ref.as_ref().and_then(feel_type)) {
                (Some(e), None) => format!("({}\n)", e.source),
                // A typed literal converts its value like a native evaluation does.
                (Some(e), Some(ty)) => format!(
                    "({{{VALUE}: ({}\n), {RESULT_KEY}: {}}}.{RESULT_KEY})",
                    e.source,
                    conform(VALUE, ty)
                ),
                (None, _) => "null".to_string(),
            }
        }
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
        BoxedExpression::DecisionTable(t) => decision_table(t)?,
    })
}

/// A decision table as a FEEL context that evaluates the inputs once, collects the outputs of
/// matching rules and applies the hit policy. PRIORITY and OUTPUT ORDER (which need the
/// output values' order) have no FEEL form here; hit policy violations yield null rather than
/// an error, as FEEL has no errors.
fn decision_table(t: &DecisionTable) -> Option<String> {
    let mut entries = Vec::new();
    for (i, input) in t.inputs.iter().enumerate() {
        entries.push(format!("{INPUT_PREFIX}{i}: ({}\n)", input.expr.source));
    }
    let row = |values: Vec<String>| -> String {
        if t.outputs.len() == 1 {
            values.into_iter().next().unwrap_or_else(|| "null".into())
        } else {
            let cells: Vec<String> = t
                .outputs
                .iter()
                .zip(values)
                .map(|(o, v)| format!("{}: {v}", string_literal(o.name.as_deref().unwrap_or(""))))
                .collect();
            format!("{{{}}}", cells.join(", "))
        }
    };
    let mut rules = Vec::new();
    for rule in &t.rules {
        let mut conditions = Vec::new();
        for (i, entry) in rule.input_entries.iter().enumerate() {
            conditions.push(input_test(
                &format!("{INPUT_PREFIX}{i}"),
                entry.source.trim(),
            )?);
        }
        let values: Vec<String> = rule
            .output_entries
            .iter()
            .map(|e| match e {
                Some(e) => format!("({}\n)", e.source),
                None => "null".into(),
            })
            .collect();
        let condition = if conditions.is_empty() {
            "true".to_string()
        } else {
            conditions.join(" and ")
        };
        // Each hit is wrapped in a context so that a null output is still a hit.
        rules.push(format!(
            "if {condition} then {{hit: {}}} else null",
            row(values)
        ));
    }
    entries.push(format!("{HITS}: [{}][item != null]", rules.join(", ")));
    let defaults: Vec<String> = t
        .outputs
        .iter()
        .map(|o| match &o.default_output {
            Some(d) => format!("({}\n)", d.source),
            None => "null".into(),
        })
        .collect();
    let default = if t.outputs.iter().any(|o| o.default_output.is_some()) {
        row(defaults)
    } else {
        "null".to_string()
    };
    let all = format!("(for h in {HITS} return h.hit)");
    let result = match t.hit_policy {
        HitPolicy::Unique => format!("if count({HITS}) = 1 then {HITS}[1].hit else null"),
        HitPolicy::First => format!("{HITS}[1].hit"),
        HitPolicy::Any => {
            format!("if count(distinct values({all})) = 1 then {HITS}[1].hit else null")
        }
        HitPolicy::RuleOrder | HitPolicy::Collect(None) => all,
        HitPolicy::Collect(Some(Aggregation::Count)) => format!("count({HITS})"),
        HitPolicy::Collect(Some(Aggregation::Sum)) => format!("sum({all})"),
        HitPolicy::Collect(Some(Aggregation::Min)) => format!("min({all})"),
        HitPolicy::Collect(Some(Aggregation::Max)) => format!("max({all})"),
        HitPolicy::Priority | HitPolicy::OutputOrder => return None,
    };
    // No match: the default outputs (or null) whatever the hit policy, as evaluated natively.
    let result = format!("if count({HITS}) = 0 then {default} else {result}");
    entries.push(format!("{RESULT_KEY}: {result}"));
    Some(format!("({{{}}}.{RESULT_KEY})", entries.join(", ")))
}

/// `name` tested against one input entry's unary tests.
fn input_test(name: &str, entry: &str) -> Option<String> {
    if entry.is_empty() || entry == "-" {
        return Some("true".into());
    }
    if let Some(inner) = entry
        .strip_prefix("not(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return Some(format!("not({name} in ({inner}\n))"));
    }
    Some(format!("({name} in ({entry}\n))"))
}

/// Context key holding the final result entry of a context translated to FEEL.
const RESULT_KEY: &str = "__dmn_context_result__";
/// Prefix of the context keys holding a translated decision table's input values.
const INPUT_PREFIX: &str = "__dmn_input_";
/// Context key holding whether all arguments of a translated function conform.
const ARGS_OK: &str = "__dmn_args_ok__";
/// Context key holding the raw value of a typed literal expression.
const VALUE: &str = "__dmn_value__";
/// Context key holding the hits of a translated decision table.
const HITS: &str = "__dmn_hits__";

/// A decision service as `function(input data..., input decisions...) ...`: a FEEL context
/// evaluating the service's decisions in requirement order and returning the single output
/// decision's value, or a context of all output decisions.
pub(crate) fn decision_service(defs: &Definitions, service: &DecisionService) -> Option<String> {
    let name_of = |id: &String| {
        defs.decisions
            .iter()
            .find(|d| &d.id == id)
            .map(|d| d.name.clone())
    };
    // DMN orders the parameters: input data first, then input decisions.
    let mut params: Vec<(&str, Option<&TypeRef>)> = Vec::new();
    for id in &service.input_data {
        let input = defs.input_data.iter().find(|i| &i.id == id)?;
        params.push((input.name.as_str(), input.type_ref.as_ref()));
    }
    for id in &service.input_decisions {
        let decision = defs.decisions.iter().find(|d| &d.id == id)?;
        params.push((decision.name.as_str(), decision.type_ref.as_ref()));
    }
    // Depth-first over requirements, stopping at input decisions.
    let mut order: Vec<usize> = Vec::new();
    let mut visiting = Vec::new();
    for id in &service.output_decisions {
        visit(defs, service, id, &mut order, &mut visiting)?;
    }
    let mut entries = Vec::new();
    for index in &order {
        let d = &defs.decisions[*index];
        entries.push(format!(
            "{}: {}",
            string_literal(&d.name),
            expr(d.logic.as_ref()?)?
        ));
    }
    let outputs: Vec<String> = service
        .output_decisions
        .iter()
        .map(name_of)
        .collect::<Option<_>>()?;
    let result = match outputs.as_slice() {
        [single] => format!("`{single}`"),
        several => {
            let cells: Vec<String> = several
                .iter()
                .map(|n| format!("{}: `{n}`", string_literal(n)))
                .collect();
            format!("{{{}}}", cells.join(", "))
        }
    };
    entries.push(format!("{RESULT_KEY}: {result}"));
    let body = format!("({{{}}}.{RESULT_KEY})", entries.join(", "));
    Some(checked_function(&params, &body))
}

fn visit(
    defs: &Definitions,
    service: &DecisionService,
    id: &String,
    order: &mut Vec<usize>,
    visiting: &mut Vec<usize>,
) -> Option<()> {
    if service.input_decisions.contains(id) {
        return Some(());
    }
    let index = defs.decisions.iter().position(|d| &d.id == id)?;
    if order.contains(&index) {
        return Some(());
    }
    if visiting.contains(&index) {
        return None;
    }
    visiting.push(index);
    for required in &defs.decisions[index].required_decisions {
        visit(defs, service, required, order, visiting)?;
    }
    visiting.pop();
    order.push(index);
    Some(())
}
