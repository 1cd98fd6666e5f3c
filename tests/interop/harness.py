"""Process-level harness for the interop suite: a real `hornet broker` on free ports.

Nothing here imitates the broker. `Broker` starts the actual binary (path from HORNET_BIN) with a
temporary data directory and free loopback ports, waits until it is ready (monitoring `/ready`
answers 200 and the gRPC Topology reports a leader for every partition), and stops it; `kill()` is
a SIGKILL so that crash recovery can be tested by `restart()`ing on the same data directory.

The direct gRPC stubs come from pyzeebe's bundled, generated `gateway_pb2` modules: they are
Zeebe's own protocol definitions (8.6 level), so a mismatch between them and Hornet's wire format
is a real incompatibility, not a test artefact.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc as pb_grpc

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO_ROOT = HERE.parent.parent

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
STARTUP_TIMEOUT_S = float(os.environ.get("HORNET_STARTUP_TIMEOUT", "60"))


def default_hornet_bin() -> Path:
    """The broker binary: $HORNET_BIN, else the debug build in the cargo target dir."""
    explicit = os.environ.get("HORNET_BIN")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("HORNET_CACHE", Path.home() / ".cache" / "hornet"))
    target = Path(os.environ.get("CARGO_TARGET_DIR", cache / "target"))
    return target / "debug" / "hornet"


def zbctl_path() -> Path:
    """The zbctl binary installed by deploy/bootstrap.sh: $ZBCTL, else $HORNET_CACHE/bin/zbctl."""
    explicit = os.environ.get("ZBCTL")
    if explicit:
        return Path(explicit)
    cache = Path(os.environ.get("HORNET_CACHE", Path.home() / ".cache" / "hornet"))
    return cache / "bin" / "zbctl"


def _ephemeral_port_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# Every port handed out in this process: a port is free until its broker binds it, so without this
# the nodes of one cluster (whose ports are all picked before any node starts) could share one.
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago and is handed out once per process.

    It is chosen below the kernel's ephemeral range: outgoing connections (a cluster's nodes dialling
    each other) take their local ports from that range, and one of them could take a port picked
    from it before the broker binds it.
    """
    high = _ephemeral_port_low()
    low = max(1024, high - 12000)
    for _ in range(1000 if high > low else 0):
        port = random.randrange(low, high)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


class BrokerStartError(RuntimeError):
    """The broker exited or did not become ready in time; the message carries its log tail."""


@dataclass
class Ports:
    gateway: int
    monitoring: int
    command: int
    internal: int
    # The REST API (Zeebe 8.8's /v2/...), given to the broker as SERVER_PORT (Zeebe's `server.port`).
    rest: int

    @staticmethod
    def allocate() -> "Ports":
        # free_port never hands out a port twice, so the five are distinct.
        return Ports(*(free_port() for _ in range(5)))


