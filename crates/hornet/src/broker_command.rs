//! `hornet broker`: runs a node until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use hornet_broker::{Broker, BrokerConfig, Settings};
use hornet_gateway::{BrokerClient, GatewayConfig, GatewayMetrics, GatewayService};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::cli::BrokerArgs;
use crate::cluster_gateway::ClusterGateway;

/// Resolves the configuration: defaults < --config file < ZEEBE_* environment < flags.
pub fn resolve_config(
    args: &BrokerArgs,
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<BrokerConfig> {
    let mut settings = Settings::default();
    if let Some(path) = &args.config {
        settings.load_yaml_file(path)?;
    }
    settings.load_env(env);
    let flag = "command-line flag";
    if let Some(dir) = &args.data_dir {
        settings.set(
            "zeebe.broker.data.directory",
            dir.display().to_string(),
            flag,
        );
    }
    if let Some(n) = args.partitions {
        settings.set("zeebe.broker.cluster.partitionsCount", n.to_string(), flag);
    }
    if let Some(id) = args.node_id {
        settings.set("zeebe.broker.cluster.nodeId", id.to_string(), flag);
    }
    if let Some(host) = args.host {
        settings.set("zeebe.broker.network.host", host.to_string(), flag);
    }
    if let Some(port) = args.gateway_port {
        settings.set("zeebe.broker.gateway.network.port", port.to_string(), flag);
    }
    if let Some(port) = args.monitoring_port {
        settings.set("management.server.port", port.to_string(), flag);
    }
    if let Some(port) = args.rest_port {
        settings.set("server.port", port.to_string(), flag);
    }
    if let Some(port) = args.internal_port {
        settings.set(
            "zeebe.broker.network.internalApi.port",
            port.to_string(),
            flag,
        );
    }
    if let Some(n) = args.cluster_size {
        settings.set("zeebe.broker.cluster.clusterSize", n.to_string(), flag);
    }
    if let Some(n) = args.replication_factor {
        settings.set(
            "zeebe.broker.cluster.replicationFactor",
            n.to_string(),
            flag,
        );
    }
    if let Some(points) = &args.contact_points {
        settings.set("zeebe.broker.cluster.initialContactPoints", points, flag);
    }
    if args.no_gateway {
        settings.set("zeebe.broker.gateway.enable", "false", flag);
    }
    Ok(BrokerConfig::from_settings(&settings)?)
}

pub async fn run(args: BrokerArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = resolve_config(&args, std::env::vars())?;
    info!(?config, "starting broker");
    let broker = Arc::new(
        Broker::start(config.clone())
            .await
            .context("cannot start the broker")?,
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };

    let monitoring_listener = tokio::net::TcpListener::bind(config.monitoring_addr())
        .await
        .with_context(|| {
            format!(
                "cannot listen for monitoring on {}",
                config.monitoring_addr()
            )
        })?;
    let monitoring = tokio::spawn(hornet_broker::monitoring::serve_on(
        monitoring_listener,
        Arc::clone(&broker) as Arc<dyn hornet_broker::monitoring::Monitored>,
        stopped(stop_rx.clone()),
    ));

    let gateway = if config.gateway_enabled {
        let listener = tokio::net::TcpListener::bind(config.gateway_addr())
            .await
            .with_context(|| format!("cannot listen for clients on {}", config.gateway_addr()))?;
        let rest_listener = tokio::net::TcpListener::bind(config.rest_addr())
            .await
            .with_context(|| format!("cannot listen for REST clients on {}", config.rest_addr()))?;
        let gateway_metrics = GatewayMetrics::new();
        broker
            .metrics()
            .with_registry(|registry| gateway_metrics.register(registry));
        let client: Arc<dyn BrokerClient> = ClusterGateway::embedded(Arc::clone(&broker));
        let service = GatewayService::new(
            Arc::clone(&client),
            GatewayConfig::default(),
            gateway_metrics,
        );
        let grpc = tokio::spawn(hornet_gateway::serve_with_listener(
            listener,
            service,
            stopped(stop_rx.clone()),
        ));
        let rest = tokio::spawn(hornet_gateway::serve_rest(
            rest_listener,
            hornet_gateway::rest_router(client, GatewayConfig::default()),
            stopped(stop_rx.clone()),
        ));
        Some((grpc, rest))
    } else {
        None
    };
    info!(
        gateway = %config.gateway_addr(),
        rest = %config.rest_addr(),
        monitoring = %config.monitoring_addr(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "broker listening"
    );
    // Logged once every partition serves, so start-up time is visible in the log.
    let ready_broker = Arc::clone(&broker);
    tokio::spawn(async move {
        while !ready_broker.is_ready() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "broker ready"
        );
    });

    shutdown_signal().await;
    info!("shutting down");
    let _ = stop_tx.send(true);
    if let Some((grpc, rest)) = gateway {
        if let Ok(Err(err)) = grpc.await {
            warn!(error = %err, "gateway stopped with an error");
        }
        if let Ok(Err(err)) = rest.await {
            warn!(error = %err, "REST API stopped with an error");
        }
    }
    if let Ok(Err(err)) = monitoring.await {
        warn!(error = %err, "monitoring stopped with an error");
    }
    match Arc::try_unwrap(broker) {
        Ok(broker) => broker.shutdown().await,
        Err(_) => warn!("broker still referenced at shutdown; leaving storage to the OS"),
    }
    Ok(())
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
