//! The [`Client`] and its one-method-per-RPC operations.

use std::time::Duration;

use hornet_api::gateway_protocol::gateway_client::GatewayClient;
use serde_json::Value;
use tonic::transport::{Channel, Endpoint};

use crate::proto;
use crate::requests::{
    self, create_instance_request, create_with_result_request, deploy_request,
    evaluate_decision_request, ActivateJobs, CreateWithResult, DecisionRef, ProcessRef,
    PublishMessage, ResourceFile,
};
use crate::variables;
use crate::ClientError;

/// A connection to a gateway. Cloning is cheap and clones share the underlying HTTP/2 channel,
/// so one client can serve many concurrent tasks.
#[derive(Debug, Clone)]
pub struct Client {
    inner: GatewayClient<Channel>,
}

impl Client {
    /// Connects to the gateway at `address` (`host:port`, or a full `http://` / `https://`
    /// URI), failing if no connection can be established.
    pub async fn connect(address: &str) -> Result<Self, ClientError> {
        let endpoint = endpoint(address)?;
        let channel = endpoint
            .connect()
            .await
            .map_err(|source| ClientError::Connect {
                address: address.to_owned(),
                source,
            })?;
        Ok(Self::from_channel(channel))
    }

    /// Like [`Client::connect`], but connects on first use (and reconnects after failures);
    /// connection problems then surface as `Unavailable` RPC errors. Must be called inside a
    /// Tokio runtime.
    pub fn connect_lazy(address: &str) -> Result<Self, ClientError> {
        Ok(Self::from_channel(endpoint(address)?.connect_lazy()))
    }

    /// A client over an existing channel (e.g. one configured with TLS or timeouts).
    pub fn from_channel(channel: Channel) -> Self {
        Self {
            inner: GatewayClient::new(channel),
        }
    }

    /// The generated client, for RPCs or request fields this wrapper does not cover.
    pub fn raw(&self) -> GatewayClient<Channel> {
        self.inner.clone()
    }

