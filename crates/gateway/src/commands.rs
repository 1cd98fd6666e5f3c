//! gRPC requests to command records: validation of the fields, then the record the partition processes.
//!
//! Every builder validates first and returns `INVALID_ARGUMENT` (or `UNIMPLEMENTED` for a feature Hornet
//! does not have) without touching the broker.

use crate::status::unimplemented;
use crate::validate::{document, tenant, tenants};
use hornet_api::gateway_protocol as pb;
use hornet_protocol::value::{
    DecisionEvaluationRecord, DeploymentRecord, DeploymentResource, IncidentRecord, JobBatchRecord,
    JobRecord, MessageRecord, ProcessInstanceCreationRecord, ProcessInstanceRecord, SignalRecord,
    SmolStr, VariableDocumentRecord, VariableDocumentUpdateSemantic,
};
use hornet_protocol::{
    BpmnElementType, BpmnEventType, DecisionEvaluationIntent, DeploymentIntent, IncidentIntent,
    JobBatchIntent, JobIntent, Key, MessageIntent, ProcessInstanceCreationIntent,
    ProcessInstanceIntent, Record, RecordValue, SignalIntent, UserTaskIntent,
    VariableDocumentIntent,
};
use tonic::Status;

pub fn deploy_resource(request: pb::DeployResourceRequest) -> Result<Record, Status> {
    let tenant_id = tenant("DeployResource", &request.tenant_id)?;
    if request.resources.is_empty() {
        return Err(Status::invalid_argument(
            "Expected to deploy at least one resource, but none given",
        ));
    }
    let resources = request
        .resources
        .into_iter()
        .map(|r| DeploymentResource {
            resource_name: r.name,
            resource: r.content.into(),
        })
        .collect();
    Ok(Record::command(
        Key::NONE,
        RecordValue::Deployment(
            DeploymentIntent::Create,
            DeploymentRecord {
                resources,
                processes_metadata: Vec::new(),
                tenant_id,
                deployment_key: Key::NONE,
                ..Default::default()
            },
        ),
    ))
}

/// A decision evaluation, by key or else by id (its latest version).
pub fn evaluate_decision(request: pb::EvaluateDecisionRequest) -> Result<Record, Status> {
    let tenant_id = tenant("EvaluateDecision", &request.tenant_id)?;
    if request.decision_id.is_empty() && request.decision_key < 1 {
        return Err(Status::invalid_argument(
            "Expected either a decision id or a valid decision key, but none provided",
        ));
    }
    let variables = document("variables", &request.variables)?;
    let decision_key = if request.decision_key > 0 {
        Key(request.decision_key)
    } else {
        Key::NONE
    };
    Ok(Record::command(
        Key::NONE,
        RecordValue::DecisionEvaluation(
            DecisionEvaluationIntent::Evaluate,
            Box::new(DecisionEvaluationRecord {
                decision_key,
                decision_id: request.decision_id,
                variables,
                tenant_id,
                ..Default::default()
            }),
        ),
    ))
}

