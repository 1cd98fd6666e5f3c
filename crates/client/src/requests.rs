//! Arguments of the richer operations and their conversion into protocol requests.
//!
//! Conversions reject locally only what cannot be expressed correctly on the wire: variables
//! that are not JSON objects, durations or counts that overflow the protocol's integer fields,
//! and selectors that would be ambiguous. Semantic checks (blank job type, unknown keys,
//! retries below one, ...) are left to the gateway, which is authoritative for them.

use std::time::Duration;

use serde_json::Value;

use crate::proto;
use crate::variables;
use crate::ClientError;

/// Default job lock timeout of [`ActivateJobs::new`], matching Zeebe's Java client.
pub const DEFAULT_JOB_TIMEOUT: Duration = Duration::from_secs(300);
/// Default batch size of [`ActivateJobs::new`], matching Zeebe's Java client.
pub const DEFAULT_MAX_JOBS: u32 = 32;

/// Which process definition a new instance is created from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessRef {
    /// By BPMN process id; `version: None` selects the latest deployed version.
    Id {
        bpmn_process_id: String,
        version: Option<u32>,
    },
    /// By the unique process definition key returned by a deployment.
    Key(i64),
}

impl ProcessRef {
    /// The latest version of the process with this BPMN process id.
    pub fn latest(bpmn_process_id: impl Into<String>) -> Self {
        Self::Id {
            bpmn_process_id: bpmn_process_id.into(),
            version: None,
        }
    }

    /// A specific version of the process with this BPMN process id.
    pub fn version(bpmn_process_id: impl Into<String>, version: u32) -> Self {
        Self::Id {
            bpmn_process_id: bpmn_process_id.into(),
            version: Some(version),
        }
    }

    /// The process definition with this key.
    pub fn key(process_definition_key: i64) -> Self {
        Self::Key(process_definition_key)
    }
}

/// Which decision `evaluate_decision` evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRef {
    /// The latest version of the decision with this DMN decision id.
    Id(String),
    /// The decision with this key, as returned by a deployment.
    Key(i64),
}

/// The `EvaluateDecision` request for this decision and variables.
pub fn evaluate_decision_request(
    decision: &DecisionRef,
    variables: &Value,
) -> Result<proto::EvaluateDecisionRequest, ClientError> {
    let variables = variables::encode("variables", variables)?;
    match decision {
        DecisionRef::Id(id) if id.trim().is_empty() => Err(ClientError::InvalidArgument {
            argument: "decision_id",
            reason: "must not be blank".into(),
        }),
        DecisionRef::Id(id) => Ok(proto::EvaluateDecisionRequest {
            decision_id: id.clone(),
            variables,
            ..Default::default()
        }),
        DecisionRef::Key(key) if *key <= 0 => Err(ClientError::InvalidArgument {
            argument: "decision_key",
            reason: format!("must be positive, got {key}"),
        }),
        DecisionRef::Key(key) => Ok(proto::EvaluateDecisionRequest {
            decision_key: *key,
            variables,
            ..Default::default()
        }),
    }
}

/// Options of `create_process_instance_with_result`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateWithResult {
    /// Names of the root-scope variables to return; empty returns all of them.
    pub fetch_variables: Vec<String>,
    /// How long the gateway waits for the instance to complete; `None` uses the gateway's
    /// configured request timeout.
    pub request_timeout: Option<Duration>,
}

/// How long an `ActivateJobs` call may wait for jobs to become available.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LongPolling {
    /// The gateway's configured long-polling timeout.
    #[default]
    GatewayDefault,
    /// Answer immediately, possibly with no jobs.
    Disabled,
    /// Wait up to this long (at least one millisecond).
    Timeout(Duration),
}

/// Arguments of `activate_jobs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivateJobs {
    pub job_type: String,
    /// Name of the worker, recorded on the activated jobs.
    pub worker: String,
    /// How long activated jobs stay locked to this worker.
    pub timeout: Duration,
    /// Maximum number of jobs returned.
    pub max_jobs: u32,
    pub long_polling: LongPolling,
    /// Variables to fetch; empty fetches all variables visible to the job.
    pub fetch_variables: Vec<String>,
    /// Tenants to activate jobs for; empty means the default tenant.
    pub tenant_ids: Vec<String>,
}

