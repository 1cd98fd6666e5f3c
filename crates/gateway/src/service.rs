//! The `gateway_protocol.Gateway` service: validate, build the command, route it, map the answer.

use crate::broker_client::BrokerClient;
use crate::commands::{self, ActivateJobs};
use crate::config::GatewayConfig;
use crate::dispatch::Dispatcher;
use crate::job_stream;
use crate::jobs::{self, LongPolling};
use crate::metrics::GatewayMetrics;
use crate::responses;
use crate::routing::{message_partition, RoundRobin};
use crate::status::unimplemented;
use hornet_api::gateway_protocol as pb;
use hornet_api::gateway_protocol::gateway_server::Gateway;
use hornet_protocol::{Key, PartitionId, Record, ValueType};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Code, Request, Response, Status};
use tracing::Instrument;

/// Deployments and signal broadcasts go to the first partition, which distributes them.
const DISTRIBUTING_PARTITION: PartitionId = PartitionId::FIRST;

/// Jobs a stream may hold for a slow client before activation pauses.
const STREAM_BUFFER: usize = 16;

/// The gateway service; cheap to clone (shared state behind an `Arc`).
#[derive(Clone)]
pub struct GatewayService {
    inner: Arc<Inner>,
}

struct Inner {
    dispatcher: Dispatcher,
    config: GatewayConfig,
    metrics: GatewayMetrics,
    activation_order: RoundRobin,
}

impl GatewayService {
    pub fn new(
        broker: Arc<dyn BrokerClient>,
        config: GatewayConfig,
        metrics: GatewayMetrics,
    ) -> Self {
        GatewayService {
            inner: Arc::new(Inner {
                dispatcher: Dispatcher::new(broker),
                config,
                metrics,
                activation_order: RoundRobin::default(),
            }),
        }
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }

    pub fn metrics(&self) -> &GatewayMetrics {
        &self.inner.metrics
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.inner.config.request_timeout
    }

    /// Sends a key-addressed command to the key's partition and checks that the answer is an event
    /// of `value_type`; returns the event's key.
    async fn execute_acknowledged(
        &self,
        rpc: &'static str,
        key: i64,
        command: Record,
        value_type: ValueType,
    ) -> Result<Key, Status> {
        let answer = self
            .dispatcher()
            .execute_by_key(key, command, self.deadline())
            .await?;
        responses::acknowledged(rpc, value_type, answer)
    }

    fn dispatcher(&self) -> &Dispatcher {
        &self.inner.dispatcher
    }

    /// Runs one unary RPC inside its tracing span and records its outcome (`CANCELLED` when the client
    /// gives up first and the handler is dropped).
    async fn unary<T>(
        &self,
        rpc: &'static str,
        handle: impl Future<Output = Result<T, Status>>,
    ) -> Result<Response<T>, Status> {
        let mut outcome = Outcome {
            service: self,
            rpc,
            started: Instant::now(),
            done: false,
        };
        let result = handle.instrument(tracing::info_span!("gateway", rpc)).await;
        outcome.done = true;
        self.finish(rpc, outcome.started, result.as_ref().err());
        result.map(Response::new)
    }

    fn finish(&self, rpc: &'static str, started: Instant, error: Option<&Status>) {
        let code = error.map_or(Code::Ok, Status::code);
        self.inner.metrics.record(rpc, code, started.elapsed());
        if let Some(status) = error {
            tracing::debug!(rpc, code = ?status.code(), message = status.message(), "request failed");
        }
    }
}

/// Records a unary call that was dropped before it finished.
struct Outcome<'a> {
    service: &'a GatewayService,
    rpc: &'static str,
    started: Instant,
    done: bool,
}

impl Drop for Outcome<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.service.finish(
                self.rpc,
                self.started,
                Some(&Status::cancelled("the client cancelled the request")),
            );
        }
    }
}

pub type ActivateJobsStream =
    Pin<Box<dyn Stream<Item = Result<pb::ActivateJobsResponse, Status>> + Send>>;
pub type StreamActivatedJobsStream =
    Pin<Box<dyn Stream<Item = Result<pb::ActivatedJob, Status>> + Send>>;

#[tonic::async_trait]
impl Gateway for GatewayService {
    type ActivateJobsStream = ActivateJobsStream;
    type StreamActivatedJobsStream = StreamActivatedJobsStream;

