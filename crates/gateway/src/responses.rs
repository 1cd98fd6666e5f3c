//! Answer records to gRPC responses.
//!
//! The partition answers a command with an event or a rejection. A rejection becomes Zeebe's status; an
//! event of the expected kind becomes the response; anything else is a broker bug and becomes `INTERNAL`.

use crate::status::{rejection_status, unexpected_answer};
use hornet_api::gateway_protocol as pb;
use hornet_protocol::value::{DecisionEvaluationRecord, EvaluatedDecisionValue, JobRecord};
use hornet_protocol::{
    DecisionEvaluationIntent, DeploymentIntent, JobBatchIntent, Key, ProcessInstanceCreationIntent,
    ProcessInstanceResultIntent, Record, RecordKind, RecordValue, ValueType,
};
use tonic::Status;

/// The answer as an event, or the rejection as a status.
fn event(rpc: &str, answer: Record) -> Result<Record, Status> {
    match &answer.kind {
        RecordKind::Rejection(rejection) => Err(rejection_status(answer.intent_name(), rejection)),
        RecordKind::Event => Ok(answer),
        RecordKind::Command => Err(unexpected_answer(
            rpc,
            answer.value_type().as_str(),
            "command",
        )),
    }
}

fn unexpected(rpc: &str, answer: &Record) -> Status {
    unexpected_answer(rpc, answer.value_type().as_str(), answer.intent_name())
}

/// Processes first, then decisions, then decision requirements, as Zeebe lists them.
pub fn deploy_resource(answer: Record) -> Result<pb::DeployResourceResponse, Status> {
    let answer = event("DeployResource", answer)?;
    match answer.value {
        RecordValue::Deployment(DeploymentIntent::Created, deployment) => {
            let processes = deployment.processes_metadata.into_iter().map(|process| {
                pb::deployment::Metadata::Process(pb::ProcessMetadata {
                    bpmn_process_id: process.bpmn_process_id,
                    version: process.version,
                    process_definition_key: process.process_definition_key.get(),
                    resource_name: process.resource_name,
                    tenant_id: process.tenant_id,
                })
            });
            let decisions = deployment.decisions_metadata.into_iter().map(|decision| {
                pb::deployment::Metadata::Decision(pb::DecisionMetadata {
                    dmn_decision_id: decision.decision_id,
                    dmn_decision_name: decision.decision_name,
                    version: decision.version,
                    decision_key: decision.decision_key.get(),
                    dmn_decision_requirements_id: decision.decision_requirements_id,
                    decision_requirements_key: decision.decision_requirements_key.get(),
                    tenant_id: decision.tenant_id,
                })
            });
            let drgs = deployment
                .decision_requirements_metadata
                .into_iter()
                .map(|drg| {
                    pb::deployment::Metadata::DecisionRequirements(
                        pb::DecisionRequirementsMetadata {
                            dmn_decision_requirements_id: drg.decision_requirements_id,
                            dmn_decision_requirements_name: drg.decision_requirements_name,
                            version: drg.decision_requirements_version,
                            decision_requirements_key: drg.decision_requirements_key.get(),
                            resource_name: drg.resource_name,
                            tenant_id: drg.tenant_id,
                        },
                    )
                });
            Ok(pb::DeployResourceResponse {
                key: answer.key.get(),
                deployments: processes
                    .chain(decisions)
                    .chain(drgs)
                    .map(|metadata| pb::Deployment {
                        metadata: Some(metadata),
                    })
                    .collect(),
                tenant_id: deployment.tenant_id,
            })
        }
        _ => Err(unexpected("DeployResource", &answer)),
    }
}

/// Both EVALUATED and FAILED answer the request: a failed evaluation is a result with
/// `failedDecisionId` and `failureMessage` set, as in Zeebe.
pub fn evaluate_decision(answer: Record) -> Result<pb::EvaluateDecisionResponse, Status> {
    let answer = event("EvaluateDecision", answer)?;
    match answer.value {
        RecordValue::DecisionEvaluation(
            DecisionEvaluationIntent::Evaluated | DecisionEvaluationIntent::Failed,
            evaluation,
        ) => Ok(evaluation_response(answer.key, *evaluation)),
        _ => Err(unexpected("EvaluateDecision", &answer)),
    }
}

fn evaluation_response(
    key: Key,
    evaluation: DecisionEvaluationRecord,
) -> pb::EvaluateDecisionResponse {
    pb::EvaluateDecisionResponse {
        decision_key: evaluation.decision_key.get(),
        decision_id: evaluation.decision_id,
        decision_name: evaluation.decision_name,
        decision_version: evaluation.decision_version,
        decision_requirements_id: evaluation.decision_requirements_id,
        decision_requirements_key: evaluation.decision_requirements_key.get(),
        decision_output: evaluation.decision_output,
        evaluated_decisions: evaluation
            .evaluated_decisions
            .into_iter()
            .map(evaluated_decision)
            .collect(),
        failed_decision_id: evaluation.failed_decision_id,
        failure_message: evaluation.evaluation_failure_message,
        tenant_id: evaluation.tenant_id,
        decision_instance_key: key.get(),
        decision_evaluation_key: key.get(),
    }
}

