"""A three-node cluster (3 partitions, replication factor 3) driven by the real Zeebe clients.

Three `hornet broker` processes on loopback form the cluster. zbctl deploys through one node, a
pyzeebe worker polls through another, and pyzeebe creates instances through the third, so every
request crosses nodes. Then a node is killed with SIGKILL in the middle of the workload: the other
two carry on, and the killed node comes back and serves again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator

import pytest
from pyzeebe import ZeebeWorker

from harness import FIXTURES, Broker, Ports, Zbctl, leader_partitions, partition_of, pb, zbctl_path
from zeebe_async import run, running_worker, zeebe_client

NODES = 3
PARTITIONS = 3


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory, hornet_bin: Path) -> Iterator[list[Broker]]:
    root = tmp_path_factory.mktemp("cluster")
    ports = [Ports.allocate() for _ in range(NODES)]
    contact_points = ",".join(f"127.0.0.1:{p.internal}" for p in ports)
    nodes = [
        Broker(
            binary=hornet_bin,
            data_dir=root / f"node-{i}",
            log_path=root / f"node-{i}.log",
            partitions=PARTITIONS,
            ports=ports[i],
            extra_env={
                "ZEEBE_BROKER_CLUSTER_NODEID": str(i),
                "ZEEBE_BROKER_CLUSTER_CLUSTERSIZE": str(NODES),
                "ZEEBE_BROKER_CLUSTER_REPLICATIONFACTOR": str(NODES),
                "ZEEBE_BROKER_CLUSTER_INITIALCONTACTPOINTS": contact_points,
            },
        )
        for i in range(NODES)
    ]
    try:
        # A node is ready once its partitions have leaders, which needs the others: launch all first.
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_ready(60)
        yield nodes
    finally:
        for node in nodes:
            node.kill()


def topology(node: Broker) -> pb.TopologyResponse:
    with node.channel() as channel:
        return node.stub(channel).Topology(pb.TopologyRequest(), timeout=10)


def test_the_cluster_reports_every_broker_and_a_leader_per_partition(cluster: list[Broker]) -> None:
    for node in cluster:
        reported = topology(node)
        assert reported.clusterSize == NODES
        assert reported.partitionsCount == PARTITIONS
        assert reported.replicationFactor == NODES
        assert sorted(b.nodeId for b in reported.brokers) == list(range(NODES))
        assert leader_partitions(reported) == set(range(1, PARTITIONS + 1))
        for broker in reported.brokers:
            assert len(broker.partitions) == PARTITIONS


def test_a_workload_crosses_nodes_and_survives_a_killed_node(cluster: list[Broker], tmp_path: Path) -> None:
    deployer, worker_node, starter = cluster
    zbctl = Zbctl(binary=zbctl_path(), address=deployer.address, home=tmp_path)
    zbctl.run("deploy", "resource", str(FIXTURES / "payment-process.bpmn"))

    def configure(worker: ZeebeWorker) -> None:
        @worker.task("charge-card")
        async def charge(order: int) -> dict[str, Any]:
            return {"charged": order * 10}

    async def create(client, orders: range) -> list[Any]:
        results = []
        for order in orders:
            # Right after the deployment, or while a partition elects a leader, a creation may find
            # no definition or no leader on the partition it is routed to: try again.
            for attempt in range(100):
                try:
                    results.append(
                        await client.run_process_with_result("payment-process", {"order": order}, timeout=20_000)
                    )
                    break
                except Exception:  # noqa: BLE001 - pyzeebe raises several types for these
                    if attempt == 99:
                        raise
                    await asyncio.sleep(0.1)
        return results

    async def scenario() -> None:
        async with zeebe_client(starter.address) as client, running_worker(worker_node.address, configure):
            before = await create(client, range(0, 15))
            # SIGKILL the node that deployed (not the worker's or the starter's).
            deployer.kill()
            after = await create(client, range(15, 30))
            # Partition 1's leader was on the killed node: creations skip it until its new leader is
            # elected and known, then reach it again.
            while {partition_of(r.process_instance_key) for r in after} != {1, 2, 3}:
                assert len(after) < 300, "partition 1 got no new leader"
                after += await create(client, range(15 + len(after), 16 + len(after)))
        for i, result in enumerate(before + after):
            assert result.variables == {"order": i, "charged": i * 10}
        assert {partition_of(r.process_instance_key) for r in before} == {1, 2, 3}
        assert {partition_of(r.process_instance_key) for r in after} == {1, 2, 3}

    run(scenario(), timeout_s=180)

    # The killed node comes back, catches up, and its own gateway serves again.
    deployer.restart()
    reported = topology(deployer)
    assert leader_partitions(reported) == set(range(1, PARTITIONS + 1))

    async def after_restart() -> None:
        async with zeebe_client(deployer.address) as client, running_worker(worker_node.address, configure):
            result = await client.run_process_with_result("payment-process", {"order": 99}, timeout=20_000)
            assert result.variables == {"order": 99, "charged": 990}

    run(after_restart())
