//! [`Directory`]: the cluster as one node (or a standalone gateway) sees it — which node leads
//! each partition, what every node reports about itself — and the requests that need a
//! partition's leader rather than a fixed node.
//!
//! The view is kept fresh by polling every member's node status. For partitions this node hosts,
//! the local Raft's own idea of the leader is used first: it changes the moment an election ends,
//! long before the next poll. Redirects (`NOT_LEADER` naming the leader) update the view too.
//!
//! The directory also listens to every other member's job notices, so that long-polling job
//! activations on this node wake up for jobs created on partitions led elsewhere, and opens job
//! streams with every other member, so that their leaders push jobs to this node's gateway.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hornet_protocol::{JobStreamProperties, JobsAvailable, PartitionId, PushedJob, Record};
use hornet_replication::{NodeId, Role};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tracing::debug;

use crate::error::{ClusterError, ExecuteError};
use crate::job_stream;
use crate::peers::Peers;
use crate::registry::PartitionRegistry;
use crate::status::NodeStatus;
use crate::wire;

/// Timing of the directory's background work.
#[derive(Clone, Debug)]
pub struct DirectoryConfig {
    /// How often every member's status is asked for.
    pub poll_interval: Duration,
    /// Limit of one status request.
    pub status_timeout: Duration,
    /// Limit of handing a command to another partition's leader.
    pub deliver_timeout: Duration,
    /// Pause before watching a member's job notices again after the stream broke.
    pub rewatch_backoff: Duration,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(250),
            status_timeout: Duration::from_secs(1),
            deliver_timeout: Duration::from_secs(2),
            rewatch_backoff: Duration::from_millis(500),
        }
    }
}

/// What the directory last learned about one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberView {
    /// Not asked yet; stays so for the directory's own node, which is never polled.
    Unknown,
    /// The member answered with this status.
    Up(NodeStatus),
    /// The member did not answer the last request.
    Down(String),
}

struct Inner {
    peers: Peers,
    config: DirectoryConfig,
    /// Every member of the cluster by node id, with its cluster address.
    members: BTreeMap<NodeId, String>,
    /// This node's own partitions, when the directory runs inside a broker.
    local: Option<(NodeId, Arc<dyn PartitionRegistry>)>,
    /// Behind an `Arc` so that readers (the gateway asks on every request) take a snapshot without
    /// copying it; a poll replaces its member's entry copy-on-write.
    views: RwLock<Arc<BTreeMap<NodeId, MemberView>>>,
    /// Leaders learned from redirects, trusted for one poll interval (the polls know better after).
    hints: Mutex<BTreeMap<PartitionId, (NodeId, Instant)>>,
    jobs_available: broadcast::Sender<JobsAvailable>,
}

/// The cluster as this node sees it. Cheap to clone; clones share the view. Background tasks stop
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Directory {
    inner: Arc<Inner>,
    _tasks: Arc<Tasks>,
}

struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("members", &self.inner.members)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// Starts polling `members` (node id to cluster address; may include this node) and watching
    /// their job notices. `local` names this node and its partitions when it is a broker: its own
    /// Raft metrics are then read directly, and its own notices are not watched over the network
    /// (the broker hands them to its gateway itself). Must be called within a Tokio runtime.
    pub fn start(
        peers: Peers,
        members: BTreeMap<NodeId, String>,
        local: Option<(NodeId, Arc<dyn PartitionRegistry>)>,
        config: DirectoryConfig,
    ) -> Directory {
        let (jobs_available, _) = broadcast::channel(4096);
        let local_id = local.as_ref().map(|(id, _)| *id);
        let inner = Arc::new(Inner {
            peers,
            config,
            views: RwLock::new(Arc::new(
                members
                    .keys()
                    .map(|id| (*id, MemberView::Unknown))
                    .collect(),
            )),
            members,
            local,
            hints: Mutex::new(BTreeMap::new()),
            jobs_available,
        });
        let mut tasks = Vec::new();
        // This node's own partitions are read from its Raft directly, so only the others are polled
        // and watched; one poll loop per member, so that an unreachable member (each poll waiting
        // out its timeout) does not hold back the views of the others.
        for (id, address) in inner
            .members
            .iter()
            .filter(|(id, _)| Some(**id) != local_id)
        {
            tasks.push(tokio::spawn(poll_member(
                Arc::downgrade(&inner),
                *id,
                address.clone(),
            )));
            tasks.push(tokio::spawn(watch_jobs(
                Arc::downgrade(&inner),
                address.clone(),
            )));
        }
        Directory {
            inner,
            _tasks: Arc::new(Tasks(tasks)),
        }
    }

    /// Every member by node id with its cluster address.
    pub fn members(&self) -> &BTreeMap<NodeId, String> {
        &self.inner.members
    }

    /// What the directory last learned about every member.
    pub fn views(&self) -> Arc<BTreeMap<NodeId, MemberView>> {
        Arc::clone(&read(&self.inner.views))
    }

    /// The node leading `partition` as far as this node knows.
    pub fn leader_of(&self, partition: PartitionId) -> Option<NodeId> {
        if let Some(raft) = self
            .inner
            .local
            .as_ref()
            .and_then(|(_, registry)| registry.raft(partition))
        {
            if let Some(leader) = raft.metrics().borrow().current_leader {
                return Some(leader);
            }
        }
        if let Some((leader, noted)) = lock(&self.inner.hints).get(&partition) {
            if noted.elapsed() < self.inner.config.poll_interval * 2 {
                return Some(*leader);
            }
        }
        // The member that claims leadership in the highest term; a deposed leader that has not
        // noticed yet reports an older one.
        read(&self.inner.views)
            .values()
            .filter_map(|view| match view {
                MemberView::Up(status) => Some(status),
                _ => None,
            })
            .flat_map(|status| {
                status
                    .partitions
                    .iter()
                    .filter(|p| p.partition == partition && p.role == Role::Leader)
                    .map(|p| (p.term, status.node_id))
            })
            .max()
            .map(|(_, node)| node)
    }

    fn leader_address(&self, partition: PartitionId) -> Result<(NodeId, &str), ClusterError> {
        let leader = self
            .leader_of(partition)
            .ok_or(ClusterError::NoLeader(partition))?;
        let address = self
            .inner
            .members
            .get(&leader)
            .ok_or(ClusterError::UnknownNode(leader))?;
        Ok((leader, address))
    }

    /// Remembers a leader named by a redirect until the next poll.
    fn note_leader(&self, partition: PartitionId, leader: NodeId) {
        lock(&self.inner.hints).insert(partition, (leader, Instant::now()));
    }

    /// Executes `command` on `partition`'s leader, wherever it is, following one redirect. Errors
    /// say whether the command may have been appended: only [`ClusterError::Timeout`] and
    /// [`ExecuteError::DeadlineExceeded`] leave that open.
    pub async fn execute(
        &self,
        partition: PartitionId,
        command: &Record,
        timeout: Duration,
    ) -> Result<Record, ClusterError> {
        let started = tokio::time::Instant::now();
        let (_, address) = self.leader_address(partition)?;
        let first = self
            .inner
            .peers
            .forward_execute(address, partition, command, timeout)
            .await;
        match first {
            Err(ClusterError::Rejected {
                error:
                    ExecuteError::NotLeader {
                        leader: Some(leader),
                        ..
                    },
                ..
            }) if self.inner.members.contains_key(&leader) => {
                self.note_leader(partition, leader);
                let (_, address) = self.leader_address(partition)?;
                let left = timeout.saturating_sub(started.elapsed());
                self.inner
                    .peers
                    .forward_execute(address, partition, command, left)
                    .await
            }
            other => other,
        }
    }

    /// Hands `command` to `partition`'s leader in the background. Delivery is best effort: the
    /// sending partition re-sends until the receiver acknowledges.
    pub fn deliver(&self, partition: PartitionId, command: Record) {
        let directory = self.clone();
        tokio::spawn(async move {
            let result = match directory.leader_address(partition) {
                Ok((_, address)) => {
                    directory
                        .inner
                        .peers
                        .deliver(
                            address,
                            partition,
                            &command,
                            directory.inner.config.deliver_timeout,
                        )
                        .await
                }
                Err(err) => Err(err),
            };
            if let Err(error) = result {
                if let ClusterError::Rejected {
                    error:
                        ExecuteError::NotLeader {
                            leader: Some(leader),
                            ..
                        },
                    ..
                } = &error
                {
                    directory.note_leader(partition, *leader);
                }
                debug!(%partition, %error, "command not delivered; the sender will retry");
            }
        });
    }

    /// Job notices of partitions led by other members (this node's own come from the broker).
    pub fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.inner.jobs_available.subscribe()
    }

    /// Opens a job stream with every other member, whose leaders push jobs of its type to `sink`
    /// (this node's own leaders are the broker's business). Each member's stream is reopened when
    /// it breaks, and all of them close once `sink` closes.
    pub fn open_job_streams(
        &self,
        properties: &JobStreamProperties,
        sink: &mpsc::Sender<PushedJob>,
    ) {
        let local_id = self.inner.local.as_ref().map(|(id, _)| *id);
        for (_, address) in self
            .inner
            .members
            .iter()
            .filter(|(id, _)| Some(**id) != local_id)
        {
            tokio::spawn(job_stream::forward_from(
                self.clone(),
                address.clone(),
                properties.clone(),
                sink.clone(),
            ));
        }
    }

    pub(crate) fn config(&self) -> &DirectoryConfig {
        &self.inner.config
    }

    pub(crate) fn peers(&self) -> &Peers {
        &self.inner.peers
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn poll_member(inner: std::sync::Weak<Inner>, id: NodeId, address: String) {
    loop {
        let Some(dir) = inner.upgrade() else { return };
        let (interval, timeout) = (dir.config.poll_interval, dir.config.status_timeout);
        let peers = dir.peers.clone();
        drop(dir);
        let view = match peers.node_status(&address, timeout).await {
            Ok(status) if status.node_id == id => MemberView::Up(status),
            Ok(status) => MemberView::Down(format!(
                "{address} answers as node {} but is configured as node {id}",
                status.node_id
            )),
            Err(err) => MemberView::Down(err.to_string()),
        };
        let Some(dir) = inner.upgrade() else { return };
        {
            let mut views = dir
                .views
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::make_mut(&mut views).insert(id, view);
        }
        drop(dir);
        tokio::time::sleep(interval).await;
    }
}

async fn watch_jobs(inner: std::sync::Weak<Inner>, address: String) {
    loop {
        let Some(dir) = inner.upgrade() else { return };
        let backoff = dir.config.rewatch_backoff;
        let stream = dir.peers.watch_jobs_available(&address).await;
        let sender = dir.jobs_available.clone();
        drop(dir);
        match stream {
            Ok(mut notices) => {
                while let Some(notice) = notices.next().await {
                    let Ok(notice) = notice else { break };
                    let Ok(partition) = wire::partition_id(notice.partition) else {
                        continue;
                    };
                    let _ = sender.send(JobsAvailable {
                        partition,
                        job_type: notice.job_type,
                    });
                    if inner.strong_count() == 0 {
                        return;
                    }
                }
            }
            Err(error) => debug!(peer = %address, %error, "cannot watch job notices"),
        }
        tokio::time::sleep(backoff).await;
    }
}
