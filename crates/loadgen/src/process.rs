//! The process the benchmark starts: deployed once at the beginning of a run.

use std::path::Path;

use hornet_client::{proto, Client};

use crate::LoadgenError;

/// BPMN process id of the built-in process.
pub const BUILTIN_PROCESS_ID: &str = "benchmark";
/// Resource name the built-in process is deployed under.
pub const BUILTIN_RESOURCE_NAME: &str = "benchmark.bpmn";

/// Zeebe's benchmark process: start event, one service task of type `benchmark-task`, end
/// event.
pub const BUILTIN_PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
                  id="benchmark-definitions"
                  targetNamespace="http://hornet.invalid/benchmark">
  <bpmn:process id="benchmark" name="Benchmark" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:outgoing>to-task</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="to-task" sourceRef="start" targetRef="task" />
    <bpmn:serviceTask id="task" name="Benchmark task">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="benchmark-task" retries="3" />
      </bpmn:extensionElements>
      <bpmn:incoming>to-task</bpmn:incoming>
      <bpmn:outgoing>to-end</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="to-end" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end">
      <bpmn:incoming>to-end</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"#;

/// A deployed process definition that instances are created from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedProcess {
    pub bpmn_process_id: String,
    pub version: i32,
    pub process_definition_key: i64,
}

impl std::fmt::Display for DeployedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} v{} (key {})",
            self.bpmn_process_id, self.version, self.process_definition_key
        )
    }
}

/// The resource to deploy: the file at `path`, or the built-in process.
pub fn resource(path: Option<&Path>) -> Result<(String, Vec<u8>), LoadgenError> {
    match path {
        None => Ok((
            BUILTIN_RESOURCE_NAME.into(),
            BUILTIN_PROCESS.as_bytes().to_vec(),
        )),
        Some(path) => {
            let content = std::fs::read(path).map_err(|source| LoadgenError::ReadProcess {
                path: path.to_owned(),
                source,
            })?;
            // The gateway picks the parser by extension, so keep the file's own name.
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            Ok((name, content))
        }
    }
}

/// Deploys the benchmark process and returns the first process definition of the deployment.
pub async fn deploy(client: &Client, path: Option<&Path>) -> Result<DeployedProcess, LoadgenError> {
    let (name, content) = resource(path)?;
    let response = client
        .deploy_resource(name.clone(), content)
        .await
        .map_err(|source| LoadgenError::Deploy {
            resource: name.clone(),
            source,
        })?;
    first_process(&response).ok_or(LoadgenError::NoProcessDeployed { resource: name })
}

/// The first process definition in a deployment response.
pub fn first_process(response: &proto::DeployResourceResponse) -> Option<DeployedProcess> {
    response
        .deployments
        .iter()
        .find_map(|deployment| match &deployment.metadata {
            Some(proto::deployment::Metadata::Process(process)) => Some(DeployedProcess {
                bpmn_process_id: process.bpmn_process_id.clone(),
                version: process.version,
                process_definition_key: process.process_definition_key,
            }),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_resource_is_the_one_task_process() {
        let (name, content) = resource(None).unwrap();
        assert_eq!(name, "benchmark.bpmn");
        let text = String::from_utf8(content).unwrap();
        assert!(text.contains(r#"<bpmn:process id="benchmark""#));
        assert!(text.contains(r#"type="benchmark-task""#));
        assert_eq!(crate::args::DEFAULT_JOB_TYPE, "benchmark-task");
    }

    #[test]
    fn file_resource_keeps_its_name() {
        let dir = std::env::temp_dir().join(format!("hornet-loadgen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("order.bpmn");
        std::fs::write(&path, "<definitions/>").unwrap();
        let (name, content) = resource(Some(&path)).unwrap();
        assert_eq!(name, "order.bpmn");
        assert_eq!(content, b"<definitions/>");
        std::fs::remove_dir_all(&dir).unwrap();

        let missing = resource(Some(&dir.join("missing.bpmn"))).unwrap_err();
        assert!(missing.to_string().contains("missing.bpmn"), "{missing}");
    }

    #[test]
    fn first_process_skips_other_resources() {
        let response = proto::DeployResourceResponse {
            key: 1,
            deployments: vec![
                proto::Deployment {
                    metadata: Some(proto::deployment::Metadata::Form(Default::default())),
                },
                proto::Deployment {
                    metadata: Some(proto::deployment::Metadata::Process(
                        proto::ProcessMetadata {
                            bpmn_process_id: "benchmark".into(),
                            version: 2,
                            process_definition_key: 2251799813685250,
                            resource_name: "benchmark.bpmn".into(),
                            tenant_id: "<default>".into(),
                        },
                    )),
                },
            ],
            tenant_id: String::new(),
        };
        let process = first_process(&response).unwrap();
        assert_eq!(process.bpmn_process_id, "benchmark");
        assert_eq!(process.version, 2);
        assert_eq!(process.process_definition_key, 2251799813685250);
        assert!(first_process(&proto::DeployResourceResponse::default()).is_none());
    }

    #[test]
    fn builtin_process_is_valid_for_the_engine() {
        let processes = hornet_bpmn::parse_definitions(BUILTIN_PROCESS.as_bytes())
            .unwrap_or_else(|error| panic!("built-in benchmark process is invalid: {error}"));
        assert_eq!(processes.len(), 1);
        assert_eq!(processes[0].id, BUILTIN_PROCESS_ID);
    }
}