impl ActivateJobs {
    /// Activation of up to [`DEFAULT_MAX_JOBS`] jobs locked for [`DEFAULT_JOB_TIMEOUT`], using
    /// the gateway's default long polling and fetching all variables.
    pub fn new(job_type: impl Into<String>, worker: impl Into<String>) -> Self {
        Self {
            job_type: job_type.into(),
            worker: worker.into(),
            timeout: DEFAULT_JOB_TIMEOUT,
            max_jobs: DEFAULT_MAX_JOBS,
            long_polling: LongPolling::GatewayDefault,
            fetch_variables: Vec::new(),
            tenant_ids: Vec::new(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_max_jobs(mut self, max_jobs: u32) -> Self {
        self.max_jobs = max_jobs;
        self
    }

    pub fn with_long_polling(mut self, long_polling: LongPolling) -> Self {
        self.long_polling = long_polling;
        self
    }

    pub fn with_fetch_variables<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fetch_variables = names.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_tenant_ids<I, S>(mut self, tenant_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tenant_ids = tenant_ids.into_iter().map(Into::into).collect();
        self
    }

    /// The protocol request for these arguments.
    pub fn to_request(&self) -> Result<proto::ActivateJobsRequest, ClientError> {
        let request_timeout = match self.long_polling {
            LongPolling::GatewayDefault => 0,
            LongPolling::Disabled => -1,
            // 0 would silently mean "gateway default", so sub-millisecond waits are refused.
            LongPolling::Timeout(wait) => positive_millis("long_polling", wait)?,
        };
        Ok(proto::ActivateJobsRequest {
            r#type: self.job_type.clone(),
            worker: self.worker.clone(),
            timeout: millis("timeout", self.timeout)?,
            max_jobs_to_activate: to_i32("max_jobs", self.max_jobs)?,
            fetch_variable: self.fetch_variables.clone(),
            request_timeout,
            tenant_ids: self.tenant_ids.clone(),
        })
    }
}

/// Arguments of `publish_message`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishMessage {
    pub name: String,
    pub correlation_key: String,
    /// How long the message stays buffered for subscriptions that open later; zero means it
    /// only correlates to subscriptions that are already open.
    pub time_to_live: Duration,
    /// Deduplication id: a second message with the same id is rejected while the first one is
    /// still buffered.
    pub message_id: Option<String>,
    /// A JSON object, or `Value::Null` for none.
    pub variables: Value,
}

impl PublishMessage {
    /// A message without time to live, id or variables.
    pub fn new(name: impl Into<String>, correlation_key: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            correlation_key: correlation_key.into(),
            time_to_live: Duration::ZERO,
            message_id: None,
            variables: Value::Null,
        }
    }

    pub fn with_time_to_live(mut self, time_to_live: Duration) -> Self {
        self.time_to_live = time_to_live;
        self
    }

    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    pub fn with_variables(mut self, variables: Value) -> Self {
        self.variables = variables;
        self
    }

    /// The protocol request for these arguments.
    pub fn to_request(&self) -> Result<proto::PublishMessageRequest, ClientError> {
        Ok(proto::PublishMessageRequest {
            name: self.name.clone(),
            correlation_key: self.correlation_key.clone(),
            time_to_live: millis("time_to_live", self.time_to_live)?,
            message_id: self.message_id.clone().unwrap_or_default(),
            variables: variables::encode("variables", &self.variables)?,
            tenant_id: String::new(),
        })
    }
}

/// One file of a deployment; its name's extension (`.bpmn`, `.dmn`, `.form`) tells the
/// gateway how to parse it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFile {
    pub name: String,
    pub content: Vec<u8>,
}

impl ResourceFile {
    pub fn new(name: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            content: content.into(),
        }
    }
}

/// The `DeployResource` request for these files.
pub fn deploy_request(
    resources: Vec<ResourceFile>,
) -> Result<proto::DeployResourceRequest, ClientError> {
    if resources.is_empty() {
        return Err(ClientError::InvalidArgument {
            argument: "resources",
            reason: "a deployment needs at least one resource".into(),
        });
    }
    Ok(proto::DeployResourceRequest {
        resources: resources
            .into_iter()
            .map(|r| proto::Resource {
                name: r.name,
                content: r.content,
            })
            .collect(),
        tenant_id: String::new(),
    })
}

/// The `CreateProcessInstance` request for this process and variables.
pub fn create_instance_request(
    process: &ProcessRef,
    variables: &Value,
) -> Result<proto::CreateProcessInstanceRequest, ClientError> {
    let variables = variables::encode("variables", variables)?;
    let request = match process {
        ProcessRef::Id {
            bpmn_process_id,
            version,
        } => {
            if bpmn_process_id.trim().is_empty() {
                return Err(ClientError::InvalidArgument {
                    argument: "bpmn_process_id",
                    reason: "must not be blank".into(),
                });
            }
            let version = match version {
                None => -1,
                Some(0) => {
                    return Err(ClientError::InvalidArgument {
                        argument: "version",
                        reason: "process versions start at 1".into(),
                    })
                }
                Some(v) => to_i32("version", *v)?,
            };
            proto::CreateProcessInstanceRequest {
                bpmn_process_id: bpmn_process_id.clone(),
                version,
                variables,
                ..Default::default()
            }
        }
        ProcessRef::Key(key) => {
            // Key 0 is the protocol's "unset", which would make the gateway fall back to the
            // (empty) BPMN process id.
            if *key <= 0 {
                return Err(ClientError::InvalidArgument {
                    argument: "process_definition_key",
                    reason: format!("must be positive, got {key}"),
                });
            }
            proto::CreateProcessInstanceRequest {
                process_definition_key: *key,
                variables,
                ..Default::default()
            }
        }
    };
    Ok(request)
}

