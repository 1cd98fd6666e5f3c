//! Message EXPIRE (written by the broker when a buffered message's time to live ended).

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::messages;
use hornet_protocol::{MessageIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let key = command.key;
    let Some(message) = messages::get_message(&ctx.state, key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!("Expected to expire message with key '{key}', but no such message was found"),
        );
        return Ok(());
    };
    if message.deadline > ctx.now {
        ctx.reject(
            command,
            RejectionType::InvalidState,
            format!(
                "Expected to expire message with key '{key}', but it lives until '{}'",
                message.deadline
            ),
        );
        return Ok(());
    }
    ctx.event(key, RecordValue::Message(MessageIntent::Expired, message))?;
    Ok(())
}
