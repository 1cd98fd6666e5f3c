"""Process scenarios driven by pyzeebe workers and Zeebe's generated gRPC stub: gateways,
input/output mappings and headers, retries, incidents, redeployment, job timeouts, messages.

No `from __future__ import annotations` here: pyzeebe inspects task signatures at runtime and
recognises the `job: Job` parameter by comparing the annotation object itself.
"""

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import Job, ZeebeWorker
from pyzeebe.errors import ProcessTimeoutError

from harness import (
    FIXTURES,
    Broker,
    activate_jobs,
    activate_until,
    complete_job,
    create_instance,
    deploy,
    find_job_incident,
    instance_is_gone,
    pb,
    rpc_error,
)
from zeebe_async import run, running_worker, zeebe_client


def order_workers(seen: dict[str, list[Any]]):
    def configure(worker: ZeebeWorker) -> None:
        @worker.task("validate-order")
        async def validate(job: Job) -> dict[str, Any]:
            seen["validate"].append({"headers": dict(job.custom_headers), "variables": dict(job.variables)})
            return {"valid": job.variables["orderAmount"] > 0, "checkedBy": "validator"}

        @worker.task("approve-order")
        async def approve(amount: int) -> dict[str, Any]:
            seen["approve"].append(amount)
            return {"approvedBy": "manager"}

        @worker.task("auto-approve-order")
        async def auto_approve(amount: int) -> dict[str, Any]:
            seen["auto-approve"].append(amount)
            return {"approvedBy": "system"}

        @worker.task("ship-order")
        async def ship(amount: int) -> dict[str, Any]:
            seen["ship"].append(amount)
            return {"trackingId": f"T-{amount}"}

        @worker.task("invoice-order")
        async def invoice(amount: int) -> dict[str, Any]:
            seen["invoice"].append(amount)
            return {"invoiceNo": f"I-{amount}"}

    return configure


def test_exclusive_and_parallel_gateways_route_and_merge_variables(broker: Broker) -> None:
    seen: dict[str, list[Any]] = {k: [] for k in ("validate", "approve", "auto-approve", "ship", "invoice")}

    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            deployment = await client.deploy_resource(str(FIXTURES / "order-process.bpmn"))
            [process] = deployment.deployments
            assert process.bpmn_process_id == "order-process"
            assert process.resource_name == "order-process.bpmn"
            async with running_worker(broker.address, order_workers(seen)):
                large, small = await asyncio.gather(
                    client.run_process_with_result(
                        "order-process", {"amount": 150, "customer": {"name": "Ada"}}, timeout=30_000
                    ),
                    client.run_process_with_result(
                        "order-process", {"amount": 50, "customer": {"name": "Grace"}}, timeout=30_000
                    ),
                )
        # Only the output mapping (valid -> orderValid) leaves the validate task's scope; its
        # input mappings (orderAmount, customerName) and raw result (valid, checkedBy) stay local.
        assert large.variables == {
            "amount": 150,
            "customer": {"name": "Ada"},
            "orderValid": True,
            "approvedBy": "manager",
            "trackingId": "T-150",
            "invoiceNo": "I-150",
        }
        assert small.variables == {
            "amount": 50,
            "customer": {"name": "Grace"},
            "orderValid": True,
            "approvedBy": "system",
            "trackingId": "T-50",
            "invoiceNo": "I-50",
        }
        assert large.bpmn_process_id == "order-process" and large.version == process.version
        assert large.process_definition_key == process.process_definition_key

    run(scenario())
    # `=amount > 100` took the conditional flow once, the default flow once; both parallel
    # branches ran for both instances.
    assert seen["approve"] == [150]
    assert seen["auto-approve"] == [50]
    assert sorted(seen["ship"]) == [50, 150] and sorted(seen["invoice"]) == [50, 150]
    assert len(seen["validate"]) == 2
    for call in seen["validate"]:
        assert call["headers"] == {"region": "eu", "priority": "high"}
        v = call["variables"]
        assert v["orderAmount"] == v["amount"]
        assert v["customerName"] == v["customer"]["name"]


