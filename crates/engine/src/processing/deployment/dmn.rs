//! The DMN part of a deployment: each `.dmn` resource is one decision requirements graph (DRG) whose
//! decisions become deployable decisions.
//!
//! * A DRG whose resource is byte-identical (same checksum and resource name) to the latest version of its
//!   id is a duplicate: it and its decisions keep their versions and keys (`duplicate = true`).
//! * Otherwise the DRG gets the next version of its id, and each decision the next version of its own id.
//! * A decision id may only belong to one DRG id (a decision's versions must come from one DRG), as in
//!   Zeebe.

use crate::error::EngineError;
use crate::processing::Ctx;
use crate::state::decisions;
use bytes::Bytes;
use hornet_protocol::value::{
    DecisionRecord, DecisionRequirementsMetadata, DecisionRequirementsRecord, DeploymentRecord,
};
use hornet_protocol::{DecisionIntent, DecisionRequirementsIntent, Key, RecordValue};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(super) fn is_dmn(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".dmn")
}

/// A DMN resource that parsed, and what the deployment needs of it.
pub(super) struct ParsedDrg {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// (decision id, decision name), in document order.
    pub decisions: Vec<(String, String)>,
}

/// Parses one DMN resource strictly (any FEEL that does not compile fails it).
pub(super) fn parse(index: usize, xml: &[u8]) -> Result<ParsedDrg, String> {
    let definitions = hornet_dmn::parse_definitions(xml).map_err(|e| e.to_string())?;
    let id = definitions
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| "the DMN <definitions> element has no id".to_string())?;
    if definitions.decisions().is_empty() {
        return Err(format!(
            "the decision requirements '{id}' contain no decision"
        ));
    }
    Ok(ParsedDrg {
        index,
        name: definitions.name.clone().unwrap_or_else(|| id.clone()),
        namespace: definitions.namespace.clone().unwrap_or_default(),
        decisions: definitions
            .decisions()
            .iter()
            .map(|d| (d.id.clone(), d.name.clone()))
            .collect(),
        id,
    })
}

/// Problems of parsed DRGs that only show against each other or against what is deployed.
pub(super) fn conflicts(
    ctx: &Ctx<'_>,
    drgs: &[ParsedDrg],
    resource_names: &[&str],
) -> Result<Vec<String>, EngineError> {
    let mut errors = Vec::new();
    let mut drg_ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut decision_ids: BTreeMap<&str, &str> = BTreeMap::new();
    for drg in drgs {
        let resource = resource_names[drg.index];
        if let Some(previous) = drg_ids.insert(&drg.id, resource) {
            errors.push(format!(
                "Expected the decision requirements ids to be unique within a deployment but found a duplicated id '{}' in the resources '{}' and '{}'",
                drg.id, previous, resource
            ));
        }
        for (decision_id, _) in &drg.decisions {
            if let Some(previous) = decision_ids.insert(decision_id, resource) {
                errors.push(format!(
                    "Expected the decision ids to be unique within a deployment but found a duplicated id '{}' in the resources '{}' and '{}'",
                    decision_id, previous, resource
                ));
            }
            if let Some(deployed) = decisions::latest_decision(&ctx.state, decision_id)? {
                if deployed.decision_requirements_id != drg.id {
                    errors.push(format!(
                        "'{}': expected decision '{}' to belong to the decision requirements '{}', but it is already deployed in the decision requirements '{}'",
                        resource, decision_id, drg.id, deployed.decision_requirements_id
                    ));
                }
            }
        }
    }
    Ok(errors)
}

