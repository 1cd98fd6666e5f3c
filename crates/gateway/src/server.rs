//! Serving the gateway over HTTP/2 with tonic.

use crate::service::GatewayService;
use hornet_api::gateway_protocol::gateway_server::GatewayServer;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen for gRPC clients on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Binds `addr` and serves `service` until `shutdown` completes (in-flight requests then drain).
pub async fn serve(
    addr: SocketAddr,
    service: GatewayService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    serve_with_listener(listener, service, shutdown).await
}

/// Serves on an already bound listener (lets callers bind port 0 and learn the address first).
pub async fn serve_with_listener(
    listener: TcpListener,
    service: GatewayService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let max_message_size = service.config().max_message_size;
    let server = GatewayServer::new(service)
        // grpc-java (Zeebe's gateway) accepts gzip-compressed requests out of the box; so do we.
        .accept_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(max_message_size)
        .max_encoding_message_size(max_message_size);
    // `Server::tcp_nodelay` only covers sockets tonic binds itself; accepted sockets need it set here,
    // or every streamed response (ActivateJobs) waits ~40 ms for Nagle and delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    // The standard gRPC health service, as Zeebe's gateway serves it (pyzeebe's healthcheck uses it).
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<GatewayServer<GatewayService>>().await;
    tonic::transport::Server::builder()
        // Keep idle client connections (long-polling workers) alive through NATs and proxies.
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .add_service(health_service)
        .add_service(server)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
