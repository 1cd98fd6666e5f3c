//! User tasks, both kinds.
//!
//! **Camunda user tasks** (`bpmn:userTask` with `zeebe:userTask`), as Zeebe 8.8's `UserTaskProcessor`
//! and `BpmnUserTaskBehavior` without task listeners: activating the element applies its input
//! mappings, evaluates the task's properties, subscribes its boundary events and writes USER_TASK
//! CREATING (with the assignee) and CREATED (without it), then ELEMENT_ACTIVATED; a modelled assignee
//! is then assigned with ASSIGNING and ASSIGNED (`changedAttributes` `["assignee"]`). The task waits for
//! the commands of `processing::user_task`; terminating the element cancels it (CANCELING, CANCELED).
//! Properties, evaluated in the task's scope after its input mappings (a failure is an
//! EXTRACT_VALUE_ERROR incident on the task):
//!
//! * `zeebe:assignmentDefinition` `assignee` (a string), `candidateGroups` / `candidateUsers` (a static
//!   comma-separated list or a FEEL list of strings);
//! * `zeebe:taskSchedule` `dueDate` / `followUpDate` (as below);
//! * `zeebe:formDefinition externalReference` → `externalFormReference`;
//! * `zeebe:priorityDefinition priority` (0..=100, default 50);
//! * `zeebe:taskHeaders` → `customHeaders`.
//!
//! **Job worker user tasks** (`bpmn:userTask` without `zeebe:userTask`): the job of type
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