/// The `CreateProcessInstanceWithResult` request.
pub fn create_with_result_request(
    process: &ProcessRef,
    variables: &Value,
    options: &CreateWithResult,
) -> Result<proto::CreateProcessInstanceWithResultRequest, ClientError> {
    Ok(proto::CreateProcessInstanceWithResultRequest {
        request: Some(create_instance_request(process, variables)?),
        request_timeout: match options.request_timeout {
            None => 0,
            Some(timeout) => positive_millis("request_timeout", timeout)?,
        },
        fetch_variables: options.fetch_variables.clone(),
    })
}

/// Milliseconds of `duration`, as the protocol's `int64`.
pub(crate) fn millis(argument: &'static str, duration: Duration) -> Result<i64, ClientError> {
    i64::try_from(duration.as_millis()).map_err(|_| ClientError::InvalidArgument {
        argument,
        reason: format!("{duration:?} does not fit into an int64 of milliseconds"),
    })
}

/// Like [`millis`], for fields where 0 has a special meaning and must not be produced.
fn positive_millis(argument: &'static str, duration: Duration) -> Result<i64, ClientError> {
    match millis(argument, duration)? {
        0 => Err(ClientError::InvalidArgument {
            argument,
            reason: format!("{duration:?} is shorter than the protocol's 1 ms resolution"),
        }),
        ms => Ok(ms),
    }
}

