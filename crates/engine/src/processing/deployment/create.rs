//! Deployment CREATE: parses every BPMN and DMN resource, assigns versions and keys, and writes PROCESS
//! CREATED per new process version, DECISION_REQUIREMENTS CREATED and DECISION CREATED per new DMN
//! version (see [`super::dmn`]), plus DEPLOYMENT CREATED.
//!
//! * Any invalid or unsupported resource rejects the whole deployment (INVALID_ARGUMENT), listing every
//!   problem per resource as Zeebe does.
//! * A process whose resource is byte-identical (same SHA-256 checksum, same resource name) to its latest
//!   version is a duplicate: it keeps that version and key and is reported with `isDuplicate = true`.
//!   (Zeebe uses MD5; any deterministic digest does, and SHA-256 is what we keep.)
//! * A command whose record already carries `processesMetadata` is the copy of a deployment made on
//!   another partition (distribution): its keys and versions are taken as they are, and the copy is
//!   acknowledged to the deployment's partition (also when it was already deployed here).
//! * With several partitions, the original deployment is then distributed to every other partition
//!   (see [`crate::processing::distribution`]).

use super::dmn;
use crate::error::EngineError;
use crate::processing::bpmn::start_events;
use crate::processing::bpmn::support::unsupported_elements;
use crate::processing::{distribution, Ctx};
use crate::state::processes;
use bytes::Bytes;
use hornet_protocol::value::{DeploymentRecord, ProcessMetadata, ProcessRecord};
use hornet_protocol::{DeploymentIntent, ProcessIntent, Record, RecordValue, RejectionType};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(crate) const DEFAULT_TENANT: &str = "<default>";

fn tenant(value: &str) -> String {
    if value.is_empty() {
        DEFAULT_TENANT.to_string()
    } else {
        value.to_string()
    }
}

fn is_bpmn(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".bpmn") || lower.ends_with(".xml")
}

