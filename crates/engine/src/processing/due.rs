//! Scheduled work as commands: job time-outs (Job TIME_OUT), ended retry back-offs (Job
//! RECUR_AFTER_BACKOFF), due timers (Timer TRIGGER) and expired messages (Message EXPIRE), read from the
//! ordered due-date indexes. The commands carry `timestamp = now`; their processors check again that the
//! work is due, so duplicates are rejected harmlessly.

use crate::error::EngineError;
use crate::kv::KvRead;
use crate::state::{jobs, messages, timers};
use hornet_protocol::{JobIntent, Key, MessageIntent, Record, RecordValue, TimerIntent};

pub(crate) fn due_commands(
    state: &dyn KvRead,
    now: i64,
    limit: usize,
) -> Result<Vec<Record>, EngineError> {
    let mut due: Vec<(i64, u8, Key)> = Vec::new();
    for (time, key) in jobs::timed_out(state, now, limit)? {
        due.push((time, 0, key));
    }
    for (time, key) in jobs::backoff_due(state, now, limit)? {
        due.push((time, 1, key));
    }
    for (time, key) in timers::due(state, now, limit)? {
        due.push((time, 2, key));
    }
    for (time, key) in messages::expired(state, now, limit)? {
        due.push((time, 3, key));
    }
    due.sort();
    due.truncate(limit);
    let mut commands = Vec::with_capacity(due.len());
    for (_, kind, key) in due {
        let value = match kind {
            0 | 1 => {
                let Some(job) = jobs::get_job(state, key)? else {
                    continue;
                };
                let intent = if kind == 0 {
                    JobIntent::TimeOut
                } else {
                    JobIntent::RecurAfterBackoff
                };
                RecordValue::Job(intent, Box::new(job.record))
            }
            2 => {
                let Some(timer) = timers::get_timer(state, key)? else {
                    continue;
                };
                RecordValue::Timer(TimerIntent::Trigger, timer)
            }
            _ => {
                let Some(message) = messages::get_message(state, key)? else {
                    continue;
                };
                RecordValue::Message(MessageIntent::Expire, message)
            }
        };
        let mut command = Record::command(key, value);
        command.timestamp = now;
        commands.push(command);
    }
    Ok(commands)
}

pub(crate) fn next_due(state: &dyn KvRead) -> Result<Option<i64>, EngineError> {
    let candidates = [
        jobs::earliest_deadline(state)?,
        jobs::earliest_backoff(state)?,
        timers::earliest(state)?,
        messages::earliest_deadline(state)?,
    ];
    Ok(candidates.into_iter().flatten().min())
}
