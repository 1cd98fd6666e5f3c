//! Drives the REST router over real HTTP/1.1 (a raw TCP client) against a scripted `BrokerClient`
//! test double that records where each command went and answers as a partition would.

use hornet_gateway::{rest_router, serve_rest, BrokerError, GatewayConfig};
use hornet_protocol::value::UserTaskRecord;
use hornet_protocol::{
    Key, PartitionId, Record, RecordKind, RecordValue, Rejection, RejectionType, UserTaskIntent,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

mod common;

use common::{topology, FakeBroker};

/// The task every test talks about, on partition 2.
fn task_key() -> Key {
    Key::new(PartitionId(2), 7)
}

/// Answers as an engine holding one task ([`task_key`]) assigned to "ann" would.
fn one_task(_: PartitionId, command: &Record) -> Result<Record, BrokerError> {
    let RecordValue::UserTask(intent, value) = &command.value else {
        return Err(BrokerError::Internal("not a user task command".into()));
    };
    let answer = |kind, value| {
        Ok(Record {
            kind,
            value,
            ..command.clone()
        })
    };
    let reject = |kind, reason: String| {
        answer(
            RecordKind::Rejection(Rejection { kind, reason }),
            command.value.clone(),
        )
    };
    if command.key != task_key() {
        return reject(
            RejectionType::NotFound,
            format!(
                "Expected to complete user task with key '{}', but no such user task was found",
                command.key
            ),
        );
    }
    match intent {
        UserTaskIntent::Claim if value.assignee != "ann" => reject(
            RejectionType::InvalidState,
            format!(
                "Expected to claim user task with key '{}', but it has already been assigned",
                command.key
            ),
        ),
        UserTaskIntent::Complete => answer(
            RecordKind::Event,
            RecordValue::UserTask(UserTaskIntent::Completed, value.clone()),
        ),
        UserTaskIntent::Assign | UserTaskIntent::Claim => answer(
            RecordKind::Event,
            RecordValue::UserTask(UserTaskIntent::Assigned, value.clone()),
        ),
        UserTaskIntent::Update => answer(
            RecordKind::Event,
            RecordValue::UserTask(UserTaskIntent::Updated, value.clone()),
        ),
        other => Err(BrokerError::Internal(format!("unexpected {other}"))),
    }
}

struct Server {
    addr: std::net::SocketAddr,
    _shutdown: oneshot::Sender<()>,
}

async fn start(broker: Arc<FakeBroker>, config: GatewayConfig) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(serve_rest(listener, rest_router(broker, config), async {
        let _ = stop.await;
    }));
    Server {
        addr,
        _shutdown: shutdown,
    }
}

struct HttpResponse {
    status: u16,
    content_type: Option<String>,
    body: String,
}

