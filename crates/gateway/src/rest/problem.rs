//! Errors of the REST API as RFC 9457 problem details (`application/problem+json`), with the status
//! codes and titles Zeebe 8.8's REST gateway uses.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use hornet_protocol::{Rejection, RejectionType};
use tonic::Code;

/// One problem: `type` is always `about:blank`, as in Zeebe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
    /// The request path.
    pub instance: String,
}

impl Problem {
    /// A request the gateway refuses before sending anything (Zeebe: 400 `INVALID_ARGUMENT`).
    pub fn bad_request(instance: &str, detail: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            title: "INVALID_ARGUMENT".to_string(),
            detail: detail.into(),
            instance: instance.to_string(),
        }
    }

    /// A rejected command, as Zeebe's `RestErrorMapper`: NOT_FOUND 404, INVALID_STATE 409,
    /// INVALID_ARGUMENT and ALREADY_EXISTS 400, anything else 500; the title is the rejection type.
    pub fn rejected(instance: &str, intent: &str, rejection: &Rejection) -> Problem {
        let status = match rejection.kind {
            RejectionType::NotFound => StatusCode::NOT_FOUND,
            RejectionType::InvalidState => StatusCode::CONFLICT,
            RejectionType::InvalidArgument | RejectionType::AlreadyExists => {
                StatusCode::BAD_REQUEST
            }
            RejectionType::ProcessingError | RejectionType::ExceededBatchRecordSize => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        Problem {
            status,
            title: rejection.kind.as_str().to_string(),
            detail: format!(
                "Command '{intent}' rejected with code '{}': {}",
                rejection.kind.as_str(),
                rejection.reason
            ),
            instance: instance.to_string(),
        }
    }

    /// A failure on the way to the partition (the gRPC status the dispatcher reports for it):
    /// unavailable 503, backpressure 429, timeout 504, anything else 500.
    pub fn from_status(instance: &str, status: &tonic::Status) -> Problem {
        let (code, title) = match status.code() {
            Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
            Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED"),
            Code::DeadlineExceeded => (StatusCode::GATEWAY_TIMEOUT, "DEADLINE_EXCEEDED"),
            Code::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            Code::InvalidArgument => (StatusCode::BAD_REQUEST, "INVALID_ARGUMENT"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
        };
        Problem {
            status: code,
            title: title.to_string(),
            detail: status.message().to_string(),
            instance: instance.to_string(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "instance": self.instance,
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            self.to_json().to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_map_to_zeebes_status_codes() {
        let rejection = |kind| Rejection {
            kind,
            reason: "why".into(),
        };
        for (kind, status) in [
            (RejectionType::NotFound, 404),
            (RejectionType::InvalidState, 409),
            (RejectionType::InvalidArgument, 400),
            (RejectionType::AlreadyExists, 400),
            (RejectionType::ProcessingError, 500),
        ] {
            let problem = Problem::rejected("/v2/x", "COMPLETE", &rejection(kind));
            assert_eq!(problem.status.as_u16(), status, "{kind}");
            assert_eq!(problem.title, kind.as_str());
        }
        let problem = Problem::rejected("/v2/x", "COMPLETE", &rejection(RejectionType::NotFound));
        assert_eq!(
            problem.detail,
            "Command 'COMPLETE' rejected with code 'NOT_FOUND': why"
        );
        let json = problem.to_json();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["status"], 404);
        assert_eq!(json["instance"], "/v2/x");
    }

    #[test]
    fn transport_failures_map_to_5xx_and_429() {
        for (status, code) in [
            (tonic::Status::unavailable("x"), 503),
            (tonic::Status::resource_exhausted("x"), 429),
            (tonic::Status::deadline_exceeded("x"), 504),
            (tonic::Status::internal("x"), 500),
        ] {
            assert_eq!(Problem::from_status("/", &status).status.as_u16(), code);
        }
    }
}
