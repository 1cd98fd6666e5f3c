//! A cluster of partitions for cross-partition scenarios: one [`Harness`] per partition, and the
//! commands they send each other held "in flight" until the test delivers, drops or duplicates them.

use super::Harness;
use hornet_engine::Outbound;
use hornet_protocol::partitioning::message_partition;
use hornet_protocol::value::*;
use hornet_protocol::*;
use std::collections::VecDeque;

pub struct Cluster {
    pub partitions: Vec<Harness>,
    /// Commands sent and not delivered yet, in the order they were sent.
    pub in_flight: VecDeque<Outbound>,
}

impl Cluster {
    pub fn new(count: u16) -> Cluster {
        Cluster {
            partitions: (1..=count)
                .map(|p| Harness::partition(PartitionId(p), count))
                .collect(),
            in_flight: VecDeque::new(),
        }
    }

    pub fn count(&self) -> u16 {
        self.partitions.len() as u16
    }

    /// Partition `partition` (1-based).
    pub fn p(&mut self, partition: u16) -> &mut Harness {
        &mut self.partitions[usize::from(partition) - 1]
    }

    /// Moves every partition's new outbound commands into the in-flight queue.
    pub fn collect(&mut self) {
        for harness in &mut self.partitions {
            self.in_flight.extend(harness.take_outbound());
        }
    }

    /// Delivers one command to its partition (collecting what that sends); returns the round's records.
    pub fn deliver(&mut self, outbound: Outbound) -> Vec<Record> {
        let records = self.p(outbound.partition.get()).write(outbound.command);
        self.collect();
        records
    }

    /// Takes the in-flight commands without delivering them.
    pub fn take_in_flight(&mut self) -> Vec<Outbound> {
        self.collect();
        self.in_flight.drain(..).collect()
    }

    /// Delivers in-flight commands, and those they cause, until none is left; each command for which
    /// `lose` answers true is dropped instead. Returns how many were delivered.
    pub fn settle_losing(&mut self, mut lose: impl FnMut(&Outbound) -> bool) -> usize {
        self.collect();
        let mut delivered = 0;
        while let Some(next) = self.in_flight.pop_front() {
            if lose(&next) {
                continue;
            }
            self.deliver(next);
            delivered += 1;
            assert!(delivered < 10_000, "the cluster does not settle");
        }
        delivered
    }

    /// Delivers every in-flight command twice in a row (and those they cause, also twice) until the
    /// cluster is quiet.
    pub fn settle_duplicating(&mut self) -> usize {
        self.collect();
        let mut delivered = 0;
        while let Some(next) = self.in_flight.pop_front() {
            self.deliver(next.clone());
            self.deliver(next);
            delivered += 2;
            assert!(delivered < 10_000, "the cluster does not settle");
        }
        delivered
    }

    /// Delivers everything in flight until the cluster is quiet.
    pub fn settle(&mut self) -> usize {
        self.settle_losing(|_| false)
    }

    /// What every partition would re-send now (as the broker's re-send timer), in partition order.
    pub fn pending(&mut self) -> Vec<Outbound> {
        self.partitions
            .iter_mut()
            .flat_map(|harness| harness.pending_outbound())
            .collect()
    }

    /// Re-sends every partition's pending commands (they go in flight).
    pub fn resend_pending(&mut self) {
        let pending = self.pending();
        self.in_flight.extend(pending);
    }

    /// Deploys on partition 1 and distributes the deployment to every partition.
    pub fn deploy(&mut self, name: &str, xml: &str) -> Record {
        let created = self.p(1).deploy(name, xml);
        self.settle();
        created
    }

    /// Publishes a message on the partition the gateway routes it to; returns that partition and the
    /// response.
    pub fn publish(
        &mut self,
        name: &str,
        correlation_key: &str,
        ttl: i64,
        message_id: &str,
        variables: &str,
    ) -> (u16, Record) {
        let partition = message_partition(correlation_key, self.count()).get();
        let (request, _) = self.p(partition).request(
            Key::NONE,
            RecordValue::Message(
                MessageIntent::Publish,
                MessageRecord {
                    name: name.into(),
                    correlation_key: correlation_key.into(),
                    time_to_live: ttl,
                    message_id: message_id.into(),
                    variables: Document::parse(variables).unwrap(),
                    deadline: -1,
                    tenant_id: String::new(),
                },
            ),
        );
        self.collect();
        let response = self.p(partition).response(request).unwrap().clone();
        (partition, response)
    }

    /// Moves every partition's clock forward.
    pub fn advance(&mut self, millis: i64) {
        for harness in &mut self.partitions {
            harness.advance(millis);
        }
    }

    /// Log positions of every partition (to slice what happens next).
    pub fn marks(&self) -> Vec<usize> {
        self.partitions.iter().map(|h| h.log.len()).collect()
    }

    /// The records partition `partition` wrote since `marks` were taken.
    pub fn since(&self, marks: &[usize], partition: u16) -> &[Record] {
        let index = usize::from(partition) - 1;
        &self.partitions[index].log[marks[index]..]
    }
}

/// A correlation key that the gateway routes to `partition` (of `count`).
pub fn key_on(partition: u16, count: u16) -> String {
    (0..)
        .map(|i| format!("key-{i}"))
        .find(|key| message_partition(key, count).get() == partition)
        .unwrap()
}
