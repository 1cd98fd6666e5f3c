//! Camunda user tasks (Zeebe's `UserTaskState`).
//!
//! * `90 user-task-key` → [`StoredUserTask`] (lifecycle state and record, without variables).
//! * `91 element-instance-key` → user task key (`i64` BE): the task of a user task element instance.
//!
//! A task lives from USER_TASK CREATING until COMPLETED or CANCELED.

use super::{column, get, key_at, put, KeyBuf};
use crate::error::EngineError;
use crate::kv::{KvRead, KvWrite};
use hornet_protocol::value::UserTaskRecord;
use hornet_protocol::{Document, Key};
use serde::{Deserialize, Serialize};

/// Where a task is in its lifecycle, named as Zeebe names it in rejection messages. Without task
/// listeners every transition ends in the round that starts it, so between rounds a task is `Created`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifecycleState {
    Creating,
    Created,
    Assigning,
    Claiming,
    Updating,
    Completing,
    Canceling,
}

impl LifecycleState {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleState::Creating => "CREATING",
            LifecycleState::Created => "CREATED",
            LifecycleState::Assigning => "ASSIGNING",
            LifecycleState::Claiming => "CLAIMING",
            LifecycleState::Updating => "UPDATING",
            LifecycleState::Completing => "COMPLETING",
            LifecycleState::Canceling => "CANCELING",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredUserTask {
    pub state: LifecycleState,
    pub record: UserTaskRecord,
}

fn task_key(key: Key) -> Vec<u8> {
    KeyBuf::new(column::USER_TASK).key(key).build()
}

fn by_element_key(element_instance: Key) -> Vec<u8> {
    KeyBuf::new(column::USER_TASK_BY_ELEMENT)
        .key(element_instance)
        .build()
}

pub fn get_user_task(kv: &dyn KvRead, key: Key) -> Result<Option<StoredUserTask>, EngineError> {
    get(kv, "user task", &task_key(key))
}

/// The task of a user task element instance, if it has one.
pub fn of_element_instance(
    kv: &dyn KvRead,
    element_instance: Key,
) -> Result<Option<Key>, EngineError> {
    Ok(kv
        .get(&by_element_key(element_instance))?
        .and_then(|bytes| key_at(&bytes, 0)))
}

/// Writes a task in `state` (variables are not kept: they belong to the completion only).
pub fn set(
    kv: &mut dyn KvWrite,
    key: Key,
    state: LifecycleState,
    record: &UserTaskRecord,
) -> Result<(), EngineError> {
    let mut record = record.clone();
    record.variables = Document::empty();
    kv.put(
        &by_element_key(record.element_instance_key),
        &key.to_be_bytes(),
    );
    put(
        kv,
        "user task",
        &task_key(key),
        &StoredUserTask { state, record },
    )
}

/// Changes the lifecycle state of a stored task (keeping its record).
pub fn set_state(kv: &mut dyn KvWrite, key: Key, state: LifecycleState) -> Result<(), EngineError> {
    if let Some(task) = get_user_task(kv, key)? {
        set(kv, key, state, &task.record)?;
    }
    Ok(())
}

pub fn delete(kv: &mut dyn KvWrite, key: Key) -> Result<(), EngineError> {
    if let Some(task) = get_user_task(kv, key)? {
        kv.delete(&by_element_key(task.record.element_instance_key));
        kv.delete(&task_key(key));
    }
    Ok(())
}
