//! Zeebe extension elements (`zeebe:*` inside `bpmn:extensionElements`): task definitions,
//! headers, io mappings, properties, loop characteristics, user task, script, called decision,
//! called element, version tag.

use super::Diagnostics;
use crate::model::{
    Binding, BusinessRuleTask, CallActivity, ExprOrStatic, FormDefinition, JobDefinition,
    LoopCharacteristics, Mapping, ScriptTask, UserTask, UserTaskImplementation,
};
use crate::xml::Node;
use std::collections::BTreeMap;

/// Zeebe's default number of job retries.
const DEFAULT_RETRIES: i32 = 3;
/// The job type of job-worker-based user tasks, as in Zeebe.
pub(crate) const USER_TASK_JOB_TYPE: &str = "io.camunda.zeebe:userTask";

/// Words FEEL would not read as a variable name, so they cannot be mapping targets.
const RESERVED_PATH_WORDS: [&str; 11] = [
    "null", "true", "false", "function", "if", "then", "else", "for", "between", "instance", "of",
];

/// The single extension element `name` of `node`: reports if there are several.
fn single<'x>(node: &'x Node, name: &'static str, diag: &mut Diagnostics<'_>) -> Option<&'x Node> {
    let mut found = node.zeebe_extensions(name);
    let first = found.next()?;
    if found.next().is_some() {
        diag.error(
            node,
            &format!("Must have exactly one 'zeebe:{name}' extension element"),
        );
    }
    Some(first)
}

/// A mandatory, non-empty attribute of the extension element `extension` of `owner`.
fn required_attr<'x>(
    owner: &Node,
    extension: &'x Node,
    attribute: &str,
    diag: &mut Diagnostics<'_>,
) -> Option<&'x str> {
    match extension
        .attr(attribute)
        .filter(|value| !value.trim().is_empty())
    {
        Some(value) => Some(value),
        None => {
            diag.error(
                owner,
                &format!(
                    "Attribute '{attribute}' of 'zeebe:{}' must be present and not empty",
                    extension.name
                ),
            );
            None
        }
    }
}

/// Zeebe extensions whose behaviour Hornet does not implement yet: accepting them silently
/// would run the process differently than modeled, so they are rejected.
pub(crate) fn reject_unsupported(node: &Node, diag: &mut Diagnostics<'_>) {
    for (name, what) in [
        ("executionListeners", "Execution listeners"),
        ("taskListeners", "Task listeners"),
        ("adHoc", "Ad-hoc sub-processes"),
    ] {
        if node.zeebe_extensions(name).next().is_some() {
            diag.error(
                node,
                &format!("{what} ('zeebe:{name}') are not supported yet"),
            );
        }
    }
}

/// `zeebe:versionTag value` of a process.
pub(crate) fn version_tag(process: &Node, diag: &mut Diagnostics<'_>) -> Option<String> {
    let tag = single(process, "versionTag", diag)?;
    required_attr(process, tag, "value", diag).map(str::to_string)
}

/// `zeebe:ioMapping` inputs and outputs.
pub(crate) fn io_mappings(node: &Node, diag: &mut Diagnostics<'_>) -> (Vec<Mapping>, Vec<Mapping>) {
    let Some(io) = single(node, "ioMapping", diag) else {
        return (Vec::new(), Vec::new());
    };
    let inputs = io
        .zeebe_children("input")
        .filter_map(|mapping| self::mapping(node, mapping, false, diag))
        .collect();
    let outputs = io
        .zeebe_children("output")
        .filter_map(|mapping| self::mapping(node, mapping, true, diag))
        .collect();
    (inputs, outputs)
}

