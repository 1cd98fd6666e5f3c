//! Request counters and latencies, by RPC and gRPC status code.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;
use tonic::Code;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    rpc: &'static str,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabels {
    rpc: &'static str,
}

/// The gateway's metrics. Cheap to clone (shared handles); register once with [`GatewayMetrics::register`].
#[derive(Clone)]
pub struct GatewayMetrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RpcLabels, Histogram>,
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        GatewayMetrics {
            requests: Family::default(),
            // 1 ms .. ~32 s
            latency: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.001, 2.0, 16))
            }),
        }
    }
}

impl GatewayMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `gateway_requests_total{rpc,code}` and `gateway_request_latency_seconds{rpc}` to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "gateway_requests",
            "gRPC requests handled, by RPC and status code",
            self.requests.clone(),
        );
        registry.register(
            "gateway_request_latency_seconds",
            "Time from receiving a gRPC request to its final status",
            self.latency.clone(),
        );
    }

    pub(crate) fn record(&self, rpc: &'static str, code: Code, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                rpc,
                code: code_name(code),
            })
            .inc();
        self.latency
            .get_or_create(&RpcLabels { rpc })
            .observe(elapsed.as_secs_f64());
    }

    /// How many requests of `rpc` ended with `code` (for tests and diagnostics).
    pub fn requests(&self, rpc: &'static str, code: Code) -> u64 {
        self.requests
            .get_or_create(&RequestLabels {
                rpc,
                code: code_name(code),
            })
            .get()
    }
}

fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_rpc_and_code_and_encodes() {
        let metrics = GatewayMetrics::new();
        let mut registry = Registry::with_prefix("hornet");
        metrics.register(&mut registry);
        metrics.record("CompleteJob", Code::Ok, Duration::from_millis(3));
        metrics.record("CompleteJob", Code::NotFound, Duration::from_millis(3));
        metrics.record("CompleteJob", Code::Ok, Duration::from_millis(3));
        assert_eq!(metrics.requests("CompleteJob", Code::Ok), 2);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains(r#"hornet_gateway_requests_total{rpc="CompleteJob",code="NOT_FOUND"} 1"#),
            "{text}"
        );
    }
}
