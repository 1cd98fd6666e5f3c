"""Compensation driven by pyzeebe workers: a trip booking books a hotel and a flight, each with a
compensation handler ("cancel hotel", "cancel flight"); when the card is declined, a compensation
intermediate throw event runs both handlers as jobs and waits for them before the traveller is
notified. When the card is charged, no handler runs.

No `from __future__ import annotations` here: pyzeebe inspects task signatures at runtime and
recognises the `job: Job` parameter by comparing the annotation object itself.
"""

from typing import Any

from pyzeebe import Job, ZeebeWorker

from harness import FIXTURES, Broker, activate_jobs, deploy
from zeebe_async import run, running_worker, zeebe_client


def trip_workers(calls: list[tuple[str, str, int]], paid: bool):
    """Workers for every job type of trip-booking; `calls` records (job type, element, instance)."""

    def configure(worker: ZeebeWorker) -> None:
        def record(job: Job) -> None:
            calls.append((job.type, job.element_id, job.process_instance_key))

        @worker.task("book-hotel")
        async def book_hotel(job: Job) -> dict[str, Any]:
            record(job)
            return {"hotelBooking": "H-1"}

        @worker.task("book-flight")
        async def book_flight(job: Job) -> dict[str, Any]:
            record(job)
            return {"flightBooking": "F-1"}

        @worker.task("charge-card")
        async def charge_card(job: Job) -> dict[str, Any]:
            record(job)
            return {"paid": paid}

        @worker.task("cancel-hotel")
        async def cancel_hotel(job: Job) -> dict[str, Any]:
            record(job)
            # The handler sees the variables of the instance, including the booking to undo.
            return {"hotelCancelled": job.variables["hotelBooking"]}

        @worker.task("cancel-flight")
        async def cancel_flight(job: Job) -> dict[str, Any]:
            record(job)
            return {"flightCancelled": job.variables["flightBooking"]}

        @worker.task("notify-traveller")
        async def notify(job: Job) -> dict[str, Any]:
            record(job)
            return {"notified": True}

    return configure


def run_trip(broker: Broker, paid: bool) -> tuple[Any, list[tuple[str, str, int]]]:
    calls: list[tuple[str, str, int]] = []

    async def scenario() -> Any:
        async with zeebe_client(broker.address) as client:
            async with running_worker(broker.address, trip_workers(calls, paid)):
                return await client.run_process_with_result("trip-booking", {"trip": "T-1"}, timeout=30_000)

    return run(scenario()), calls


def test_declined_payment_cancels_hotel_and_flight_before_going_on(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "trip-booking.bpmn")
    result, calls = run_trip(broker, paid=False)
    pik = result.process_instance_key
    assert all(instance == pik for _, _, instance in calls), calls
    types = [job_type for job_type, _, _ in calls]
    assert types[:3] == ["book-hotel", "book-flight", "charge-card"], types
    # Both handlers ran (in either order) and only then did the flow go on past the throw event.
    assert sorted(types[3:5]) == ["cancel-flight", "cancel-hotel"], types
    assert types[5:] == ["notify-traveller"], types
    elements = {job_type: element for job_type, element, _ in calls}
    assert elements["cancel-hotel"] == "Task_CancelHotel"
    assert elements["cancel-flight"] == "Task_CancelFlight"
    assert result.variables == {
        "trip": "T-1",
        "hotelBooking": "H-1",
        "flightBooking": "F-1",
        "paid": False,
        "hotelCancelled": "H-1",
        "flightCancelled": "F-1",
        "notified": True,
    }
    # Each handler ran once: no compensation job is left.
    for job_type in ("cancel-hotel", "cancel-flight"):
        assert activate_jobs(stub, job_type, max_jobs=5, request_timeout_ms=200) == []


def test_a_paid_trip_runs_no_compensation_handler(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "trip-booking.bpmn")
    result, calls = run_trip(broker, paid=True)
    types = [job_type for job_type, _, _ in calls]
    assert types == ["book-hotel", "book-flight", "charge-card"], types
    assert result.variables == {"trip": "T-1", "hotelBooking": "H-1", "flightBooking": "F-1", "paid": True}

