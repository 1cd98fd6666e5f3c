//! Gateway settings, with Zeebe's defaults.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// How long a request waits for the partition's answer when the client gives no timeout of its own
    /// (Zeebe: `zeebe.gateway.cluster.requestTimeout`, 15 s).
    pub request_timeout: Duration,
    /// Whether `ActivateJobs` waits for jobs when none are available (Zeebe: `longPolling.enabled`).
    pub long_polling_enabled: bool,
    /// How long `ActivateJobs` waits when the request's `requestTimeout` is 0 (Zeebe: 10 s).
    pub long_polling_timeout: Duration,
    /// Reported as `gatewayVersion` by `Topology`.
    pub gateway_version: String,
    /// Largest gRPC message accepted or sent (Zeebe: `maxMessageSize`, 4 MB).
    pub max_message_size: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            request_timeout: Duration::from_secs(15),
            long_polling_enabled: true,
            long_polling_timeout: Duration::from_secs(10),
            gateway_version: env!("CARGO_PKG_VERSION").to_owned(),
            max_message_size: 4 * 1024 * 1024,
        }
    }
}