@dataclass
class Broker:
    """One `hornet broker` process: single node, embedded gateway, its own data dir and ports."""

    binary: Path
    data_dir: Path
    log_path: Path
    partitions: int = 1
    host: str = "127.0.0.1"
    ports: Ports = field(default_factory=Ports.allocate)
    # Further ZEEBE_* settings, e.g. cluster membership for a node of a multi-node cluster.
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def address(self) -> str:
        """host:port of the client gRPC endpoint, as zbctl's --address and pyzeebe take it."""
        return f"{self.host}:{self.ports.gateway}"

    @property
    def monitoring_url(self) -> str:
        return f"http://{self.host}:{self.ports.monitoring}"

    @property
    def rest_url(self) -> str:
        """Base URL of the REST API (append /v2/...)."""
        return f"http://{self.host}:{self.ports.rest}"

    def command_line(self) -> list[str]:
        return [
            str(self.binary),
            "broker",
            "--data-dir",
            str(self.data_dir),
            "--partitions",
            str(self.partitions),
            "--gateway-port",
            str(self.ports.gateway),
            "--monitoring-port",
            str(self.ports.monitoring),
            "--host",
            self.host,
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Flags carry the settings the CLI names; the Zeebe-style variables repeat them and also
        # move the command/internal API ports off their defaults (26501/26502), so a test broker
        # never collides with a broker already running on this machine.
        env.update(
            {
                "ZEEBE_BROKER_DATA_DIRECTORY": str(self.data_dir),
                "ZEEBE_BROKER_CLUSTER_PARTITIONSCOUNT": str(self.partitions),
                "ZEEBE_BROKER_GATEWAY_NETWORK_PORT": str(self.ports.gateway),
                "ZEEBE_BROKER_NETWORK_MONITORINGAPI_PORT": str(self.ports.monitoring),
                "ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT": str(self.ports.command),
                "ZEEBE_BROKER_NETWORK_INTERNALAPI_PORT": str(self.ports.internal),
                "SERVER_PORT": str(self.ports.rest),
                "ZEEBE_BROKER_NETWORK_HOST": self.host,
            }
        )
        env.update(self.extra_env)
        # Hornet's own info lines (start-up, leadership, readiness) without openraft's chatter.
        env.setdefault("RUST_LOG", "info,openraft=warn")
        env.setdefault("NO_COLOR", "1")
        env.setdefault("RUST_BACKTRACE", "1")
        return env

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self, timeout_s: float = STARTUP_TIMEOUT_S) -> "Broker":
        self.launch()
        try:
            self.wait_ready(timeout_s)
        except BaseException:
            self.kill()
            raise
        return self

    def launch(self) -> "Broker":
        """Starts the process without waiting for it to be ready (a cluster node needs its peers)."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("broker already running")
        if not self.binary.is_file():
            raise BrokerStartError(
                f"hornet binary not found at {self.binary} (build it with `cargo build -p hornet` or set HORNET_BIN)"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in _reap
        log.write(f"\n===== start #{self.starts}: {' '.join(self.command_line())}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            self.command_line(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            cwd=self.data_dir.parent,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout_s: float) -> None:
        """Blocks until /ready answers 200 and every partition has a leader in the Topology."""
        deadline = time.monotonic() + timeout_s
        last_problem = "not polled yet"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise BrokerStartError(f"broker exited with status {code} during startup\n{self.log_tail()}")
            problem = self._readiness_problem()
            if problem is None:
                return
            last_problem = problem
            time.sleep(0.1)
        raise BrokerStartError(f"broker not ready after {timeout_s:.0f}s (last: {last_problem})\n{self.log_tail()}")

    def _readiness_problem(self) -> str | None:
        try:
            with urllib.request.urlopen(f"{self.monitoring_url}/ready", timeout=2) as resp:
                if resp.status != 200:
                    return f"/ready answered {resp.status}"
        except urllib.error.HTTPError as e:
            return f"/ready answered {e.code}"
        except OSError as e:
            return f"/ready unreachable: {e}"
        try:
            with grpc.insecure_channel(self.address) as channel:
                topology = pb_grpc.GatewayStub(channel).Topology(pb.TopologyRequest(), timeout=2)
        except grpc.RpcError as e:
            return f"Topology failed: {e.code().name} {e.details()}"
        led = leader_partitions(topology)
        missing = set(range(1, self.partitions + 1)) - led
        if missing:
            return f"no leader yet for partitions {sorted(missing)}"
        return None

    def kill(self) -> None:
        """SIGKILL, no shutdown hooks: what a crash or OOM kill looks like."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self._reap(10)

    def stop(self, grace_s: float = 10) -> None:
        """SIGTERM, then SIGKILL if the broker has not exited within grace_s."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
        self._reap(10)

    def restart(self, timeout_s: float = STARTUP_TIMEOUT_S) -> "Broker":
        """Starts again on the same data directory and ports (after kill() or stop())."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("restart() needs a stopped broker; call kill() or stop() first")
        return self.start(timeout_s)

    def _reap(self, timeout_s: float) -> None:
        assert self.process is not None
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        tail = ANSI_ESCAPE.sub("", text).splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)

    def wipe(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # --- clients ------------------------------------------------------------------------------

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stub(self, channel: grpc.Channel) -> pb_grpc.GatewayStub:
        return pb_grpc.GatewayStub(channel)


def leader_partitions(topology: pb.TopologyResponse) -> set[int]:
    """Partition ids that some broker in the topology reports as LEADER."""
    leader = pb.Partition.PartitionBrokerRole.LEADER
    return {p.partitionId for b in topology.brokers for p in b.partitions if p.role == leader}


# --- keys -------------------------------------------------------------------------------------

PARTITION_BITS_SHIFT = 51


def partition_of(key: int) -> int:
    """Zeebe keys carry their partition id in the top 13 bits."""
    return key >> PARTITION_BITS_SHIFT


# --- direct gRPC helpers ------------------------------------------------------------------------


def rpc_error(call: Callable[[], Any]) -> grpc.RpcError:
    """Runs a gRPC call that must fail and returns its error (fails the test if it succeeds)."""
    try:
        result = call()
    except grpc.RpcError as e:
        return e
    raise AssertionError(f"expected the call to fail with a gRPC error, but it returned {result!r}")


def deploy(stub: pb_grpc.GatewayStub, *paths: Path, names: Iterable[str] | None = None) -> pb.DeployResourceResponse:
    names = list(names) if names is not None else [p.name for p in paths]
    resources = [pb.Resource(name=n, content=p.read_bytes()) for n, p in zip(names, paths, strict=True)]
    return stub.DeployResource(pb.DeployResourceRequest(resources=resources), timeout=30)


def activate_jobs(
    stub: pb_grpc.GatewayStub,
    job_type: str,
    *,
    max_jobs: int = 32,
    timeout_ms: int = 60_000,
    request_timeout_ms: int = 1_000,
    worker: str = "interop",
    fetch: Iterable[str] = (),
) -> list[pb.ActivatedJob]:
    """One ActivateJobs round trip (long-polling up to request_timeout_ms); all jobs it streamed."""
    request = pb.ActivateJobsRequest(
        type=job_type,
        worker=worker,
        timeout=timeout_ms,
        maxJobsToActivate=max_jobs,
        fetchVariable=list(fetch),
        requestTimeout=request_timeout_ms,
    )
    jobs: list[pb.ActivatedJob] = []
    deadline_s = request_timeout_ms / 1000 + 10
    for response in stub.ActivateJobs(request, timeout=deadline_s):
        jobs.extend(response.jobs)
    return jobs


def activate_until(
    stub: pb_grpc.GatewayStub,
    job_type: str,
    predicate: Callable[[pb.ActivatedJob], bool] = lambda _job: True,
    *,
    wait_s: float = 15,
    **kwargs: Any,
) -> pb.ActivatedJob:
    """Activates jobs of job_type until one satisfies predicate; returns it (others stay locked)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        for job in activate_jobs(stub, job_type, **kwargs):
            if predicate(job):
                return job
    raise AssertionError(f"no activatable job of type {job_type!r} matching the predicate within {wait_s}s")


def complete_job(stub: pb_grpc.GatewayStub, key: int, variables: dict[str, Any] | None = None) -> None:
    stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables=json.dumps(variables or {})), timeout=10)


def create_instance(
    stub: pb_grpc.GatewayStub, process_id: str, variables: dict[str, Any] | None = None, version: int = -1
) -> pb.CreateProcessInstanceResponse:
    return stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(
            bpmnProcessId=process_id, version=version, variables=json.dumps(variables or {})
        ),
        timeout=10,
    )


def create_instance_with_result(
    stub: pb_grpc.GatewayStub,
    process_id: str,
    variables: dict[str, Any] | None = None,
    request_timeout_ms: int = 30_000,
) -> pb.CreateProcessInstanceWithResultResponse:
    request = pb.CreateProcessInstanceWithResultRequest(
        request=pb.CreateProcessInstanceRequest(
            bpmnProcessId=process_id, version=-1, variables=json.dumps(variables or {})
        ),
        requestTimeout=request_timeout_ms,
    )
    return stub.CreateProcessInstanceWithResult(request, timeout=request_timeout_ms / 1000 + 10)


def instance_is_gone(stub: pb_grpc.GatewayStub, process_instance_key: int) -> bool:
    """True if the broker no longer knows the instance (completed, or never existed).

    The gateway protocol has no query API; CancelProcessInstance answers NOT_FOUND for an instance
    that has ended, and cancels one that is still active. Only call this when cancelling a
    still-running instance is acceptable (the caller then fails the test anyway).
    """
    try:
        stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=process_instance_key), timeout=10)
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return True
        raise
    return False


# --- driving one instance through the stub (test_bpmn_patterns, test_bpmn_elements) ----------------


class InstanceWithResult:
    """A CreateProcessInstanceWithResult call running in the background (a gRPC future).

    The call returns only when the instance completes, so the test drives the instance (jobs,
    messages) meanwhile and reads the final variables at the end.
    """

    def __init__(
        self,
        stub: pb_grpc.GatewayStub,
        process_id: str,
        variables: dict[str, Any],
        request_timeout_ms: int = 60_000,
    ) -> None:
        request = pb.CreateProcessInstanceWithResultRequest(
            request=pb.CreateProcessInstanceRequest(
                bpmnProcessId=process_id, version=-1, variables=json.dumps(variables)
            ),
            requestTimeout=request_timeout_ms,
        )
        self._wait_s = request_timeout_ms / 1000 + 10
        self._future = stub.CreateProcessInstanceWithResult.future(request, timeout=self._wait_s)

    def result(self) -> tuple[int, dict[str, Any]]:
        """(process instance key, final variables); fails if the instance did not complete."""
        response = self._future.result(timeout=self._wait_s)
        return response.processInstanceKey, json.loads(response.variables)

    def cancel(self) -> None:
        self._future.cancel()


def variables_of(job: pb.ActivatedJob) -> dict[str, Any]:
    return json.loads(job.variables)


def with_variable(name: str, value: Any) -> Callable[[pb.ActivatedJob], bool]:
    """Predicate for activate_until: the job's instance has variable `name` == value."""
    return lambda job: variables_of(job).get(name) == value


def jobs_of_instance(
    stub: pb_grpc.GatewayStub, job_type: str, process_instance_key: int, *, request_timeout_ms: int
) -> list[pb.ActivatedJob]:
    """The jobs of job_type that one long poll of request_timeout_ms activates for the instance.

    A long poll returns as soon as a job exists, so an empty answer after the full poll means
    there was none to activate during that time.
    """
    jobs = activate_jobs(stub, job_type, request_timeout_ms=request_timeout_ms, max_jobs=100)
    return [job for job in jobs if job.processInstanceKey == process_instance_key]


def publish(stub: pb_grpc.GatewayStub, name: str, correlation_key: str, variables: dict[str, Any], ttl_ms: int) -> int:
    response = stub.PublishMessage(
        pb.PublishMessageRequest(
            name=name, correlationKey=correlation_key, timeToLive=ttl_ms, variables=json.dumps(variables)
        ),
        timeout=10,
    )
    return response.key


def find_job_incident(
    stub: pb_grpc.GatewayStub, job_key: int, *, scan: int = 1000, wait_s: float = 15
) -> tuple[int, grpc.RpcError]:
    """Finds the key of the incident raised for a job whose retries reached 0.

    The gateway protocol has no way to query incidents (Zeebe users read them from Operate or an
    exporter), but keys are allocated from one increasing counter per partition, and the incident
    is created after its job, on the job's partition. So the incident is the first key above the
    job key for which ResolveIncident does not answer NOT_FOUND. While the job still has no
    retries, Zeebe rejects that resolve with FAILED_PRECONDITION ("... has no retries left"), so
    probing changes nothing. Returns (incident_key, the rejection) and fails if nothing is found.
    """
    deadline = time.monotonic() + wait_s
    while True:
        for candidate in range(job_key + 1, job_key + 1 + scan):
            try:
                stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=candidate), timeout=10)
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.NOT_FOUND:
                    continue
                return candidate, e
            raise AssertionError(
                f"ResolveIncident({candidate}) succeeded while job {job_key} still had 0 retries; "
                "Zeebe rejects that with FAILED_PRECONDITION"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"no incident found for job {job_key} among the next {scan} keys")
        time.sleep(0.2)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