/// `value` as the protocol's `int32`.
pub(crate) fn to_i32(argument: &'static str, value: u32) -> Result<i32, ClientError> {
    i32::try_from(value).map_err(|_| ClientError::InvalidArgument {
        argument,
        reason: format!("{value} exceeds the protocol's int32 maximum {}", i32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn argument_of(error: ClientError) -> &'static str {
        match error {
            ClientError::InvalidArgument { argument, .. } => argument,
            ClientError::VariablesNotObject { argument, .. } => argument,
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn latest_version_is_requested_as_minus_one() {
        let request =
            create_instance_request(&ProcessRef::latest("order"), &json!({"n": 1})).unwrap();
        assert_eq!(request.bpmn_process_id, "order");
        assert_eq!(request.version, -1);
        assert_eq!(request.process_definition_key, 0);
        assert_eq!(request.variables, r#"{"n":1}"#);
    }

    #[test]
    fn explicit_version_and_key_selectors() {
        let by_version =
            create_instance_request(&ProcessRef::version("order", 3), &Value::Null).unwrap();
        assert_eq!(by_version.version, 3);
        assert_eq!(by_version.variables, "");

        let by_key =
            create_instance_request(&ProcessRef::key(2251799813685249), &Value::Null).unwrap();
        assert_eq!(by_key.process_definition_key, 2251799813685249);
        assert!(by_key.bpmn_process_id.is_empty());
    }

    #[test]
    fn ambiguous_or_unrepresentable_selectors_are_rejected() {
        let cases = [
            (ProcessRef::latest("  "), "bpmn_process_id"),
            (ProcessRef::version("order", 0), "version"),
            (ProcessRef::version("order", u32::MAX), "version"),
            (ProcessRef::key(0), "process_definition_key"),
            (ProcessRef::key(-5), "process_definition_key"),
        ];
        for (process, argument) in cases {
            let error = create_instance_request(&process, &Value::Null).unwrap_err();
            assert_eq!(argument_of(error), argument, "{process:?}");
        }
    }

    #[test]
    fn non_object_variables_are_rejected_before_sending() {
        let error = create_instance_request(&ProcessRef::latest("order"), &json!([1])).unwrap_err();
        assert_eq!(argument_of(error), "variables");
    }

    #[test]
    fn with_result_options_map_to_the_request() {
        let options = CreateWithResult {
            fetch_variables: vec!["total".into()],
            request_timeout: Some(Duration::from_secs(20)),
        };
        let request =
            create_with_result_request(&ProcessRef::latest("order"), &Value::Null, &options)
                .unwrap();
        assert_eq!(request.request_timeout, 20_000);
        assert_eq!(request.fetch_variables, ["total"]);
        assert_eq!(request.request.unwrap().bpmn_process_id, "order");

        let default_timeout = create_with_result_request(
            &ProcessRef::latest("order"),
            &Value::Null,
            &CreateWithResult::default(),
        )
        .unwrap();
        assert_eq!(default_timeout.request_timeout, 0);

        let too_short = CreateWithResult {
            request_timeout: Some(Duration::from_micros(10)),
            ..Default::default()
        };
        let error =
            create_with_result_request(&ProcessRef::latest("order"), &Value::Null, &too_short)
                .unwrap_err();
        assert_eq!(argument_of(error), "request_timeout");
    }

    #[test]
    fn activate_jobs_defaults_and_long_polling_encoding() {
        let request = ActivateJobs::new("ship", "w1").to_request().unwrap();
        assert_eq!(request.r#type, "ship");
        assert_eq!(request.worker, "w1");
        assert_eq!(request.timeout, 300_000);
        assert_eq!(request.max_jobs_to_activate, 32);
        assert_eq!(request.request_timeout, 0);

        let disabled = ActivateJobs::new("ship", "w1")
            .with_long_polling(LongPolling::Disabled)
            .to_request()
            .unwrap();
        assert_eq!(disabled.request_timeout, -1);

        let custom = ActivateJobs::new("ship", "w1")
            .with_long_polling(LongPolling::Timeout(Duration::from_millis(1500)))
            .with_timeout(Duration::from_secs(2))
            .with_max_jobs(5)
            .with_fetch_variables(["a", "b"])
            .with_tenant_ids(["t1"])
            .to_request()
            .unwrap();
        assert_eq!(custom.request_timeout, 1500);
        assert_eq!(custom.timeout, 2000);
        assert_eq!(custom.max_jobs_to_activate, 5);
        assert_eq!(custom.fetch_variable, ["a", "b"]);
        assert_eq!(custom.tenant_ids, ["t1"]);
    }

    #[test]
    fn activate_jobs_rejects_unrepresentable_values() {
        let zero_wait = ActivateJobs::new("ship", "w1")
            .with_long_polling(LongPolling::Timeout(Duration::ZERO))
            .to_request()
            .unwrap_err();
        assert_eq!(argument_of(zero_wait), "long_polling");

        let huge_batch = ActivateJobs::new("ship", "w1")
            .with_max_jobs(u32::MAX)
            .to_request()
            .unwrap_err();
        assert_eq!(argument_of(huge_batch), "max_jobs");

        let huge_timeout = ActivateJobs::new("ship", "w1")
            .with_timeout(Duration::MAX)
            .to_request()
            .unwrap_err();
        assert_eq!(argument_of(huge_timeout), "timeout");
    }

    #[test]
    fn publish_message_request() {
        let request = PublishMessage::new("paid", "order-7")
            .with_time_to_live(Duration::from_secs(60))
            .with_message_id("m-1")
            .with_variables(json!({"amount": 12.5}))
            .to_request()
            .unwrap();
        assert_eq!(request.name, "paid");
        assert_eq!(request.correlation_key, "order-7");
        assert_eq!(request.time_to_live, 60_000);
        assert_eq!(request.message_id, "m-1");
        assert_eq!(request.variables, r#"{"amount":12.5}"#);

        let error = PublishMessage::new("paid", "order-7")
            .with_variables(json!("text"))
            .to_request()
            .unwrap_err();
        assert_eq!(argument_of(error), "variables");
    }

    #[test]
    fn decision_selectors() {
        let by_id =
            evaluate_decision_request(&DecisionRef::Id("dish".into()), &json!({"a": 1})).unwrap();
        assert_eq!(by_id.decision_id, "dish");
        assert_eq!(by_id.decision_key, 0);
        assert_eq!(by_id.variables, r#"{"a":1}"#);
        let by_key = evaluate_decision_request(&DecisionRef::Key(7), &Value::Null).unwrap();
        assert_eq!(by_key.decision_key, 7);
        assert!(by_key.decision_id.is_empty());
        for (decision, argument) in [
            (DecisionRef::Id(String::new()), "decision_id"),
            (DecisionRef::Key(0), "decision_key"),
        ] {
            let error = evaluate_decision_request(&decision, &Value::Null).unwrap_err();
            assert_eq!(argument_of(error), argument);
        }
    }

    #[test]
    fn deployments_need_a_resource() {
        assert_eq!(
            argument_of(deploy_request(Vec::new()).unwrap_err()),
            "resources"
        );
        let request = deploy_request(vec![
            ResourceFile::new("a.bpmn", b"<a/>".to_vec()),
            ResourceFile::new("b.dmn", "<b/>"),
        ])
        .unwrap();
        let names: Vec<_> = request.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a.bpmn", "b.dmn"]);
        assert_eq!(request.resources[1].content, b"<b/>");
    }
}
