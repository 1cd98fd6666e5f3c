//! USER_TASK events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::element_instances;
use crate::state::user_tasks::{self, LifecycleState};
use hornet_protocol::value::UserTaskRecord;
use hornet_protocol::{Key, UserTaskIntent};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: UserTaskIntent,
    value: &UserTaskRecord,
) -> Result<(), EngineError> {
    use UserTaskIntent as Intent;
    let lifecycle = match intent {
        Intent::Creating => LifecycleState::Creating,
        Intent::Created | Intent::Assigned | Intent::Updated => LifecycleState::Created,
        Intent::Assigning => LifecycleState::Assigning,
        Intent::Claiming => LifecycleState::Claiming,
        Intent::Updating => LifecycleState::Updating,
        Intent::Completing => LifecycleState::Completing,
        Intent::Canceling => return user_tasks::set_state(state, key, LifecycleState::Canceling),
        Intent::Completed => {
            user_tasks::delete(state, key)?;
            // The completion's variables are merged by the element's output step, as a job's are.
            if !value.variables.is_empty() {
                if let Some(mut instance) =
                    element_instances::get_instance(state, value.element_instance_key)?
                {
                    instance.trigger_variables = Some(value.variables.as_str().to_string());
                    element_instances::put_instance(state, &instance)?;
                }
            }
            return Ok(());
        }
        Intent::Canceled => return user_tasks::delete(state, key),
        // Commands, and events of task listeners and migration, which Hornet does not write.
        Intent::Complete
        | Intent::Assign
        | Intent::Claim
        | Intent::Update
        | Intent::Migrated
        | Intent::CompleteTaskListener
        | Intent::DenyTaskListener
        | Intent::CompletionDenied
        | Intent::Corrected
        | Intent::AssignmentDenied
        | Intent::UpdateDenied
        | Intent::Create
        | Intent::Cancel => return Ok(()),
    };
    user_tasks::set(state, key, lifecycle, value)
}
