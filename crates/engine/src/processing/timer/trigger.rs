//! Timer TRIGGER (written by the broker when a timer is due): TIMER TRIGGERED, then the waiting
//! intermediate catch event completes, or the boundary event fires (a non-interrupting boundary timer
//! with a cycle, `R[n]/<duration>` or cron, is scheduled again while repetitions are left).

use crate::error::EngineError;
use crate::processing::bpmn::{events, start_events};
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use crate::state::timers;
use hornet_protocol::{ProcessInstanceIntent, Record, RecordValue, RejectionType, TimerIntent};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let key = command.key;
    let Some(timer) = timers::get_timer(&ctx.state, key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!("Expected to trigger timer with key '{key}', but no such timer was found"),
        );
        return Ok(());
    };
    if timer.due_date > ctx.now {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to trigger timer with key '{key}', but it is only due at '{}'",
                timer.due_date
            ),
        );
        return Ok(());
    }
    if timer.element_instance_key.is_none() {
        return start_events::trigger_timer(ctx, key, &timer);
    }
    let instance = element_instances::get_instance(&ctx.state, timer.element_instance_key)?
        .filter(|instance| instance.state == ElementState::Activated);
    let Some(instance) = instance else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to trigger timer with key '{key}', but its element instance '{}' is not active",
                timer.element_instance_key
            ),
        );
        return Ok(());
    };
    ctx.event(
        key,
        RecordValue::Timer(TimerIntent::Triggered, timer.clone()),
    )?;
    if timer.target_element_id == instance.record.element_id {
        ctx.follow_up(
            instance.key,
            RecordValue::ProcessInstance(ProcessInstanceIntent::CompleteElement, instance.record),
        );
        return Ok(());
    }
    if !events::is_interrupting(ctx, &instance, &timer.target_element_id)? {
        events::reschedule_cycle(ctx, &instance, &timer)?;
    }
    events::trigger_catch(ctx, &instance, &timer.target_element_id, None)
}