fn evaluated_decision(decision: EvaluatedDecisionValue) -> pb::EvaluatedDecision {
    pb::EvaluatedDecision {
        decision_key: decision.decision_key.get(),
        decision_id: decision.decision_id,
        decision_name: decision.decision_name,
        decision_version: decision.decision_version,
        decision_type: decision.decision_type,
        decision_output: decision.decision_output,
        matched_rules: decision
            .matched_rules
            .into_iter()
            .map(|rule| pb::MatchedDecisionRule {
                rule_id: rule.rule_id,
                rule_index: rule.rule_index,
                evaluated_outputs: rule
                    .evaluated_outputs
                    .into_iter()
                    .map(|output| pb::EvaluatedDecisionOutput {
                        output_id: output.output_id,
                        output_name: output.output_name,
                        output_value: output.output_value,
                    })
                    .collect(),
            })
            .collect(),
        evaluated_inputs: decision
            .evaluated_inputs
            .into_iter()
            .map(|input| pb::EvaluatedDecisionInput {
                input_id: input.input_id,
                input_name: input.input_name,
                input_value: input.input_value,
            })
            .collect(),
        tenant_id: decision.tenant_id,
        decision_evaluation_instance_key: decision.decision_evaluation_instance_key,
    }
}

pub fn create_process_instance(
    answer: Record,
) -> Result<pb::CreateProcessInstanceResponse, Status> {
    let answer = event("CreateProcessInstance", answer)?;
    match answer.value {
        RecordValue::ProcessInstanceCreation(ProcessInstanceCreationIntent::Created, created) => {
            Ok(pb::CreateProcessInstanceResponse {
                process_definition_key: created.process_definition_key.get(),
                bpmn_process_id: created.bpmn_process_id,
                version: created.version,
                process_instance_key: created.process_instance_key.get(),
                tenant_id: created.tenant_id,
                tags: Vec::new(),
            })
        }
        _ => Err(unexpected("CreateProcessInstance", &answer)),
    }
}

pub fn create_process_instance_with_result(
    answer: Record,
) -> Result<pb::CreateProcessInstanceWithResultResponse, Status> {
    let answer = event("CreateProcessInstanceWithResult", answer)?;
    match answer.value {
        RecordValue::ProcessInstanceResult(ProcessInstanceResultIntent::Completed, result) => {
            Ok(pb::CreateProcessInstanceWithResultResponse {
                process_definition_key: result.process_definition_key.get(),
                bpmn_process_id: result.bpmn_process_id,
                version: result.version,
                process_instance_key: result.process_instance_key.get(),
                variables: result.variables.as_str().to_owned(),
                tenant_id: result.tenant_id,
                tags: Vec::new(),
            })
        }
        _ => Err(unexpected("CreateProcessInstanceWithResult", &answer)),
    }
}

/// The answer must be an event of `value_type`; the response carries nothing (or only the record key).
pub fn acknowledged(rpc: &str, value_type: ValueType, answer: Record) -> Result<Key, Status> {
    let answer = event(rpc, answer)?;
    if answer.value_type() == value_type {
        Ok(answer.key)
    } else {
        Err(unexpected(rpc, &answer))
    }
}

/// The jobs of a `JobBatch ACTIVATED` answer.
pub fn activated_jobs(answer: Record) -> Result<Vec<pb::ActivatedJob>, Status> {
    let answer = event("ActivateJobs", answer)?;
    match answer.value {
        RecordValue::JobBatch(JobBatchIntent::Activated, batch) => {
            if batch.job_keys.len() != batch.jobs.len() {
                return Err(Status::internal(format!(
                    "Unexpected error occurred during the request processing: the activated job batch has {} keys for {} jobs",
                    batch.job_keys.len(),
                    batch.jobs.len()
                )));
            }
            Ok(batch
                .job_keys
                .into_iter()
                .zip(batch.jobs)
                .map(|(key, job)| activated_job(key, job))
                .collect())
        }
        _ => Err(unexpected("ActivateJobs", &answer)),
    }
}

