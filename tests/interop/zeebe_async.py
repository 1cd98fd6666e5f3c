"""Small asyncio helpers around pyzeebe's real client and worker (no behaviour of their own).

pyzeebe's ZeebeClient and ZeebeWorker are asyncio-based and bind their grpc.aio channel to the
running event loop, so each test runs one coroutine with `asyncio.run` and opens its channels
inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Awaitable, Callable, TypeVar

from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

T = TypeVar("T")


def run(coro: Awaitable[T], timeout_s: float = 120) -> T:
    """Runs one test coroutine to completion, bounded so a hung call fails instead of hanging."""

    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout_s)

    return asyncio.run(bounded())


@contextlib.asynccontextmanager
async def zeebe_client(address: str) -> AsyncIterator[ZeebeClient]:
    channel = create_insecure_channel(grpc_address=address)
    try:
        yield ZeebeClient(channel, max_connection_retries=3)
    finally:
        await channel.close()


@contextlib.asynccontextmanager
async def running_worker(
    address: str,
    configure: Callable[[ZeebeWorker], None],
    *,
    name: str = "interop-worker",
    max_connection_retries: int = 10,
) -> AsyncIterator[ZeebeWorker]:
    """A ZeebeWorker with tasks registered by `configure`, polling until the block exits.

    Long polls are kept short (2 s) so that stopping the worker is quick.
    """
    channel = create_insecure_channel(grpc_address=address)
    worker = ZeebeWorker(
        channel, name=name, request_timeout=2_000, poll_retry_delay=1, max_connection_retries=max_connection_retries
    )
    configure(worker)
    task = asyncio.create_task(worker.work())
    try:
        yield worker
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker.stop(), 15)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await channel.close()
        # Surface a worker that died on its own (e.g. an unexpected gRPC status) as a test error.
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def eventually(check: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.05) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if check():
            return
        await asyncio.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