use super::transitions::activated;
use super::{events, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::{
    evaluate, evaluate_i32, evaluate_string, result_type,
};
use crate::processing::behaviour::incidents;
use crate::processing::behaviour::mappings::apply_inputs;
use crate::processing::behaviour::Failure;
use crate::processing::Ctx;
use crate::state::user_tasks::{self, LifecycleState};
use hornet_bpmn::{ElementKind, ExprOrStatic, FormDefinition, UserTask, UserTaskImplementation};
use hornet_feel::{EvalContext, Value};
use hornet_protocol::value::{attribute, ErrorType, UserTaskRecord};
use hornet_protocol::{Document, Key, RecordValue, UserTaskIntent};
use std::collections::BTreeMap;

const ASSIGNEE: &str = "io.camunda.zeebe:assignee";
const CANDIDATE_GROUPS: &str = "io.camunda.zeebe:candidateGroups";
const CANDIDATE_USERS: &str = "io.camunda.zeebe:candidateUsers";
const DUE_DATE: &str = "io.camunda.zeebe:dueDate";
const FOLLOW_UP_DATE: &str = "io.camunda.zeebe:followUpDate";
const FORM_KEY: &str = "io.camunda.zeebe:formKey";

/// The evaluated properties of a Camunda user task (Zeebe's `UserTaskProperties`).
struct TaskProperties {
    assignee: String,
    candidate_groups: Vec<String>,
    candidate_users: Vec<String>,
    due_date: String,
    follow_up_date: String,
    external_form_reference: String,
    priority: i32,
}

/// Zeebe's default priority of a user task without `zeebe:priorityDefinition`.
const DEFAULT_PRIORITY: i32 = 50;

fn task_properties(
    ctx: &Ctx<'_>,
    scope: Key,
    task: &UserTask,
) -> Result<Result<TaskProperties, Failure>, EngineError> {
    let assignee = match &task.assignee {
        None => String::new(),
        Some(assignee) => {
            match evaluate_string(ctx, scope, assignee, ErrorType::ExtractValueError)? {
                Ok(assignee) => assignee,
                Err(failure) => return Ok(Err(failure)),
            }
        }
    };
    let mut lists = [Vec::new(), Vec::new()];
    for (slot, list) in lists
        .iter_mut()
        .zip([&task.candidate_groups, &task.candidate_users])
    {
        if let Some(list) = list {
            match string_list(ctx, scope, list)? {
                Ok(items) => *slot = items,
                Err(failure) => return Ok(Err(failure)),
            }
        }
    }
    let [candidate_groups, candidate_users] = lists;
    let mut dates = [String::new(), String::new()];
    for (slot, date) in dates.iter_mut().zip([&task.due_date, &task.follow_up_date]) {
        if let Some(date) = date {
            match date_time(ctx, scope, date)? {
                Ok(text) => *slot = text.unwrap_or_default(),
                Err(failure) => return Ok(Err(failure)),
            }
        }
    }
    let [due_date, follow_up_date] = dates;
    let external_form_reference = match &task.form {
        Some(FormDefinition::ExternalReference(reference)) => {
            match evaluate_string(ctx, scope, reference, ErrorType::ExtractValueError)? {
                Ok(reference) => reference,
                Err(failure) => return Ok(Err(failure)),
            }
        }
        _ => String::new(),
    };
    let priority = match &task.priority {
        None => DEFAULT_PRIORITY,
        Some(priority) => match evaluate_i32(ctx, scope, priority, ErrorType::ExtractValueError)? {
            Ok(priority) if (0..=100).contains(&priority) => priority,
            Ok(priority) => {
                return Ok(Err(Failure::new(
                    ErrorType::ExtractValueError,
                    format!("Expected priority to be in the range [0,100] but was '{priority}'."),
                )))
            }
            Err(failure) => return Ok(Err(failure)),
        },
    };
    Ok(Ok(TaskProperties {
        assignee,
        candidate_groups,
        candidate_users,
        due_date,
        follow_up_date,
        external_form_reference,
        priority,
    }))
}

/// Activation of a Camunda user task: creates the task and waits for it (see the module doc).
pub(crate) fn native_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let element = el.element();
    let ElementKind::UserTask(task) = &element.kind else {
        return super::task::pass_through_on_activate(ctx, el);
    };
    let UserTaskImplementation::Native { headers } = &task.implementation else {
        return super::task::job_on_activate(ctx, el);
    };
    if let Err(failure) = apply_inputs(ctx, &el.owner(), el.key, &element.inputs)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let properties = match task_properties(ctx, el.key, task)? {
        Ok(properties) => properties,
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    let key = ctx.next_key();
    let mut record = UserTaskRecord {
        user_task_key: key,
        assignee: properties.assignee.clone(),
        candidate_groups_list: properties.candidate_groups,
        candidate_users_list: properties.candidate_users,
        due_date: properties.due_date,
        follow_up_date: properties.follow_up_date,
        form_key: -1,
        external_form_reference: properties.external_form_reference,
        variables: Document::empty(),
        custom_headers: headers.clone(),
        bpmn_process_id: el.record.bpmn_process_id.to_string(),
        process_definition_version: el.record.version,
        process_definition_key: el.record.process_definition_key,
        process_instance_key: el.record.process_instance_key,
        element_id: el.record.element_id.to_string(),
        element_instance_key: el.key,
        tenant_id: el.record.tenant_id.to_string(),
        changed_attributes: Vec::new(),
        action: String::new(),
        creation_timestamp: ctx.now,
        priority: properties.priority,
    };
    ctx.event(
        key,
        RecordValue::UserTask(UserTaskIntent::Creating, Box::new(record.clone())),
    )?;
    // Zeebe creates the task unassigned and assigns the modelled assignee once the element is active.
    record.assignee = String::new();
    ctx.event(
        key,
        RecordValue::UserTask(UserTaskIntent::Created, Box::new(record.clone())),
    )?;
    activated(ctx, el)?;
    if !properties.assignee.is_empty() {
        record.assignee = properties.assignee;
        record.changed_attributes = vec![attribute::ASSIGNEE.to_string()];
        ctx.event(
            key,
            RecordValue::UserTask(UserTaskIntent::Assigning, Box::new(record.clone())),
        )?;
        ctx.event(
            key,
            RecordValue::UserTask(UserTaskIntent::Assigned, Box::new(record)),
        )?;
    }
    Ok(())
}

/// Cancels the Camunda user task of a terminating element instance, if it has one that is not
/// already being canceled: USER_TASK CANCELING, CANCELED.
pub(crate) fn cancel(ctx: &mut Ctx<'_>, element_instance: Key) -> Result<(), EngineError> {
    let Some(key) = user_tasks::of_element_instance(&ctx.state, element_instance)? else {
        return Ok(());
    };
    let Some(task) = user_tasks::get_user_task(&ctx.state, key)? else {
        return Ok(());
    };
    if task.state == LifecycleState::Canceling {
        return Ok(());
    }
    ctx.event(
        key,
        RecordValue::UserTask(UserTaskIntent::Canceling, Box::new(task.record.clone())),
    )?;
    ctx.event(
        key,
        RecordValue::UserTask(UserTaskIntent::Canceled, Box::new(task.record)),
    )?;
    Ok(())
}

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
