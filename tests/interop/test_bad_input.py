"""Bad requests get Zeebe's gRPC status and a message naming what is wrong, and the broker keeps
serving afterwards. Asserted on the raw gRPC status through Zeebe's own generated stub, and once
more through pyzeebe's exception mapping, which is what applications see."""

from __future__ import annotations

import json

import grpc
import pytest
from pyzeebe.errors import ProcessDefinitionNotFoundError, ProcessInvalidError

from harness import FIXTURES, Broker, deploy, leader_partitions, pb, rpc_error
from zeebe_async import run, zeebe_client


@pytest.fixture(autouse=True)
def broker_still_serves(broker: Broker, stub):
    """After every bad request the broker must still answer Topology and accept a deployment."""
    yield
    topology = stub.Topology(pb.TopologyRequest(), timeout=10)
    assert leader_partitions(topology) == {1}
    assert broker.running, "broker process exited"


def test_malformed_xml_is_rejected_as_invalid_argument_naming_the_resource(stub) -> None:
    err = rpc_error(lambda: deploy(stub, FIXTURES / "malformed.bpmn"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    assert "malformed.bpmn" in err.details()


def test_process_without_start_event_is_rejected_naming_the_problem(stub) -> None:
    err = rpc_error(lambda: deploy(stub, FIXTURES / "no-start-event.bpmn"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    details = err.details()
    assert "no-start-event.bpmn" in details
    assert "start event" in details.lower(), details


def test_a_rejected_resource_rejects_the_whole_deployment(stub) -> None:
    # Zeebe deploys all resources of a request or none of them.
    err = rpc_error(lambda: deploy(stub, FIXTURES / "shipping-process.bpmn", FIXTURES / "no-start-event.bpmn"))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    missing = rpc_error(
        lambda: stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="shipping-process", version=-1), timeout=10
        )
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND, missing.details()


def test_empty_deployment_is_invalid(stub) -> None:
    err = rpc_error(lambda: stub.DeployResource(pb.DeployResourceRequest(resources=[]), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()


def test_complete_unknown_job_is_not_found_naming_the_key(stub) -> None:
    unknown = (1 << 51) | 987_654_321
    err = rpc_error(lambda: stub.CompleteJob(pb.CompleteJobRequest(jobKey=unknown, variables="{}"), timeout=10))
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert str(unknown) in err.details()


def test_fail_unknown_job_is_not_found(stub) -> None:
    unknown = (1 << 51) | 987_654_322
    err = rpc_error(lambda: stub.FailJob(pb.FailJobRequest(jobKey=unknown, retries=1, errorMessage="x"), timeout=10))
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert str(unknown) in err.details()


def test_resolve_unknown_incident_is_not_found(stub) -> None:
    unknown = (1 << 51) | 987_654_323
    err = rpc_error(lambda: stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=unknown), timeout=10))
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert str(unknown) in err.details()


def test_cancel_unknown_instance_is_not_found(stub) -> None:
    unknown = (1 << 51) | 987_654_324
    err = rpc_error(
        lambda: stub.CancelProcessInstance(pb.CancelProcessInstanceRequest(processInstanceKey=unknown), timeout=10)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert str(unknown) in err.details()


def test_unknown_process_id_is_not_found_naming_the_id(stub) -> None:
    err = rpc_error(
        lambda: stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="no-such-process", version=-1, variables="{}"), timeout=10
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert "no-such-process" in err.details()


def test_unknown_version_of_a_deployed_process_is_not_found(stub) -> None:
    deploy(stub, FIXTURES / "payment-process.bpmn")
    err = rpc_error(
        lambda: stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="payment-process", version=42, variables="{}"), timeout=10
        )
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND, err.details()
    assert "payment-process" in err.details()


@pytest.mark.parametrize(
    "variables",
    [
        pytest.param("[1, 2, 3]", id="array"),
        pytest.param('"just a string"', id="string"),
        pytest.param("42", id="number"),
        pytest.param('{"unterminated": ', id="not-json"),
    ],
)
def test_variables_that_are_not_a_json_object_are_invalid_argument(stub, variables: str) -> None:
    deploy(stub, FIXTURES / "payment-process.bpmn")
    err = rpc_error(
        lambda: stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="payment-process", version=-1, variables=variables),
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    assert "variables" in err.details().lower(), err.details()


def test_set_variables_with_an_array_is_invalid_argument(stub) -> None:
    deploy(stub, FIXTURES / "payment-process.bpmn")
    instance = stub.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="payment-process", version=-1, variables="{}"), timeout=10
    )
    err = rpc_error(
        lambda: stub.SetVariables(
            pb.SetVariablesRequest(elementInstanceKey=instance.processInstanceKey, variables=json.dumps([1, 2])),
            timeout=10,
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    assert "variables" in err.details().lower(), err.details()
    stub.CancelProcessInstance(
        pb.CancelProcessInstanceRequest(processInstanceKey=instance.processInstanceKey), timeout=10
    )


def test_activate_jobs_without_a_type_is_invalid_argument(stub) -> None:
    request = pb.ActivateJobsRequest(type="", worker="w", timeout=1000, maxJobsToActivate=1, requestTimeout=100)
    err = rpc_error(lambda: list(stub.ActivateJobs(request, timeout=10)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    assert "type" in err.details().lower(), err.details()


def test_duplicate_message_id_is_already_exists(stub) -> None:
    request = pb.PublishMessageRequest(
        name="bad-input-message", correlationKey="c-1", messageId="dup-1", timeToLive=60_000, variables="{}"
    )
    stub.PublishMessage(request, timeout=10)
    err = rpc_error(lambda: stub.PublishMessage(request, timeout=10))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS, err.details()
    assert "dup-1" in err.details()


def test_pyzeebe_maps_the_same_rejections_to_its_exceptions(broker: Broker) -> None:
    async def scenario() -> None:
        async with zeebe_client(broker.address) as client:
            with pytest.raises(ProcessInvalidError) as invalid:
                await client.deploy_resource(str(FIXTURES / "no-start-event.bpmn"))
            cause = invalid.value.__cause__
            assert isinstance(cause, grpc.RpcError) and cause.code() == grpc.StatusCode.INVALID_ARGUMENT
            with pytest.raises(ProcessDefinitionNotFoundError):
                await client.run_process("no-such-process-either")

    run(scenario())
