"""kill -9 in the middle of a workload, restart on the same data directory: nothing the broker
acknowledged is lost, and workers pick the outstanding jobs up again.

"Acknowledged" means the client got a successful response: an instance whose
CreateProcessInstance returned, a job whose CompleteJob returned. Requests in flight at the kill
may or may not have taken effect; the test tolerates both for those, and only those.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import grpc
import pytest

from harness import FIXTURES, Broker, activate_jobs, complete_job, create_instance, deploy, instance_is_gone, pb

JOB_TIMEOUT_MS = 4_000  # jobs locked by the dead broker's workers come back after this
MAX_INSTANCES = 400  # bounds the workload if completions are slow to show up


@dataclass
class Ledger:
    """What the broker acknowledged, recorded by the client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: list[int] = field(default_factory=list)  # acknowledged process instance keys
    completed: dict[int, int] = field(default_factory=dict)  # instance key -> acknowledged job key
    attempted: dict[int, int] = field(default_factory=dict)  # instance key -> job key sent to CompleteJob

    def add_created(self, key: int) -> None:
        with self.lock:
            self.created.append(key)

    def add_attempted(self, instance_key: int, job_key: int) -> None:
        with self.lock:
            self.attempted[instance_key] = job_key

    def add_completed(self, instance_key: int, job_key: int) -> None:
        with self.lock:
            self.completed[instance_key] = job_key


def creator(stub, ledger: Ledger, stop: threading.Event, prefix: str) -> None:
    n = 0
    while not stop.is_set() and n < MAX_INSTANCES:
        n += 1
        try:
            response = create_instance(stub, "crash-process", {"item": f"{prefix}-{n}"})
        except grpc.RpcError:
            return  # the broker is gone; this request is unacknowledged
        ledger.add_created(response.processInstanceKey)


