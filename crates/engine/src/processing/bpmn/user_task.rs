//! Job worker user tasks (`bpmn:userTask` without `zeebe:userTask`): the job of type
//! `io.camunda.zeebe:userTask` carries the task's form, assignment and schedule as custom headers, which
//! is how task lists and workers learn them. As Zeebe's `UserTaskTransformer` and
//! `BpmnJobBehavior.encodeHeaders`:
//!
//! * `zeebe:formDefinition formKey` → `io.camunda.zeebe:formKey` (static);
//! * `zeebe:assignmentDefinition assignee` → `io.camunda.zeebe:assignee` (a string; empty: no header);
//! * `candidateGroups` / `candidateUsers` (a static comma-separated list or a FEEL list of strings) →
//!   `io.camunda.zeebe:candidateGroups` / `io.camunda.zeebe:candidateUsers` as a list literal
//!   `["a","b"]`;
//! * `zeebe:taskSchedule dueDate` / `followUpDate` (a FEEL date and time, or an ISO 8601 date-time string
//!   with offset or zone; null or empty: no header) → `io.camunda.zeebe:dueDate` /
//!   `io.camunda.zeebe:followUpDate` in `java.time.ZonedDateTime.toString()` form
//!   (`2025-03-02T15:35+02:00`).
//!
//! Expressions are evaluated in the task's scope after its input mappings; a failure is an
//! EXTRACT_VALUE_ERROR incident on the task. A `formId` (a deployed form) is not supported: Hornet does
//! not deploy forms.

use crate::error::EngineError;
use crate::processing::behaviour::expressions::{evaluate, evaluate_string, result_type};
use crate::processing::behaviour::Failure;
use crate::processing::Ctx;
use hornet_bpmn::{ExprOrStatic, FormDefinition, UserTask};
use hornet_feel::{EvalContext, Value};
use hornet_protocol::value::ErrorType;
use hornet_protocol::Key;
use std::collections::BTreeMap;

const ASSIGNEE: &str = "io.camunda.zeebe:assignee";
const CANDIDATE_GROUPS: &str = "io.camunda.zeebe:candidateGroups";
const CANDIDATE_USERS: &str = "io.camunda.zeebe:candidateUsers";
const DUE_DATE: &str = "io.camunda.zeebe:dueDate";
const FOLLOW_UP_DATE: &str = "io.camunda.zeebe:followUpDate";
const FORM_KEY: &str = "io.camunda.zeebe:formKey";

/// The custom headers of the job of `task`: the modelled `headers` plus the task's own.
pub(crate) fn job_headers(
    ctx: &Ctx<'_>,
    scope: Key,
    task: &UserTask,
    headers: &BTreeMap<String, String>,
) -> Result<Result<BTreeMap<String, String>, Failure>, EngineError> {
    let mut headers = headers.clone();
    if let Some(FormDefinition::FormKey(key)) = &task.form {
        headers.insert(FORM_KEY.to_string(), key.clone());
    }
    if let Some(assignee) = &task.assignee {
        match evaluate_string(ctx, scope, assignee, ErrorType::ExtractValueError)? {
            Ok(assignee) if assignee.is_empty() => {}
            Ok(assignee) => {
                headers.insert(ASSIGNEE.to_string(), assignee);
            }
            Err(failure) => return Ok(Err(failure)),
        }
    }
    for (name, list) in [
        (CANDIDATE_GROUPS, &task.candidate_groups),
        (CANDIDATE_USERS, &task.candidate_users),
    ] {
        if let Some(list) = list {
            match string_list(ctx, scope, list)? {
                Ok(items) => {
                    headers.insert(name.to_string(), list_literal(&items));
                }
                Err(failure) => return Ok(Err(failure)),
            }
        }
    }
    for (name, date) in [
        (DUE_DATE, &task.due_date),
        (FOLLOW_UP_DATE, &task.follow_up_date),
    ] {
        if let Some(date) = date {
            match date_time(ctx, scope, date)? {
                Ok(Some(text)) => {
                    headers.insert(name.to_string(), text);
                }
                Ok(None) => {}
                Err(failure) => return Ok(Err(failure)),
            }
        }
    }
    Ok(Ok(headers))
}

/// Zeebe's `ExpressionTransformer.asListLiteral`: `["a","b"]` (items quoted as they are).
fn list_literal(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    format!("[{}]", quoted.join(","))
}

