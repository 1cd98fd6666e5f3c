//! The monitoring endpoint (port 9600): readiness, health and Prometheus metrics, on the paths Zeebe
//! serves them (`/ready`, `/health`, `/startup`, `/metrics`, and their `/actuator/...` forms).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::node::Broker;

/// Serves monitoring on `addr` until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    broker: Arc<Broker>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    serve_on(listener, broker, shutdown).await
}

pub async fn serve_on(
    listener: TcpListener,
    broker: Arc<Broker>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/ready", get(ready))
        .route("/actuator/health/readiness", get(ready))
        .route("/health", get(health))
        .route("/actuator/health", get(health))
        .route("/actuator/health/liveness", get(health))
        .route("/startup", get(health))
        .route("/metrics", get(metrics))
        .route("/actuator/prometheus", get(metrics))
        .with_state(broker);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn ready(State(broker): State<Arc<Broker>>) -> (StatusCode, &'static str) {
    if broker.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: some partition has no serving leader\n",
        )
    }
}

async fn health(State(broker): State<Arc<Broker>>) -> (StatusCode, &'static str) {
    if broker.is_healthy() {
        (StatusCode::OK, "healthy\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "unhealthy: a partition stopped\n",
        )
    }
}

async fn metrics(State(broker): State<Arc<Broker>>) -> ([(&'static str, &'static str); 1], String) {
    (
        [("content-type", "text/plain; version=0.0.4")],
        broker.metrics().render(),
    )
}