def completer(stub, ledger: Ledger, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            jobs = activate_jobs(stub, "crash-work", max_jobs=8, timeout_ms=JOB_TIMEOUT_MS, request_timeout_ms=200)
        except grpc.RpcError:
            return
        for job in jobs:
            ledger.add_attempted(job.processInstanceKey, job.key)
            try:
                complete_job(stub, job.key, {"done": True})
            except grpc.RpcError:
                return
            ledger.add_completed(job.processInstanceKey, job.key)


@pytest.mark.slow
def test_acknowledged_instances_and_completions_survive_kill_9(make_broker) -> None:
    broker: Broker = make_broker(name="crash")
    ledger = Ledger()
    with broker.channel() as channel:
        stub = broker.stub(channel)
        deploy(stub, FIXTURES / "crash-process.bpmn")
        stop = threading.Event()
        threads = [
            threading.Thread(target=creator, args=(stub, ledger, stop, "before"), daemon=True),
            threading.Thread(target=completer, args=(stub, ledger, stop), daemon=True),
        ]
        for t in threads:
            t.start()
        # Let the workload run until there is something on both sides, then crash mid-flight.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (len(ledger.created) < 40 or len(ledger.completed) < 10):
            time.sleep(0.02)
        broker.kill()
        stop.set()
        for t in threads:
            t.join(30)
    with ledger.lock:
        created_before = list(ledger.created)
        completed_before = dict(ledger.completed)
        # CompleteJob sent but not acknowledged: it may or may not have been committed.
        in_doubt = set(ledger.attempted) - set(ledger.completed)
    assert len(created_before) >= 40 and len(completed_before) >= 10, "workload too small to mean anything"

    broker.restart()
    restarted_at = time.monotonic()
    with broker.channel() as channel:
        stub = broker.stub(channel)
        # Keys keep increasing after recovery: the key generator's state survived.
        fresh = create_instance(stub, "crash-process", {"item": "after-1"}).processInstanceKey
        assert fresh > max(created_before), "a key was handed out twice across the crash"
        must_finish = set(created_before) | {fresh}

        finished_after: dict[int, int] = {}

        def outstanding() -> set[int]:
            return must_finish - set(completed_before) - set(finished_after)

        # Jobs locked by the dead worker return after JOB_TIMEOUT_MS; only instances whose
        # completion was in doubt may stay silent after that (their completion was committed).
        settle_s = JOB_TIMEOUT_MS / 1000 + 5
        deadline = restarted_at + 60
        while time.monotonic() < deadline and outstanding():
            if outstanding() <= in_doubt and time.monotonic() - restarted_at > settle_s:
                break
            for job in activate_jobs(stub, "crash-work", max_jobs=32, timeout_ms=30_000, request_timeout_ms=500):
                assert job.processInstanceKey not in completed_before, (
                    f"job {job.key} of instance {job.processInstanceKey} is active again although its "
                    f"completion (job {completed_before[job.processInstanceKey]}) was acknowledged before the crash"
                )
                complete_job(stub, job.key, {"done": True})
                finished_after[job.processInstanceKey] = job.key
        lost = outstanding() - in_doubt
        assert not lost, f"{len(lost)} acknowledged instances never got their job back: {sorted(lost)[:10]}"
        # Every acknowledged instance has ended (cancel finds nothing to cancel), including those
        # whose in-doubt completion was committed before the kill.
        still_running = [k for k in sorted(must_finish) if not instance_is_gone(stub, k)]
        assert not still_running, f"instances still running after their job completed: {still_running[:10]}"


@pytest.mark.slow
def test_deployments_and_versions_survive_a_graceful_restart(make_broker, tmp_path) -> None:
    broker: Broker = make_broker(name="restart")
    with broker.channel() as channel:
        stub = broker.stub(channel)
        v1 = deploy(stub, FIXTURES / "shipping-process.bpmn").deployments[0].process
        waiting = create_instance(stub, "shipping-process", {"parcel": 1}).processInstanceKey
    broker.stop()
    broker.restart()
    with broker.channel() as channel:
        stub = broker.stub(channel)
        again = deploy(stub, FIXTURES / "shipping-process.bpmn").deployments[0].process
        assert (again.version, again.processDefinitionKey) == (1, v1.processDefinitionKey)
        changed = tmp_path / "shipping-process.bpmn"
        changed.write_text((FIXTURES / "shipping-process.bpmn").read_text().replace("Pack parcel", "Pack parcel twice"))
        assert deploy(stub, changed).deployments[0].process.version == 2
        # The instance started before the restart still has its job.
        jobs = activate_jobs(stub, "pack-parcel", request_timeout_ms=2_000)
        [job] = [j for j in jobs if j.processInstanceKey == waiting]
        complete_job(stub, job.key)
        assert instance_is_gone(stub, waiting)


@pytest.mark.slow
def test_kill_9_right_after_restart_replays_to_the_same_state(make_broker) -> None:
    """Two crashes in a row: recovery itself must be safe to interrupt."""
    broker: Broker = make_broker(name="double-crash")
    with broker.channel() as channel:
        stub = broker.stub(channel)
        deploy(stub, FIXTURES / "crash-process.bpmn")
        keys = [create_instance(stub, "crash-process", {"i": i}).processInstanceKey for i in range(10)]
    broker.kill()
    broker.restart()
    broker.kill()
    broker.restart()
    with broker.channel() as channel:
        stub = broker.stub(channel)
        seen: set[int] = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not set(keys) <= seen:
            for job in activate_jobs(stub, "crash-work", request_timeout_ms=500):
                complete_job(stub, job.key)
                seen.add(job.processInstanceKey)
        assert set(keys) <= seen
        assert all(instance_is_gone(stub, k) for k in keys)
        topology = stub.Topology(pb.TopologyRequest(), timeout=10)
        assert topology.brokers[0].partitions[0].role == pb.Partition.PartitionBrokerRole.LEADER
