//! The monitoring endpoint (port 9600): readiness, health and Prometheus metrics, on the paths Zeebe
//! serves them (`/ready`, `/health`, `/startup`, `/metrics`, and their `/actuator/...` forms), for a
//! broker or a standalone gateway (anything [`Monitored`]).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::node::Broker;

/// What the monitoring endpoint asks of the process it watches.
pub trait Monitored: Send + Sync + 'static {
    /// `Err` names why requests cannot be served yet.
    fn readiness(&self) -> Result<(), String>;
    /// `Err` names what is broken.
    fn health(&self) -> Result<(), String>;
    /// The metrics in Prometheus' text format.
    fn render_metrics(&self) -> String;
}

impl Monitored for Broker {
    fn readiness(&self) -> Result<(), String> {
        if self.is_ready() {
            Ok(())
        } else {
            Err(
                "some partition of this node has no leader, or its leader here is not serving"
                    .into(),
            )
        }
    }

    fn health(&self) -> Result<(), String> {
        if self.is_healthy() {
            Ok(())
        } else {
            Err("a partition stopped".into())
        }
    }

    fn render_metrics(&self) -> String {
        self.metrics().render()
    }
}

/// Serves monitoring on `addr` until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    monitored: Arc<dyn Monitored>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    serve_on(listener, monitored, shutdown).await
}

pub async fn serve_on(
    listener: TcpListener,
    monitored: Arc<dyn Monitored>,
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
        .with_state(monitored);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

type Answer = (StatusCode, String);

fn answer(outcome: Result<(), String>, good: &str, bad: &str) -> Answer {
    match outcome {
        Ok(()) => (StatusCode::OK, format!("{good}\n")),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{bad}: {reason}\n"),
        ),
    }
}

async fn ready(State(monitored): State<Arc<dyn Monitored>>) -> Answer {
    answer(monitored.readiness(), "ready", "not ready")
}

async fn health(State(monitored): State<Arc<dyn Monitored>>) -> Answer {
    answer(monitored.health(), "healthy", "unhealthy")
}

async fn metrics(
    State(monitored): State<Arc<dyn Monitored>>,
) -> ([(&'static str, &'static str); 1], String) {
    (
        [("content-type", "text/plain; version=0.0.4")],
        monitored.render_metrics(),
    )
}
