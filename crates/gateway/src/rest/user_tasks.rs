//! `/v2/user-tasks/{userTaskKey}/...`: commands on Camunda user tasks, as Zeebe 8.8's REST API.
//!
//! | request | command (USER_TASK; key = user task key) | success |
//! | --- | --- | --- |
//! | `POST .../completion` `{"variables"?, "action"?}` | COMPLETE (variables, action) | 204 |
//! | `POST .../assignment` `{"assignee", "allowOverride"?, "action"?}` | ASSIGN, or CLAIM when `allowOverride` is `false` (Zeebe: fails if someone else has the task) | 204 |
//! | `DELETE .../assignee` | ASSIGN with an empty assignee, action `unassign` | 204 |
//! | `PATCH /v2/user-tasks/{key}` `{"changeset"?: {dueDate, followUpDate, candidateUsers, candidateGroups, priority}, "action"?}` | UPDATE with the non-null changeset fields as `changedAttributes` | 204 |
//!
//! The command goes to the partition encoded in the key. An empty `action` lets the engine use its
//! default (`complete`, `assign`, `claim`, `update`).

use super::problem::Problem;
use super::RestState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hornet_protocol::value::{attribute, UserTaskRecord};
use hornet_protocol::{
    json_type_name, Document, Key, Record, RecordKind, RecordValue, UserTaskIntent,
};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

type Body = Map<String, Value>;

pub(super) async fn complete(
    State(state): State<Arc<RestState>>,
    Path(key): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let request = parse_key(path, &key).and_then(|key| {
        let body = parse_body(path, &body)?;
        let variables = match body.get("variables") {
            None | Some(Value::Null) => Document::empty(),
            Some(Value::Object(map)) => Document::from_map(map),
            Some(other) => return Err(wrong_type(path, "variables", "a JSON object", other)),
        };
        let record = UserTaskRecord {
            variables,
            action: optional_string(path, &body, "action")?.unwrap_or_default(),
            ..UserTaskRecord::default()
        };
        Ok((key, UserTaskIntent::Complete, record))
    });
    send(&state, path, request).await
}

pub(super) async fn assign(
    State(state): State<Arc<RestState>>,
    Path(key): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let request = parse_key(path, &key).and_then(|key| {
        let body = parse_body(path, &body)?;
        let assignee = optional_string(path, &body, "assignee")?
            .filter(|assignee| !assignee.trim().is_empty())
            .ok_or_else(|| Problem::bad_request(path, "No assignee provided."))?;
        let allow_override = match body.get("allowOverride") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(allow)) => *allow,
            Some(other) => return Err(wrong_type(path, "allowOverride", "a boolean", other)),
        };
        // As Zeebe's gateway: without override the assignment is a claim, which the engine refuses for
        // a task assigned to someone else.
        let intent = if allow_override {
            UserTaskIntent::Assign
        } else {
            UserTaskIntent::Claim
        };
        let record = UserTaskRecord {
            assignee,
            action: optional_string(path, &body, "action")?.unwrap_or_default(),
            ..UserTaskRecord::default()
        };
        Ok((key, intent, record))
    });
    send(&state, path, request).await
}

pub(super) async fn unassign(
    State(state): State<Arc<RestState>>,
    Path(key): Path<String>,
    uri: Uri,
) -> Response {
    let path = uri.path();
    let request = parse_key(path, &key).map(|key| {
        let record = UserTaskRecord {
            action: "unassign".to_string(),
            ..UserTaskRecord::default()
        };
        (key, UserTaskIntent::Assign, record)
    });
    send(&state, path, request).await
}

pub(super) async fn update(
    State(state): State<Arc<RestState>>,
    Path(key): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let request = parse_key(path, &key).and_then(|key| {
        let body = parse_body(path, &body)?;
        let mut record = UserTaskRecord {
            action: optional_string(path, &body, "action")?.unwrap_or_default(),
            ..UserTaskRecord::default()
        };
        match body.get("changeset") {
            None | Some(Value::Null) => {}
            Some(Value::Object(changeset)) => apply_changeset(path, changeset, &mut record)?,
            Some(other) => {
                return Err(wrong_type(path, "changeset", "a JSON object", other))
            }
        }
        if record.changed_attributes.is_empty() && record.action.is_empty() {
            return Err(Problem::bad_request(
                path,
                "No update data provided. Provide at least an \"action\" or a non-null value for a supported attribute in the \"changeset\".",
            ));
        }
        Ok((key, UserTaskIntent::Update, record))
    });
    send(&state, path, request).await
}

