"""The BPMN elements that test_bpmn_patterns and the engine's own tests leave out, run through the
gateway: every task kind and every throw event in one flow, an escalation end event caught by an
event sub-process, signal boundary events and signal event sub-processes, a multi-instance
sub-process; and the elements Hornet does not run, which a deployment must reject by name.

docs/bpmn-coverage.md points at these tests; tests/interop/test_coverage_table.py checks that it does
so correctly.
"""

import json
import time

import grpc
import pytest

from harness import (
    FIXTURES,
    Broker,
    InstanceWithResult,
    activate_jobs,
    activate_until,
    complete_job,
    deploy,
    jobs_of_instance,
    pb,
    rpc_error,
    variables_of,
    with_variable,
)

USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"


def test_every_task_kind_and_throw_event_runs_in_order(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "task-tour.bpmn", FIXTURES / "order-ready-listener.bpmn")
    instance = InstanceWithResult(stub, "task-tour", {"orderId": "tour-1", "reviewer": "ada"})
    try:
        # (job type, element) in flow order. The none throw event, the manual task and the
        # undefined task have no job: the instance passes them on its way.
        steps = [
            ("notify-warehouse", "Event_NotifyWarehouse"),  # message intermediate throw event
            ("send-confirmation", "Task_SendConfirmation"),  # send task
            (USER_TASK_JOB_TYPE, "Task_Approve"),  # user task (job worker implementation)
            ("render-invoice", "Task_RenderInvoice"),  # script task (job worker implementation)
            ("score-order", "Task_ScoreOrder"),  # business rule task (job worker implementation)
            ("publish-order-closed", "EndEvent_OrderClosed"),  # message end event
        ]
        pik = None
        for job_type, element_id in steps:
            job = activate_until(stub, job_type, with_variable("orderId", "tour-1"))
            pik = pik or job.processInstanceKey
            assert (job.processInstanceKey, job.elementId) == (pik, element_id)
            complete_job(stub, job.key, {element_id: "done"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": "tour-1", "reviewer": "ada", **{element: "done" for _, element in steps}}

    # The signal throw event started the listener with the event's input mappings as variables.
    courier = activate_until(stub, "book-courier", with_variable("readyOrderId", "tour-1"))
    assert courier.bpmnProcessId == "order-ready-listener"
    assert courier.processInstanceKey != pik
    assert variables_of(courier) == {"readyOrderId": "tour-1"}
    complete_job(stub, courier.key)


def test_user_task_job_carries_its_assignment_as_headers(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "user-task-assignment.bpmn")
    instance = InstanceWithResult(stub, "user-task-assignment", {"claimId": "c-1", "reviewer": "ada"})
    try:
        job = activate_until(stub, USER_TASK_JOB_TYPE, with_variable("claimId", "c-1"))
        headers = json.loads(job.customHeaders)
        complete_job(stub, job.key, {"approved": True})
        _, variables = instance.result()
    finally:
        instance.cancel()
    assert variables == {"claimId": "c-1", "reviewer": "ada", "approved": True}
    assert headers.get("io.camunda.zeebe:assignee") == "ada", headers
    assert json.loads(headers.get("io.camunda.zeebe:candidateGroups", "null")) == ["claims", "audit"], headers


@pytest.mark.parametrize(
    ("in_stock", "path_job", "other_job"),
    [(True, "ship-picked", "reorder-stock"), (False, "reorder-stock", "ship-picked")],
    ids=["in-stock", "low-stock"],
)
def test_escalation_end_event_is_caught_by_an_escalation_event_sub_process(
    broker: Broker, stub, in_stock: bool, path_job: str, other_job: str
) -> None:
    deploy(stub, FIXTURES / "stock-escalation.bpmn")
    order = f"pick-{in_stock}"
    instance = InstanceWithResult(stub, "stock-escalation", {"orderId": order})
    try:
        check = activate_until(stub, "check-stock", with_variable("orderId", order))
        pik = check.processInstanceKey
        complete_job(stub, check.key, {"inStock": in_stock})
        # In stock: the sub-process ends normally and the flow goes on to shipping. Low stock: the
        # escalation end event triggers the interrupting event sub-process, which replaces the
        # rest of the process (no shipping).
        job = activate_until(stub, path_job, lambda j: j.processInstanceKey == pik)
        assert jobs_of_instance(stub, other_job, pik, request_timeout_ms=300) == []
        complete_job(stub, job.key, {"handledBy": path_job})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": order, "inStock": in_stock, "handledBy": path_job}


def test_signal_boundary_and_signal_event_sub_process_do_not_interrupt(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "signal-watch.bpmn")
    instance = InstanceWithResult(stub, "signal-watch", {"orderId": "sig-1"})
    try:
        work = activate_until(stub, "assemble-order", with_variable("orderId", "sig-1"))
        pik = work.processInstanceKey
        stub.BroadcastSignal(
            pb.BroadcastSignalRequest(signalName="price-changed", variables=json.dumps({"newPrice": 12})), timeout=10
        )
        stub.BroadcastSignal(pb.BroadcastSignalRequest(signalName="audit-requested", variables="{}"), timeout=10)
        reprice = activate_until(stub, "reprice-order", lambda j: j.processInstanceKey == pik)
        assert reprice.elementId == "Task_Reprice"
        assert variables_of(reprice)["newPrice"] == 12
        audit = activate_until(stub, "audit-order", lambda j: j.processInstanceKey == pik)
        assert audit.elementId == "Task_Audit"
        complete_job(stub, reprice.key, {"repriced": True})
        complete_job(stub, audit.key, {"audited": True})
        # Neither signal interrupted the work: its job still completes, and that ends the instance.
        complete_job(stub, work.key, {"assembled": True})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik
    assert variables == {"orderId": "sig-1", "newPrice": 12, "repriced": True, "audited": True, "assembled": True}


def test_parallel_multi_instance_sub_process_collects_each_inner_result(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "parcel-routes.bpmn")
    parcels = ["p-1", "p-2", "p-3"]
    instance = InstanceWithResult(stub, "parcel-routes", {"parcels": parcels, "depot": "d-7"})
    try:
        jobs: list[pb.ActivatedJob] = []
        deadline = time.monotonic() + 15
        while len(jobs) < len(parcels):
            assert time.monotonic() < deadline, f"only {len(jobs)} plan-route jobs appeared"
            jobs += [j for j in activate_jobs(stub, "plan-route") if variables_of(j).get("depot") == "d-7"]
        assert len(jobs) == len(parcels)
        # Each inner sub-process instance has its own parcel.
        assert sorted(variables_of(j)["parcel"] for j in jobs) == parcels
        # The input mapping (route = null) makes `route` local to each inner instance, so each job
        # result lands in its own instance and the output collection keeps the input order.
        for job in reversed(jobs):
            parcel = variables_of(job)["parcel"]
            complete_job(stub, job.key, {"route": f"{parcel} via hub"})
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == jobs[0].processInstanceKey
    assert variables == {"parcels": parcels, "depot": "d-7", "routes": [f"{p} via hub" for p in parcels]}


# --- elements Hornet does not run: rejected at deployment, by element id -------------------------------

_DEFINITIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Definitions_{process_id}"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Work" />
    <bpmn:serviceTask id="Task_Work">
      <bpmn:extensionElements><zeebe:taskDefinition type="unsupported-work" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    {body}
  </bpmn:process>
</bpmn:definitions>
"""

# case -> (the element the rejection must name, what the process contains besides start -> Task_Work)
UNSUPPORTED = {
    "conditional-catch": (
        "Event_Condition",
        """<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Work" targetRef="Event_Condition" />
    <bpmn:intermediateCatchEvent id="Event_Condition">
      <bpmn:conditionalEventDefinition><bpmn:condition>=ready</bpmn:condition></bpmn:conditionalEventDefinition>
    </bpmn:intermediateCatchEvent>""",
    ),
    "complex-gateway": ("Gateway_Complex", '<bpmn:complexGateway id="Gateway_Complex" />'),
    "transaction": (
        "Transaction_1",
        '<bpmn:transaction id="Transaction_1"><bpmn:startEvent id="StartEvent_Tx" /></bpmn:transaction>',
    ),
    "ad-hoc-sub-process": ("AdHoc_1", '<bpmn:adHocSubProcess id="AdHoc_1" />'),
    "standard-loop": (
        "Task_Loop",
        """<bpmn:serviceTask id="Task_Loop">
      <bpmn:extensionElements><zeebe:taskDefinition type="loop" /></bpmn:extensionElements>
      <bpmn:standardLoopCharacteristics />
    </bpmn:serviceTask>""",
    ),
    "camunda-user-task-form-id": (
        "Task_Native",
        """<bpmn:userTask id="Task_Native">
      <bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="invoice" /></bpmn:extensionElements>
    </bpmn:userTask>""",
    ),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_elements_are_rejected_at_deployment_by_element_id(broker: Broker, stub, case: str) -> None:
    element_id, body = UNSUPPORTED[case]
    process_id = f"unsupported-{case}"
    xml = _DEFINITIONS.format(process_id=process_id, body=body)
    resource = pb.Resource(name=f"{process_id}.bpmn", content=xml.encode())
    err = rpc_error(lambda: stub.DeployResource(pb.DeployResourceRequest(resources=[resource]), timeout=10))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()
    details = err.details()
    assert f"{process_id}.bpmn" in details, details
    assert f"Element: {element_id}" in details, details
    assert "not supported" in details, details
    # Nothing of the rejected resource was deployed.
    create = pb.CreateProcessInstanceRequest(bpmnProcessId=process_id, version=-1)
    missing = rpc_error(lambda: stub.CreateProcessInstance(create, timeout=10))
    assert missing.code() == grpc.StatusCode.NOT_FOUND, missing.details()


def test_cron_timer_cycle_fires_every_second_until_the_task_completes(broker: Broker, stub) -> None:
    deploy(stub, FIXTURES / "cron-reminder.bpmn")
    instance = InstanceWithResult(stub, "cron-reminder", {"requestId": "cron-1"})
    try:
        approve = activate_until(stub, "cron-approve", with_variable("requestId", "cron-1"))
        pik = approve.processInstanceKey
        # "* * * * * *" (Spring cron, with seconds): a reminder at every full second.
        reminders: list[pb.ActivatedJob] = []
        deadline = time.monotonic() + 15
        while len(reminders) < 3:
            assert time.monotonic() < deadline, f"only {len(reminders)} reminders"
            reminders += jobs_of_instance(stub, "cron-remind", pik, request_timeout_ms=1_000)
        complete_job(stub, approve.key)
        # The timer went with the task: whatever reminder was already due is the last one.
        time.sleep(1.5)
        reminders += jobs_of_instance(stub, "cron-remind", pik, request_timeout_ms=500)
        settled = len(reminders)
        assert jobs_of_instance(stub, "cron-remind", pik, request_timeout_ms=1_500) == []
        for reminder in reminders:
            complete_job(stub, reminder.key)
        key, variables = instance.result()
    finally:
        instance.cancel()
    assert key == pik and settled >= 3
    assert variables == {"requestId": "cron-1"}