/// Writes DECISION_REQUIREMENTS CREATED and DECISION CREATED for a new DRG version (nothing for a
/// duplicate) and returns the deployment's metadata for it.
pub(super) fn create(
    ctx: &mut Ctx<'_>,
    drg: &ParsedDrg,
    resource_name: &str,
    resource: &Bytes,
    tenant_id: &str,
    deployment_key: Key,
) -> Result<(DecisionRequirementsMetadata, Vec<DecisionRecord>), EngineError> {
    let checksum = Sha256::digest(resource).to_vec();
    let latest = decisions::latest_drg(&ctx.state, &drg.id)?;
    let duplicate = latest
        .as_ref()
        .filter(|l| l.checksum == checksum && l.resource_name == resource_name);
    if let Some(latest) = duplicate {
        let mut metadata = Vec::new();
        for (decision_id, _) in &drg.decisions {
            let key = decisions::decision_key_in_drg(&ctx.state, latest.key, decision_id)?;
            if let Some(existing) = key
                .map(|k| decisions::decision_by_key(&ctx.state, k))
                .transpose()?
                .flatten()
            {
                metadata.push(DecisionRecord {
                    duplicate: true,
                    deployment_key,
                    ..existing
                });
            }
        }
        let drg_metadata = DecisionRequirementsMetadata {
            decision_requirements_id: drg.id.clone(),
            decision_requirements_name: drg.name.clone(),
            decision_requirements_version: latest.version,
            decision_requirements_key: latest.key,
            namespace: drg.namespace.clone(),
            resource_name: resource_name.to_string(),
            checksum: Bytes::from(checksum),
            duplicate: true,
            tenant_id: tenant_id.to_string(),
        };
        return Ok((drg_metadata, metadata));
    }
    let drg_key = ctx.next_key();
    let record = DecisionRequirementsRecord {
        decision_requirements_id: drg.id.clone(),
        decision_requirements_name: drg.name.clone(),
        decision_requirements_version: latest.map(|l| l.version + 1).unwrap_or(1),
        decision_requirements_key: drg_key,
        namespace: drg.namespace.clone(),
        resource_name: resource_name.to_string(),
        checksum: Bytes::from(checksum),
        resource: resource.clone(),
        duplicate: false,
        tenant_id: tenant_id.to_string(),
    };
    ctx.event(
        drg_key,
        RecordValue::DecisionRequirements(
            DecisionRequirementsIntent::Created,
            Box::new(record.clone()),
        ),
    )?;
    let mut metadata = Vec::new();
    for (decision_id, decision_name) in &drg.decisions {
        let version = decisions::latest_decision(&ctx.state, decision_id)?
            .map(|d| d.version + 1)
            .unwrap_or(1);
        let key = ctx.next_key();
        let decision = DecisionRecord {
            decision_id: decision_id.clone(),
            decision_name: decision_name.clone(),
            version,
            decision_key: key,
            decision_requirements_id: drg.id.clone(),
            decision_requirements_key: drg_key,
            duplicate: false,
            tenant_id: tenant_id.to_string(),
            deployment_key,
            version_tag: String::new(),
        };
        ctx.event(
            key,
            RecordValue::Decision(DecisionIntent::Created, Box::new(decision.clone())),
        )?;
        metadata.push(decision);
    }
    Ok((drg_metadata_of(&record), metadata))
}

fn drg_metadata_of(record: &DecisionRequirementsRecord) -> DecisionRequirementsMetadata {
    DecisionRequirementsMetadata {
        decision_requirements_id: record.decision_requirements_id.clone(),
        decision_requirements_name: record.decision_requirements_name.clone(),
        decision_requirements_version: record.decision_requirements_version,
        decision_requirements_key: record.decision_requirements_key,
        namespace: record.namespace.clone(),
        resource_name: record.resource_name.clone(),
        checksum: record.checksum.clone(),
        duplicate: record.duplicate,
        tenant_id: record.tenant_id.clone(),
    }
}

/// A deployment copied from another partition: stores its new DRG and decision versions under the same
/// keys. The caller has checked that every resource the metadata names is there.
pub(super) fn distributed(
    ctx: &mut Ctx<'_>,
    value: &DeploymentRecord,
    resources: &BTreeMap<&str, &Bytes>,
) -> Result<(), EngineError> {
    for drg in &value.decision_requirements_metadata {
        if drg.duplicate
            || decisions::drg_by_key(&ctx.state, drg.decision_requirements_key)?.is_some()
        {
            continue;
        }
        let Some(resource) = resources.get(drg.resource_name.as_str()) else {
            continue;
        };
        let record = DecisionRequirementsRecord {
            decision_requirements_id: drg.decision_requirements_id.clone(),
            decision_requirements_name: drg.decision_requirements_name.clone(),
            decision_requirements_version: drg.decision_requirements_version,
            decision_requirements_key: drg.decision_requirements_key,
            namespace: drg.namespace.clone(),
            resource_name: drg.resource_name.clone(),
            checksum: drg.checksum.clone(),
            resource: (*resource).clone(),
            duplicate: false,
            tenant_id: drg.tenant_id.clone(),
        };
        ctx.event(
            drg.decision_requirements_key,
            RecordValue::DecisionRequirements(
                DecisionRequirementsIntent::Created,
                Box::new(record),
            ),
        )?;
    }
    for decision in &value.decisions_metadata {
        if decision.duplicate
            || decisions::decision_by_key(&ctx.state, decision.decision_key)?.is_some()
        {
            continue;
        }
        ctx.event(
            decision.decision_key,
            RecordValue::Decision(DecisionIntent::Created, Box::new(decision.clone())),
        )?;
    }
    Ok(())
}