    /// The cluster topology as seen by the gateway.
    pub async fn topology(&self) -> Result<proto::TopologyResponse, ClientError> {
        self.inner
            .clone()
            .topology(proto::TopologyRequest {})
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("Topology", status))
    }

    /// Deploys a single resource; see [`Client::deploy_resources`].
    pub async fn deploy_resource(
        &self,
        name: impl Into<String>,
        content: impl Into<Vec<u8>>,
    ) -> Result<proto::DeployResourceResponse, ClientError> {
        self.deploy_resources([ResourceFile::new(name, content)])
            .await
    }

    /// Deploys resources atomically: either all of them are deployed or none.
    pub async fn deploy_resources(
        &self,
        resources: impl IntoIterator<Item = ResourceFile>,
    ) -> Result<proto::DeployResourceResponse, ClientError> {
        let request = deploy_request(resources.into_iter().collect())?;
        self.inner
            .clone()
            .deploy_resource(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("DeployResource", status))
    }

    /// Deletes a deployed process definition, decision requirements graph or form.
    pub async fn delete_resource(&self, resource_key: i64) -> Result<(), ClientError> {
        let request = proto::DeleteResourceRequest {
            resource_key,
            operation_reference: None,
        };
        self.inner
            .clone()
            .delete_resource(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("DeleteResource", status))
    }

    /// Evaluates a decision with `variables` (a JSON object, or `Value::Null`).
    pub async fn evaluate_decision(
        &self,
        decision: DecisionRef,
        variables: &Value,
    ) -> Result<proto::EvaluateDecisionResponse, ClientError> {
        let request = evaluate_decision_request(&decision, variables)?;
        self.inner
            .clone()
            .evaluate_decision(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("EvaluateDecision", status))
    }

    /// Starts an instance of `process` with `variables` (a JSON object, or `Value::Null`).
    pub async fn create_process_instance(
        &self,
        process: ProcessRef,
        variables: &Value,
    ) -> Result<proto::CreateProcessInstanceResponse, ClientError> {
        let request = create_instance_request(&process, variables)?;
        self.inner
            .clone()
            .create_process_instance(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("CreateProcessInstance", status))
    }

    /// Starts an instance and waits until it completes, returning its root-scope variables
    /// (parse them with [`VariablesJson`](crate::VariablesJson)).
    pub async fn create_process_instance_with_result(
        &self,
        process: ProcessRef,
        variables: &Value,
        options: &CreateWithResult,
    ) -> Result<proto::CreateProcessInstanceWithResultResponse, ClientError> {
        let request = create_with_result_request(&process, variables, options)?;
        self.inner
            .clone()
            .create_process_instance_with_result(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("CreateProcessInstanceWithResult", status))
    }

    pub async fn cancel_process_instance(
        &self,
        process_instance_key: i64,
    ) -> Result<(), ClientError> {
        let request = proto::CancelProcessInstanceRequest {
            process_instance_key,
            operation_reference: None,
        };
        self.inner
            .clone()
            .cancel_process_instance(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("CancelProcessInstance", status))
    }

    /// Activates jobs and returns all of them once the gateway closes the response stream
    /// (which it does after the batch is full or long polling ends).
    pub async fn activate_jobs(
        &self,
        arguments: &ActivateJobs,
    ) -> Result<Vec<proto::ActivatedJob>, ClientError> {
        let request = arguments.to_request()?;
        let mut stream = self
            .inner
            .clone()
            .activate_jobs(request)
            .await
            .map_err(|status| ClientError::rpc("ActivateJobs", status))?
            .into_inner();
        let mut jobs = Vec::new();
        while let Some(batch) = stream
            .message()
            .await
            .map_err(|status| ClientError::rpc("ActivateJobs", status))?
        {
            jobs.extend(batch.jobs);
        }
        Ok(jobs)
    }

    /// Completes a job, merging `variables` (a JSON object, or `Value::Null`) into the process.
    pub async fn complete_job(&self, job_key: i64, variables: &Value) -> Result<(), ClientError> {
        let request = proto::CompleteJobRequest {
            job_key,
            variables: variables::encode("variables", variables)?,
            result: None,
        };
        self.inner
            .clone()
            .complete_job(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("CompleteJob", status))
    }

    /// Fails a job; with `retries` = 0 an incident is raised, otherwise the job becomes
    /// activatable again after `retry_backoff`.
    pub async fn fail_job(
        &self,
        job_key: i64,
        retries: u32,
        error_message: &str,
        retry_backoff: Duration,
    ) -> Result<(), ClientError> {
        let request = proto::FailJobRequest {
            job_key,
            retries: requests::to_i32("retries", retries)?,
            error_message: error_message.to_owned(),
            retry_back_off: requests::millis("retry_backoff", retry_backoff)?,
            variables: String::new(),
        };
        self.inner
            .clone()
            .fail_job(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("FailJob", status))
    }

    /// Throws a BPMN error from a job, to be caught by an error catch event matching
    /// `error_code`.
    pub async fn throw_error(
        &self,
        job_key: i64,
        error_code: &str,
        error_message: &str,
        variables: &Value,
    ) -> Result<(), ClientError> {
        let request = proto::ThrowErrorRequest {
            job_key,
            error_code: error_code.to_owned(),
            error_message: error_message.to_owned(),
            variables: variables::encode("variables", variables)?,
        };
        self.inner
            .clone()
            .throw_error(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("ThrowError", status))
    }

    pub async fn update_job_retries(&self, job_key: i64, retries: u32) -> Result<(), ClientError> {
        let request = proto::UpdateJobRetriesRequest {
            job_key,
            retries: requests::to_i32("retries", retries)?,
            operation_reference: None,
        };
        self.inner
            .clone()
            .update_job_retries(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("UpdateJobRetries", status))
    }

    /// Sets a job's deadline to now + `timeout`.
    pub async fn update_job_timeout(
        &self,
        job_key: i64,
        timeout: Duration,
    ) -> Result<(), ClientError> {
        let request = proto::UpdateJobTimeoutRequest {
            job_key,
            timeout: requests::millis("timeout", timeout)?,
            operation_reference: None,
        };
        self.inner
            .clone()
            .update_job_timeout(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("UpdateJobTimeout", status))
    }

    /// Sets variables on an element instance (or process instance) scope and returns the key
    /// of the resulting command. With `local` the variables are created in exactly that scope
    /// instead of updating same-named variables of enclosing scopes.
    pub async fn set_variables(
        &self,
        element_instance_key: i64,
        variables: &Value,
        local: bool,
    ) -> Result<i64, ClientError> {
        let request = proto::SetVariablesRequest {
            element_instance_key,
            variables: variables::encode("variables", variables)?,
            local,
            operation_reference: None,
        };
        self.inner
            .clone()
            .set_variables(request)
            .await
            .map(|response| response.into_inner().key)
            .map_err(|status| ClientError::rpc("SetVariables", status))
    }

    pub async fn resolve_incident(&self, incident_key: i64) -> Result<(), ClientError> {
        let request = proto::ResolveIncidentRequest {
            incident_key,
            operation_reference: None,
        };
        self.inner
            .clone()
            .resolve_incident(request)
            .await
            .map(drop)
            .map_err(|status| ClientError::rpc("ResolveIncident", status))
    }

    pub async fn publish_message(
        &self,
        message: &PublishMessage,
    ) -> Result<proto::PublishMessageResponse, ClientError> {
        let request = message.to_request()?;
        self.inner
            .clone()
            .publish_message(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("PublishMessage", status))
    }

    pub async fn broadcast_signal(
        &self,
        signal_name: &str,
        variables: &Value,
    ) -> Result<proto::BroadcastSignalResponse, ClientError> {
        let request = proto::BroadcastSignalRequest {
            signal_name: signal_name.to_owned(),
            variables: variables::encode("variables", variables)?,
            tenant_id: String::new(),
        };
        self.inner
            .clone()
            .broadcast_signal(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| ClientError::rpc("BroadcastSignal", status))
    }
}

