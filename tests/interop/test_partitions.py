"""A single node with three partitions: the gateway spreads instances over the partitions, jobs
are activated from all of them, and messages find their subscriptions across partitions."""

import asyncio
import json
from typing import Any

import pytest
from pyzeebe import ZeebeClient, ZeebeWorker
from pyzeebe.errors import ProcessDefinitionNotFoundError

from harness import FIXTURES, Broker, activate_jobs, leader_partitions, partition_of, pb
from zeebe_async import run, running_worker, zeebe_client

PARTITIONS = 3


async def wait_until_deployed_everywhere(client: ZeebeClient, process_id: str, timeout_s: float = 20) -> None:
    """Waits until instances of process_id can be created on every partition.

    As in Zeebe, a deployment is made on partition 1 and distributed to the others afterwards, so
    right after DeployResource a creation routed to another partition may answer NOT_FOUND (the
    gateway does not retry that on another partition). Probe instances are cancelled again.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    reached: set[int] = set()
    while reached != set(range(1, PARTITIONS + 1)):
        if loop.time() > deadline:
            raise AssertionError(f"{process_id} reached only partitions {sorted(reached)} within {timeout_s}s")
        try:
            probe = await client.run_process(process_id, {"probe": True})
        except ProcessDefinitionNotFoundError:
            await asyncio.sleep(0.05)
            continue
        reached.add(partition_of(probe.process_instance_key))
        await client.cancel_process_instance(probe.process_instance_key)


@pytest.fixture
def three_partitions(make_broker) -> Broker:
    return make_broker(partitions=PARTITIONS, name="three-partitions")


def test_topology_lists_every_partition_led_by_the_node(three_partitions: Broker) -> None:
    with three_partitions.channel() as channel:
        topology = three_partitions.stub(channel).Topology(pb.TopologyRequest(), timeout=10)
    assert topology.partitionsCount == PARTITIONS
    assert leader_partitions(topology) == {1, 2, 3}


def test_instances_spread_over_partitions_and_all_complete(three_partitions: Broker) -> None:
    def configure(worker: ZeebeWorker) -> None:
        @worker.task("charge-card")
        async def charge(order: int) -> dict[str, Any]:
            return {"charged": order * 10}

    async def scenario() -> None:
        async with zeebe_client(three_partitions.address) as client:
            deployment = await client.deploy_resource(str(FIXTURES / "payment-process.bpmn"))
            assert partition_of(deployment.key) == 1
            await wait_until_deployed_everywhere(client, "payment-process")
            async with running_worker(three_partitions.address, configure):
                results = await asyncio.gather(
                    *(
                        client.run_process_with_result("payment-process", {"order": i}, timeout=30_000)
                        for i in range(12)
                    )
                )
        for i, result in enumerate(results):
            assert result.variables == {"order": i, "charged": i * 10}
        partitions = {partition_of(r.process_instance_key) for r in results}
        assert partitions == {1, 2, 3}, f"instances were created only on partitions {partitions}"
        # The deployment reached every partition: the same definition key everywhere.
        assert {r.process_definition_key for r in results} == {deployment.deployments[0].process_definition_key}

    run(scenario())


def test_messages_correlate_across_partitions(three_partitions: Broker) -> None:
    async def scenario() -> None:
        async with zeebe_client(three_partitions.address) as client:
            await client.deploy_resource(str(FIXTURES / "message-process.bpmn"))
            await wait_until_deployed_everywhere(client, "message-process")
            waiting = [
                asyncio.create_task(
                    client.run_process_with_result("message-process", {"orderId": f"part-{i}"}, timeout=30_000)
                )
                for i in range(9)
            ]
            await asyncio.sleep(1.0)
            for i in range(9):
                await client.publish_message("payment-received", f"part-{i}", {"paid": i})
            results = await asyncio.gather(*waiting)
        for i, result in enumerate(results):
            assert result.variables == {"orderId": f"part-{i}", "paid": i}
        assert len({partition_of(r.process_instance_key) for r in results}) > 1

    run(scenario())


def test_a_broadcast_signal_reaches_instances_on_every_partition(three_partitions: Broker) -> None:
    async def scenario() -> set[int]:
        async with zeebe_client(three_partitions.address) as client:
            await client.deploy_resource(str(FIXTURES / "signal-watch.bpmn"))
            await wait_until_deployed_everywhere(client, "signal-watch")
            instances = [await client.run_process("signal-watch", {"orderId": f"o-{i}"}) for i in range(9)]
            keys = {i.process_instance_key for i in instances}
            assert {partition_of(k) for k in keys} == {1, 2, 3}
            await client.broadcast_signal("price-changed", {"newPrice": 12})
            return keys

    keys = run(scenario())
    # The non-interrupting signal boundary event fired on every partition: one reprice job per instance.
    repriced: dict[int, dict[str, Any]] = {}
    with three_partitions.channel() as channel:
        stub = three_partitions.stub(channel)
        for _ in range(50):
            for job in activate_jobs(stub, "reprice-order", max_jobs=32, request_timeout_ms=500):
                assert job.processInstanceKey not in repriced, "one reprice job per instance"
                repriced[job.processInstanceKey] = json.loads(job.variables)
            if set(repriced) == keys:
                break
    assert set(repriced) == keys
    assert all(v["newPrice"] == 12 for v in repriced.values())