/// Sets the non-null attributes of `changeset` on `record` and names them in `changedAttributes`.
fn apply_changeset(
    path: &str,
    changeset: &Body,
    record: &mut UserTaskRecord,
) -> Result<(), Problem> {
    for (field, attribute, slot) in [
        ("dueDate", attribute::DUE_DATE, &mut record.due_date),
        (
            "followUpDate",
            attribute::FOLLOW_UP_DATE,
            &mut record.follow_up_date,
        ),
    ] {
        if let Some(date) = optional_string(path, changeset, field)? {
            // An empty string clears the date.
            if !date.is_empty() && !is_rfc3339_date_time(&date) {
                return Err(Problem::bad_request(
                    path,
                    format!("The provided {field} '{date}' cannot be parsed as a date according to RFC 3339, section 5.6."),
                ));
            }
            *slot = date;
            record.changed_attributes.push(attribute.to_string());
        }
    }
    for (field, attribute, slot) in [
        (
            "candidateGroups",
            attribute::CANDIDATE_GROUPS,
            &mut record.candidate_groups_list,
        ),
        (
            "candidateUsers",
            attribute::CANDIDATE_USERS,
            &mut record.candidate_users_list,
        ),
    ] {
        match changeset.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(text) => list.push(text.clone()),
                        other => {
                            return Err(Problem::bad_request(
                                path,
                                format!(
                                    "The value for {field} must be an array of strings, but it contains {}",
                                    json_type_name(other)
                                ),
                            ))
                        }
                    }
                }
                *slot = list;
                record.changed_attributes.push(attribute.to_string());
            }
            Some(other) => return Err(wrong_type(path, field, "an array of strings", other)),
        }
    }
    match changeset.get("priority") {
        None | Some(Value::Null) => {}
        Some(value) => match value.as_i64() {
            Some(priority @ 0..=100) => {
                record.priority = priority as i32;
                record
                    .changed_attributes
                    .push(attribute::PRIORITY.to_string());
            }
            _ => {
                return Err(Problem::bad_request(
                    path,
                    format!(
                        "The value for priority is '{value}' but must be within the [0,100] range."
                    ),
                ))
            }
        },
    }
    Ok(())
}

/// Sends the command to the key's partition: 204 on success, the rejection as a problem otherwise.
async fn send(
    state: &RestState,
    path: &str,
    request: Result<(i64, UserTaskIntent, UserTaskRecord), Problem>,
) -> Response {
    let (key, intent, record) = match request {
        Ok(request) => request,
        Err(problem) => return problem.into_response(),
    };
    let command = Record::command(Key(key), RecordValue::UserTask(intent, Box::new(record)));
    let deadline = Instant::now() + state.config.request_timeout;
    // A key no partition owns is answered NOT_FOUND there, as the partition would answer it.
    match state
        .dispatcher
        .execute_by_key(key, command, deadline)
        .await
    {
        Err(status) => Problem::from_status(path, &status).into_response(),
        Ok(answer) => match &answer.kind {
            RecordKind::Rejection(rejection) => {
                Problem::rejected(path, intent.as_str(), rejection).into_response()
            }
            RecordKind::Event if matches!(answer.value, RecordValue::UserTask(..)) => {
                StatusCode::NO_CONTENT.into_response()
            }
            _ => Problem::from_status(
                path,
                &crate::status::unexpected_answer(
                    "the user task request",
                    answer.value_type().as_str(),
                    answer.intent_name(),
                ),
            )
            .into_response(),
        },
    }
}

fn parse_key(path: &str, text: &str) -> Result<i64, Problem> {
    match text.parse::<i64>() {
        Ok(key) if key >= 0 => Ok(key),
        _ => Err(Problem::bad_request(
            path,
            format!(
                "The value for userTaskKey is '{text}' but must be a non-negative numeric value."
            ),
        )),
    }
}

