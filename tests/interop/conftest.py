"""Fixtures of the interop suite: real `hornet broker` processes on free ports.

* `broker` - one broker per test module (1 partition), with a fresh temporary data directory.
  Tests in a module share it, so each module keeps its process ids and job types to itself.
* `make_broker` - a factory for brokers a test owns alone (crash/restart, several partitions);
  all of them are stopped at the end of the test.
* `stub` - a Zeebe gateway gRPC stub (Zeebe's own generated code, shipped in pyzeebe).
* `zbctl` - the real zbctl binary pointed at `broker`.

The broker binary comes from HORNET_BIN (default: the debug build in the cargo target dir). When a
test fails, the tail of its broker's log is attached to the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from harness import Broker, Zbctl, default_hornet_bin, zbctl_path


@pytest.fixture(scope="session")
def hornet_bin() -> Path:
    path = default_hornet_bin()
    if not path.is_file():
        pytest.fail(f"hornet binary not found at {path}; build it (cargo build -p hornet) or set HORNET_BIN")
    return path


def _new_broker(factory: pytest.TempPathFactory, binary: Path, name: str, partitions: int) -> Broker:
    root = factory.mktemp(name)
    return Broker(binary=binary, data_dir=root / "data", log_path=root / "broker.log", partitions=partitions)


@pytest.fixture(scope="module")
def broker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, hornet_bin: Path
) -> Iterator[Broker]:
    b = _new_broker(tmp_path_factory, hornet_bin, f"broker-{request.module.__name__}", partitions=1)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def make_broker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, hornet_bin: Path
) -> Iterator[Callable[..., Broker]]:
    started: list[Broker] = []
    request.node.hornet_brokers = started  # read by pytest_runtest_makereport

    def make(partitions: int = 1, name: str = "own-broker") -> Broker:
        b = _new_broker(tmp_path_factory, hornet_bin, name, partitions)
        started.append(b)
        return b.start()

    yield make
    for b in started:
        b.stop()


@pytest.fixture
def stub(broker: Broker):
    with broker.channel() as channel:
        yield broker.stub(channel)


@pytest.fixture
def zbctl(broker: Broker, tmp_path: Path) -> Zbctl:
    binary = zbctl_path()
    if not binary.exists():
        pytest.fail(f"zbctl not found at {binary}; run deploy/bootstrap.sh or set ZBCTL")
    return Zbctl(binary=binary, address=broker.address, home=tmp_path)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    brokers: list[Broker] = list(getattr(item, "hornet_brokers", []))
    shared = getattr(item, "funcargs", {}).get("broker")
    if isinstance(shared, Broker):
        brokers.append(shared)
    for b in brokers:
        report.sections.append((f"hornet broker log ({b.address})", b.log_tail(80)))