/// One input or output mapping. Zeebe allows a static input source (a string value) but
/// requires an expression for outputs.
fn mapping(
    owner: &Node,
    mapping: &Node,
    output: bool,
    diag: &mut Diagnostics<'_>,
) -> Option<Mapping> {
    let kind = if output { "output" } else { "input" };
    let target = mapping.attr("target").map(str::trim).unwrap_or_default();
    let target_path = target_path(owner, kind, target, diag);
    let what = format!("the source of the {kind} mapping to '{target}'");
    let source = if output {
        diag.expression(owner, &what, mapping.attr("source"))
            .map(ExprOrStatic::Expression)
    } else {
        match mapping
            .attr("source")
            .filter(|source| !source.trim().is_empty())
        {
            Some(source) => diag.expr_or_static(owner, &what, source),
            None => {
                diag.error(
                    owner,
                    &format!("Expected expression for {what} but not found."),
                );
                None
            }
        }
    };
    Some(Mapping {
        source: source?,
        target: target.to_string(),
        target_path: target_path?,
    })
}

/// Checks a mapping target against Zeebe's path pattern
/// `[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)*` and its reserved words.
fn target_path(
    owner: &Node,
    kind: &str,
    target: &str,
    diag: &mut Diagnostics<'_>,
) -> Option<Vec<String>> {
    if target.is_empty() {
        diag.error(
            owner,
            &format!("Expected path expression for the target of an {kind} mapping but not found."),
        );
        return None;
    }
    let valid_segment = |segment: &str| {
        let mut chars = segment.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !target.split('.').all(valid_segment) {
        diag.error(
            owner,
            &format!(
                "Expected path expression '{target}' of an {kind} mapping target but doesn't match \
                 the pattern '[a-zA-Z][a-zA-Z0-9_]*(\\.[a-zA-Z][a-zA-Z0-9_]*)*'."
            ),
        );
        return None;
    }
    if RESERVED_PATH_WORDS.contains(&target) {
        diag.error(
            owner,
            &format!(
                "Expected path expression '{target}' of an {kind} mapping target but is one of the \
                 reserved words ({}).",
                RESERVED_PATH_WORDS.join(", ")
            ),
        );
        return None;
    }
    Some(target.split('.').map(str::to_string).collect())
}

/// `zeebe:properties` as (name, value) pairs.
pub(crate) fn properties(node: &Node, diag: &mut Diagnostics<'_>) -> Vec<(String, String)> {
    let Some(properties) = single(node, "properties", diag) else {
        return Vec::new();
    };
    properties
        .zeebe_children("property")
        .filter_map(|property| {
            let name = required_attr(node, property, "name", diag)?;
            Some((
                name.to_string(),
                property.attr("value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// The job of a job worker element that must have a `zeebe:taskDefinition`.
pub(crate) fn required_job(node: &Node, diag: &mut Diagnostics<'_>) -> JobDefinition {
    match job(node, diag) {
        Some(job) => job,
        None => {
            if node.zeebe_extensions("taskDefinition").next().is_none() {
                diag.error(
                    node,
                    "Must have exactly one 'zeebe:taskDefinition' extension element",
                );
            }
            placeholder_job()
        }
    }
}

/// Stands in for an invalid job definition; the resource is rejected, so it never runs.
fn placeholder_job() -> JobDefinition {
    JobDefinition {
        job_type: ExprOrStatic::Static(String::new()),
        retries: ExprOrStatic::Static(DEFAULT_RETRIES),
        headers: BTreeMap::new(),
    }
}

/// `zeebe:taskDefinition` + `zeebe:taskHeaders`, if there is a task definition.
fn job(node: &Node, diag: &mut Diagnostics<'_>) -> Option<JobDefinition> {
    let definition = single(node, "taskDefinition", diag)?;
    let job_type = required_attr(node, definition, "type", diag)
        .and_then(|job_type| diag.expr_or_static(node, "the job type", job_type.trim()));
    let retries = match definition.attr("retries") {
        None => Some(ExprOrStatic::Static(DEFAULT_RETRIES)),
        Some(retries) if retries.trim().is_empty() => {
            diag.error(
                node,
                "Attribute 'retries' of 'zeebe:taskDefinition' must be present and not empty",
            );
            None
        }
        Some(retries) => match diag.expr_or_static(node, "the job retries", retries.trim())? {
            ExprOrStatic::Expression(expression) => Some(ExprOrStatic::Expression(expression)),
            ExprOrStatic::Static(text) => match text.parse::<i32>() {
                Ok(retries) => Some(ExprOrStatic::Static(retries)),
                Err(_) => {
                    diag.error(
                        node,
                        &format!("Expected static value of the job retries to be a valid Number, but found '{text}'."),
                    );
                    None
                }
            },
        },
    };
    let headers = headers(node, diag);
    Some(JobDefinition {
        job_type: job_type?,
        retries: retries?,
        headers,
    })
}

/// `zeebe:taskHeaders` (a repeated key keeps the last value, as Zeebe's header map does).
fn headers(node: &Node, diag: &mut Diagnostics<'_>) -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    for task_headers in node.zeebe_extensions("taskHeaders") {
        for header in task_headers.zeebe_children("header") {
            let Some(key) = required_attr(node, header, "key", diag) else {
                continue;
            };
            let Some(value) = required_attr(node, header, "value", diag) else {
                continue;
            };
            headers.insert(key.to_string(), value.to_string());
        }
    }
    headers
}

/// `multiInstanceLoopCharacteristics` with its `zeebe:loopCharacteristics`.
pub(crate) fn loop_characteristics(
    owner: &Node,
    loop_node: &Node,
    diag: &mut Diagnostics<'_>,
) -> Option<LoopCharacteristics> {
    let sequential = super::scope::is_true(loop_node.attr("isSequential"));
    let completion_condition = match loop_node.bpmn_child("completionCondition") {
        Some(condition) if !condition.text.trim().is_empty() => Some(diag.expression(
            owner,
            "the completionCondition",
            Some(condition.text.trim()),
        )?),
        _ => None,
    };
    let mut found = loop_node.zeebe_extensions("loopCharacteristics");
    let (Some(zeebe), None) = (found.next(), found.next()) else {
        diag.error(
            owner,
            "Must have exactly one 'zeebe:loopCharacteristics' extension element",
        );
        return None;
    };
    let input_collection =
        diag.expression(owner, "the inputCollection", zeebe.attr("inputCollection"));
    let non_empty = |name: &str| {
        zeebe
            .attr(name)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_string)
    };
    let input_element = non_empty("inputElement");
    let output_collection = non_empty("outputCollection");
    let output_element = match non_empty("outputElement") {
        Some(element) => Some(diag.expression(owner, "the outputElement", Some(&element))?),
        None => None,
    };
    if output_collection.is_some() != output_element.is_some() {
        diag.error(
            owner,
            "Attributes 'outputCollection' and 'outputElement' of 'zeebe:loopCharacteristics' must both be set or both be absent",
        );
    }
    for variable in [&input_element, &output_collection].into_iter().flatten() {
        target_path(owner, "multi-instance variable", variable, diag);
    }
    Some(LoopCharacteristics {
        sequential,
        input_collection: input_collection?,
        input_element,
        output_collection,
        output_element,
        completion_condition,
    })
}

/// `bindingType` / `versionTag` of a linked process, decision or form.
fn binding(owner: &Node, extension: &Node, diag: &mut Diagnostics<'_>) -> Binding {
    match extension.attr("bindingType").map(str::trim) {
        None | Some("latest") => Binding::Latest,
        Some("deployment") => Binding::Deployment,
        Some("versionTag") => match required_attr(owner, extension, "versionTag", diag) {
            Some(tag) => Binding::VersionTag(tag.trim().to_string()),
            None => Binding::Latest,
        },
        Some(other) => {
            diag.error(
                owner,
                &format!("Attribute 'bindingType' must be one of: latest, deployment, versionTag, but was '{other}'"),
            );
            Binding::Latest
        }
    }
}

/// A user task: native with `zeebe:userTask`, otherwise a job of type
/// `io.camunda.zeebe:userTask`.
pub(crate) fn user_task(node: &Node, diag: &mut Diagnostics<'_>) -> UserTask {
    let implementation = if single(node, "userTask", diag).is_some() {
        UserTaskImplementation::Native {
            headers: headers(node, diag),
        }
    } else {
        UserTaskImplementation::Job(JobDefinition {
            job_type: ExprOrStatic::Static(USER_TASK_JOB_TYPE.to_string()),
            retries: ExprOrStatic::Static(1),
            headers: headers(node, diag),
        })
    };
    let mut task = UserTask {
        implementation,
        assignee: None,
        candidate_groups: None,
        candidate_users: None,
        due_date: None,
        follow_up_date: None,
        priority: None,
        form: None,
    };
    if let Some(assignment) = single(node, "assignmentDefinition", diag) {
        let optional = |name: &str, diag: &mut Diagnostics<'_>| {
            assignment
                .attr(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .and_then(|value| diag.expr_or_static(node, &format!("the {name}"), value))
        };
        task.assignee = optional("assignee", diag);
        task.candidate_groups = optional("candidateGroups", diag).map(split_csv);
        task.candidate_users = optional("candidateUsers", diag).map(split_csv);
    }
    if let Some(schedule) = single(node, "taskSchedule", diag) {
        for (name, slot) in [
            ("dueDate", &mut task.due_date),
            ("followUpDate", &mut task.follow_up_date),
        ] {
            *slot = schedule
                .attr(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .and_then(|value| diag.expr_or_static(node, &format!("the {name}"), value));
        }
    }
    if let Some(priority) = single(node, "priorityDefinition", diag) {
        task.priority = required_attr(node, priority, "priority", diag)
            .and_then(|value| diag.expr_or_static(node, "the priority", value.trim()))
            .and_then(|value| match value {
                ExprOrStatic::Expression(expression) => Some(ExprOrStatic::Expression(expression)),
                ExprOrStatic::Static(text) => match text.parse::<i32>() {
                    Ok(priority) if (0..=100).contains(&priority) => {
                        Some(ExprOrStatic::Static(priority))
                    }
                    _ => {
                        diag.error(
                            node,
                            &format!("Expected static value to be a valid Number between 0 and 100, but found '{text}'."),
                        );
                        None
                    }
                },
            });
    }
    task.form =
        single(node, "formDefinition", diag).and_then(|form| form_definition(node, form, diag));
    if matches!(task.implementation, UserTaskImplementation::Native { .. })
        && matches!(task.form, Some(FormDefinition::FormKey(_)))
    {
        // Zeebe's ZeebeFormDefinitionValidator: a Camunda user task links a deployed form or an
        // external one, never a custom form key.
        diag.error(
            node,
            "Exactly one of the attributes 'formId, externalReference' must be present and not blank for native user tasks",
        );
    }
    task
}

fn form_definition(
    owner: &Node,
    form: &Node,
    diag: &mut Diagnostics<'_>,
) -> Option<FormDefinition> {
    let attr = |name: &str| form.attr(name).map(str::trim).filter(|v| !v.is_empty());
    let present = [attr("formKey"), attr("formId"), attr("externalReference")];
    if present.iter().flatten().count() != 1 {
        diag.error(
            owner,
            "Exactly one of the attributes 'formKey', 'formId' or 'externalReference' of 'zeebe:formDefinition' must be present and not empty",
        );
        return None;
    }
    if let Some(key) = attr("formKey") {
        return Some(FormDefinition::FormKey(key.to_string()));
    }
    if let Some(id) = attr("formId") {
        let form_id = diag.expr_or_static(owner, "the formId", id)?;
        return Some(FormDefinition::FormId {
            form_id,
            binding: binding(owner, form, diag),
        });
    }
    let reference = attr("externalReference")?;
    diag.expr_or_static(owner, "the externalReference", reference)
        .map(FormDefinition::ExternalReference)
}

/// Splits a static comma-separated list (Zeebe's candidate groups/users syntax).
fn split_csv(value: ExprOrStatic<String>) -> ExprOrStatic<Vec<String>> {
    match value {
        ExprOrStatic::Expression(expression) => ExprOrStatic::Expression(expression),
        ExprOrStatic::Static(list) => ExprOrStatic::Static(
            list.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect(),
        ),
    }
}

/// A script task: `zeebe:script` or a job worker.
pub(crate) fn script_task(node: &Node, diag: &mut Diagnostics<'_>) -> ScriptTask {
    let script = node.zeebe_extensions("script").next();
    let has_job = node.zeebe_extensions("taskDefinition").next().is_some();
    match (script, has_job) {
        (Some(script), false) => {
            let expression =
                diag.expression(node, "the script expression", script.attr("expression"));
            let result_variable = required_attr(node, script, "resultVariable", diag);
            match (expression, result_variable) {
                (Some(expression), Some(result_variable)) => ScriptTask::Expression {
                    expression,
                    result_variable: result_variable.trim().to_string(),
                },
                _ => ScriptTask::Job(placeholder_job()),
            }
        }
        (None, true) => ScriptTask::Job(required_job(node, diag)),
        _ => {
            diag.error(
                node,
                "Must have either one 'zeebe:script' or one 'zeebe:taskDefinition' extension element",
            );
            ScriptTask::Job(placeholder_job())
        }
    }
}

/// A business rule task: `zeebe:calledDecision` or a job worker.
pub(crate) fn business_rule_task(node: &Node, diag: &mut Diagnostics<'_>) -> BusinessRuleTask {
    let called = node.zeebe_extensions("calledDecision").next();
    let has_job = node.zeebe_extensions("taskDefinition").next().is_some();
    match (called, has_job) {
        (Some(called), false) => {
            let decision_id = required_attr(node, called, "decisionId", diag)
                .and_then(|id| diag.expr_or_static(node, "the decisionId", id.trim()));
            let result_variable = required_attr(node, called, "resultVariable", diag);
            let binding = binding(node, called, diag);
            match (decision_id, result_variable) {
                (Some(decision_id), Some(result_variable)) => BusinessRuleTask::CalledDecision {
                    decision_id,
                    result_variable: result_variable.trim().to_string(),
                    binding,
                },
                _ => BusinessRuleTask::Job(placeholder_job()),
            }
        }
        (None, true) => BusinessRuleTask::Job(required_job(node, diag)),
        _ => {
            diag.error(
                node,
                "Must have either one 'zeebe:calledDecision' or one 'zeebe:taskDefinition' extension element",
            );
            BusinessRuleTask::Job(placeholder_job())
        }
    }
}

/// A call activity's `zeebe:calledElement`.
pub(crate) fn call_activity(node: &Node, diag: &mut Diagnostics<'_>) -> CallActivity {
    let mut call = CallActivity {
        process_id: ExprOrStatic::Static(String::new()),
        propagate_all_child_variables: true,
        propagate_all_parent_variables: true,
        binding: Binding::Latest,
    };
    let Some(called) = single(node, "calledElement", diag) else {
        diag.error(
            node,
            "Must have exactly one 'zeebe:calledElement' extension element",
        );
        return call;
    };
    if let Some(process_id) = required_attr(node, called, "processId", diag)
        .and_then(|id| diag.expr_or_static(node, "the processId", id.trim()))
    {
        call.process_id = process_id;
    }
    for (name, slot) in [
        (
            "propagateAllChildVariables",
            &mut call.propagate_all_child_variables,
        ),
        (
            "propagateAllParentVariables",
            &mut call.propagate_all_parent_variables,
        ),
    ] {
        match called.attr(name).map(str::trim) {
            None => {}
            Some("true") => *slot = true,
            Some("false") => *slot = false,
            Some(other) => diag.error(
                node,
                &format!("Attribute '{name}' must be 'true' or 'false', but was '{other}'"),
            ),
        }
    }
    call.binding = binding(node, called, diag);
    call
}