# --- zbctl ---------------------------------------------------------------------------------------


class ZbctlError(AssertionError):
    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]):
        self.result = result
        super().__init__(
            f"zbctl {' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )


@dataclass
class Zbctl:
    """Runs the real zbctl binary against a broker (insecure, explicit address)."""

    binary: Path
    address: str
    home: Path

    def run(self, *args: str, check: bool = True, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.binary), "--insecure", "--address", self.address, *args]
        env = dict(os.environ)
        # zbctl reads these when set; keep the machine's settings out of the test.
        for var in ("ZEEBE_ADDRESS", "ZEEBE_CLIENT_ID", "ZEEBE_CLIENT_SECRET", "ZEEBE_CA_CERTIFICATE_PATH"):
            env.pop(var, None)
        env["HOME"] = str(self.home)  # its OAuth credentials cache lives under $HOME/.camunda
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout_s, env=env, stdin=subprocess.DEVNULL
        )
        if check and result.returncode != 0:
            raise ZbctlError(list(args), result)
        return result

    def json(self, *args: str, timeout_s: float = 60) -> Any:
        result = self.run(*args, timeout_s=timeout_s)
        return parse_json_output(result.stdout)


def parse_json_output(stdout: str) -> Any:
    """zbctl prints one JSON document (possibly indented); anything around it is an error."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise AssertionError(f"zbctl output is not JSON ({e}):\n{stdout}") from e


def as_int(value: Any) -> int:
    """zbctl renders int64 fields either as JSON numbers or (protojson) as strings."""
    if isinstance(value, bool):
        raise AssertionError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise AssertionError(f"expected an integer, got {value!r}")
