//! The job streams open on this node: where its partition leaders push jobs as they become activatable
//! (Zeebe's job push, 8.4+).
//!
//! A gateway on this node registers a stream for each `StreamActivatedJobs` call and keeps the
//! [`JobStreamRegistration`] while the call lasts. Processing asks [`JobStreams::stream_for`] when a job
//! becomes activatable; a stream is offered only while its sink has room, so a slow worker gets no more
//! jobs than it buffers and the rest wait for pollers. The leader hands the job over with
//! [`JobStreamRegistry::push`] once the activation is committed, and gives it back (job YIELD) if the
//! stream has gone or filled up meanwhile.
//!
//! Gateways on other nodes register here too, over the cluster transport (`OpenJobStream`), so every
//! leader pushes to every gateway's streams.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use hornet_engine::job_streams::{JobStream, JobStreamId, JobStreams};
use hornet_protocol::{JobStreamProperties, PushedJob};
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::mpsc;

/// One open stream.
struct Registered {
    id: JobStreamId,
    properties: Arc<JobStreamProperties>,
    sink: mpsc::Sender<PushedJob>,
}

impl Registered {
    fn can_take(&self) -> bool {
        !self.sink.is_closed() && self.sink.capacity() > 0
    }
}

/// The streams of one job type, and where the next search for a free one starts.
#[derive(Default)]
struct TypeStreams {
    streams: Vec<Registered>,
    next: AtomicUsize,
}

/// Every job stream open on this node, by job type.
#[derive(Default)]
pub struct JobStreamRegistry {
    next_id: AtomicU64,
    by_type: RwLock<BTreeMap<String, TypeStreams>>,
    /// How many streams are open (the `hornet_job_streams` metric).
    open: Gauge,
}

/// Keeps a stream open; dropping it closes the stream. Jobs pushed after that are given back.
pub struct JobStreamRegistration {
    registry: Arc<JobStreamRegistry>,
    job_type: String,
    id: JobStreamId,
}

impl Drop for JobStreamRegistration {
    fn drop(&mut self) {
        self.registry.open.dec();
        let mut by_type = self.registry.write();
        if let Some(of_type) = by_type.get_mut(&self.job_type) {
            of_type.streams.retain(|stream| stream.id != self.id);
            if of_type.streams.is_empty() {
                by_type.remove(&self.job_type);
            }
        }
    }
}

impl JobStreamRegistry {
    /// A registry that counts its open streams in `open`.
    pub(crate) fn counting_in(open: Gauge) -> JobStreamRegistry {
        JobStreamRegistry {
            open,
            ..JobStreamRegistry::default()
        }
    }

    /// Opens a stream that takes jobs of `properties.job_type` into `sink`.
    pub fn register(
        self: &Arc<Self>,
        properties: JobStreamProperties,
        sink: mpsc::Sender<PushedJob>,
    ) -> JobStreamRegistration {
        let id = JobStreamId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.open.inc();
        let job_type = properties.job_type.clone();
        self.write()
            .entry(job_type.clone())
            .or_default()
            .streams
            .push(Registered {
                id,
                properties: Arc::new(properties),
                sink,
            });
        JobStreamRegistration {
            registry: Arc::clone(self),
            job_type,
            id,
        }
    }

    /// Hands `job` to stream `id`; gives it back if the stream has closed or has no room.
    pub fn push(&self, id: JobStreamId, job: PushedJob) -> Result<(), PushedJob> {
        let by_type = self.read();
        let Some(stream) = by_type
            .get(job.job.job_type.as_str())
            .and_then(|of_type| of_type.streams.iter().find(|stream| stream.id == id))
        else {
            return Err(job);
        };
        stream
            .sink
            .try_send(job)
            .map_err(|error| error.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, TypeStreams>> {
        self.by_type.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, TypeStreams>> {
        self.by_type.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl JobStreams for JobStreamRegistry {
    /// The streams of a type take turns; one that is closed or full is passed over.
    fn stream_for(&self, job_type: &str) -> Option<JobStream> {
        let by_type = self.read();
        let of_type = by_type.get(job_type)?;
        let count = of_type.streams.len();
        let start = of_type.next.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|offset| &of_type.streams[(start + offset) % count])
            .find(|stream| stream.can_take())
            .map(|stream| JobStream {
                id: stream.id,
                properties: Arc::clone(&stream.properties),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::value::JobRecord;
    use hornet_protocol::{Key, PartitionId};

    fn properties(job_type: &str) -> JobStreamProperties {
        JobStreamProperties {
            job_type: job_type.into(),
            worker: "w".into(),
            timeout: 1_000,
            fetch_variables: Vec::new(),
        }
    }

    fn job(job_type: &str, key: u64) -> PushedJob {
        PushedJob {
            key: Key::new(PartitionId(1), key),
            job: Box::new(JobRecord {
                job_type: job_type.into(),
                ..JobRecord::empty()
            }),
        }
    }

    #[test]
    fn streams_of_a_type_take_turns_and_others_are_not_offered() {
        let registry = Arc::new(JobStreamRegistry::default());
        let (a_tx, _a_rx) = mpsc::channel(4);
        let (b_tx, _b_rx) = mpsc::channel(4);
        let a = registry.register(properties("work"), a_tx);
        let b = registry.register(properties("work"), b_tx);
        let picked: Vec<JobStreamId> = (0..4)
            .map(|_| registry.stream_for("work").unwrap().id)
            .collect();
        assert_eq!(picked, [a.id, b.id, a.id, b.id]);
        assert!(registry.stream_for("other").is_none());
    }

    #[test]
    fn a_full_or_closed_stream_is_passed_over_and_refuses_pushes() {
        let registry = Arc::new(JobStreamRegistry::default());
        let (full_tx, mut full_rx) = mpsc::channel(1);
        let (closed_tx, closed_rx) = mpsc::channel(1);
        let full = registry.register(properties("work"), full_tx);
        let closed = registry.register(properties("work"), closed_tx);
        drop(closed_rx);
        assert_eq!(registry.stream_for("work").unwrap().id, full.id);
        registry.push(full.id, job("work", 1)).unwrap();
        assert!(registry.stream_for("work").is_none());
        let refused = registry.push(full.id, job("work", 2)).unwrap_err();
        assert_eq!(refused.key, Key::new(PartitionId(1), 2));
        assert!(registry.push(closed.id, job("work", 3)).is_err());
        assert_eq!(full_rx.try_recv().unwrap().key, Key::new(PartitionId(1), 1));
        assert_eq!(registry.stream_for("work").unwrap().id, full.id);
    }

    #[test]
    fn dropping_the_registration_closes_the_stream() {
        let registry = Arc::new(JobStreamRegistry::default());
        let (tx, _rx) = mpsc::channel(4);
        let registration = registry.register(properties("work"), tx);
        assert_eq!(registry.open.get(), 1);
        let id = registration.id;
        drop(registration);
        assert_eq!(registry.open.get(), 0);
        assert!(registry.stream_for("work").is_none());
        assert!(registry.push(id, job("work", 1)).is_err());
        assert!(registry.read().is_empty());
    }
}
