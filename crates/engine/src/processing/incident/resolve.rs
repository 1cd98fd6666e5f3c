//! Incident RESOLVE: for a job incident (no retries, or an unhandled error) the job becomes activatable
//! again, which requires retries left; for any other incident the step that failed (the element's
//! activation or completion) runs again, and may raise a new incident.

use crate::error::EngineError;
use crate::processing::behaviour::job_activation;
use crate::processing::bpmn;
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementState};
use crate::state::{incidents, jobs};
use hornet_protocol::{IncidentIntent, Record, RecordValue, RejectionType};

pub(crate) fn process(ctx: &mut Ctx<'_>, command: &Record) -> Result<(), EngineError> {
    let key = command.key;
    let Some(incident) = incidents::get_incident(&ctx.state, key)? else {
        ctx.reject(
            command,
            RejectionType::NotFound,
            format!(
                "Expected to resolve incident with key '{key}', but no such incident was found"
            ),
        );
        return Ok(());
    };
    if !incident.job_key.is_none() {
        if let Some(job) = jobs::get_job(&ctx.state, incident.job_key)? {
            if job.record.retries <= 0 {
                ctx.reject(
                    command,
                    RejectionType::InvalidState,
                    format!(
                        "Expected to resolve incident with key '{}', but job with key '{}' has no retries left. Please update the job retries and retry resolving the incident",
                        key, incident.job_key
                    ),
                );
                return Ok(());
            }
            let job_type = job.record.job_type.clone();
            let job_key = incident.job_key;
            ctx.event_answering(
                command,
                key,
                RecordValue::Incident(IncidentIntent::Resolved, Box::new(incident)),
            )?;
            return job_activation::publish_work(ctx, job_key, &job_type);
        }
    }
    let instance = element_instances::get_instance(&ctx.state, incident.element_instance_key)?;
    let instance = match instance {
        Some(instance)
            if matches!(
                instance.state,
                ElementState::Activating | ElementState::Completing
            ) =>
        {
            instance
        }
        other => {
            let state = other
                .map(|i| i.state.intent().as_str())
                .unwrap_or("NOT_FOUND");
            ctx.reject(
                command,
                RejectionType::InvalidState,
                format!(
                    "Expected incident to refer to element in state ELEMENT_ACTIVATING or ELEMENT_COMPLETING, but element is in state {state}"
                ),
            );
            return Ok(());
        }
    };
    ctx.event_answering(
        command,
        key,
        RecordValue::Incident(IncidentIntent::Resolved, Box::new(incident)),
    )?;
    bpmn::continue_after_incident(ctx, &instance)
}
