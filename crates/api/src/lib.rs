//! Generated protocol types and gRPC stubs for Hornet.
//!
//! Hornet speaks Zeebe's client protocol (`package gateway_protocol; service Gateway`, as of
//! Camunda 8.8) so that existing Zeebe clients work unchanged. The definitions live in the
//! workspace's `proto/` directory; `build.rs` compiles them with a vendored `protoc` and
//! `tonic-prost-build`, producing for each proto package:
//!
//! - prost message and enum types (e.g. [`gateway_protocol::ActivateJobsRequest`]),
//! - a tonic server trait and service wrapper ([`gateway_protocol::gateway_server::Gateway`],
//!   [`gateway_protocol::gateway_server::GatewayServer`]),
//! - a tonic client ([`gateway_protocol::gateway_client::GatewayClient`]).
//!
//! [`FILE_DESCRIPTOR_SET`] holds the encoded descriptors of every compiled file, for gRPC
//! server reflection and for tooling that needs the schema at run time.
//!
//! Field names follow the upstream `.proto` (camelCase there, snake_case in Rust); numbers and
//! types are wire-identical to Zeebe's, which `tests/proto-compat` verifies.

/// Every compiled proto package, one module each (see `build.rs` for the list of files).
///
/// `gateway_protocol` is Zeebe's client protocol: strings named `variables`, `customHeaders`
/// and similar carry JSON documents; durations are in milliseconds.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    rustdoc::all,
    unreachable_pub
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/hornet_api_modules.rs"));
}

pub use generated::*;

/// Encoded `google.protobuf.FileDescriptorSet` for every `.proto` compiled into this crate.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/hornet_descriptor_set.bin"));

#[cfg(test)]
mod tests {
    use super::gateway_protocol::{
        activated_job::JobKind, partition::PartitionBrokerRole, ActivatedJob,
        CreateProcessInstanceRequest,
    };
    use prost::Message;

    #[test]
    fn field_numbers_match_zeebe_wire_format() {
        // bpmnProcessId is field 2 (tag 0x12), version field 3 (varint, tag 0x18).
        let request = CreateProcessInstanceRequest {
            bpmn_process_id: "p".to_owned(),
            version: -1,
            ..Default::default()
        };
        let bytes = request.encode_to_vec();
        assert_eq!(bytes[0], 0x12);
        assert_eq!(&bytes[1..3], &[1, b'p']);
        assert_eq!(bytes[3], 0x18);
    }

    #[test]
    fn optional_and_enum_fields_round_trip() {
        let job = ActivatedJob {
            key: 42,
            kind: JobKind::TaskListener as i32,
            user_task: Some(Default::default()),
            tags: vec!["a".to_owned()],
            ..Default::default()
        };
        let decoded = ActivatedJob::decode(job.encode_to_vec().as_slice()).expect("decodes");
        assert_eq!(decoded, job);
        assert_eq!(decoded.kind(), JobKind::TaskListener);
        assert_eq!(PartitionBrokerRole::Inactive as i32, 2);
    }

    #[test]
    fn descriptor_set_describes_all_gateway_rpcs() {
        let set = prost_types::FileDescriptorSet::decode(super::FILE_DESCRIPTOR_SET)
            .expect("descriptor set decodes");
        let gateway = set
            .file
            .iter()
            .find(|f| f.package() == "gateway_protocol")
            .expect("gateway_protocol file present");
        let service = gateway
            .service
            .iter()
            .find(|s| s.name() == "Gateway")
            .expect("Gateway service present");
        let mut methods: Vec<&str> = service.method.iter().map(|m| m.name()).collect();
        methods.sort_unstable();
        assert_eq!(
            methods,
            [
                "ActivateJobs",
                "BroadcastSignal",
                "CancelProcessInstance",
                "CompleteJob",
                "CreateProcessInstance",
                "CreateProcessInstanceWithResult",
                "DeleteResource",
                "DeployProcess",
                "DeployResource",
                "EvaluateConditional",
                "EvaluateDecision",
                "FailJob",
                "MigrateProcessInstance",
                "ModifyProcessInstance",
                "PublishMessage",
                "ResolveIncident",
                "SetVariables",
                "StreamActivatedJobs",
                "ThrowError",
                "Topology",
                "UpdateJobRetries",
                "UpdateJobTimeout",
            ]
        );
    }
}
