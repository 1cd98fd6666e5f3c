//! Zeebe 8.8's REST API (`/v2/...`), the part that needs no secondary index: commands on Camunda user
//! tasks (module `user_tasks`). Requests become command records routed through the same dispatcher as
//! gRPC (partition of the key, retries while a partition has no leader, the request timeout of
//! [`GatewayConfig`]); failures are RFC 9457 problem details ([`Problem`]).
//!
//! Queries (`POST /v2/user-tasks/search`, `GET /v2/user-tasks/{key}`, its form and variable search)
//! read Zeebe's secondary storage, which Hornet does not have: they answer 501 as a problem saying so.
//! Other paths answer 404, other methods 405, as problems.

mod problem;
mod user_tasks;

pub use problem::Problem;

use crate::broker_client::BrokerClient;
use crate::config::GatewayConfig;
use crate::dispatch::Dispatcher;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post};
use axum::Router;
use std::future::Future;
use std::sync::Arc;

/// What the handlers share.
pub(crate) struct RestState {
    dispatcher: Dispatcher,
    config: GatewayConfig,
}

/// The REST API's routes, ready to serve (see [`serve_rest`]).
pub fn rest_router(broker: Arc<dyn BrokerClient>, config: GatewayConfig) -> Router {
    let state = Arc::new(RestState {
        dispatcher: Dispatcher::new(broker),
        config,
    });
    Router::new()
        .route(
            "/v2/user-tasks/{userTaskKey}/completion",
            post(user_tasks::complete),
        )
        .route(
            "/v2/user-tasks/{userTaskKey}/assignment",
            post(user_tasks::assign),
        )
        .route(
            "/v2/user-tasks/{userTaskKey}/assignee",
            delete(user_tasks::unassign),
        )
        .route(
            "/v2/user-tasks/{userTaskKey}",
            patch(user_tasks::update).get(needs_secondary_storage),
        )
        .route("/v2/user-tasks/search", post(needs_secondary_storage))
        .route(
            "/v2/user-tasks/{userTaskKey}/form",
            get(needs_secondary_storage),
        )
        .route(
            "/v2/user-tasks/{userTaskKey}/variables/search",
            post(needs_secondary_storage),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

fn problem(status: StatusCode, title: &str, detail: String, uri: &Uri) -> axum::response::Response {
    Problem {
        status,
        title: title.to_string(),
        detail,
        instance: uri.path().to_string(),
    }
    .into_response()
}

async fn needs_secondary_storage(uri: Uri) -> axum::response::Response {
    problem(
        StatusCode::NOT_IMPLEMENTED,
        "NOT_IMPLEMENTED",
        format!(
            "{} queries Zeebe's secondary storage, which Hornet does not have",
            uri.path()
        ),
        &uri,
    )
}

async fn not_found(uri: Uri) -> axum::response::Response {
    problem(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!(
            "No endpoint {} (Hornet serves the user task commands of the REST API only)",
            uri.path()
        ),
        &uri,
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> axum::response::Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{} does not accept {method}", uri.path()),
        &uri,
    )
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` resolves.
pub async fn serve_rest(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
