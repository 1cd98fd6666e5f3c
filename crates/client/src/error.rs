//! The error type returned by every client operation.

use tonic::Code;

/// Why a client operation failed.
///
/// Failures reported by the gateway keep their gRPC [`Code`] and message so that callers (and
/// tests) can tell, say, `NOT_FOUND` from `FAILED_PRECONDITION`.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The gateway address cannot be turned into an HTTP/2 endpoint URI.
    #[error("invalid gateway address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },

    /// No connection could be established to the gateway.
    #[error("cannot connect to gateway at {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: tonic::transport::Error,
    },

    /// An argument was rejected before sending, because the gateway would reject it too or
    /// because it cannot be represented on the wire.
    #[error("invalid argument `{argument}`: {reason}")]
    InvalidArgument {
        argument: &'static str,
        reason: String,
    },

    /// A variables document was not a JSON object (the protocol requires an object root).
    #[error("`{argument}` must be a JSON object, got {found}")]
    VariablesNotObject {
        argument: &'static str,
        found: &'static str,
    },

    /// The gateway answered the RPC with a non-OK status.
    #[error("{rpc} failed with {code:?}: {message}")]
    Rpc {
        rpc: &'static str,
        code: Code,
        message: String,
    },

    /// A JSON document in a response could not be parsed.
    #[error("response field `{field}` is not a valid JSON object: {reason}")]
    MalformedResponse { field: &'static str, reason: String },
}

impl ClientError {
    pub(crate) fn rpc(rpc: &'static str, status: tonic::Status) -> Self {
        Self::Rpc {
            rpc,
            code: status.code(),
            message: status.message().to_owned(),
        }
    }

    /// The gRPC status code if the gateway rejected the call, `None` for local errors.
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The gateway's status message if it rejected the call, `None` for local errors.
    pub fn status_message(&self) -> Option<&str> {
        match self {
            Self::Rpc { message, .. } => Some(message),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_errors_keep_code_and_message() {
        let error = ClientError::rpc(
            "CompleteJob",
            tonic::Status::not_found("job 42 does not exist"),
        );
        assert_eq!(error.code(), Some(Code::NotFound));
        assert_eq!(error.status_message(), Some("job 42 does not exist"));
        assert_eq!(
            error.to_string(),
            "CompleteJob failed with NotFound: job 42 does not exist"
        );
    }

    #[test]
    fn local_errors_have_no_status() {
        let error = ClientError::InvalidArgument {
            argument: "worker",
            reason: "must not be blank".into(),
        };
        assert_eq!(error.code(), None);
        assert_eq!(error.status_message(), None);
    }
}