/// A creation command; `awaiting_result` selects `CREATE_WITH_AWAITING_RESULT`.
pub fn create_process_instance(
    rpc: &str,
    request: pb::CreateProcessInstanceRequest,
    awaiting_result: Option<Vec<String>>,
) -> Result<Record, Status> {
    let tenant_id = tenant(rpc, &request.tenant_id)?;
    if request.bpmn_process_id.is_empty() && request.process_definition_key <= 0 {
        return Err(Status::invalid_argument(
            "Expected at least a bpmnProcessId or a key greater than -1, but none given",
        ));
    }
    if !request.runtime_instructions.is_empty() {
        return Err(unimplemented(
            "CreateProcessInstance with runtimeInstructions",
        ));
    }
    if !request.tags.is_empty() {
        return Err(unimplemented("CreateProcessInstance with tags"));
    }
    let variables = document("variables", &request.variables)?;
    let start_instructions = request
        .start_instructions
        .into_iter()
        .map(|instruction| {
            if instruction.element_id.is_empty() {
                Err(Status::invalid_argument(
                    "Expected a start instruction to name an element, but its elementId is empty",
                ))
            } else {
                Ok(instruction.element_id)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (intent, fetch_variables) = match awaiting_result {
        Some(fetch) => (
            ProcessInstanceCreationIntent::CreateWithAwaitingResult,
            fetch,
        ),
        None => (ProcessInstanceCreationIntent::Create, Vec::new()),
    };
    let process_definition_key = if request.process_definition_key > 0 {
        Key(request.process_definition_key)
    } else {
        Key::NONE
    };
    Ok(Record::command(
        Key::NONE,
        RecordValue::ProcessInstanceCreation(
            intent,
            ProcessInstanceCreationRecord {
                bpmn_process_id: request.bpmn_process_id,
                version: request.version,
                process_definition_key,
                process_instance_key: Key::NONE,
                variables,
                fetch_variables,
                start_instructions,
                tenant_id,
            },
        ),
    ))
}

pub fn cancel_process_instance(request: &pb::CancelProcessInstanceRequest) -> Record {
    let key = Key(request.process_instance_key);
    Record::command(
        key,
        RecordValue::ProcessInstance(
            ProcessInstanceIntent::Cancel,
            ProcessInstanceRecord {
                bpmn_process_id: SmolStr::default(),
                version: -1,
                process_definition_key: Key::NONE,
                process_instance_key: key,
                element_id: SmolStr::default(),
                flow_scope_key: Key::NONE,
                bpmn_element_type: BpmnElementType::Unspecified,
                bpmn_event_type: BpmnEventType::Unspecified,
                parent_process_instance_key: Key::NONE,
                parent_element_instance_key: Key::NONE,
                tenant_id: SmolStr::default(),
            },
        ),
    )
}

/// Job activation; `max_jobs` is what is still missing from the request's maximum.
#[derive(Clone, Debug)]
pub struct ActivateJobs {
    pub job_type: String,
    pub worker: String,
    pub timeout: i64,
    pub max_jobs_to_activate: i32,
    pub fetch_variables: Vec<String>,
    pub tenant_ids: Vec<String>,
    pub request_timeout: i64,
}

impl ActivateJobs {
    pub fn validate(request: pb::ActivateJobsRequest) -> Result<ActivateJobs, Status> {
        let tenant_ids = tenants("ActivateJobs", &request.tenant_ids)?;
        if request.r#type.trim().is_empty() {
            return Err(Status::invalid_argument(
                "Expected to activate job batch with type to be present, but it was blank",
            ));
        }
        if request.max_jobs_to_activate < 1 {
            return Err(Status::invalid_argument(format!(
                "Expected to activate job batch with max jobs to activate to be greater than zero, but it was '{}'",
                request.max_jobs_to_activate
            )));
        }
        if request.timeout < 1 {
            return Err(Status::invalid_argument(format!(
                "Expected to activate job batch with timeout to be greater than zero, but it was '{}'",
                request.timeout
            )));
        }
        Ok(ActivateJobs {
            job_type: request.r#type,
            worker: request.worker,
            timeout: request.timeout,
            max_jobs_to_activate: request.max_jobs_to_activate,
            fetch_variables: request.fetch_variable,
            tenant_ids,
            request_timeout: request.request_timeout,
        })
    }

    pub fn command(&self, max_jobs: i32) -> Record {
        Record::command(
            Key::NONE,
            RecordValue::JobBatch(
                JobBatchIntent::Activate,
                Box::new(JobBatchRecord {
                    job_type: self.job_type.clone(),
                    worker: self.worker.clone(),
                    timeout: self.timeout,
                    max_jobs_to_activate: max_jobs,
                    fetch_variables: self.fetch_variables.clone(),
                    tenant_ids: self.tenant_ids.clone(),
                    job_keys: Vec::new(),
                    jobs: Vec::new(),
                    truncated: false,
                }),
            ),
        )
    }
}

/// A job command on `job_key`; `fill` sets the fields the intent reads.
fn job_command(intent: JobIntent, job_key: i64, fill: impl FnOnce(&mut JobRecord)) -> Record {
    let mut job = JobRecord::empty();
    fill(&mut job);
    Record::command(Key(job_key), RecordValue::Job(intent, Box::new(job)))
}

pub fn complete_job(request: pb::CompleteJobRequest) -> Result<Record, Status> {
    if request.result.is_some() {
        return Err(unimplemented(
            "CompleteJob with a job result (user task and ad-hoc sub-process listeners)",
        ));
    }
    let variables = document("variables", &request.variables)?;
    Ok(job_command(JobIntent::Complete, request.job_key, |job| {
        job.variables = variables
    }))
}

pub fn fail_job(request: pb::FailJobRequest) -> Result<Record, Status> {
    let variables = document("variables", &request.variables)?;
    Ok(job_command(JobIntent::Fail, request.job_key, |job| {
        job.retries = request.retries;
        job.error_message = request.error_message;
        job.retry_backoff = request.retry_back_off;
        job.variables = variables;
    }))
}

pub fn throw_error(request: pb::ThrowErrorRequest) -> Result<Record, Status> {
    let variables = document("variables", &request.variables)?;
    Ok(job_command(JobIntent::ThrowError, request.job_key, |job| {
        job.error_code = request.error_code;
        job.error_message = request.error_message;
        job.variables = variables;
    }))
}

pub fn update_job_retries(request: &pb::UpdateJobRetriesRequest) -> Record {
    job_command(JobIntent::UpdateRetries, request.job_key, |job| {
        job.retries = request.retries
    })
}

pub fn update_job_timeout(request: &pb::UpdateJobTimeoutRequest) -> Record {
    job_command(JobIntent::UpdateTimeout, request.job_key, |job| {
        job.timeout = request.timeout
    })
}

pub fn set_variables(request: pb::SetVariablesRequest) -> Result<Record, Status> {
    let variables = document("variables", &request.variables)?;
    let update_semantics = if request.local {
        VariableDocumentUpdateSemantic::Local
    } else {
        VariableDocumentUpdateSemantic::Propagate
    };
    Ok(Record::command(
        Key::NONE,
        RecordValue::VariableDocument(
            VariableDocumentIntent::Update,
            VariableDocumentRecord {
                scope_key: Key(request.element_instance_key),
                update_semantics,
                variables,
                process_instance_key: Key::NONE,
                tenant_id: String::new(),
            },
        ),
    ))
}

pub fn resolve_incident(request: &pb::ResolveIncidentRequest) -> Record {
    Record::command(
        Key(request.incident_key),
        RecordValue::Incident(IncidentIntent::Resolve, Box::new(IncidentRecord::empty())),
    )
}

pub fn publish_message(request: pb::PublishMessageRequest) -> Result<Record, Status> {
    let tenant_id = tenant("PublishMessage", &request.tenant_id)?;
    if request.name.is_empty() {
        return Err(Status::invalid_argument(
            "Expected to publish a message with a name, but the name is empty",
        ));
    }
    let variables = document("variables", &request.variables)?;
    Ok(Record::command(
        Key::NONE,
        RecordValue::Message(
            MessageIntent::Publish,
            MessageRecord {
                name: request.name,
                correlation_key: request.correlation_key,
                time_to_live: request.time_to_live,
                message_id: request.message_id,
                variables,
                deadline: -1,
                tenant_id,
            },
        ),
    ))
}

pub fn broadcast_signal(request: pb::BroadcastSignalRequest) -> Result<Record, Status> {
    let tenant_id = tenant("BroadcastSignal", &request.tenant_id)?;
    let variables = document("variables", &request.variables)?;
    Ok(Record::command(
        Key::NONE,
        RecordValue::Signal(
            SignalIntent::Broadcast,
            SignalRecord {
                signal_name: request.signal_name,
                variables,
                tenant_id,
            },
        ),
    ))
}

/// The Zeebe-style rejection reason for a key that names no partition of this cluster, so that the client
/// sees the same NOT_FOUND it would get from the partition for an unknown key.
pub fn unknown_key_reason(command: &Record) -> String {
    let key = command.key.get();
    match &command.value {
        RecordValue::Job(intent, _) => {
            let action = match intent {
                JobIntent::Complete => "complete job",
                JobIntent::Fail => "fail job",
                JobIntent::ThrowError => "throw an error for job",
                JobIntent::UpdateRetries => "update retries for job",
                JobIntent::UpdateTimeout => "update timeout of job",
                _ => "handle job",
            };
            format!("Expected to {action} with key '{key}', but no such job was found")
        }
        RecordValue::ProcessInstance(..) => {
            format!("Expected to cancel a process instance with key '{key}', but no such process was found")
        }
        RecordValue::Incident(..) => {
            format!("Expected to resolve incident with key '{key}', but no such incident was found")
        }
        RecordValue::UserTask(intent, _) => {
            let action = match intent {
                UserTaskIntent::Complete => "complete",
                UserTaskIntent::Assign => "assign",
                UserTaskIntent::Claim => "claim",
                _ => "update",
            };
            format!(
                "Expected to {action} user task with key '{key}', but no such user task was found"
            )
        }
        RecordValue::VariableDocument(_, value) => format!(
            "Expected to update variables for element with key '{}', but no such element was found",
            value.scope_key
        ),
        other => format!(
            "Expected to find an entity with key '{key}' for {}, but none was found",
            other.intent_name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn creation_needs_a_process_id_or_key() {
        let status =
            create_process_instance("CreateProcessInstance", Default::default(), None).unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let record = create_process_instance(
            "CreateProcessInstance",
            pb::CreateProcessInstanceRequest {
                process_definition_key: 5,
                ..Default::default()
            },
            None,
        )
        .unwrap();
        match record.value {
            RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Create, value) => {
                assert_eq!(value.process_definition_key, Key(5));
                assert_eq!(value.tenant_id, "<default>");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn awaiting_result_carries_fetch_variables() {
        let record = create_process_instance(
            "CreateProcessInstanceWithResult",
            pb::CreateProcessInstanceRequest {
                bpmn_process_id: "p".into(),
                version: -1,
                ..Default::default()
            },
            Some(vec!["a".into()]),
        )
        .unwrap();
        match record.value {
            RecordValue::ProcessInstanceCreation(
                ProcessInstanceCreationIntent::CreateWithAwaitingResult,
                v,
            ) => {
                assert_eq!(v.fetch_variables, vec!["a".to_owned()]);
                assert_eq!(v.process_definition_key, Key::NONE);
                assert_eq!(v.version, -1);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn activation_is_validated_like_the_broker_does() {
        let valid = pb::ActivateJobsRequest {
            r#type: "t".into(),
            max_jobs_to_activate: 1,
            timeout: 1000,
            ..Default::default()
        };
        assert!(ActivateJobs::validate(valid.clone()).is_ok());
        let blank = pb::ActivateJobsRequest {
            r#type: " ".into(),
            ..valid.clone()
        };
        assert_eq!(
            ActivateJobs::validate(blank).err().unwrap().code(),
            Code::InvalidArgument
        );
        let none = pb::ActivateJobsRequest {
            max_jobs_to_activate: 0,
            ..valid.clone()
        };
        assert_eq!(
            ActivateJobs::validate(none).err().unwrap().message(),
            "Expected to activate job batch with max jobs to activate to be greater than zero, but it was '0'"
        );
        let no_timeout = pb::ActivateJobsRequest {
            timeout: 0,
            ..valid
        };
        assert!(ActivateJobs::validate(no_timeout).is_err());
    }

    #[test]
    fn fail_job_carries_retries_backoff_and_message() {
        let record = fail_job(pb::FailJobRequest {
            job_key: 9,
            retries: 2,
            error_message: "boom".into(),
            retry_back_off: 100,
            variables: r#"{"x":1}"#.into(),
        })
        .unwrap();
        assert_eq!(record.key, Key(9));
        match record.value {
            RecordValue::Job(JobIntent::Fail, job) => {
                assert_eq!(
                    (job.retries, job.retry_backoff, job.error_message.as_str()),
                    (2, 100, "boom")
                );
                assert_eq!(job.variables.as_str(), r#"{"x":1}"#);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn empty_deployments_are_refused() {
        let status = deploy_resource(Default::default()).unwrap_err();
        assert_eq!(
            status.message(),
            "Expected to deploy at least one resource, but none given"
        );
    }
}