pub fn activated_job(key: Key, job: JobRecord) -> pb::ActivatedJob {
    // A map of strings always serializes.
    let custom_headers =
        serde_json::to_string(&job.custom_headers).unwrap_or_else(|_| "{}".to_owned());
    pb::ActivatedJob {
        key: key.get(),
        r#type: job.job_type.to_string(),
        process_instance_key: job.process_instance_key.get(),
        bpmn_process_id: job.bpmn_process_id.to_string(),
        process_definition_version: job.process_definition_version,
        process_definition_key: job.process_definition_key.get(),
        element_id: job.element_id.to_string(),
        element_instance_key: job.element_instance_key.get(),
        custom_headers,
        worker: job.worker.to_string(),
        retries: job.retries,
        deadline: job.deadline,
        variables: job.variables.as_str().to_owned(),
        tenant_id: job.tenant_id.to_string(),
        user_task: None,
        kind: pb::activated_job::JobKind::BpmnElement as i32,
        listener_event_type: pb::activated_job::ListenerEventType::Unspecified as i32,
        tags: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::value::{JobBatchRecord, ProcessInstanceCreationRecord};
    use hornet_protocol::{Document, PartitionId, Rejection, RejectionType};
    use std::collections::BTreeMap;
    use tonic::Code;

    fn event_record(key: Key, value: RecordValue) -> Record {
        Record {
            kind: RecordKind::Event,
            ..Record::command(key, value)
        }
    }

    fn creation(intent: ProcessInstanceCreationIntent) -> RecordValue {
        RecordValue::ProcessInstanceCreation(
            intent,
            ProcessInstanceCreationRecord {
                bpmn_process_id: "order".into(),
                version: 3,
                process_definition_key: Key::new(PartitionId(1), 4),
                process_instance_key: Key::new(PartitionId(2), 9),
                variables: Document::empty(),
                fetch_variables: vec![],
                start_instructions: vec![],
                tenant_id: "<default>".into(),
            },
        )
    }

    #[test]
    fn created_event_becomes_the_creation_response() {
        let response = create_process_instance(event_record(
            Key::new(PartitionId(2), 9),
            creation(ProcessInstanceCreationIntent::Created),
        ))
        .unwrap();
        assert_eq!(response.bpmn_process_id, "order");
        assert_eq!(response.version, 3);
        assert_eq!(
            response.process_instance_key,
            Key::new(PartitionId(2), 9).get()
        );
        assert_eq!(response.tenant_id, "<default>");
    }

    #[test]
    fn rejection_carries_the_command_intent_and_reason() {
        let mut record =
            Record::command(Key::NONE, creation(ProcessInstanceCreationIntent::Create));
        record.kind = RecordKind::Rejection(Rejection {
            kind: RejectionType::NotFound,
            reason: "Expected to find process definition with process ID 'x', but none found"
                .into(),
        });
        let status = create_process_instance(record).unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(
            status.message(),
            "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with process ID 'x', but none found"
        );
    }

    #[test]
    fn wrong_answer_is_internal() {
        let status = deploy_resource(event_record(
            Key::NONE,
            creation(ProcessInstanceCreationIntent::Created),
        ))
        .unwrap_err();
        assert_eq!(status.code(), Code::Internal);
    }

    #[test]
    fn activated_jobs_carry_keys_headers_and_variables() {
        let job = JobRecord {
            job_type: "pay".into(),
            worker: "w".into(),
            retries: 3,
            retry_backoff: 0,
            recurring_time: -1,
            deadline: 1234,
            timeout: 1000,
            error_message: String::new(),
            error_code: String::new(),
            custom_headers: BTreeMap::from([("a".to_owned(), "1".to_owned())]),
            variables: Document::parse(r#"{"x":1}"#).unwrap(),
            element_id: "task".into(),
            element_instance_key: Key(11),
            bpmn_process_id: "order".into(),
            process_definition_version: 2,
            process_definition_key: Key(12),
            process_instance_key: Key(13),
            tenant_id: "<default>".into(),
        };
        let batch = JobBatchRecord {
            job_type: "pay".into(),
            worker: "w".into(),
            timeout: 1000,
            max_jobs_to_activate: 5,
            fetch_variables: vec![],
            tenant_ids: vec![],
            job_keys: vec![Key(99)],
            jobs: vec![job],
            truncated: false,
        };
        let jobs = activated_jobs(event_record(
            Key(5),
            RecordValue::JobBatch(JobBatchIntent::Activated, Box::new(batch)),
        ))
        .unwrap();
        assert_eq!(jobs.len(), 1);
        let job = &jobs[0];
        assert_eq!(
            (job.key, job.r#type.as_str(), job.deadline, job.retries),
            (99, "pay", 1234, 3)
        );
        assert_eq!(job.custom_headers, r#"{"a":"1"}"#);
        assert_eq!(job.variables, r#"{"x":1}"#);
        assert_eq!(
            (job.process_instance_key, job.element_instance_key),
            (13, 11)
        );
    }
}
