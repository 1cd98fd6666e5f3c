//! Decision table evaluation: input values, rule matching and hit policies.

use crate::error::DmnError;
use crate::eval::{Evaluator, TableDetails};
use crate::model::{Aggregation, DecisionTable, HitPolicy};
use crate::result::{EvaluatedInput, EvaluatedOutput, MatchedRule};
use hornet_feel::{Context, Number, Value, Variables};
use std::cmp::Ordering;

/// Zeebe truncates an input's expression text to this many characters when it names an input
/// without label.
const INPUT_NAME_CHARS: usize = 30;

/// The outputs of one matched rule.
struct Hit {
    index: usize,
    values: Vec<Value>,
}

pub(crate) fn evaluate(
    ev: &mut Evaluator<'_>,
    table: &DecisionTable,
    vars: &dyn Variables,
    details: &mut TableDetails,
) -> Result<Value, DmnError> {
    let settings = ev.settings;
    let defs = ev.defs;
    let mut inputs = Vec::with_capacity(table.inputs.len());
    for input in &table.inputs {
        let value = input.expr.evaluate(vars, settings)?;
        let value = defs.coerce(value, input.type_ref.as_ref(), settings);
        details.inputs.push(EvaluatedInput {
            input_id: input.id.clone(),
            // As Zeebe reports it: the label, else the expression text cut to 30 characters.
            input_name: input.label.clone().unwrap_or_else(|| {
                input
                    .expr
                    .source
                    .trim()
                    .chars()
                    .take(INPUT_NAME_CHARS)
                    .collect()
            }),
            value: value.clone(),
        });
        inputs.push(value);
    }

    let mut hits = Vec::new();
    for (index, rule) in table.rules.iter().enumerate() {
        let mut matched = true;
        for (tests, input) in rule.input_entries.iter().zip(&inputs) {
            if !tests.test(input, vars, settings)? {
                matched = false;
                break;
            }
        }
        if !matched {
            continue;
        }
        let mut values = Vec::with_capacity(table.outputs.len());
        for (entry, output) in rule.output_entries.iter().zip(&table.outputs) {
            let value = match entry {
                Some(e) => e.evaluate(vars, settings)?,
                None => Value::Null,
            };
            values.push(defs.coerce(value, output.type_ref.as_ref(), settings));
        }
        details.matched_rules.push(MatchedRule {
            rule_id: rule.id.clone(),
            rule_index: index + 1,
            outputs: table
                .outputs
                .iter()
                .zip(&values)
                .map(|(o, v)| EvaluatedOutput {
                    output_id: o.id.clone(),
                    // Zeebe (like the Modeler) favours the label over the name.
                    output_name: o
                        .label
                        .clone()
                        .or_else(|| o.name.clone())
                        .unwrap_or_default(),
                    value: v.clone(),
                })
                .collect(),
        });
        hits.push(Hit { index, values });
        // Like Zeebe (dmn-scala), FIRST reports and evaluates only the first matching rule.
        if table.hit_policy == HitPolicy::First {
            break;
        }
    }
    apply_hit_policy(ev, table, vars, hits)
}

/// The value of one row of outputs: the single output itself, or a context by output name.
fn row_value(table: &DecisionTable, values: Vec<Value>) -> Value {
    if table.outputs.len() == 1 {
        return values.into_iter().next().unwrap_or(Value::Null);
    }
    let ctx: Context = table
        .outputs
        .iter()
        .zip(values)
        .map(|(o, v)| (o.name.clone().unwrap_or_default(), v))
        .collect();
    Value::Context(ctx)
}

fn policy_name(policy: HitPolicy) -> &'static str {
    match policy {
        HitPolicy::Unique => "UNIQUE",
        HitPolicy::First => "FIRST",
        HitPolicy::Priority => "PRIORITY",
        HitPolicy::Any => "ANY",
        HitPolicy::Collect(_) => "COLLECT",
        HitPolicy::RuleOrder => "RULE ORDER",
        HitPolicy::OutputOrder => "OUTPUT ORDER",
    }
}