/// The endpoint for `address`; a bare `host:port` means plaintext HTTP/2, like Zeebe clients.
fn endpoint(address: &str) -> Result<Endpoint, ClientError> {
    let trimmed = address.trim();
    if trimmed.is_empty() {
        return Err(ClientError::InvalidAddress {
            address: address.to_owned(),
            reason: "address is empty".into(),
        });
    }
    let uri = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("http://{trimmed}")
    };
    Endpoint::from_shared(uri)
        .map(|endpoint| endpoint.tcp_nodelay(true))
        .map_err(|error| ClientError::InvalidAddress {
            address: address.to_owned(),
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_host_port_becomes_plaintext_uri() {
        let uri = |address: &str| endpoint(address).unwrap().uri().to_string();
        assert_eq!(uri("localhost:26500"), "http://localhost:26500/");
        assert_eq!(uri(" 10.0.0.1:26500 "), "http://10.0.0.1:26500/");
        assert_eq!(uri("https://gw.example:8443"), "https://gw.example:8443/");
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for address in ["", "   ", "http://bad host:1", "local host:26500"] {
            let error = endpoint(address).unwrap_err();
            assert!(
                matches!(error, ClientError::InvalidAddress { .. }),
                "{address:?} gave {error}"
            );
        }
    }

    #[tokio::test]
    async fn connecting_to_a_closed_port_reports_the_address() {
        // Bind and release a port so that nothing listens on it.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let address = format!("127.0.0.1:{port}");
        match Client::connect(&address).await {
            Err(ClientError::Connect { address: a, .. }) => assert_eq!(a, address),
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("connected to a closed port"),
        }
    }

    #[tokio::test]
    async fn local_validation_happens_before_any_network_use() {
        // A lazy client never connects unless an RPC is actually sent.
        let client = Client::connect_lazy("127.0.0.1:9").unwrap();
        let error = client
            .complete_job(1, &serde_json::json!([1, 2]))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            ClientError::VariablesNotObject {
                argument: "variables",
                ..
            }
        ));
        let error = client.fail_job(1, u32::MAX, "boom", Duration::ZERO).await;
        assert!(matches!(
            error,
            Err(ClientError::InvalidArgument {
                argument: "retries",
                ..
            })
        ));
    }
}
