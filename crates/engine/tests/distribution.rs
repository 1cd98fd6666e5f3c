//! Command distribution: a deployment made on partition 1 reaches partitions 2 and 3, which acknowledge
//! it; partition 1 tracks the pending receivers until the last acknowledgement.

mod common;

use common::*;
use hornet_engine::Outbound;
use hornet_protocol::value::*;
use hornet_protocol::*;

fn cluster() -> [Harness; 3] {
    [1, 2, 3].map(|p| Harness::partition(PartitionId(p), 3))
}

fn deployment_of(record: &Record) -> DeploymentRecord {
    match &record.value {
        RecordValue::Deployment(_, d) => d.clone(),
        other => panic!("not a deployment: {other:?}"),
    }
}

fn targets(outbound: &[Outbound]) -> Vec<u16> {
    outbound.iter().map(|o| o.partition.get()).collect()
}

/// Delivers `outbound` to the partition it names (index = partition - 1); returns that round's records.
fn deliver(cluster: &mut [Harness; 3], outbound: &Outbound) -> Vec<Record> {
    let receiver = &mut cluster[usize::from(outbound.partition.get()) - 1];
    receiver.write(outbound.command.clone())
}

#[test]
fn a_deployment_reaches_every_partition_and_is_acknowledged() {
    let mut c = cluster();
    let start = c[0].log.len();
    let created = c[0].deploy("p.bpmn", &one_task("p", "work"));
    let deployment = deployment_of(&created);
    let deployment_key = created.key;
    assert_eq!(
        describe(&c[0].log[start..]),
        [
            "C DEPLOYMENT CREATE",
            "E PROCESS CREATED",
            "E DEPLOYMENT CREATED",
            "E COMMAND_DISTRIBUTION STARTED",
            "E COMMAND_DISTRIBUTION STARTED",
        ]
    );
    let started: Vec<(Key, u16, bool)> = c[0].log[start + 3..]
        .iter()
        .map(|r| match &r.value {
            RecordValue::CommandDistribution(_, v) => (
                r.key,
                v.partition_id.get(),
                v.command_value.as_deref()
                    == Some(&RecordValue::Deployment(
                        DeploymentIntent::Create,
                        deployment.clone(),
                    )),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        started,
        [(deployment_key, 2, true), (deployment_key, 3, true)]
    );

    // The copies: plain commands keyed by the deployment, carrying keys and versions.
    let copies = c[0].take_outbound();
    assert_eq!(targets(&copies), [2, 3]);
    for copy in &copies {
        assert_eq!(copy.command.kind, RecordKind::Command);
        assert_eq!(copy.command.request, None);
        assert_eq!(copy.command.key, deployment_key);
        assert_eq!(
            copy.command.value,
            RecordValue::Deployment(DeploymentIntent::Create, deployment.clone())
        );
    }
    assert_eq!(c[0].pending_outbound(), copies);

    // Receivers deploy under the same keys and acknowledge to partition 1.
    for copy in &copies {
        let records = deliver(&mut c, copy);
        assert_eq!(
            describe(&records),
            ["E PROCESS CREATED", "E DEPLOYMENT CREATED"]
        );
        let receiver = &mut c[usize::from(copy.partition.get()) - 1];
        let acks = receiver.take_outbound();
        assert_eq!(targets(&acks), [1]);
        assert_eq!(acks[0].command.key, deployment_key);
        assert_eq!(acks[0].command.kind, RecordKind::Command);
        assert_eq!(
            acks[0].command.value,
            RecordValue::CommandDistribution(
                CommandDistributionIntent::Acknowledge,
                CommandDistributionRecord {
                    partition_id: copy.partition,
                    command_value: None,
                }
            )
        );
        // Receivers distribute nothing themselves.
        assert!(receiver.pending_outbound().is_empty());

        let instance = receiver.create("p", "{}");
        assert_eq!(instance.partition(), Some(copy.partition));
        let started = events_of(&receiver.log, ValueType::ProcessInstanceCreation, "CREATED");
        let RecordValue::ProcessInstanceCreation(_, creation) = &started.last().unwrap().value
        else {
            unreachable!()
        };
        assert_eq!(
            creation.process_definition_key,
            deployment.processes_metadata[0].process_definition_key
        );
        assert_eq!(creation.version, 1);
        assert_eq!(receiver.activate("work", 10).len(), 1);

        // Partition 1 takes the acknowledgement.
        let records = deliver(&mut c, &acks[0]);
        if copy.partition == PartitionId(2) {
            assert_eq!(describe(&records), ["E COMMAND_DISTRIBUTION ACKNOWLEDGED"]);
            assert_eq!(c[0].pending_outbound(), copies[1..]);
        } else {
            assert_eq!(
                describe(&records),
                [
                    "E COMMAND_DISTRIBUTION ACKNOWLEDGED",
                    "E COMMAND_DISTRIBUTION FINISHED",
                    "E DEPLOYMENT FULLY_DISTRIBUTED",
                ]
            );
            assert!(records.iter().all(|r| r.key == deployment_key));
            assert_eq!(deployment_of(&records[2]), deployment);
            assert!(c[0].pending_outbound().is_empty());
        }
    }
    assert!(c[0].take_outbound().is_empty());
}

#[test]
fn a_repeated_copy_is_acknowledged_again_and_a_repeated_acknowledgement_is_rejected() {
    let mut c = cluster();
    let created = c[0].deploy("p.bpmn", &one_task("p", "work"));
    let copies = c[0].take_outbound();
    deliver(&mut c, &copies[0]);
    let first_ack = c[1].take_outbound();

    // The first acknowledgement got lost: partition 1 re-sends what is pending.
    let resend = c[0].pending_outbound();
    assert_eq!(targets(&resend), [2, 3]);
    let records = deliver(&mut c, &resend[0]);
    assert_eq!(describe(&records), ["E DEPLOYMENT CREATED"]);
    let second_ack = c[1].take_outbound();
    assert_eq!(second_ack, first_ack);
    let versions = events_of(&c[1].log, ValueType::Process, "CREATED");
    assert_eq!(versions.len(), 1, "the copy creates no new version");

    assert_eq!(
        describe(&deliver(&mut c, &first_ack[0])),
        ["E COMMAND_DISTRIBUTION ACKNOWLEDGED"]
    );
    let records = deliver(&mut c, &second_ack[0]);
    assert_eq!(describe(&records), ["R COMMAND_DISTRIBUTION ACKNOWLEDGE"]);
    assert_eq!(
        rejection(&records),
        Some((
            RejectionType::NotFound,
            format!(
                "Expected to find pending distribution with key {} for partition 2, but no pending distribution was found.",
                created.key
            )
        ))
    );
    assert_eq!(targets(&c[0].pending_outbound()), [3]);
}

#[test]
fn a_new_version_is_distributed_with_its_version_number() {
    let mut c = cluster();
    for task in ["a", "b"] {
        c[0].deploy("p.bpmn", &one_task("p", task));
        for copy in c[0].take_outbound() {
            deliver(&mut c, &copy);
        }
    }
    let latest = |h: &Harness| -> Vec<(i32, Key)> {
        events_of(&h.log, ValueType::Process, "CREATED")
            .iter()
            .map(|r| match &r.value {
                RecordValue::Process(_, p) => (p.version, p.process_definition_key),
                _ => unreachable!(),
            })
            .collect()
    };
    let on_first = latest(&c[0]);
    assert_eq!(on_first.iter().map(|v| v.0).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(latest(&c[1]), on_first);
    assert_eq!(latest(&c[2]), on_first);
    // Both distributions still wait for their acknowledgements, in key order.
    let pending = c[0].pending_outbound();
    assert_eq!(targets(&pending), [2, 3, 2, 3]);
    assert!(pending[0].command.key < pending[2].command.key);
}

#[test]
fn a_single_partition_distributes_nothing() {
    let mut h = Harness::new();
    let start = h.log.len();
    h.deploy("p.bpmn", &one_task("p", "work"));
    assert_eq!(
        describe(&h.log[start..]),
        [
            "C DEPLOYMENT CREATE",
            "E PROCESS CREATED",
            "E DEPLOYMENT CREATED"
        ]
    );
    assert!(h.take_outbound().is_empty());
    assert!(h.pending_outbound().is_empty());
}
