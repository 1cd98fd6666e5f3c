//! The REST API end to end without a broker: the router talks over real HTTP to a `BrokerClient`
//! that runs the real engine on an in-memory state, one round per command (what a single-node broker
//! does, minus the log and replication). Shows that the JSON a client sends becomes the command the
//! engine expects and that the engine's answers become Zeebe's statuses.

use hornet_engine::kv::MemKv;
use hornet_engine::{Engine, EngineConfig};
use hornet_gateway::{
    rest_router, serve_rest, BrokerClient, BrokerError, BrokerInfo, ClusterTopology, GatewayConfig,
    JobsAvailable, PartitionHealth, PartitionInfo, PartitionRole,
};
use hornet_protocol::value::{DeploymentRecord, DeploymentResource, ProcessInstanceCreationRecord};
use hornet_protocol::{
    DeploymentIntent, Document, Key, PartitionId, Position, ProcessInstanceCreationIntent, Record,
    RecordKind, RecordValue, RequestRef,
};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, oneshot};

struct Partition {
    engine: Engine,
    state: MemKv,
    next_index: u64,
    next_request: u64,
    /// Every record the engine wrote, in order.
    log: Vec<Record>,
}

/// One partition, processed in place: commands, then their follow-ups, each round committed at once.
struct EngineBroker {
    partition: Mutex<Partition>,
    jobs_available: broadcast::Sender<JobsAvailable>,
}

impl EngineBroker {
    fn new() -> Arc<EngineBroker> {
        Arc::new(EngineBroker {
            partition: Mutex::new(Partition {
                engine: Engine::new(EngineConfig {
                    partition_id: PartitionId(1),
                    partition_count: 1,
                }),
                state: MemKv::new(),
                next_index: 1,
                next_request: 1,
                log: Vec::new(),
            }),
            jobs_available: broadcast::channel(16).0,
        })
    }

    fn run(&self, command: Record) -> Result<Record, BrokerError> {
        let mut p = self.partition.lock().unwrap();
        let request = RequestRef {
            node: 1,
            id: p.next_request,
        };
        p.next_request += 1;
        let mut pending = VecDeque::from([Record {
            request: Some(request),
            timestamp: 1_700_000_000_000,
            ..command
        }]);
        let mut answer = None;
        while let Some(mut command) = pending.pop_front() {
            command.position = Position::new(p.next_index, 0);
            p.next_index += 1;
            let p = &mut *p;
            let processed = p
                .engine
                .process(&p.state, &command)
                .map_err(|e| BrokerError::Internal(e.to_string()))?;
            p.state.apply(&processed.writes);
            p.log.extend(processed.records);
            for response in processed.responses {
                if response.request == request {
                    answer = Some(response.record);
                }
            }
            pending.extend(processed.follow_ups);
        }
        answer.ok_or_else(|| BrokerError::Internal("the command was not answered".into()))
    }

    fn user_task_keys(&self) -> Vec<Key> {
        let p = self.partition.lock().unwrap();
        p.log
            .iter()
            .filter(|r| {
                matches!(r.kind, RecordKind::Event)
                    && r.intent_name() == "CREATED"
                    && matches!(r.value, RecordValue::UserTask(..))
            })
            .map(|r| r.key)
            .collect()
    }

    fn intents_of(&self, key: Key) -> Vec<String> {
        let p = self.partition.lock().unwrap();
        p.log
            .iter()
            .filter(|r| r.key == key && matches!(r.value, RecordValue::UserTask(..)))
            .map(|r| format!("{:?} {}", r.record_type(), r.intent_name()))
            .collect()
    }

    fn process_completed(&self) -> bool {
        let p = self.partition.lock().unwrap();
        p.log.iter().any(|r| match &r.value {
            RecordValue::ProcessInstance(_, v) => {
                r.intent_name() == "ELEMENT_COMPLETED" && v.element_id == "review"
            }
            _ => false,
        })
    }

    fn variable(&self, name: &str) -> Option<String> {
        let p = self.partition.lock().unwrap();
        p.log
            .iter()
            .filter_map(|r| match &r.value {
                RecordValue::Variable(_, v) if v.name == name => Some(v.value.clone()),
                _ => None,
            })
            .next_back()
    }
}

#[async_trait::async_trait]
impl BrokerClient for EngineBroker {
    async fn execute(
        &self,
        _partition: PartitionId,
        command: Record,
        _deadline: Instant,
    ) -> Result<Record, BrokerError> {
        self.run(command)
    }

