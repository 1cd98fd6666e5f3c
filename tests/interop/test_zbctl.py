"""zbctl (the Go CLI from npm, pinned in deploy/bootstrap.sh) against a real broker.

zbctl prints protobuf JSON (int64 fields as strings) for most commands; `as_int` reads both
forms. Commands without `-o json` print a human sentence, which is asserted as zbctl prints it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from harness import FIXTURES, Zbctl, as_int, find_job_incident, parse_json_output


def job_for(zbctl: Zbctl, job_type: str, predicate, wait_s: float = 15) -> dict:
    """Activates jobs of job_type with zbctl until one matches predicate(job_json)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        out = zbctl.json("activate", "jobs", job_type, "--maxJobsToActivate", "32", "--timeout", "60s")
        for job in out.get("jobs", []):
            if predicate(job):
                return job
        time.sleep(0.2)
    raise AssertionError(f"zbctl activated no matching {job_type!r} job within {wait_s}s")


def with_result_in_background(zbctl: Zbctl, process_id: str, variables: dict) -> subprocess.Popen[str]:
    argv = [
        str(zbctl.binary), "--insecure", "--address", zbctl.address, "--requestTimeout", "60s",
        "create", "instance", process_id, "--withResult", "--variables", json.dumps(variables),
    ]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def finish(proc: subprocess.Popen[str], timeout_s: float = 60) -> dict:
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise AssertionError(f"zbctl create instance --withResult did not return\n{stdout}\n{stderr}") from None
    assert proc.returncode == 0, f"zbctl exited {proc.returncode}: {stderr}"
    return parse_json_output(stdout)


def test_status_shows_a_healthy_leader(zbctl: Zbctl) -> None:
    status = zbctl.json("status", "-o", "json")
    assert status["clusterSize"] == 1
    assert status["partitionsCount"] == 1
    assert status["replicationFactor"] == 1
    [node] = status["brokers"]
    assert node["partitions"] == [{"partitionId": 1, "role": "LEADER", "health": "HEALTHY"}]
    human = zbctl.run("status").stdout
    assert "Partition 1 : Leader, Healthy" in human, human


def test_deploy_resource_then_create_instance(zbctl: Zbctl) -> None:
    path = str(FIXTURES / "payment-process.bpmn")
    deployed = zbctl.json("deploy", "resource", path)
    assert as_int(deployed["key"]) > 0
    [entry] = deployed["deployments"]
    process = entry["process"]
    assert process["bpmnProcessId"] == "payment-process"
    assert process["version"] == 1
    assert process["resourceName"] == path  # zbctl names the resource by the path it was given
    definition_key = as_int(process["processDefinitionKey"])

    # The same file again is a duplicate: same version, same key.
    again = zbctl.json("deploy", "resource", path)["deployments"][0]["process"]
    assert again["version"] == 1 and as_int(again["processDefinitionKey"]) == definition_key

    created = zbctl.json("create", "instance", "payment-process", "--variables", '{"orderId": "zb-create"}')
    assert created["bpmnProcessId"] == "payment-process"
    assert created["version"] == 1
    assert as_int(created["processDefinitionKey"]) == definition_key
    pik = as_int(created["processInstanceKey"])
    assert pik > 0
    assert "Canceled process instance with key" in zbctl.run("cancel", "instance", str(pik)).stdout


def test_legacy_deploy_command(zbctl: Zbctl) -> None:
    # `zbctl deploy FILE` uses the deprecated DeployProcess RPC, which older tooling still calls.
    out = zbctl.json("deploy", str(FIXTURES / "message-process.bpmn"))
    [process] = out["processes"]
    assert process["bpmnProcessId"] == "message-process"
    assert process["version"] == 1
    assert as_int(process["processDefinitionKey"]) > 0


def test_activate_and_complete_job_returns_result_variables(zbctl: Zbctl) -> None:
    zbctl.json("deploy", "resource", str(FIXTURES / "payment-process.bpmn"))
    waiting = with_result_in_background(zbctl, "payment-process", {"orderId": "zb-complete", "amount": 12})
    try:
        job = job_for(zbctl, "charge-card", lambda j: json.loads(j["variables"]).get("orderId") == "zb-complete")
        assert job["type"] == "charge-card"
        assert job["bpmnProcessId"] == "payment-process"
        assert job["elementId"] == "Task_Charge"
        assert job["retries"] == 3
        assert job["worker"] == "zbctl"
        assert json.loads(job["variables"]) == {"orderId": "zb-complete", "amount": 12}
        assert as_int(job["deadline"]) > 0
        out = zbctl.run("complete", "job", str(as_int(job["key"])), "--variables", '{"charged": true}').stdout
        assert "Completed job with key" in out
        result = finish(waiting)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert result["bpmnProcessId"] == "payment-process"
    assert as_int(result["processInstanceKey"]) == as_int(job["processInstanceKey"])
    assert json.loads(result["variables"]) == {"orderId": "zb-complete", "amount": 12, "charged": True}