fn apply_hit_policy(
    ev: &mut Evaluator<'_>,
    table: &DecisionTable,
    vars: &dyn Variables,
    mut hits: Vec<Hit>,
) -> Result<Value, DmnError> {
    let violation = |message: String| DmnError::HitPolicy {
        element_id: table.info.id.clone(),
        hit_policy: policy_name(table.hit_policy),
        message,
    };
    if hits.is_empty() {
        // As in Zeebe (dmn-scala), for every hit policy: the default output entries (only the
        // outputs that have one), else null.
        let mut defaults = Context::new();
        for o in &table.outputs {
            if let Some(d) = &o.default_output {
                defaults.insert(
                    o.name.clone().unwrap_or_default(),
                    d.evaluate(vars, ev.settings)?,
                );
            }
        }
        return Ok(match defaults.len() {
            0 => Value::Null,
            1 if table.outputs.len() == 1 => defaults
                .into_entries()
                .next()
                .map_or(Value::Null, |(_, v)| v),
            _ => Value::Context(defaults),
        });
    }
    match table.hit_policy {
        HitPolicy::Unique => {
            if hits.len() > 1 {
                let rules: Vec<String> = hits.iter().map(|h| (h.index + 1).to_string()).collect();
                return Err(violation(format!(
                    "rules {} matched, but only one may",
                    rules.join(", ")
                )));
            }
            Ok(row_value(table, hits.remove(0).values))
        }
        HitPolicy::Any => {
            let first = &hits[0].values;
            if let Some(other) = hits.iter().find(|h| &h.values != first) {
                return Err(violation(format!(
                    "rules {} and {} matched with different outputs",
                    hits[0].index + 1,
                    other.index + 1
                )));
            }
            Ok(row_value(table, hits.remove(0).values))
        }
        HitPolicy::First => Ok(row_value(table, hits.remove(0).values)),
        HitPolicy::Priority => {
            sort_by_priority(ev, table, vars, &mut hits)?;
            Ok(row_value(table, hits.remove(0).values))
        }
        HitPolicy::OutputOrder => {
            sort_by_priority(ev, table, vars, &mut hits)?;
            Ok(Value::List(
                hits.into_iter()
                    .map(|h| row_value(table, h.values))
                    .collect(),
            ))
        }
        HitPolicy::RuleOrder | HitPolicy::Collect(None) => Ok(Value::List(
            hits.into_iter()
                .map(|h| row_value(table, h.values))
                .collect(),
        )),
        HitPolicy::Collect(Some(aggregation)) => {
            let values: Vec<Value> = hits
                .into_iter()
                .filter_map(|h| h.values.into_iter().next())
                .filter(|v| !v.is_null())
                .collect();
            aggregate(aggregation, values).map_err(violation)
        }
    }
}

/// Orders hits by the position of their output values in each output's `outputValues`
/// (earlier = higher priority), outputs compared left to right; ties keep rule order.
fn sort_by_priority(
    ev: &mut Evaluator<'_>,
    table: &DecisionTable,
    vars: &dyn Variables,
    hits: &mut [Hit],
) -> Result<(), DmnError> {
    let mut priorities: Vec<Option<Vec<Value>>> = Vec::with_capacity(table.outputs.len());
    for o in &table.outputs {
        priorities.push(match &o.output_values {
            Some(list) => match list.evaluate(vars, ev.settings)? {
                Value::List(items) => Some(items),
                _ => None,
            },
            None => None,
        });
    }
    if priorities.iter().all(Option::is_none) {
        return Err(DmnError::HitPolicy {
            element_id: table.info.id.clone(),
            hit_policy: policy_name(table.hit_policy),
            message: "no output has output values to order by".into(),
        });
    }
    let rank = |values: &[Value]| -> Vec<usize> {
        priorities
            .iter()
            .zip(values)
            .map(|(p, v)| match p {
                Some(list) => list.iter().position(|x| x == v).unwrap_or(usize::MAX),
                None => 0,
            })
            .collect()
    };
    hits.sort_by_cached_key(|h| rank(&h.values));
    Ok(())
}

fn aggregate(aggregation: Aggregation, values: Vec<Value>) -> Result<Value, String> {
    if aggregation == Aggregation::Count {
        return Ok(Value::number(values.len() as i64));
    }
    if values.is_empty() {
        return Ok(Value::Null);
    }
    match aggregation {
        Aggregation::Sum => {
            let mut sum = Number::zero();
            for v in &values {
                let Value::Number(n) = v else {
                    return Err(format!("SUM over a non-number output {v}"));
                };
                sum = sum
                    .checked_add(n)
                    .ok_or_else(|| "SUM overflows".to_string())?;
            }
            Ok(Value::Number(sum))
        }
        Aggregation::Min | Aggregation::Max => {
            let wanted = if aggregation == Aggregation::Min {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            let mut best = values[0].clone();
            for v in &values[1..] {
                match compare(v, &best) {
                    Some(o) if o == wanted => best = v.clone(),
                    Some(_) => {}
                    None => return Err(format!("cannot compare outputs {v} and {best}")),
                }
            }
            Ok(best)
        }
        Aggregation::Count => Ok(Value::number(values.len() as i64)),
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}
