"""BPMN patterns end to end through the gateway: boundary events (message, timer; interrupting
and not), multi-instance (parallel over 5,000 items, sequential), an event-based gateway racing a
message against a timer, and a call activity on a broker with three partitions.

Every test asserts outcomes a client can see: which jobs exist (and which are gone), the
variables jobs carry, and the final variables of CreateProcessInstanceWithResult, which also
shows which path an instance took. Durations in the models make the engine wait; nothing here
asserts how long anything took.

No `from __future__ import annotations` here: pyzeebe inspects task signatures at runtime and
recognises the `job: Job` parameter by comparing the annotation object itself.
"""

import asyncio
import json
import time
from typing import Any

import grpc
import pytest
from pyzeebe import Job, ZeebeWorker

from harness import (
    FIXTURES,
    Broker,
    InstanceWithResult,
    Zbctl,
    activate_until,
    as_int,
    complete_job,
    deploy,
    jobs_of_instance,
    partition_of,
    pb,
    publish,
    rpc_error,
    variables_of,
    with_variable,
)
from test_partitions import three_partitions, wait_until_deployed_everywhere  # noqa: F401 - fixture
from zeebe_async import run, running_worker, zeebe_client

# --- 1. message boundary event (interrupting) ---------------------------------------------------------


def test_cancel_message_interrupts_fulfilment_and_the_order_ends_cancelled(broker: Broker, stub, zbctl: Zbctl) -> None:
    deploy(stub, FIXTURES / "order-cancellation.bpmn")
    instance = InstanceWithResult(stub, "order-cancellation", {"orderId": "ord-cancel-1"})
    try:
        fulfil = activate_until(stub, "fulfil-order", with_variable("orderId", "ord-cancel-1"))
        pik = fulfil.processInstanceKey
        assert fulfil.elementId == "Task_Fulfil"

        # The customer cancels: zbctl publishes the message the boundary event waits for. A TTL
        # keeps it buffered should the subscription still be opening.
        out = zbctl.json(
            "publish",
            "message",
            "order-cancelled",
            "--correlationKey",
            "ord-cancel-1",
            "--variables",
            '{"reason": "customer request"}',
            "--ttl",
            "60s",
        )
        assert as_int(out["key"]) > 0

        # The boundary path runs: its job carries the message's variables...
        notify = activate_until(stub, "notify-cancellation", lambda j: j.processInstanceKey == pik)
        assert notify.elementId == "Task_NotifyCancellation"
        assert variables_of(notify) == {"orderId": "ord-cancel-1", "reason": "customer request"}
        # ...and the interrupted fulfilment's job is gone.
        err = rpc_error(lambda: complete_job(stub, fulfil.key, {"fulfilled": True}))
        assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
        assert str(fulfil.key) in err.details()
        assert jobs_of_instance(stub, "ship-order", pik, request_timeout_ms=300) == []

        complete_job(stub, notify.key, {"status": "cancelled"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    # Ended at "Cancelled": no "fulfilled" (the completion was refused), no shipping.
    assert variables == {"orderId": "ord-cancel-1", "reason": "customer request", "status": "cancelled"}


def test_cancel_message_after_fulfilment_does_not_correlate(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "order-cancellation.bpmn")
    instance = InstanceWithResult(stub, "order-cancellation", {"orderId": "ord-kept-1"})
    try:
        fulfil = activate_until(stub, "fulfil-order", with_variable("orderId", "ord-kept-1"))
        pik = fulfil.processInstanceKey
        complete_job(stub, fulfil.key, {"fulfilled": True})
        ship = activate_until(stub, "ship-order", lambda j: j.processInstanceKey == pik)

        # Fulfilment completed, so its boundary subscription is closed; the instance still runs
        # (at "Ship order") when the cancellation arrives, and it must not be interrupted.
        assert publish(stub, "order-cancelled", "ord-kept-1", {"reason": "too late"}, ttl_ms=60_000) > 0
        assert jobs_of_instance(stub, "notify-cancellation", pik, request_timeout_ms=1_000) == []

        complete_job(stub, ship.key, {"status": "shipped"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": "ord-kept-1", "fulfilled": True, "status": "shipped"}


# --- 2. timer boundary events -------------------------------------------------------------------------


def test_overdue_review_escalates_and_the_review_job_is_cancelled(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "invoice-escalation.bpmn")
    instance = InstanceWithResult(stub, "invoice-escalation", {"invoiceId": "inv-esc-1", "amount": 1200})
    try:
        review = activate_until(stub, "review-invoice", with_variable("invoiceId", "inv-esc-1"))
        pik = review.processInstanceKey
        # Nobody completes the review; after PT1S the interrupting timer escalates.
        escalate = activate_until(stub, "escalate-invoice", lambda j: j.processInstanceKey == pik, wait_s=30)
        assert escalate.elementId == "Task_Escalate"
        err = rpc_error(lambda: complete_job(stub, review.key, {"approved": True}))
        assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()

        complete_job(stub, escalate.key, {"escalatedTo": "finance-lead"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"invoiceId": "inv-esc-1", "amount": 1200, "escalatedTo": "finance-lead"}


def test_non_interrupting_timer_sends_one_reminder_and_the_review_goes_on(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "invoice-reminder.bpmn")
    instance = InstanceWithResult(stub, "invoice-reminder", {"invoiceId": "inv-rem-1"})
    try:
        review = activate_until(stub, "review-invoice-slowly", with_variable("invoiceId", "inv-rem-1"))
        pik = review.processInstanceKey
        reminder = activate_until(stub, "send-invoice-reminder", lambda j: j.processInstanceKey == pik, wait_s=30)
        assert reminder.elementId == "Task_Remind"
        complete_job(stub, reminder.key, {"reminded": True})
        # A timeDuration fires once: no second reminder, although the review is still open.
        assert jobs_of_instance(stub, "send-invoice-reminder", pik, request_timeout_ms=1_500) == []

        # The review was not interrupted: its job still completes and the instance ends.
        complete_job(stub, review.key, {"approved": True})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"invoiceId": "inv-rem-1", "reminded": True, "approved": True}


# --- 3. multi-instance ----------------------------------------------------------------------------------

ITEMS = 5_000
BATCH = 1_000


def activate_batch(stub, job_type: str, max_jobs: int, fetch: list[str]) -> list[pb.ActivatedJob]:
    """One ActivateJobs call with a generous deadline: while the broker creates thousands of inner
    instances, the request may wait behind that work before its 2 s long poll even starts."""
    request = pb.ActivateJobsRequest(
        type=job_type,
        worker="interop",
        timeout=120_000,
        maxJobsToActivate=max_jobs,
        fetchVariable=fetch,
        requestTimeout=2_000,
    )
    return [job for response in stub.ActivateJobs(request, timeout=90) for job in response.jobs]


@pytest.mark.slow
def test_parallel_multi_instance_over_5000_items_collects_every_result_in_input_order(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "mi-packing.bpmn")
    # Small numbers keep the collections (re-read by the engine for every item) small.
    items = [1_000 + i for i in range(ITEMS)]
    instance = InstanceWithResult(
        stub, "mi-packing", {"items": items, "warehouse": "north"}, request_timeout_ms=140_000
    )
    activated: dict[int, int] = {}  # job key -> loopCounter
    try:
        deadline = time.monotonic() + 140
        while len(activated) < ITEMS:
            assert time.monotonic() < deadline, f"only {len(activated)} of {ITEMS} jobs were activated"
            # fetchVariable keeps the 5,000-entry collection out of every job.
            jobs = activate_batch(stub, "pack-item", BATCH, fetch=["item", "loopCounter", "warehouse"])
            assert len(jobs) <= BATCH
            completions = []
            # Completed in reverse: the output collection must follow the input, not completion order.
            for job in reversed(jobs):
                v = variables_of(job)
                if v.get("warehouse") != "north":
                    continue  # not this test's instance
                assert job.key not in activated, f"job {job.key} activated twice"
                activated[job.key] = v["loopCounter"]
                assert v["item"] == items[v["loopCounter"] - 1], v
                completions.append(
                    stub.CompleteJob.future(
                        pb.CompleteJobRequest(jobKey=job.key, variables=json.dumps({"packedItem": 2 * v["item"]})),
                        timeout=60,
                    )
                )
            for completion in completions:
                completion.result()
        key, variables = instance.result()
    finally:
        instance.cancel()
    # Exactly one job per item.
    assert sorted(activated.values()) == list(range(1, ITEMS + 1))
    assert len(variables["packed"]) == ITEMS
    assert variables["packed"] == [2 * item for item in items]
    assert variables["items"] == items and variables["warehouse"] == "north"
    # No job is left over once the instance has completed.
    assert jobs_of_instance(stub, "pack-item", key, request_timeout_ms=200) == []


def test_multi_instance_output_element_stays_local_to_each_inner_instance(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "mi-packing.bpmn")
    instance = InstanceWithResult(stub, "mi-packing", {"items": ["a", "b", "c"], "warehouse": "local-check"})
    try:
        done = 0
        deadline = time.monotonic() + 20
        while done < 3:
            assert time.monotonic() < deadline
            for job in activate_batch(stub, "pack-item", 10, fetch=["item", "warehouse"]):
                if variables_of(job).get("warehouse") != "local-check":
                    continue  # not this test's instance
                complete_job(stub, job.key, {"packedItem": f"box-{variables_of(job)['item']}"})
                done += 1
        _, variables = instance.result()
    finally:
        instance.cancel()
    # As in Zeebe: the collection is the only trace of the inner instances' results.
    assert variables == {"items": ["a", "b", "c"], "warehouse": "local-check", "packed": ["box-a", "box-b", "box-c"]}


def test_sequential_multi_instance_runs_one_item_at_a_time_in_order(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "mi-sign-off.bpmn")
    approvers = ["ann", "bob", "cyd", "dee"]
    instance = InstanceWithResult(stub, "mi-sign-off", {"approvers": approvers, "contract": "c-9"})
    order: list[tuple[int, str]] = []
    pik = None
    try:
        for _ in approvers:
            job = activate_until(stub, "sign-off", with_variable("contract", "c-9"))
            pik = pik or job.processInstanceKey
            assert job.processInstanceKey == pik
            v = variables_of(job)
            order.append((v["loopCounter"], v["approver"]))
            # Sequential: the next item's job does not exist before this one completes.
            assert jobs_of_instance(stub, "sign-off", pik, request_timeout_ms=200) == []
            complete_job(stub, job.key, {"signature": f"signed by {v['approver']}"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert order == [(1, "ann"), (2, "bob"), (3, "cyd"), (4, "dee")]
    assert key == pik
    # "signature" was local to each inner instance.
    assert variables == {
        "approvers": approvers,
        "contract": "c-9",
        "signatures": [f"signed by {a}" for a in approvers],
    }


# --- 4. event-based gateway ----------------------------------------------------------------------------


def test_event_based_gateway_message_wins_and_the_timer_path_is_not_taken(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "payment-race.bpmn")
    # Buffered before the instance exists: it correlates as soon as the gateway subscribes.
    publish(stub, "payment-confirmed", "race-msg-1", {"paidAmount": 42}, ttl_ms=60_000)
    instance = InstanceWithResult(stub, "payment-race", {"orderId": "race-msg-1", "paymentTimeout": "PT1S"})
    try:
        release = activate_until(stub, "release-paid-order", with_variable("orderId", "race-msg-1"))
        pik = release.processInstanceKey
        assert variables_of(release) == {"orderId": "race-msg-1", "paymentTimeout": "PT1S", "paidAmount": 42}
        # The instance stays at "Release order" past the timeout: the gateway's timer was
        # cancelled with it, so the expiry path never starts.
        assert jobs_of_instance(stub, "cancel-unpaid-order", pik, request_timeout_ms=2_500) == []
        complete_job(stub, release.key, {"status": "released"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": "race-msg-1", "paymentTimeout": "PT1S", "paidAmount": 42, "status": "released"}


def test_event_based_gateway_timer_wins_and_a_later_message_does_not_correlate(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "payment-race.bpmn")
    instance = InstanceWithResult(stub, "payment-race", {"orderId": "race-timer-1", "paymentTimeout": "PT1S"})
    try:
        expiry = activate_until(stub, "cancel-unpaid-order", with_variable("orderId", "race-timer-1"), wait_s=30)
        pik = expiry.processInstanceKey
        assert expiry.elementId == "Task_HandleExpiry"
        # The payment arrives late: the gateway's message subscription was closed when the
        # timer won, so the message (buffered for its TTL) does not reach the instance.
        assert publish(stub, "payment-confirmed", "race-timer-1", {"paidAmount": 99}, ttl_ms=60_000) > 0
        assert jobs_of_instance(stub, "release-paid-order", pik, request_timeout_ms=1_000) == []
        complete_job(stub, expiry.key, {"status": "expired"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": "race-timer-1", "paymentTimeout": "PT1S", "status": "expired"}


# --- 5. call activity on three partitions ----------------------------------------------------------------


def test_call_activity_child_runs_on_the_parents_partition_and_variables_flow_both_ways(
    three_partitions: Broker,  # noqa: F811 - the fixture imported above
) -> None:
    picked: dict[str, dict[str, Any]] = {}

    def configure(worker: ZeebeWorker) -> None:
        @worker.task("pick-items")
        async def pick(job: Job) -> dict[str, Any]:
            picked[job.variables["orderId"]] = {
                "child_key": job.process_instance_key,
                "process": job.bpmn_process_id,
                "variables": dict(job.variables),
            }
            return {"pickedCount": len(job.variables["items"]), "pickedBy": "picker-1"}

    orders = {f"call-{i}": [f"sku-{i}-{n}" for n in range(i % 3 + 1)] for i in range(9)}

    async def scenario() -> list[Any]:
        async with zeebe_client(three_partitions.address) as client:
            await client.deploy_resource(
                str(FIXTURES / "fulfilment-parent.bpmn"), str(FIXTURES / "fulfilment-child.bpmn")
            )
            # One deployment, distributed as a whole: where the child exists, so does the parent.
            await wait_until_deployed_everywhere(client, "fulfilment-child")
            async with running_worker(three_partitions.address, configure):
                return await asyncio.gather(
                    *(
                        client.run_process_with_result(
                            "fulfilment-parent", {"orderId": order, "items": items}, timeout=30_000
                        )
                        for order, items in orders.items()
                    )
                )

    results = run(scenario())
    parent_partitions = set()
    for (order, items), result in zip(orders.items(), results, strict=True):
        # Child -> parent: the child's job result reached the parent's variables.
        assert result.variables == {"orderId": order, "items": items, "pickedCount": len(items), "pickedBy": "picker-1"}
        child = picked[order]
        assert child["process"] == "fulfilment-child"
        # Parent -> child: the child instance saw the parent's variables.
        assert child["variables"] == {"orderId": order, "items": items}
        assert child["child_key"] != result.process_instance_key
        # The child runs on the parent's partition (Zeebe keys: partition << 51 | counter).
        assert partition_of(child["child_key"]) == partition_of(result.process_instance_key), (order, child)
        parent_partitions.add(partition_of(result.process_instance_key))
    assert parent_partitions == {1, 2, 3}, f"parents ran only on partitions {parent_partitions}"
