"""Camunda user tasks (`zeebe:userTask`) end to end: pyzeebe deploys and starts the process, the
task is driven over Zeebe 8.8's REST API (`/v2/user-tasks/...`, plain urllib), and the instance
completes with the variables the completion carried.

The REST API listens on the harness's `rest` port, which the broker gets as
SERVER_PORT (Zeebe's `server.port`).

The gateway cannot search user tasks (that needs Zeebe's secondary storage), so the test finds the
task's key as `harness.find_job_incident` finds an incident's: keys of a partition come from one
increasing counter, and the task's key is the first one above the deployment's process definition
key that the update endpoint accepts (an update carrying only an `action` changes nothing).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from typing import Any

from harness import FIXTURES, Broker, deploy
from zeebe_async import run, zeebe_client

PROCESS_ID = "native-review"


def rest(broker: Broker, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any] | None, str]:
    """(status, JSON body or None, content type) of one REST call."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{broker.rest_url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw, status, content_type = response.read(), response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raw, status, content_type = error.read(), error.code, error.headers.get("Content-Type", "")
    return status, (json.loads(raw) if raw else None), content_type


def find_user_task_key(broker: Broker, after_key: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for key in range(after_key + 1, after_key + 64):
            status, _, _ = rest(broker, "PATCH", f"/v2/user-tasks/{key}", {"action": "find"})
            if status == 204:
                return key
            assert status == 404, f"probing key {key}: HTTP {status}"
        time.sleep(0.2)
    raise AssertionError(f"no user task found above key {after_key}")


def test_a_camunda_user_task_is_assigned_and_completed_over_rest(broker: Broker, stub) -> None:
    definition_key = deploy(stub, FIXTURES / "native-review.bpmn").deployments[0].process.processDefinitionKey

    async def scenario() -> Any:
        async with zeebe_client(broker.address) as client:
            instance = asyncio.create_task(
                client.run_process_with_result(PROCESS_ID, {"reviewer": "ann", "claimId": 7}, timeout=60_000)
            )
            key = await asyncio.to_thread(find_user_task_key, broker, definition_key)

            # "ann" has the task (the modelled assignee): claiming it for "bob" is refused...
            status, problem, content_type = await asyncio.to_thread(
                rest, broker, "POST", f"/v2/user-tasks/{key}/assignment", {"assignee": "bob", "allowOverride": False}
            )
            assert status == 409, problem
            assert content_type.startswith("application/problem+json")
            assert problem["title"] == "INVALID_STATE"
            assert "has already been assigned" in problem["detail"]
            # ...but an assignment with override takes it, and unassigning gives it up again.
            status, _, _ = await asyncio.to_thread(
                rest, broker, "POST", f"/v2/user-tasks/{key}/assignment", {"assignee": "bob"}
            )
            assert status == 204
            status, _, _ = await asyncio.to_thread(rest, broker, "DELETE", f"/v2/user-tasks/{key}/assignee")
            assert status == 204
            status, _, _ = await asyncio.to_thread(
                rest, broker, "PATCH", f"/v2/user-tasks/{key}", {"changeset": {"priority": 90, "candidateUsers": ["bob"]}}
            )
            assert status == 204
            status, problem, _ = await asyncio.to_thread(
                rest, broker, "PATCH", f"/v2/user-tasks/{key}", {"changeset": {"dueDate": "next week"}}
            )
            assert status == 400 and "dueDate" in problem["detail"], problem

            status, body, _ = await asyncio.to_thread(
                rest, broker, "POST", f"/v2/user-tasks/{key}/completion", {"variables": {"approved": True, "note": "fine"}}
            )
            assert status == 204, body
            result = await instance

            # The task is done: completing it again is NOT_FOUND.
            status, problem, _ = await asyncio.to_thread(rest, broker, "POST", f"/v2/user-tasks/{key}/completion", {})
            assert status == 404, problem
            assert problem["title"] == "NOT_FOUND"
            assert f"user task with key '{key}'" in problem["detail"]
            return result

    result = run(scenario())
    assert result.variables == {"reviewer": "ann", "claimId": 7, "approved": True, "note": "fine"}