def test_fetch_variables_limits_what_a_job_carries(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "order-process.bpmn")
    instance = create_instance(stub, "order-process", {"amount": 7, "customer": {"name": "Lin"}, "noise": "x" * 100})
    job = activate_until(
        stub,
        "validate-order",
        lambda j: j.processInstanceKey == instance.processInstanceKey,
        fetch=["amount"],
    )
    assert json.loads(job.variables) == {"amount": 7}
    assert job.elementId == "Task_Validate"
    assert job.bpmnProcessId == "order-process"
    assert json.loads(job.customHeaders) == {"region": "eu", "priority": "high"}
    assert job.retries == 3
    stub.CancelProcessInstance(
        pb.CancelProcessInstanceRequest(processInstanceKey=instance.processInstanceKey), timeout=10
    )


def test_worker_exception_fails_the_job_and_the_retry_succeeds(broker: Broker) -> None:
    attempts: list[int] = []

    def configure(worker: ZeebeWorker) -> None:
        @worker.task("charge-card")
        async def charge(job: Job) -> dict[str, Any]:
            attempts.append(job.retries)
            if len(attempts) == 1:
                raise RuntimeError("card reader offline")  # pyzeebe fails the job with retries - 1
            return {"charged": True}

    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            await client.deploy_resource(str(FIXTURES / "payment-process.bpmn"))
            async with running_worker(broker.address, configure):
                result = await client.run_process_with_result("payment-process", {"order": 1}, timeout=30_000)
        assert result.variables == {"order": 1, "charged": True}

    run(scenario())
    assert attempts == [3, 2], "second activation must carry the decremented retries"


def test_incident_on_zero_retries_is_resolved_after_updating_retries(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "payment-process.bpmn")
    instance = create_instance(stub, "payment-process", {"order": 2})
    pik = instance.processInstanceKey
    job = activate_until(stub, "charge-card", lambda j: j.processInstanceKey == pik)
    stub.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="card declined"), timeout=10)

    incident_key, rejection = find_job_incident(stub, job.key)
    # While the job has no retries, resolving is refused and the message names the job.
    assert rejection.code() == grpc.StatusCode.FAILED_PRECONDITION, rejection.details()
    assert str(job.key) in rejection.details()
    # The failed job is not activatable while the incident is open.
    assert all(j.processInstanceKey != pik for j in activate_jobs(stub, "charge-card", request_timeout_ms=300))

    stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=2), timeout=10)
    stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident_key), timeout=10)
    again = activate_until(stub, "charge-card", lambda j: j.processInstanceKey == pik)
    assert again.key == job.key
    assert again.retries == 2
    complete_job(stub, again.key, {"charged": True})
    assert instance_is_gone(stub, pik), "instance should have completed after the job completed"
    # Resolving twice: the incident no longer exists.
    err = rpc_error(lambda: stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident_key), timeout=10))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_redeploying_the_same_file_keeps_the_version_and_a_change_makes_version_2(
    broker: Broker, stub, tmp_path: Path
) -> None:
    original = FIXTURES / "shipping-process.bpmn"
    first = deploy(stub, original).deployments[0].process
    again = deploy(stub, original).deployments[0].process
    assert (first.bpmnProcessId, first.version) == ("shipping-process", 1)
    assert (again.version, again.processDefinitionKey) == (1, first.processDefinitionKey)

    changed = tmp_path / "shipping-process.bpmn"  # same resource name, different content
    changed.write_text(original.read_text().replace('name="Pack parcel"', 'name="Pack parcel carefully"'))
    second = deploy(stub, changed).deployments[0].process
    assert (second.bpmnProcessId, second.version) == ("shipping-process", 2)
    assert second.processDefinitionKey != first.processDefinitionKey

    latest = create_instance(stub, "shipping-process")
    assert (latest.version, latest.processDefinitionKey) == (2, second.processDefinitionKey)
    pinned = create_instance(stub, "shipping-process", version=1)
    assert (pinned.version, pinned.processDefinitionKey) == (1, first.processDefinitionKey)
    # Deploying the original again is a change relative to version 2.
    third = deploy(stub, original).deployments[0].process
    assert third.version == 3
    for key in (latest.processInstanceKey, pinned.processInstanceKey):
        stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=key), timeout=10)