    fn topology(&self) -> ClusterTopology {
        ClusterTopology {
            cluster_size: 1,
            partitions_count: 1,
            replication_factor: 1,
            cluster_id: "test".into(),
            brokers: vec![BrokerInfo {
                node_id: 0,
                host: "127.0.0.1".into(),
                port: 26501,
                version: "0.1.0".into(),
                partitions: vec![PartitionInfo {
                    partition: PartitionId(1),
                    role: PartitionRole::Leader,
                    health: PartitionHealth::Healthy,
                }],
            }],
        }
    }

    fn subscribe_jobs_available(&self) -> broadcast::Receiver<JobsAvailable> {
        self.jobs_available.subscribe()
    }
}

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs">
  <bpmn:process id="review" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task">
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:assignmentDefinition assignee="ann" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

fn start_instance(broker: &EngineBroker) -> Key {
    let deployed = broker
        .run(Record::command(
            Key::NONE,
            RecordValue::Deployment(
                DeploymentIntent::Create,
                DeploymentRecord {
                    resources: vec![DeploymentResource {
                        resource_name: "review.bpmn".into(),
                        resource: bytes::Bytes::from_static(PROCESS.as_bytes()),
                    }],
                    ..Default::default()
                },
            ),
        ))
        .unwrap();
    assert!(deployed.rejection().is_none(), "{deployed:?}");
    let created = broker
        .run(Record::command(
            Key::NONE,
            RecordValue::ProcessInstanceCreation(
                ProcessInstanceCreationIntent::Create,
                ProcessInstanceCreationRecord {
                    bpmn_process_id: "review".into(),
                    version: -1,
                    process_definition_key: Key::NONE,
                    process_instance_key: Key::NONE,
                    variables: Document::parse(r#"{"claim":7}"#).unwrap(),
                    fetch_variables: vec![],
                    start_instructions: vec![],
                    tenant_id: String::new(),
                },
            ),
        ))
        .unwrap();
    assert!(created.rejection().is_none(), "{created:?}");
    let keys = broker.user_task_keys();
    assert_eq!(keys.len(), 1);
    keys[0]
}

async fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

#[tokio::test]
async fn a_user_task_is_claimed_updated_and_completed_over_http() {
    let broker = EngineBroker::new();
    let key = start_instance(&broker).get();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = oneshot::channel::<()>();
    let client: Arc<dyn BrokerClient> = broker.clone();
    tokio::spawn(serve_rest(
        listener,
        rest_router(client, GatewayConfig::default()),
        async {
            let _ = stopped.await;
        },
    ));

    // "ann" has the task: a claim for "bob" (assignment without override) is a conflict.
    let (status, body) = http(
        addr,
        "POST",
        &format!("/v2/user-tasks/{key}/assignment"),
        r#"{"assignee":"bob","allowOverride":false}"#,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["detail"],
        format!("Command 'CLAIM' rejected with code 'INVALID_STATE': Expected to claim user task with key '{key}', but it has already been assigned")
    );

    let (status, body) = http(
        addr,
        "PATCH",
        &format!("/v2/user-tasks/{key}"),
        r#"{"changeset":{"priority":95,"dueDate":"2025-05-01T10:00:00Z"},"action":"escalate"}"#,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = http(
        addr,
        "DELETE",
        &format!("/v2/user-tasks/{key}/assignee"),
        "",
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = http(
        addr,
        "POST",
        &format!("/v2/user-tasks/{key}/assignment"),
        r#"{"assignee":"bob","allowOverride":false}"#,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = http(
        addr,
        "POST",
        &format!("/v2/user-tasks/{key}/completion"),
        r#"{"variables":{"approved":true}}"#,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert!(broker.process_completed());
    assert_eq!(broker.variable("approved").as_deref(), Some("true"));

    let (status, body) = http(
        addr,
        "POST",
        &format!("/v2/user-tasks/{key}/completion"),
        "",
    )
    .await;
    assert_eq!(status, 404, "{body}");

    assert_eq!(
        broker.intents_of(Key(key)),
        [
            "Event CREATING",
            "Event CREATED",
            "Event ASSIGNING",
            "Event ASSIGNED",
            "CommandRejection CLAIM",
            "Event UPDATING",
            "Event UPDATED",
            "Event ASSIGNING",
            "Event ASSIGNED",
            "Event CLAIMING",
            "Event ASSIGNED",
            "Event COMPLETING",
            "Event COMPLETED",
            "CommandRejection COMPLETE",
        ]
    );
}
