//! FEEL evaluation against the variables visible from a scope, at the round's time.

use super::Failure;
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::variables::ScopeVariables;
use hornet_bpmn::ExprOrStatic;
use hornet_feel::{EvalContext, Expression, Value};
use hornet_protocol::value::ErrorType;
use hornet_protocol::Key;

/// The result type names Zeebe uses in expression failure messages.
pub(crate) fn result_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
        Value::Number(_) => "NUMBER",
        Value::String(_) => "STRING",
        Value::List(_) => "ARRAY",
        Value::Context(_) => "OBJECT",
        Value::Date(_) => "DATE",
        Value::LocalTime(_) | Value::Time(_) => "TIME",
        Value::LocalDateTime(_) | Value::DateTime(_) => "DATE_TIME",
        Value::DayTimeDuration(_) | Value::YearMonthDuration(_) => "DURATION",
        Value::Range(_) => "RANGE",
        Value::Function(_) => "FUNCTION",
    }
}

/// Evaluates `expression` in `scope`. The inner error is an evaluation failure (an incident of
/// `error_type`); the outer one a storage failure.
pub(crate) fn evaluate(
    ctx: &Ctx<'_>,
    scope: Key,
    expression: &Expression,
    error_type: ErrorType,
) -> Result<Result<Value, Failure>, EngineError> {
    let variables = ScopeVariables::new(&ctx.state, scope);
    let eval = EvalContext::new(&variables)
        .at(ctx.now)
        .with_seed(scope.get() as u64 ^ ctx.now as u64);
    let result = expression.evaluate(&eval);
    variables.take_error()?;
    Ok(result.map_err(|e| {
        Failure::new(
            error_type,
            format!(
                "Expected to evaluate expression '{}', but failed: {}",
                expression.source().trim(),
                e.message()
            ),
        )
    }))
}

fn unexpected(
    expression: &Expression,
    expected: &str,
    actual: &Value,
    error_type: ErrorType,
) -> Failure {
    Failure::new(
        error_type,
        format!(
            "Expected result of the expression '{}' to be '{}', but was '{}'.",
            expression.source().trim(),
            expected,
            result_type(actual)
        ),
    )
}

pub(crate) fn evaluate_bool(
    ctx: &Ctx<'_>,
    scope: Key,
    expression: &Expression,
    error_type: ErrorType,
) -> Result<Result<bool, Failure>, EngineError> {
    Ok(
        evaluate(ctx, scope, expression, error_type)?.and_then(|value| match value {
            Value::Bool(b) => Ok(b),
            other => Err(unexpected(expression, "BOOLEAN", &other, error_type)),
        }),
    )
}

pub(crate) fn evaluate_string(
    ctx: &Ctx<'_>,
    scope: Key,
    value: &ExprOrStatic<String>,
    error_type: ErrorType,
) -> Result<Result<String, Failure>, EngineError> {
    match value {
        ExprOrStatic::Static(text) => Ok(Ok(text.clone())),
        ExprOrStatic::Expression(expression) => Ok(evaluate(ctx, scope, expression, error_type)?
            .and_then(|value| match value {
                Value::String(s) => Ok(s),
                other => Err(unexpected(expression, "STRING", &other, error_type)),
            })),
    }
}

pub(crate) fn evaluate_i32(
    ctx: &Ctx<'_>,
    scope: Key,
    value: &ExprOrStatic<i32>,
    error_type: ErrorType,
) -> Result<Result<i32, Failure>, EngineError> {
    match value {
        ExprOrStatic::Static(n) => Ok(Ok(*n)),
        ExprOrStatic::Expression(expression) => Ok(evaluate(ctx, scope, expression, error_type)?
            .and_then(|value| {
                let as_int = match &value {
                    Value::Number(n) if n.is_integer() => {
                        n.to_i64().and_then(|n| i32::try_from(n).ok())
                    }
                    _ => None,
                };
                as_int.ok_or_else(|| unexpected(expression, "NUMBER", &value, error_type))
            })),
    }
}
