//! Conversion between [`serde_json::Value`] and the protocol's JSON-in-a-string variables.

use serde_json::{Map, Value};

use crate::proto;
use crate::ClientError;

/// Serializes a variables document for the wire.
///
/// The protocol requires a JSON object; `Value::Null` stands for "no variables" and is sent as
/// the empty string, which is what clients send when they have no variables.
pub fn encode(argument: &'static str, variables: &Value) -> Result<String, ClientError> {
    match variables {
        Value::Null => Ok(String::new()),
        Value::Object(_) => Ok(variables.to_string()),
        other => Err(ClientError::VariablesNotObject {
            argument,
            found: json_kind(other),
        }),
    }
}

/// Parses a JSON object received from the gateway; an empty string is an empty object.
pub fn decode(field: &'static str, document: &str) -> Result<Map<String, Value>, ClientError> {
    if document.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(document) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ClientError::MalformedResponse {
            field,
            reason: format!("expected an object, got {}", json_kind(&other)),
        }),
        Err(error) => Err(ClientError::MalformedResponse {
            field,
            reason: error.to_string(),
        }),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Access to the JSON variables carried by a response message.
pub trait VariablesJson {
    /// The message's variables, parsed.
    fn variables_json(&self) -> Result<Map<String, Value>, ClientError>;
}

impl VariablesJson for proto::ActivatedJob {
    fn variables_json(&self) -> Result<Map<String, Value>, ClientError> {
        decode("ActivatedJob.variables", &self.variables)
    }
}

impl VariablesJson for proto::CreateProcessInstanceWithResultResponse {
    fn variables_json(&self) -> Result<Map<String, Value>, ClientError> {
        decode(
            "CreateProcessInstanceWithResultResponse.variables",
            &self.variables,
        )
    }
}

/// The custom headers of an activated job, parsed.
pub fn custom_headers(job: &proto::ActivatedJob) -> Result<Map<String, Value>, ClientError> {
    decode("ActivatedJob.customHeaders", &job.custom_headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_are_sent_as_json_text() {
        let encoded = encode("variables", &json!({"a": 1, "b": [true]})).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&encoded).unwrap(),
            json!({"a": 1, "b": [true]})
        );
    }

    #[test]
    fn null_means_no_variables() {
        assert_eq!(encode("variables", &Value::Null).unwrap(), "");
        assert_eq!(encode("variables", &json!({})).unwrap(), "{}");
    }

    #[test]
    fn non_objects_are_rejected_with_argument_and_kind() {
        let error = encode("variables", &json!([{"a": 1}])).unwrap_err();
        assert!(matches!(
            error,
            ClientError::VariablesNotObject {
                argument: "variables",
                found: "an array"
            }
        ));
        assert_eq!(
            error.to_string(),
            "`variables` must be a JSON object, got an array"
        );
        assert!(encode("variables", &json!("x")).is_err());
        assert!(encode("variables", &json!(3)).is_err());
        assert!(encode("variables", &json!(false)).is_err());
    }

    #[test]
    fn responses_decode_to_maps() {
        let job = proto::ActivatedJob {
            variables: r#"{"x": 1}"#.into(),
            custom_headers: String::new(),
            ..Default::default()
        };
        assert_eq!(job.variables_json().unwrap()["x"], json!(1));
        assert!(custom_headers(&job).unwrap().is_empty());
    }

    #[test]
    fn malformed_response_json_names_the_field() {
        let job = proto::ActivatedJob {
            variables: "[1]".into(),
            custom_headers: "{oops".into(),
            ..Default::default()
        };
        let error = job.variables_json().unwrap_err();
        assert_eq!(
            error.to_string(),
            "response field `ActivatedJob.variables` is not a valid JSON object: expected an object, got an array"
        );
        assert!(matches!(
            custom_headers(&job),
            Err(ClientError::MalformedResponse {
                field: "ActivatedJob.customHeaders",
                ..
            })
        ));
    }
}
