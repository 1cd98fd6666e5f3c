//! Job THROW_ERROR: JOB ERROR_THROWN, then the error is caught by the innermost matching error boundary
//! event or error event sub-process; if nothing catches it, an UNHANDLED_ERROR_EVENT incident is raised
//! (resolving it makes the job activatable again).

use super::{require_job, WORKABLE};
use crate::error::EngineError;
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::bpmn::errors;
use crate::processing::Ctx;
use crate::state::element_instances;
use hornet_protocol::value::{ErrorType, JobRecord};
use hornet_protocol::{JobIntent, Record, RecordValue};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobRecord,
) -> Result<(), EngineError> {
    let Some(job) = require_job(ctx, command, "throw an error for", WORKABLE)? else {
        return Ok(());
    };
    let mut record = job.record;
    record.error_code = value.error_code.clone();
    record.error_message = value.error_message.clone();
    record.variables = value.variables.clone();
    record.deadline = -1;
    let element_instance_key = record.element_instance_key;
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::ErrorThrown, Box::new(record)),
    )?;
    let Some(instance) = element_instances::get_instance(&ctx.state, element_instance_key)? else {
        return Ok(());
    };
    let variables = (!value.variables.is_empty()).then(|| value.variables.as_str().to_string());
    if !errors::throw_error(ctx, &instance, &value.error_code, variables.as_deref())? {
        incidents::raise(
            ctx,
            instance.key,
            &instance.record,
            command.key,
            Failure::new(
                ErrorType::UnhandledErrorEvent,
                errors::unhandled_message(&value.error_code, &value.error_message),
            ),
        )?;
    }
    Ok(())
}
