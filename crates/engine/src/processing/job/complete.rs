//! Job COMPLETE: JOB COMPLETED with the worker's variables, then the job's element completes (the
//! variables are merged there by its output step).

use super::{require_job, WORKABLE};
use crate::error::EngineError;
use crate::processing::bpmn::transitions;
use crate::processing::Ctx;
use hornet_protocol::value::JobRecord;
use hornet_protocol::{JobIntent, Record, RecordValue};

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
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::Completed, Box::new(record)),
    )?;
    transitions::complete_if_active(ctx, element_instance_key)
}
