//! Job COMPLETE: JOB COMPLETED with the worker's variables, then the job's element completes (the
//! variables are merged there by its output step).

use super::{require_job, WORKABLE};
use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use hornet_protocol::value::JobRecord;
use hornet_protocol::{JobIntent, ProcessInstanceIntent, Record, RecordValue};

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobRecord,
) -> Result<(), EngineError> {
    let Some(job) = require_job(ctx, command, "complete", WORKABLE)? else {
        return Ok(());
    };
    let mut record = job.record;
    record.variables = value.variables.clone();
    let element_instance_key = record.element_instance_key;
    let event = ctx.event(command.key, RecordValue::Job(JobIntent::Completed, record))?;
    ctx.respond(command, &event);
    if let Some(instance) = element_instances::get_instance(&ctx.state, element_instance_key)? {
        if instance.state == ElementState::Activated {
            ctx.follow_up(
                instance.key,
                RecordValue::ProcessInstance(
                    ProcessInstanceIntent::CompleteElement,
                    instance.record,
                ),
            );
        }
    }
    Ok(())
}
