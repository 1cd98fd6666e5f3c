"""The broker answers the endpoints every Zeebe deployment is probed with: monitoring HTTP
(/ready, /health, /metrics), gRPC Topology, and the gRPC health-checking service."""

from __future__ import annotations

import urllib.request

from harness import FIXTURES, Broker, create_instance, deploy, leader_partitions, partition_of, pb
from pyzeebe.grpc_internals.types import HealthCheckResponse
from zeebe_async import run, zeebe_client


def http_get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.read().decode("utf-8", errors="replace")


def test_monitoring_endpoints_answer(broker: Broker) -> None:
    assert http_get(f"{broker.monitoring_url}/ready")[0] == 200
    assert http_get(f"{broker.monitoring_url}/health")[0] == 200
    status, body = http_get(f"{broker.monitoring_url}/metrics")
    assert status == 200
    # Prometheus text exposition format: HELP/TYPE comment lines and at least one sample.
    assert "# TYPE " in body, body[:500]
    samples = [line for line in body.splitlines() if line and not line.startswith("#")]
    assert samples, "metrics endpoint exposes no samples"


def test_topology_describes_a_single_node_with_one_leading_partition(broker: Broker, stub) -> None:
    topology = stub.Topology(pb.TopologyRequest(), timeout=10)
    assert topology.clusterSize == 1
    assert topology.partitionsCount == 1
    assert topology.replicationFactor == 1
    assert topology.gatewayVersion, "gatewayVersion is empty"
    assert len(topology.brokers) == 1
    node = topology.brokers[0]
    assert node.nodeId == 0
    assert node.host, "broker host is empty"
    assert node.port > 0
    assert [p.partitionId for p in node.partitions] == [1]
    assert node.partitions[0].role == pb.Partition.PartitionBrokerRole.LEADER
    assert node.partitions[0].health == pb.Partition.PartitionBrokerHealth.HEALTHY
    assert leader_partitions(topology) == {1}


def test_pyzeebe_reads_the_topology(broker: Broker) -> None:
    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            topology = await client.topology()
            assert topology.partitions_count == 1
            assert topology.cluster_size == 1
            assert [p.partition_id for b in topology.brokers for p in b.partitions] == [1]

    run(scenario())


def test_grpc_health_check_reports_the_gateway_serving(broker: Broker) -> None:
    # pyzeebe's healthcheck() uses the standard grpc.health.v1 service, which Zeebe's gateway
    # serves for the service name "gateway_protocol.Gateway".
    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            health = await client.healthcheck()
            assert health.status == HealthCheckResponse.ServingStatus.SERVING

    run(scenario())


def test_keys_carry_the_partition_id(broker: Broker, stub) -> None:
    deployment = deploy(stub, FIXTURES / "message-process.bpmn")
    assert partition_of(deployment.key) == 1, "deployments are made on partition 1"
    process = deployment.deployments[0].process
    assert partition_of(process.processDefinitionKey) == 1
    instance = create_instance(stub, "message-process", {"orderId": "basics-keys"})
    assert partition_of(instance.processInstanceKey) == 1
    assert instance.processDefinitionKey == process.processDefinitionKey