def test_fail_job_incident_update_retries_and_resolve(zbctl: Zbctl, stub) -> None:
    zbctl.json("deploy", "resource", str(FIXTURES / "payment-process.bpmn"))
    pik = as_int(
        zbctl.json("create", "instance", "payment-process", "--variables", '{"orderId": "zb-incident"}')[
            "processInstanceKey"
        ]
    )
    job = job_for(zbctl, "charge-card", lambda j: as_int(j["processInstanceKey"]) == pik)
    job_key = as_int(job["key"])

    out = zbctl.run("fail", "job", str(job_key), "--retries", "0", "--errorMessage", "card declined").stdout
    assert "Failed job with key" in out and "remaining retries to '0'" in out

    incident_key, _ = find_job_incident(stub, job_key)  # the gateway protocol cannot list incidents
    refused = zbctl.run("resolve", "incident", str(incident_key), check=False)
    assert refused.returncode != 0, "resolving while the job has no retries must be refused"
    assert "FailedPrecondition" in refused.stderr, refused.stderr

    assert "Updated the retries of job" in zbctl.run("update", "retries", str(job_key), "--retries", "1").stdout
    assert "Resolved an incident" in zbctl.run("resolve", "incident", str(incident_key)).stdout

    again = job_for(zbctl, "charge-card", lambda j: as_int(j["processInstanceKey"]) == pik)
    assert as_int(again["key"]) == job_key and again["retries"] == 1
    zbctl.run("complete", "job", str(job_key))
    gone = zbctl.run("cancel", "instance", str(pik), check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr, "the instance should have completed"


def test_set_variables_then_cancel_instance(zbctl: Zbctl) -> None:
    zbctl.json("deploy", "resource", str(FIXTURES / "payment-process.bpmn"))
    pik = as_int(
        zbctl.json("create", "instance", "payment-process", "--variables", '{"orderId": "zb-vars"}')[
            "processInstanceKey"
        ]
    )
    out = zbctl.json(
        "set", "variables", str(pik), "--variables", '{"note": "gift wrap", "orderId": "zb-vars-2"}', "-o", "json"
    )
    assert as_int(out["key"]) > 0
    job = job_for(zbctl, "charge-card", lambda j: as_int(j["processInstanceKey"]) == pik)
    assert json.loads(job["variables"]) == {"orderId": "zb-vars-2", "note": "gift wrap"}

    assert "Canceled process instance with key" in zbctl.run("cancel", "instance", str(pik)).stdout
    # Cancelling the instance cancelled its job.
    late = zbctl.run("complete", "job", str(as_int(job["key"])), check=False)
    assert late.returncode != 0 and "NotFound" in late.stderr, late.stderr
    again = zbctl.run("cancel", "instance", str(pik), check=False)
    assert again.returncode != 0 and "NotFound" in again.stderr, again.stderr


def test_create_worker_runs_the_handler_completes_and_retries_failures(zbctl: Zbctl, tmp_path: Path) -> None:
    zbctl.json("deploy", "resource", str(FIXTURES / "shipping-process.bpmn"))
    marker = tmp_path / "failed-once"
    handler = tmp_path / "handler.py"
    # zbctl passes the job's variables on stdin and completes with the JSON printed on stdout;
    # a non-zero exit fails the job (retries - 1) with stderr as the message.
    handler.write_text(
        textwrap.dedent(
            f"""
            import json, pathlib, sys
            variables = json.load(sys.stdin)
            marker = pathlib.Path({str(marker)!r})
            if variables["parcel"] == 3 and not marker.exists():
                marker.write_text("x")
                print("scale broken", file=sys.stderr)
                sys.exit(1)
            print(json.dumps({{"packed": True, "weight": variables["parcel"] * 2}}))
            """
        )
    )
    worker = subprocess.Popen(
        [
            str(zbctl.binary), "--insecure", "--address", zbctl.address,
            "create", "worker", "pack-parcel", "--handler", f"{sys.executable} {handler}",
            "--pollInterval", "100ms", "--timeout", "30s",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        waiting = [with_result_in_background(zbctl, "shipping-process", {"parcel": n}) for n in (1, 2, 3)]
        results = [finish(p) for p in waiting]
    finally:
        worker.terminate()
        try:
            log = worker.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            log = worker.communicate()[0]
    for n, result in zip((1, 2, 3), results, strict=True):
        assert json.loads(result["variables"]) == {"parcel": n, "packed": True, "weight": 2 * n}, log
    # parcel 3's first attempt failed (non-zero exit); it completed on the retry.
    assert marker.exists(), f"the failing branch of the handler never ran\n{log}"


def test_publish_message_completes_a_waiting_instance(zbctl: Zbctl) -> None:
    zbctl.json("deploy", "resource", str(FIXTURES / "message-process.bpmn"))
    waiting = with_result_in_background(zbctl, "message-process", {"orderId": "zb-msg"})
    try:
        time.sleep(0.5)
        out = zbctl.json(
            "publish",
            "message",
            "payment-received",
            "--correlationKey",
            "zb-msg",
            "--variables",
            '{"paid": 5}',
            "--ttl",
            "30s",
        )
        assert as_int(out["key"]) > 0
        result = finish(waiting)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert json.loads(result["variables"]) == {"orderId": "zb-msg", "paid": 5}