impl HttpResponse {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`, so the body ends with it).
async fn http(server: &Server, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .expect("a complete HTTP response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let content_type = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_string());
    HttpResponse {
        status,
        content_type,
        body: body.to_string(),
    }
}

fn sent(broker: &FakeBroker) -> (u16, Key, UserTaskIntent, UserTaskRecord) {
    let calls = broker.calls();
    assert_eq!(calls.len(), 1, "one command expected: {calls:?}");
    let (partition, command) = &calls[0];
    let RecordValue::UserTask(intent, value) = &command.value else {
        panic!("not a user task command: {command:?}");
    };
    (partition.get(), command.key, *intent, (**value).clone())
}

#[tokio::test]
async fn completion_sends_complete_with_the_variables_to_the_keys_partition() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let path = format!("/v2/user-tasks/{}/completion", task_key().get());
    let response = http(
        &server,
        "POST",
        &path,
        Some(r#"{"variables":{"approved":true,"note":"ok"},"action":"approve"}"#),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.body);
    assert!(response.body.is_empty());
    let (partition, key, intent, value) = sent(&broker);
    assert_eq!(
        (partition, key, intent),
        (2, task_key(), UserTaskIntent::Complete)
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(value.variables.as_str()).unwrap(),
        serde_json::json!({"approved": true, "note": "ok"})
    );
    assert_eq!(value.action, "approve");
}

#[tokio::test]
async fn completion_without_a_body_completes_without_variables() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let path = format!("/v2/user-tasks/{}/completion", task_key().get());
    let response = http(&server, "POST", &path, None).await;
    assert_eq!(response.status, 204, "{}", response.body);
    let (_, _, intent, value) = sent(&broker);
    assert_eq!(intent, UserTaskIntent::Complete);
    assert!(value.variables.is_empty());
    assert_eq!(value.action, "", "the engine applies its default action");
}

#[tokio::test]
async fn a_rejection_is_a_problem_with_zeebes_status_and_detail() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let other = Key::new(PartitionId(1), 99).get();
    let path = format!("/v2/user-tasks/{other}/completion");
    let response = http(&server, "POST", &path, Some("{}")).await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.content_type.as_deref(),
        Some("application/problem+json")
    );
    let problem = response.json();
    assert_eq!(problem["title"], "NOT_FOUND");
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["type"], "about:blank");
    assert_eq!(problem["instance"], path);
    assert_eq!(
        problem["detail"],
        format!("Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '{other}', but no such user task was found")
    );
}

#[tokio::test]
async fn assignment_assigns_and_without_override_claims() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let path = format!("/v2/user-tasks/{}/assignment", task_key().get());
    let response = http(&server, "POST", &path, Some(r#"{"assignee":"bob"}"#)).await;
    assert_eq!(response.status, 204, "{}", response.body);
    let (_, key, intent, value) = sent(&broker);
    assert_eq!((key, intent), (task_key(), UserTaskIntent::Assign));
    assert_eq!(value.assignee, "bob");

    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let response = http(
        &server,
        "POST",
        &path,
        Some(r#"{"assignee":"bob","allowOverride":false,"action":"pick"}"#),
    )
    .await;
    assert_eq!(response.status, 409, "{}", response.body);
    let problem = response.json();
    assert_eq!(problem["title"], "INVALID_STATE");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("Command 'CLAIM' rejected with code 'INVALID_STATE'"),
        "{problem}"
    );
    let (_, _, intent, value) = sent(&broker);
    assert_eq!(intent, UserTaskIntent::Claim);
    assert_eq!(value.action, "pick");
}

#[tokio::test]
async fn unassignment_assigns_nobody() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let path = format!("/v2/user-tasks/{}/assignee", task_key().get());
    let response = http(&server, "DELETE", &path, None).await;
    assert_eq!(response.status, 204, "{}", response.body);
    let (_, _, intent, value) = sent(&broker);
    assert_eq!(intent, UserTaskIntent::Assign);
    assert_eq!(value.assignee, "");
    assert_eq!(value.action, "unassign");
}

#[tokio::test]
async fn update_sends_the_changeset_as_changed_attributes() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let path = format!("/v2/user-tasks/{}", task_key().get());
    let response = http(
        &server,
        "PATCH",
        &path,
        Some(r#"{"changeset":{"dueDate":"2025-05-01T10:00:00Z","candidateGroups":["sales"],"followUpDate":null,"priority":80}}"#),
    )
    .await;
    assert_eq!(response.status, 204, "{}", response.body);
    let (_, _, intent, value) = sent(&broker);
    assert_eq!(intent, UserTaskIntent::Update);
    assert_eq!(
        value.changed_attributes,
        ["dueDate", "candidateGroupsList", "priority"]
    );
    assert_eq!(value.due_date, "2025-05-01T10:00:00Z");
    assert_eq!(value.candidate_groups_list, ["sales"]);
    assert_eq!(value.priority, 80);
}

#[tokio::test]
async fn invalid_requests_are_400_naming_the_field_and_send_nothing() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let key = task_key().get();
    let cases = [
        (
            "POST",
            format!("/v2/user-tasks/{key}/assignment"),
            "{}",
            "assignee",
        ),
        (
            "POST",
            format!("/v2/user-tasks/{key}/assignment"),
            r#"{"assignee":"bob","allowOverride":"yes"}"#,
            "allowOverride",
        ),
        (
            "POST",
            format!("/v2/user-tasks/{key}/completion"),
            r#"{"variables":[1]}"#,
            "variables",
        ),
        (
            "POST",
            format!("/v2/user-tasks/{key}/completion"),
            "{nope",
            "JSON",
        ),
        (
            "POST",
            "/v2/user-tasks/abc/completion".to_string(),
            "{}",
            "userTaskKey",
        ),
        (
            "PATCH",
            format!("/v2/user-tasks/{key}"),
            r#"{"changeset":{"dueDate":"tomorrow"}}"#,
            "dueDate",
        ),
        (
            "PATCH",
            format!("/v2/user-tasks/{key}"),
            r#"{"changeset":{"priority":101}}"#,
            "priority",
        ),
        (
            "PATCH",
            format!("/v2/user-tasks/{key}"),
            r#"{"changeset":{"candidateUsers":"ann"}}"#,
            "candidateUsers",
        ),
        (
            "PATCH",
            format!("/v2/user-tasks/{key}"),
            r#"{"changeset":{}}"#,
            "changeset",
        ),
    ];
    for (method, path, body, field) in cases {
        let response = http(&server, method, &path, Some(body)).await;
        assert_eq!(
            response.status, 400,
            "{method} {path} {body}: {}",
            response.body
        );
        let problem = response.json();
        assert_eq!(problem["title"], "INVALID_ARGUMENT");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(field), "{body}: {detail}");
    }
    assert!(broker.calls().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_key_of_no_partition_is_not_found_without_asking_the_broker() {
    let broker = FakeBroker::new(3, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    let key = Key::new(PartitionId(9), 1).get();
    let response = http(
        &server,
        "POST",
        &format!("/v2/user-tasks/{key}/completion"),
        None,
    )
    .await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.json()["detail"],
        format!("Command 'COMPLETE' rejected with code 'NOT_FOUND': Expected to complete user task with key '{key}', but no such user task was found")
    );
    assert!(broker.calls().is_empty());
}

#[tokio::test]
async fn a_partition_without_leader_is_503_after_the_request_timeout() {
    // Partition 2 has no leader: every attempt on it is refused without being appended.
    let broker = FakeBroker::new(
        3,
        Box::new(|partition, command| match partition.get() {
            2 => Err(BrokerError::PartitionUnavailable {
                partition,
                reason: "no leader".into(),
            }),
            _ => one_task(partition, command),
        }),
    );
    *broker.topology.lock().unwrap() = topology(3, &[2]);
    let config = GatewayConfig {
        request_timeout: Duration::from_millis(300),
        ..GatewayConfig::default()
    };
    let server = start(broker.clone(), config).await;
    let path = format!("/v2/user-tasks/{}/completion", task_key().get());
    let response = http(&server, "POST", &path, None).await;
    assert_eq!(response.status, 503, "{}", response.body);
    assert_eq!(response.json()["title"], "UNAVAILABLE");
    assert!(
        broker.calls().len() > 1,
        "retried while waiting for a leader"
    );
}

#[tokio::test]
async fn queries_unknown_paths_and_methods_are_problems() {
    let broker = FakeBroker::new(1, Box::new(one_task));
    let server = start(broker.clone(), GatewayConfig::default()).await;
    for (method, path, status, title) in [
        ("POST", "/v2/user-tasks/search", 501, "NOT_IMPLEMENTED"),
        (
            "GET",
            "/v2/user-tasks/2251799813685249",
            501,
            "NOT_IMPLEMENTED",
        ),
        ("GET", "/v2/process-instances", 404, "NOT_FOUND"),
        (
            "PUT",
            "/v2/user-tasks/2251799813685249/completion",
            405,
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        let response = http(&server, method, path, Some("{}")).await;
        assert_eq!(
            response.status, status,
            "{method} {path}: {}",
            response.body
        );
        assert_eq!(
            response.content_type.as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(response.json()["title"], title);
    }
    assert!(broker.calls().is_empty());
}
