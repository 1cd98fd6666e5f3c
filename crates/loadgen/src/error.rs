//! Why a benchmark run could not be carried out.

use std::path::PathBuf;

use hornet_client::ClientError;

/// A failure that stops a run. Errors of individual requests during the run do not stop it;
/// they are counted in the summary.
#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    #[error("invalid argument {argument}: {reason}")]
    InvalidArgument {
        argument: &'static str,
        reason: String,
    },

    /// The client's message already names the address.
    #[error("{source}")]
    Connect {
        address: String,
        #[source]
        source: ClientError,
    },

    #[error("cannot read the process file {}: {source}", path.display())]
    ReadProcess {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("deploying {resource} failed: {source}")]
    Deploy {
        resource: String,
        #[source]
        source: ClientError,
    },

    #[error("the deployment of {resource} contains no process to start")]
    NoProcessDeployed { resource: String },

    /// The gateway does not implement an RPC the run needs (e.g. StreamActivatedJobs).
    #[error("the gateway does not support {rpc}: {message}")]
    Unsupported { rpc: &'static str, message: String },

    #[error("cannot write the summary to {}: {source}", path.display())]
    WriteSummary {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A load-generating task stopped abnormally (a bug in the load generator).
    #[error("a {task} task failed: {reason}")]
    TaskFailed { task: &'static str, reason: String },
}