/// The request body as a JSON object; an empty body is an empty object (every field is optional or
/// checked by the caller).
fn parse_body(path: &str, bytes: &[u8]) -> Result<Body, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(Problem::bad_request(
            path,
            format!(
                "The request body must be a JSON object, but was {}",
                json_type_name(&other)
            ),
        )),
        Err(error) => Err(Problem::bad_request(
            path,
            format!("The request body is not valid JSON: {error}"),
        )),
    }
}

/// The answer to a field of the wrong JSON type.
fn wrong_type(path: &str, field: &str, expected: &str, value: &Value) -> Problem {
    Problem::bad_request(
        path,
        format!(
            "The value for {field} must be {expected}, but was {}",
            json_type_name(value)
        ),
    )
}

fn optional_string(path: &str, body: &Body, field: &str) -> Result<Option<String>, Problem> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(wrong_type(path, field, "a string", other)),
    }
}

/// RFC 3339 section 5.6 `date-time`: `2025-05-01T10:00:00Z`, `2025-05-01T10:00:00.5+02:00`.
fn is_rfc3339_date_time(text: &str) -> bool {
    fn number(text: &str, range: std::ops::RangeInclusive<u32>) -> bool {
        text.bytes().all(|b| b.is_ascii_digit())
            && text.parse::<u32>().is_ok_and(|n| range.contains(&n))
    }
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't') {
        return false;
    }
    let (Some(date), Some(rest)) = (text.get(..10), text.get(11..)) else {
        return false;
    };
    let date_ok = date.len() == 10
        && &date[4..5] == "-"
        && &date[7..8] == "-"
        && number(&date[..4], 0..=9999)
        && number(&date[5..7], 1..=12)
        && number(&date[8..10], 1..=31);
    let Some(time) = rest.get(..8) else {
        return false;
    };
    let time_ok = &time[2..3] == ":"
        && &time[5..6] == ":"
        && number(&time[..2], 0..=23)
        && number(&time[3..5], 0..=59)
        && number(&time[6..8], 0..=60);
    let mut offset = &rest[8..];
    if let Some(fraction) = offset.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        offset = &fraction[digits..];
    }
    let offset_ok = matches!(offset, "Z" | "z")
        || (offset.len() == 6
            && matches!(&offset[..1], "+" | "-")
            && &offset[3..4] == ":"
            && number(&offset[1..3], 0..=23)
            && number(&offset[4..6], 0..=59));
    date_ok && time_ok && offset_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_date_times() {
        for ok in [
            "2025-05-01T10:00:00Z",
            "2025-05-01t10:00:00.123z",
            "2025-05-01T10:00:00+02:00",
            "2025-05-01T10:00:00.5-05:30",
        ] {
            assert!(is_rfc3339_date_time(ok), "{ok}");
        }
        for bad in [
            "2025-05-01",
            "2025-05-01T10:00:00",
            "2025-13-01T10:00:00Z",
            "2025-05-01T10:00Z",
            "2025-05-01T10:00:00.Z",
            "2025-05-01T10:00:00+0200",
            "tomorrow at noon, I promise",
        ] {
            assert!(!is_rfc3339_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn changeset_names_only_the_non_null_fields() {
        let changeset: Body = serde_json::from_str(
            r#"{"dueDate":"2025-05-01T10:00:00Z","followUpDate":null,"candidateUsers":["ann"],"priority":7}"#,
        )
        .unwrap();
        let mut record = UserTaskRecord::default();
        apply_changeset("/p", &changeset, &mut record).unwrap();
        assert_eq!(
            record.changed_attributes,
            ["dueDate", "candidateUsersList", "priority"]
        );
        assert_eq!(record.candidate_users_list, ["ann"]);
        assert_eq!(record.priority, 7);

        let bad: Body = serde_json::from_str(r#"{"priority":101}"#).unwrap();
        let problem = apply_changeset("/p", &bad, &mut UserTaskRecord::default()).unwrap_err();
        assert!(problem.detail.contains("priority"), "{}", problem.detail);
    }
}
