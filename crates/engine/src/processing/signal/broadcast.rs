//! Signal BROADCAST: SIGNAL BROADCASTED. Signal catch events are not supported yet (deployments using
//! them are rejected), so no subscription can exist and a broadcast triggers nothing, which is what
//! Zeebe does for a signal nobody waits for.

use crate::error::EngineError;
use crate::processing::deployment::create::DEFAULT_TENANT;
use crate::processing::Ctx;
use hornet_protocol::value::SignalRecord;
use hornet_protocol::{Record, RecordValue, RejectionType, SignalIntent};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &SignalRecord,
) -> Result<(), EngineError> {
    if value.signal_name.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected to broadcast a signal with a name, but the name was empty",
        );
        return Ok(());
    }
    let mut signal = value.clone();
    if signal.tenant_id.is_empty() {
        signal.tenant_id = DEFAULT_TENANT.to_string();
    }
    let key = ctx.next_key();
    let event = ctx.event(key, RecordValue::Signal(SignalIntent::Broadcasted, signal))?;
    ctx.respond(command, &event);
    Ok(())
}