pub(crate) fn process(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &DeploymentRecord,
) -> Result<(), EngineError> {
    let copied = !value.processes_metadata.is_empty()
        || !value.decision_requirements_metadata.is_empty()
        || !value.decisions_metadata.is_empty();
    if copied && !value.deployment_key.is_none() {
        return distributed(ctx, command, value);
    }
    if value.resources.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            "Expected to deploy at least one resource, but none given",
        );
        return Ok(());
    }
    let tenant_id = tenant(&value.tenant_id);

    // 1. Parse and validate everything before writing anything.
    let mut errors = Vec::new();
    let mut parsed = Vec::new(); // (resource index, process id, version tag)
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut drgs = Vec::new();
    for (index, resource) in value.resources.iter().enumerate() {
        if dmn::is_dmn(&resource.resource_name) {
            match dmn::parse(index, &resource.resource) {
                Ok(drg) => drgs.push(drg),
                Err(error) => errors.push(format!("'{}': {}", resource.resource_name, error)),
            }
            continue;
        }
        if !is_bpmn(&resource.resource_name) {
            errors.push(format!(
                "'{}': resource type is not supported by Hornet yet (supported: .bpmn, .xml, .dmn)",
                resource.resource_name
            ));
            continue;
        }
        match hornet_bpmn::parse_definitions(&resource.resource) {
            Err(error) => errors.push(format!("'{}': {}", resource.resource_name, error)),
            Ok(models) => {
                let mut problems = Vec::new();
                for model in &models {
                    problems.extend(unsupported_elements(model));
                    problems.extend(start_events::invalid_start_timers(ctx, model)?);
                }
                if !problems.is_empty() {
                    errors.push(format!(
                        "'{}': {}",
                        resource.resource_name,
                        problems.join("\n")
                    ));
                    continue;
                }
                for model in models {
                    if let Some(previous) = seen.get(&model.id) {
                        errors.push(format!(
                            "Duplicated process id in resources '{}' and '{}'",
                            previous, resource.resource_name
                        ));
                        continue;
                    }
                    seen.insert(model.id.clone(), resource.resource_name.clone());
                    parsed.push((
                        index,
                        model.id.clone(),
                        model.version_tag.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        let names: Vec<&str> = value
            .resources
            .iter()
            .map(|r| r.resource_name.as_str())
            .collect();
        errors.extend(dmn::conflicts(ctx, &drgs, &names)?);
    }
    if !errors.is_empty() {
        ctx.reject(
            command,
            RejectionType::InvalidArgument,
            format!(
                "Expected to deploy new resources, but encountered the following errors:\n{}",
                errors.join("\n")
            ),
        );
        return Ok(());
    }

    // 2. Versions and keys.
    let deployment_key = ctx.next_key();
    let mut metadata = Vec::new();
    for (index, bpmn_process_id, version_tag) in parsed {
        let resource = &value.resources[index];
        let checksum = Sha256::digest(&resource.resource).to_vec();
        let latest = processes::latest(&ctx.state, &bpmn_process_id)?;
        let duplicate = latest
            .as_ref()
            .filter(|l| l.checksum == checksum && l.resource_name == resource.resource_name);
        let entry = match duplicate {
            Some(latest) => ProcessMetadata {
                bpmn_process_id,
                version: latest.version,
                process_definition_key: latest.process_definition_key,
                resource_name: resource.resource_name.clone(),
                checksum: Bytes::from(checksum),
                is_duplicate: true,
                tenant_id: tenant_id.clone(),
                deployment_key,
                version_tag,
            },
            None => {
                let version = latest.as_ref().map(|l| l.version + 1).unwrap_or(1);
                let key = ctx.next_key();
                let process = ProcessRecord {
                    bpmn_process_id: bpmn_process_id.clone(),
                    version,
                    process_definition_key: key,
                    resource_name: resource.resource_name.clone(),
                    checksum: Bytes::from(checksum.clone()),
                    resource: resource.resource.clone(),
                    tenant_id: tenant_id.clone(),
                    deployment_key,
                    version_tag: version_tag.clone(),
                };
                ctx.event(
                    key,
                    RecordValue::Process(ProcessIntent::Created, Box::new(process)),
                )?;
                if let Some(previous) = &latest {
                    start_events::close(ctx, previous.process_definition_key)?;
                }
                start_events::open(ctx, key, true)?;
                ProcessMetadata {
                    bpmn_process_id,
                    version,
                    process_definition_key: key,
                    resource_name: resource.resource_name.clone(),
                    checksum: Bytes::from(checksum),
                    is_duplicate: false,
                    tenant_id: tenant_id.clone(),
                    deployment_key,
                    version_tag,
                }
            }
        };
        metadata.push(entry);
    }
    let mut decisions_metadata = Vec::new();
    let mut decision_requirements_metadata = Vec::new();
    for drg in &drgs {
        let resource = &value.resources[drg.index];
        let (drg_metadata, decisions) = dmn::create(
            ctx,
            drg,
            &resource.resource_name,
            &resource.resource,
            &tenant_id,
            deployment_key,
        )?;
        decision_requirements_metadata.push(drg_metadata);
        decisions_metadata.extend(decisions);
    }
    let deployment = DeploymentRecord {
        resources: value.resources.clone(),
        processes_metadata: metadata,
        tenant_id,
        deployment_key,
        decisions_metadata,
        decision_requirements_metadata,
    };
    ctx.event_answering(
        command,
        deployment_key,
        RecordValue::Deployment(DeploymentIntent::Created, deployment.clone()),
    )?;
    distribution::distribute(
        ctx,
        deployment_key,
        RecordValue::Deployment(DeploymentIntent::Create, deployment),
    )
}

/// A deployment made on another partition: store its new versions under the same keys.
fn distributed(
    ctx: &mut Ctx<'_>,
    command: &Record,
    value: &DeploymentRecord,
) -> Result<(), EngineError> {
    let resources: BTreeMap<&str, &Bytes> = value
        .resources
        .iter()
        .map(|r| (r.resource_name.as_str(), &r.resource))
        .collect();
    // Check every resource the metadata names before writing anything.
    let named = value
        .processes_metadata
        .iter()
        .filter(|p| !p.is_duplicate)
        .map(|p| p.resource_name.as_str())
        .chain(
            value
                .decision_requirements_metadata
                .iter()
                .filter(|d| !d.duplicate)
                .map(|d| d.resource_name.as_str()),
        );
    for name in named {
        if !resources.contains_key(name) {
            ctx.reject(
                command,
                RejectionType::InvalidArgument,
                format!(
                    "Expected the distributed deployment to contain resource '{name}', but it does not"
                ),
            );
            return Ok(());
        }
    }
    for metadata in &value.processes_metadata {
        if metadata.is_duplicate
            || processes::get_by_key(&ctx.state, metadata.process_definition_key)?.is_some()
        {
            continue;
        }
        let Some(resource) = resources.get(metadata.resource_name.as_str()) else {
            continue; // checked above
        };
        let process = ProcessRecord {
            bpmn_process_id: metadata.bpmn_process_id.clone(),
            version: metadata.version,
            process_definition_key: metadata.process_definition_key,
            resource_name: metadata.resource_name.clone(),
            checksum: metadata.checksum.clone(),
            resource: (*resource).clone(),
            tenant_id: tenant(&metadata.tenant_id),
            deployment_key: value.deployment_key,
            version_tag: metadata.version_tag.clone(),
        };
        let previous = processes::latest(&ctx.state, &metadata.bpmn_process_id)?;
        ctx.event(
            metadata.process_definition_key,
            RecordValue::Process(ProcessIntent::Created, Box::new(process)),
        )?;
        // Only the latest version listens for messages; timers start on the deployment partition only.
        if let Some(previous) = previous.filter(|p| p.version < metadata.version) {
            start_events::close(ctx, previous.process_definition_key)?;
        }
        if processes::latest(&ctx.state, &metadata.bpmn_process_id)?
            .is_some_and(|l| l.process_definition_key == metadata.process_definition_key)
        {
            start_events::open(ctx, metadata.process_definition_key, false)?;
        }
    }
    dmn::distributed(ctx, value, &resources)?;
    ctx.event_answering(
        command,
        value.deployment_key,
        RecordValue::Deployment(DeploymentIntent::Created, value.clone()),
    )?;
    distribution::acknowledge_received(ctx, value.deployment_key);
    Ok(())
}