    async fn activate_jobs(
        &self,
        request: Request<pb::ActivateJobsRequest>,
    ) -> Result<Response<Self::ActivateJobsStream>, Status> {
        const RPC: &str = "ActivateJobs";
        let started = Instant::now();
        let request = match ActivateJobs::validate(request.into_inner()) {
            Ok(request) => request,
            Err(status) => {
                self.finish(RPC, started, Some(&status));
                return Err(status);
            }
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let service = self.clone();
        let span = tracing::info_span!("gateway", rpc = RPC, job_type = %request.job_type);
        tokio::spawn(
            async move {
                let inner = &service.inner;
                let long_polling = LongPolling {
                    enabled: inner.config.long_polling_enabled,
                    default_timeout: inner.config.long_polling_timeout,
                };
                let result = jobs::activate_jobs(
                    &inner.dispatcher,
                    &inner.activation_order,
                    request,
                    long_polling,
                    inner.config.request_timeout,
                    &tx,
                )
                .await;
                service.finish(RPC, started, result.as_ref().err());
                if let Err(status) = result {
                    // The client may have gone already; nothing else to do then.
                    let _ = tx.send(Err(status)).await;
                }
            }
            .instrument(span),
        );
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn stream_activated_jobs(
        &self,
        request: Request<pb::StreamActivatedJobsRequest>,
    ) -> Result<Response<Self::StreamActivatedJobsStream>, Status> {
        const RPC: &str = "StreamActivatedJobs";
        let started = Instant::now();
        let request = match job_stream::validate(request.into_inner()) {
            Ok(request) => request,
            Err(status) => {
                self.finish(RPC, started, Some(&status));
                return Err(status);
            }
        };
        let (tx, rx) = tokio::sync::mpsc::channel(STREAM_BUFFER);
        let service = self.clone();
        let span = tracing::info_span!("gateway", rpc = RPC, job_type = %request.job_type);
        tokio::spawn(
            async move {
                let inner = &service.inner;
                let result = job_stream::stream_jobs(
                    &inner.dispatcher,
                    &inner.activation_order,
                    request,
                    inner.config.request_timeout,
                    &tx,
                )
                .await;
                service.finish(RPC, started, result.as_ref().err());
                if let Err(status) = result {
                    let _ = tx.send(Err(status)).await;
                }
            }
            .instrument(span),
        );
        Ok(Response::new(Box::pin(job_stream::JobStreamBody::new(
            rx,
            Arc::clone(self.inner.dispatcher.broker()),
        ))))
    }

    async fn cancel_process_instance(
        &self,
        request: Request<pb::CancelProcessInstanceRequest>,
    ) -> Result<Response<pb::CancelProcessInstanceResponse>, Status> {
        self.unary("CancelProcessInstance", async {
            let request = request.into_inner();
            let command = commands::cancel_process_instance(&request);
            self.execute_acknowledged(
                "CancelProcessInstance",
                request.process_instance_key,
                command,
                ValueType::ProcessInstance,
            )
            .await?;
            Ok(pb::CancelProcessInstanceResponse {})
        })
        .await
    }

    async fn complete_job(
        &self,
        request: Request<pb::CompleteJobRequest>,
    ) -> Result<Response<pb::CompleteJobResponse>, Status> {
        self.unary("CompleteJob", async {
            let request = request.into_inner();
            let key = request.job_key;
            let command = commands::complete_job(request)?;
            self.execute_acknowledged("CompleteJob", key, command, ValueType::Job)
                .await?;
            Ok(pb::CompleteJobResponse {})
        })
        .await
    }

    async fn create_process_instance(
        &self,
        request: Request<pb::CreateProcessInstanceRequest>,
    ) -> Result<Response<pb::CreateProcessInstanceResponse>, Status> {
        self.unary("CreateProcessInstance", async {
            let command = commands::create_process_instance(
                "CreateProcessInstance",
                request.into_inner(),
                None,
            )?;
            let answer = self
                .dispatcher()
                .execute_anywhere(command, self.deadline())
                .await?;
            responses::create_process_instance(answer)
        })
        .await
    }

    async fn create_process_instance_with_result(
        &self,
        request: Request<pb::CreateProcessInstanceWithResultRequest>,
    ) -> Result<Response<pb::CreateProcessInstanceWithResultResponse>, Status> {
        const RPC: &str = "CreateProcessInstanceWithResult";
        self.unary(RPC, async {
            let request = request.into_inner();
            let creation = request.request.ok_or_else(|| {
                Status::invalid_argument(
                    "Expected to create a process instance with result, but the request has no 'request' field",
                )
            })?;
            let command = commands::create_process_instance(RPC, creation, Some(request.fetch_variables))?;
            let timeout = match request.request_timeout {
                ms if ms > 0 => Duration::from_millis(ms.unsigned_abs()),
                _ => self.inner.config.request_timeout,
            };
            let answer = self.dispatcher().execute_anywhere(command, Instant::now() + timeout).await?;
            responses::create_process_instance_with_result(answer)
        })
        .await
    }

    async fn evaluate_decision(
        &self,
        request: Request<pb::EvaluateDecisionRequest>,
    ) -> Result<Response<pb::EvaluateDecisionResponse>, Status> {
        // Deployments reach every partition, so any partition can evaluate: spread like creations.
        self.unary("EvaluateDecision", async {
            let command = commands::evaluate_decision(request.into_inner())?;
            let answer = self
                .dispatcher()
                .execute_anywhere(command, self.deadline())
                .await?;
            responses::evaluate_decision(answer)
        })
        .await
    }

    async fn deploy_process(
        &self,
        request: Request<pb::DeployProcessRequest>,
    ) -> Result<Response<pb::DeployProcessResponse>, Status> {
        // Deprecated since Zeebe 8.0 but still used by older tooling (`zbctl deploy FILE`): the same
        // deployment as DeployResource, answered in the old shape.
        self.unary("DeployProcess", async {
            let resources = request
                .into_inner()
                .processes
                .into_iter()
                .map(|p| pb::Resource {
                    name: p.name,
                    content: p.definition,
                })
                .collect();
            let command = commands::deploy_resource(pb::DeployResourceRequest {
                resources,
                tenant_id: String::new(),
            })?;
            self.dispatcher().partitions_count()?;
            let answer = self
                .dispatcher()
                .execute_on(DISTRIBUTING_PARTITION, command, self.deadline())
                .await?;
            let deployed = responses::deploy_resource(answer)?;
            let processes = deployed
                .deployments
                .into_iter()
                .filter_map(|d| match d.metadata {
                    Some(pb::deployment::Metadata::Process(process)) => Some(process),
                    _ => None,
                })
                .collect();
            Ok(pb::DeployProcessResponse {
                key: deployed.key,
                processes,
            })
        })
        .await
    }

    async fn deploy_resource(
        &self,
        request: Request<pb::DeployResourceRequest>,
    ) -> Result<Response<pb::DeployResourceResponse>, Status> {
        self.unary("DeployResource", async {
            let command = commands::deploy_resource(request.into_inner())?;
            self.dispatcher().partitions_count()?;
            let answer = self
                .dispatcher()
                .execute_on(DISTRIBUTING_PARTITION, command, self.deadline())
                .await?;
            responses::deploy_resource(answer)
        })
        .await
    }

    async fn fail_job(
        &self,
        request: Request<pb::FailJobRequest>,
    ) -> Result<Response<pb::FailJobResponse>, Status> {
        self.unary("FailJob", async {
            let request = request.into_inner();
            let key = request.job_key;
            let command = commands::fail_job(request)?;
            self.execute_acknowledged("FailJob", key, command, ValueType::Job)
                .await?;
            Ok(pb::FailJobResponse {})
        })
        .await
    }

    async fn throw_error(
        &self,
        request: Request<pb::ThrowErrorRequest>,
    ) -> Result<Response<pb::ThrowErrorResponse>, Status> {
        self.unary("ThrowError", async {
            let request = request.into_inner();
            let key = request.job_key;
            let command = commands::throw_error(request)?;
            self.execute_acknowledged("ThrowError", key, command, ValueType::Job)
                .await?;
            Ok(pb::ThrowErrorResponse {})
        })
        .await
    }

    async fn publish_message(
        &self,
        request: Request<pb::PublishMessageRequest>,
    ) -> Result<Response<pb::PublishMessageResponse>, Status> {
        self.unary("PublishMessage", async {
            let request = request.into_inner();
            let partition = message_partition(
                &request.correlation_key,
                self.dispatcher().partitions_count()?,
            );
            let command = commands::publish_message(request)?;
            let tenant_id = match &command.value {
                hornet_protocol::RecordValue::Message(_, message) => message.tenant_id.clone(),
                _ => String::new(),
            };
            let answer = self
                .dispatcher()
                .execute_on(partition, command, self.deadline())
                .await?;
            let key = responses::acknowledged("PublishMessage", ValueType::Message, answer)?;
            Ok(pb::PublishMessageResponse {
                key: key.get(),
                tenant_id,
            })
        })
        .await
    }

    async fn resolve_incident(
        &self,
        request: Request<pb::ResolveIncidentRequest>,
    ) -> Result<Response<pb::ResolveIncidentResponse>, Status> {
        self.unary("ResolveIncident", async {
            let request = request.into_inner();
            let command = commands::resolve_incident(&request);
            self.execute_acknowledged(
                "ResolveIncident",
                request.incident_key,
                command,
                ValueType::Incident,
            )
            .await?;
            Ok(pb::ResolveIncidentResponse {})
        })
        .await
    }

    async fn set_variables(
        &self,
        request: Request<pb::SetVariablesRequest>,
    ) -> Result<Response<pb::SetVariablesResponse>, Status> {
        self.unary("SetVariables", async {
            let request = request.into_inner();
            let key = request.element_instance_key;
            let command = commands::set_variables(request)?;
            let key = self
                .execute_acknowledged("SetVariables", key, command, ValueType::VariableDocument)
                .await?;
            Ok(pb::SetVariablesResponse { key: key.get() })
        })
        .await
    }

    async fn topology(
        &self,
        _request: Request<pb::TopologyRequest>,
    ) -> Result<Response<pb::TopologyResponse>, Status> {
        self.unary("Topology", async {
            Ok(self
                .dispatcher()
                .broker()
                .topology()
                .to_response(&self.inner.config.gateway_version))
        })
        .await
    }

    async fn update_job_retries(
        &self,
        request: Request<pb::UpdateJobRetriesRequest>,
    ) -> Result<Response<pb::UpdateJobRetriesResponse>, Status> {
        self.unary("UpdateJobRetries", async {
            let request = request.into_inner();
            let command = commands::update_job_retries(&request);
            self.execute_acknowledged("UpdateJobRetries", request.job_key, command, ValueType::Job)
                .await?;
            Ok(pb::UpdateJobRetriesResponse {})
        })
        .await
    }

    async fn modify_process_instance(
        &self,
        _request: Request<pb::ModifyProcessInstanceRequest>,
    ) -> Result<Response<pb::ModifyProcessInstanceResponse>, Status> {
        self.unary("ModifyProcessInstance", async {
            Err(unimplemented("ModifyProcessInstance"))
        })
        .await
    }

    async fn migrate_process_instance(
        &self,
        _request: Request<pb::MigrateProcessInstanceRequest>,
    ) -> Result<Response<pb::MigrateProcessInstanceResponse>, Status> {
        self.unary("MigrateProcessInstance", async {
            Err(unimplemented("MigrateProcessInstance"))
        })
        .await
    }

    async fn update_job_timeout(
        &self,
        request: Request<pb::UpdateJobTimeoutRequest>,
    ) -> Result<Response<pb::UpdateJobTimeoutResponse>, Status> {
        self.unary("UpdateJobTimeout", async {
            let request = request.into_inner();
            let command = commands::update_job_timeout(&request);
            self.execute_acknowledged("UpdateJobTimeout", request.job_key, command, ValueType::Job)
                .await?;
            Ok(pb::UpdateJobTimeoutResponse {})
        })
        .await
    }

    async fn delete_resource(
        &self,
        _request: Request<pb::DeleteResourceRequest>,
    ) -> Result<Response<pb::DeleteResourceResponse>, Status> {
        self.unary("DeleteResource", async {
            Err(unimplemented("DeleteResource"))
        })
        .await
    }

    async fn broadcast_signal(
        &self,
        request: Request<pb::BroadcastSignalRequest>,
    ) -> Result<Response<pb::BroadcastSignalResponse>, Status> {
        self.unary("BroadcastSignal", async {
            let command = commands::broadcast_signal(request.into_inner())?;
            let tenant_id = match &command.value {
                hornet_protocol::RecordValue::Signal(_, signal) => signal.tenant_id.clone(),
                _ => String::new(),
            };
            self.dispatcher().partitions_count()?;
            let answer = self
                .dispatcher()
                .execute_on(DISTRIBUTING_PARTITION, command, self.deadline())
                .await?;
            let key = responses::acknowledged("BroadcastSignal", ValueType::Signal, answer)?;
            Ok(pb::BroadcastSignalResponse {
                key: key.get(),
                tenant_id,
            })
        })
        .await
    }

    async fn evaluate_conditional(
        &self,
        _request: Request<pb::EvaluateConditionalRequest>,
    ) -> Result<Response<pb::EvaluateConditionalResponse>, Status> {
        self.unary("EvaluateConditional", async {
            Err(unimplemented("EvaluateConditional"))
        })
        .await
    }
}
