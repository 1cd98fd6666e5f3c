//! Serving the cluster service over HTTP/2 with tonic.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hornet_api::hornet_cluster::cluster_server::ClusterServer;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;

use crate::error::ServeError;
use crate::service::ClusterService;

/// Binds the cluster port (normally [`DEFAULT_CLUSTER_PORT`](crate::DEFAULT_CLUSTER_PORT)).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Serves `service` on `listener` until `shutdown` completes; in-flight requests then drain.
pub async fn serve(
    listener: TcpListener,
    service: ClusterService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let size = service.config().max_message_size;
    let closing = service.clone();
    let shutdown = async move {
        shutdown.await;
        closing.close();
    };
    let server = ClusterServer::new(service)
        .max_decoding_message_size(size)
        .max_encoding_message_size(size);
    // `Server::tcp_nodelay` only covers sockets tonic binds itself; accepted sockets need it set here,
    // or every Raft round trip waits ~40 ms for Nagle and delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        // Notice dead peers' connections even when no partition traffic flows.
        .http2_keepalive_interval(Some(Duration::from_secs(10)))
        .http2_keepalive_timeout(Some(Duration::from_secs(5)))
        .add_service(server)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
