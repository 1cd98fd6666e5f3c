//! Job FAIL: with retries left the job becomes activatable again (after the back-off, if any); with none
//! an incident JOB_NO_RETRIES is raised on its element. Variables sent with the failure are set locally
//! on the job's element instance.

use super::{require_job, WORKABLE};
use crate::error::EngineError;
use crate::processing::behaviour::job_activation;
use crate::processing::behaviour::variables::{merge_local, VariableOwner};
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::Ctx;
use crate::state::element_instances;
use hornet_protocol::value::{ErrorType, JobRecord};
use hornet_protocol::{JobIntent, Record, RecordValue};

pub(crate) const NO_RETRIES_LEFT: &str = "No more retries left.";

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &JobRecord,
) -> Result<(), EngineError> {
    let Some(job) = require_job(ctx, command, "fail", WORKABLE)? else {
        return Ok(());
    };
    let mut record = job.record;
    record.retries = value.retries;
    record.error_message = value.error_message.clone();
    record.retry_backoff = value.retry_backoff.max(0);
    record.deadline = -1;
    record.recurring_time = if value.retries > 0 && value.retry_backoff > 0 {
        ctx.now.saturating_add(value.retry_backoff)
    } else {
        -1
    };
    record.variables = value.variables.clone();
    let job_type = record.job_type.clone();
    let element_instance_key = record.element_instance_key;
    let error_message = record.error_message.clone();
    let backoff = record.recurring_time >= 0;
    ctx.event_answering(
        command,
        command.key,
        RecordValue::Job(JobIntent::Failed, Box::new(record)),
    )?;
    // Variables sent with the failure become local variables of the job's element, as in Zeebe.
    if !value.variables.is_empty() {
        if let Some(instance) = element_instances::get_instance(&ctx.state, element_instance_key)? {
            let owner = VariableOwner {
                process_instance_key: instance.record.process_instance_key,
                process_definition_key: instance.record.process_definition_key,
                bpmn_process_id: instance.record.bpmn_process_id,
                tenant_id: instance.record.tenant_id,
            };
            merge_local(ctx, &owner, instance.key, &value.variables.to_map())?;
        }
    }
    if value.retries > 0 {
        if !backoff {
            job_activation::publish_work(ctx, command.key, &job_type)?;
        }
        return Ok(());
    }
    if let Some(instance) = element_instances::get_instance(&ctx.state, element_instance_key)? {
        let message = if error_message.is_empty() {
            NO_RETRIES_LEFT.to_string()
        } else {
            error_message
        };
        incidents::raise(
            ctx,
            instance.key,
            &instance.record,
            command.key,
            Failure::new(ErrorType::JobNoRetries, message),
        )?;
    }
    Ok(())
}