@pytest.mark.slow
def test_job_timeout_makes_the_job_activatable_again(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "timeout-process.bpmn")
    instance = create_instance(stub, "timeout-process", {"n": 1})
    pik = instance.processInstanceKey
    first = activate_until(stub, "slow-work", lambda j: j.processInstanceKey == pik, timeout_ms=3_000)
    # Locked for its timeout: not offered to another worker right away.
    assert all(
        j.processInstanceKey != pik
        for j in activate_jobs(stub, "slow-work", request_timeout_ms=200, worker="other", timeout_ms=60_000)
    )
    # After the timeout the same job comes back, retries untouched (a timeout is not a failure).
    second = activate_until(
        stub, "slow-work", lambda j: j.processInstanceKey == pik, wait_s=30, worker="other", timeout_ms=60_000
    )
    assert second.key == first.key
    assert second.retries == first.retries == 3
    assert second.worker == "other"
    complete_job(stub, second.key, {"done": True})
    assert instance_is_gone(stub, pik)


def test_message_correlates_to_a_waiting_instance_and_a_buffered_message_to_a_new_one(broker: Broker) -> None:
    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            await client.deploy_resource(str(FIXTURES / "message-process.bpmn"))
            # 1. Instance waits at the catch event, then the message arrives.
            waiting = asyncio.create_task(
                client.run_process_with_result("message-process", {"orderId": "order-1"}, timeout=30_000)
            )
            await asyncio.sleep(0.5)  # let the subscription open; correlation must work either way
            await client.publish_message("payment-received", "order-1", {"paid": 100})
            result = await waiting
            assert result.variables == {"orderId": "order-1", "paid": 100}

            # 2. Message published first (buffered for its TTL), instance created afterwards.
            response = await client.publish_message(
                "payment-received", "order-2", {"paid": 200}, time_to_live_in_milliseconds=60_000
            )
            assert response.key > 0
            result = await client.run_process_with_result("message-process", {"orderId": "order-2"}, timeout=30_000)
            assert result.variables == {"orderId": "order-2", "paid": 200}

            # 3. A message for another correlation key does not complete the instance.
            # The gateway gives up after the request timeout with DEADLINE_EXCEEDED.
            await client.publish_message("payment-received", "order-x", {"paid": 1})
            with pytest.raises(ProcessTimeoutError):
                await asyncio.wait_for(
                    client.run_process_with_result("message-process", {"orderId": "order-3"}, timeout=1_500), 20
                )

    run(scenario())


def test_stream_activated_jobs_pushes_jobs_as_they_are_created(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "crash-process.bpmn")
    request = pb.StreamActivatedJobsRequest(type="crash-work", worker="streamer", timeout=30_000)
    stream = stub.StreamActivatedJobs(request, timeout=30)
    try:
        # Opening a stream is asynchronous (as in Zeebe): a job created before the broker knows the
        # stream is not pushed. Create instances until one arrives on the stream.
        created: list[int] = []
        pushed: list[pb.ActivatedJob] = []
        reader = threading.Thread(target=lambda: pushed.append(next(stream)), daemon=True)
        reader.start()
        deadline = time.monotonic() + 10
        while reader.is_alive() and time.monotonic() < deadline:
            created.append(create_instance(stub, "crash-process", {"streamed": len(created)}).processInstanceKey)
            reader.join(0.5)
        assert pushed, "no job was pushed on the stream"
        [job] = pushed
        assert job.type == "crash-work" and job.worker == "streamer"
        assert job.processInstanceKey in created
        assert job.retries == 5
        complete_job(stub, job.key, {"done": True})
        assert instance_is_gone(stub, job.processInstanceKey)
    finally:
        stream.cancel()
    # Clean up: cancel the other instances created while waiting for the push.
    for key in created:
        instance_is_gone(stub, key)
