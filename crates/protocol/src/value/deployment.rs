//! Deployments and the process definitions they create.

use crate::key::Key;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// One resource (a BPMN or DMN file) of a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentResource {
    pub resource_name: String,
    pub resource: Bytes,
}

/// What a deployment made of one process: a new version, or the existing one for an unchanged resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessMetadata {
    pub bpmn_process_id: String,
    pub version: i32,
    pub process_definition_key: Key,
    pub resource_name: String,
    pub checksum: Bytes,
    pub is_duplicate: bool,
    pub tenant_id: String,
    pub deployment_key: Key,
    pub version_tag: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRecord {
    pub resources: Vec<DeploymentResource>,
    pub processes_metadata: Vec<ProcessMetadata>,
    pub tenant_id: String,
    pub deployment_key: Key,
    pub decisions_metadata: Vec<super::DecisionMetadata>,
    pub decision_requirements_metadata: Vec<super::DecisionRequirementsMetadata>,
}

impl Default for Key {
    fn default() -> Self {
        Key::NONE
    }
}

/// A deployed process definition, with its BPMN resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessRecord {
    pub bpmn_process_id: String,
    pub version: i32,
    pub process_definition_key: Key,
    pub resource_name: String,
    pub checksum: Bytes,
    pub resource: Bytes,
    pub tenant_id: String,
    pub deployment_key: Key,
    pub version_tag: String,
}
