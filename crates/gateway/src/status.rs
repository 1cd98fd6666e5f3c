//! How failures become gRPC statuses, with Zeebe's codes and message shapes.

use crate::broker_client::BrokerError;
use hornet_protocol::{Rejection, RejectionType};
use tonic::{Code, Status};

/// A rejection record as Zeebe's gateway reports it:
/// `Command 'CREATE' rejected with code 'NOT_FOUND': <reason>`.
pub fn rejection_status(intent: &str, rejection: &Rejection) -> Status {
    let code = match rejection.kind {
        RejectionType::InvalidArgument => Code::InvalidArgument,
        RejectionType::NotFound => Code::NotFound,
        RejectionType::AlreadyExists => Code::AlreadyExists,
        RejectionType::InvalidState => Code::FailedPrecondition,
        RejectionType::ProcessingError | RejectionType::ExceededBatchRecordSize => Code::Internal,
    };
    Status::new(
        code,
        format!(
            "Command '{intent}' rejected with code '{}': {}",
            rejection.kind.as_str(),
            rejection.reason
        ),
    )
}

/// A broker failure, with the codes Zeebe's gateway uses for the same situations.
pub fn broker_error_status(error: &BrokerError) -> Status {
    match error {
        BrokerError::PartitionUnavailable { partition, reason } => Status::unavailable(format!(
            "Expected to handle gRPC request, but partition {partition} is currently unavailable: {reason}"
        )),
        BrokerError::Backpressure => Status::resource_exhausted(
            "Expected to handle gRPC request, but the broker is overloaded and rejected it (backpressure); retry later",
        ),
        BrokerError::Timeout => Status::deadline_exceeded(
            "Time out between gateway and broker: the request was not answered before its deadline",
        ),
        BrokerError::OutcomeUnknown { partition, reason } => Status::deadline_exceeded(format!(
            "Expected to handle gRPC request, but partition {partition} did not answer it and may or may not have processed it: {reason}"
        )),
        BrokerError::Internal(message) => Status::internal(format!(
            "Unexpected error occurred during the request processing: {message}"
        )),
    }
}

/// Every creation attempt across partitions failed with a retriable error.
pub fn retries_exhausted_status(last: &BrokerError) -> Status {
    match last {
        BrokerError::Backpressure => Status::resource_exhausted(
            "Expected to handle gRPC request, but all retries have been exhausted",
        ),
        other => broker_error_status(other),
    }
}

/// The cluster has no partitions yet (still starting).
pub fn no_partitions_status() -> Status {
    Status::unavailable(
        "Expected to handle gRPC request, but the gateway does not know any partitions yet",
    )
}

/// An RPC Hornet does not provide (yet).
pub fn unimplemented(what: &str) -> Status {
    Status::unimplemented(format!("{what} is not supported yet by Hornet"))
}

/// The broker answered with a record of an unexpected type: a bug somewhere, never the client's fault.
pub fn unexpected_answer(rpc: &str, value_type: &str, intent: &str) -> Status {
    Status::internal(format!(
        "Unexpected error occurred during the request processing: {rpc} was answered with a {value_type} {intent} record"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hornet_protocol::PartitionId;

    fn rejection(kind: RejectionType) -> Rejection {
        Rejection {
            kind,
            reason: "because".into(),
        }
    }

    #[test]
    fn rejections_map_like_zeebe() {
        let cases = [
            (RejectionType::InvalidArgument, Code::InvalidArgument),
            (RejectionType::NotFound, Code::NotFound),
            (RejectionType::AlreadyExists, Code::AlreadyExists),
            (RejectionType::InvalidState, Code::FailedPrecondition),
            (RejectionType::ProcessingError, Code::Internal),
            (RejectionType::ExceededBatchRecordSize, Code::Internal),
        ];
        for (kind, code) in cases {
            assert_eq!(
                rejection_status("CREATE", &rejection(kind)).code(),
                code,
                "{kind:?}"
            );
        }
        let status = rejection_status("COMPLETE", &rejection(RejectionType::NotFound));
        assert_eq!(
            status.message(),
            "Command 'COMPLETE' rejected with code 'NOT_FOUND': because"
        );
    }

    #[test]
    fn broker_errors_map_to_retriable_codes() {
        let unavailable = BrokerError::PartitionUnavailable {
            partition: PartitionId(2),
            reason: "no leader".into(),
        };
        let status = broker_error_status(&unavailable);
        assert_eq!(status.code(), Code::Unavailable);
        assert!(
            status.message().contains("partition 2"),
            "{}",
            status.message()
        );
        assert_eq!(
            broker_error_status(&BrokerError::Backpressure).code(),
            Code::ResourceExhausted
        );
        assert_eq!(
            broker_error_status(&BrokerError::Timeout).code(),
            Code::DeadlineExceeded
        );
        let unknown = broker_error_status(&BrokerError::OutcomeUnknown {
            partition: PartitionId(3),
            reason: "leader changed".into(),
        });
        assert_eq!(unknown.code(), Code::DeadlineExceeded);
        assert!(
            unknown.message().contains("partition 3")
                && unknown
                    .message()
                    .contains("may or may not have processed it"),
            "{}",
            unknown.message()
        );
        assert_eq!(
            broker_error_status(&BrokerError::Internal("x".into())).code(),
            Code::Internal
        );
        assert_eq!(
            retries_exhausted_status(&BrokerError::Backpressure).code(),
            Code::ResourceExhausted
        );
    }
}