/// A static list, or a FEEL expression that must give a list of strings.
fn string_list(
    ctx: &Ctx<'_>,
    scope: Key,
    list: &ExprOrStatic<Vec<String>>,
) -> Result<Result<Vec<String>, Failure>, EngineError> {
    let expression = match list {
        ExprOrStatic::Static(items) => return Ok(Ok(items.clone())),
        ExprOrStatic::Expression(expression) => expression,
    };
    let source = expression.source().trim();
    Ok(
        match evaluate(ctx, scope, expression, ErrorType::ExtractValueError)? {
            Err(failure) => Err(failure),
            Ok(Value::List(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(Failure::new(
                        ErrorType::ExtractValueError,
                        format!(
                            "Expected result of the expression '{source}' to be 'ARRAY' containing 'STRING' items, \
                             but was 'ARRAY' containing at least one non-'STRING' item."
                        ),
                    )),
                })
                .collect(),
            Ok(other) => Err(Failure::new(
                ErrorType::ExtractValueError,
                format!(
                    "Expected result of the expression '{source}' to be 'ARRAY', but was '{}'.",
                    result_type(&other)
                ),
            )),
        },
    )
}

/// A due or follow-up date: `None` for null or an empty string, else the date-time's text.
fn date_time(
    ctx: &Ctx<'_>,
    scope: Key,
    date: &ExprOrStatic<String>,
) -> Result<Result<Option<String>, Failure>, EngineError> {
    let (source, value) = match date {
        ExprOrStatic::Static(text) => (text.trim(), Value::String(text.clone())),
        ExprOrStatic::Expression(expression) => {
            match evaluate(ctx, scope, expression, ErrorType::ExtractValueError)? {
                Ok(value) => (expression.source().trim(), value),
                Err(failure) => return Ok(Err(failure)),
            }
        }
    };
    Ok(match value {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => match parse_zoned_date_time(&text) {
            Some(parsed) => Ok(Some(parsed)),
            None => Err(Failure::new(
                ErrorType::ExtractValueError,
                format!("Invalid date-time format '{text}' for expression '{source}'."),
            )),
        },
        value @ Value::DateTime(_) => Ok(value.to_json().as_str().map(str::to_string)),
        // Zeebe puts a local date-time into the JVM's default zone; Hornet's is UTC.
        Value::LocalDateTime(local) => Ok(zoned_text(&format!("{local}Z"))),
        other => Err(Failure::new(
            ErrorType::ExtractValueError,
            format!(
                "Expected result of the expression '{source}' to be one of '[NULL, DATE_TIME, STRING]', but was '{}'.",
                result_type(&other)
            ),
        )),
    })
}

/// `text` as `java.time.ZonedDateTime.parse` reads it (a date-time with an offset or a zone), written
/// back in `toString()` form; `None` if it is not one.
fn parse_zoned_date_time(text: &str) -> Option<String> {
    let has_zone = text.contains('[')
        || text.ends_with('Z')
        || text
            .rsplit_once('T')
            .is_some_and(|(_, time)| time.contains('+') || time.contains('-'));
    if !has_zone {
        return None;
    }
    zoned_text(text)
}

/// FEEL's reading of a date-time string with offset or zone, in `toString()` form.
fn zoned_text(text: &str) -> Option<String> {
    let expression = hornet_feel::Expression::parse("date and time(text)").ok()?;
    let variables = BTreeMap::from([("text".to_string(), Value::String(text.to_string()))]);
    match expression.evaluate(&EvalContext::new(&variables)) {
        Ok(value @ Value::DateTime(_)) => value.to_json().as_str().map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_as_java_parses_and_prints_them() {
        for (text, expected) in [
            ("2025-03-02T15:35:00+02:00", Some("2025-03-02T15:35+02:00")),
            ("2025-03-02T15:35+02:00", Some("2025-03-02T15:35+02:00")),
            ("2025-03-02T15:35:07.120Z", Some("2025-03-02T15:35:07.120Z")),
            ("2025-03-02T15:35:00-05:30", Some("2025-03-02T15:35-05:30")),
            (
                "2025-07-02T15:35:00+02:00[Europe/Berlin]",
                Some("2025-07-02T15:35+02:00[Europe/Berlin]"),
            ),
            ("2025-03-02T15:35:00", None),
            ("2025-03-02", None),
            ("tomorrow", None),
        ] {
            assert_eq!(parse_zoned_date_time(text).as_deref(), expected, "{text}");
        }
    }
}
