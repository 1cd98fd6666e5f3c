//! USER_TASK commands on Camunda user tasks, as Zeebe 8.8's user task processors without task
//! listeners (every transition ends in the round that starts it):
//!
//! | command | checks (after "exists": NOT_FOUND, "is CREATED": INVALID_STATE) | events | response |
//! | --- | --- | --- | --- |
//! | COMPLETE | | COMPLETING, COMPLETED (with the variables), then COMPLETE_ELEMENT of the element | COMPLETED |
//! | ASSIGN | | ASSIGNING, ASSIGNED (an empty assignee unassigns) | ASSIGNED |
//! | CLAIM | assignee not blank, task unassigned or assigned to the same user (else INVALID_STATE) | CLAIMING, ASSIGNED | ASSIGNED |
//! | UPDATE | | UPDATING, UPDATED: the attributes named in the command's `changedAttributes` take the command's values; those whose value changed are the events' `changedAttributes` | UPDATED |
//!
//! `action` is the command's, or the command's default (`complete`, `assign`, `claim`, `update`).
//! The completion's variables are merged like a job's: delivered to the element's output step, so
//! without output mappings they propagate to the scopes that hold them (or the process instance).

use crate::error::EngineError;
use crate::processing::bpmn::transitions;
use crate::processing::Ctx;
use crate::state::user_tasks::{self, LifecycleState};
use hornet_protocol::value::{attribute, UserTaskRecord};
use hornet_protocol::{Record, RecordValue, RejectionType, UserTaskIntent};

/// Zeebe's `UserTaskCommandPreconditionChecker`: the task must exist and be CREATED. `action`
/// completes "Expected to {action} user task with key ...". Rejects and returns `None` otherwise.
fn require_task(
    ctx: &mut Ctx<'_>,
    command: &Record,
    action: &str,
) -> Result<Option<UserTaskRecord>, EngineError> {
    let key = command.key;
    match user_tasks::get_user_task(&ctx.state, key)? {
        None => {
            ctx.reject(
                command,
                RejectionType::NotFound,
                format!("Expected to {action} user task with key '{key}', but no such user task was found"),
            );
            Ok(None)
        }
        Some(task) if task.state != LifecycleState::Created => {
            ctx.reject(
                command,
                RejectionType::InvalidState,
                format!(
                    "Expected to {action} user task with key '{key}', but it is in state '{}'",
                    task.state.as_str()
                ),
            );
            Ok(None)
        }
        Some(task) => {
            let mut record = task.record;
            record.changed_attributes.clear();
            Ok(Some(record))
        }
    }
}

fn action_or(command: &UserTaskRecord, default: &str) -> String {
    if command.action.is_empty() {
        default.to_string()
    } else {
        command.action.clone()
    }
}

/// Writes `intents` in order for the task, answers the command with the last one.
fn transition(
    ctx: &mut Ctx<'_>,
    command: &Record,
    record: UserTaskRecord,
    intents: &[UserTaskIntent],
) -> Result<(), EngineError> {
    let Some((last, earlier)) = intents.split_last() else {
        return Ok(());
    };
    for intent in earlier {
        ctx.event(
            command.key,
            RecordValue::UserTask(*intent, Box::new(record.clone())),
        )?;
    }
    ctx.event_answering(
        command,
        command.key,
        RecordValue::UserTask(*last, Box::new(record)),
    )
}

pub(crate) fn complete(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &UserTaskRecord,
) -> Result<(), EngineError> {
    let Some(mut record) = require_task(ctx, command, "complete")? else {
        return Ok(());
    };
    record.variables = value.variables.clone();
    record.action = action_or(value, "complete");
    let element_instance_key = record.element_instance_key;
    transition(
        ctx,
        command,
        record,
        &[UserTaskIntent::Completing, UserTaskIntent::Completed],
    )?;
    transitions::complete_if_active(ctx, element_instance_key)
}

pub(crate) fn assign(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &UserTaskRecord,
) -> Result<(), EngineError> {
    let Some(mut record) = require_task(ctx, command, "assign")? else {
        return Ok(());
    };
    if record.assignee != value.assignee {
        record.assignee = value.assignee.clone();
        record.changed_attributes = vec![attribute::ASSIGNEE.to_string()];
    }
    record.action = action_or(value, "assign");
    transition(
        ctx,
        command,
        record,
        &[UserTaskIntent::Assigning, UserTaskIntent::Assigned],
    )
}

pub(crate) fn claim(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &UserTaskRecord,
) -> Result<(), EngineError> {
    let Some(mut record) = require_task(ctx, command, "claim")? else {
        return Ok(());
    };
    let key = command.key;
    if value.assignee.trim().is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!("Expected to claim user task with key '{key}', but provided assignee is empty"),
        );
        return Ok(());
    }
    if !record.assignee.trim().is_empty() && record.assignee != value.assignee {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to claim user task with key '{key}', but it has already been assigned"
            ),
        );
        return Ok(());
    }
    if record.assignee != value.assignee {
        record.assignee = value.assignee.clone();
        record.changed_attributes = vec![attribute::ASSIGNEE.to_string()];
    }
    record.action = action_or(value, "claim");
    transition(
        ctx,
        command,
        record,
        &[UserTaskIntent::Claiming, UserTaskIntent::Assigned],
    )
}

pub(crate) fn update(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &UserTaskRecord,
) -> Result<(), EngineError> {
    let Some(mut record) = require_task(ctx, command, "update")? else {
        return Ok(());
    };
    let mut changed = Vec::new();
    for name in &value.changed_attributes {
        if changed.contains(name) {
            continue;
        }
        let did_change = match name.as_str() {
            attribute::ASSIGNEE => replace(&mut record.assignee, &value.assignee),
            attribute::CANDIDATE_GROUPS => replace(
                &mut record.candidate_groups_list,
                &value.candidate_groups_list,
            ),
            attribute::CANDIDATE_USERS => replace(
                &mut record.candidate_users_list,
                &value.candidate_users_list,
            ),
            attribute::DUE_DATE => replace(&mut record.due_date, &value.due_date),
            attribute::FOLLOW_UP_DATE => replace(&mut record.follow_up_date, &value.follow_up_date),
            attribute::PRIORITY => replace(&mut record.priority, &value.priority),
            // Zeebe ignores attributes it does not know.
            _ => false,
        };
        if did_change {
            changed.push(name.clone());
        }
    }
    record.changed_attributes = changed;
    record.action = action_or(value, "update");
    transition(
        ctx,
        command,
        record,
        &[UserTaskIntent::Updating, UserTaskIntent::Updated],
    )
}

/// Sets `slot` to `value`; whether that changed it.
fn replace<T: PartialEq + Clone>(slot: &mut T, value: &T) -> bool {
    if slot == value {
        return false;
    }
    *slot = value.clone();
    true
}
