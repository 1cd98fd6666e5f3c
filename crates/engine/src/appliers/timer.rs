//! TIMER events.

use crate::error::EngineError;
use crate::kv::KvWrite;
use crate::state::timers;
use hornet_protocol::value::TimerRecord;
use hornet_protocol::{Key, TimerIntent};

pub(super) fn apply(
    state: &mut dyn KvWrite,
    key: Key,
    intent: TimerIntent,
    value: &TimerRecord,
) -> Result<(), EngineError> {
    match intent {
        TimerIntent::Created => timers::insert(state, key, value),
        TimerIntent::Triggered | TimerIntent::Canceled => timers::remove(state, key),
        TimerIntent::Trigger => Ok(()),
    }
}
