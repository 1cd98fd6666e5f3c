//! Parsed process models, cached by process definition key and rebuilt from the stored BPMN resource on a
//! miss. The cache is derived from state only; the broker calls [`crate::Engine::clear_caches`] after a
//! snapshot install or when it drops uncommitted state (leadership loss), since a dropped round may
//! have cached a definition whose key a later round reuses.

use crate::error::EngineError;
use crate::kv::KvRead;
use crate::state::processes;
use hornet_bpmn::{ElementIdx, Process};
use hornet_protocol::Key;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A deployed process: its definition metadata and parsed model.
#[derive(Debug)]
pub(crate) struct DeployedProcess {
    pub bpmn_process_id: String,
    pub version: i32,
    pub tenant_id: String,
    pub model: Process,
    /// Whether any inclusive gateway joins flows (only then are joins re-checked as tokens move).
    pub has_inclusive_join: bool,
    /// Whether the process has a message start event: only its instances can hold a start
    /// correlation (the correlation key that keeps a second instance from starting meanwhile).
    pub has_message_start: bool,
}

impl DeployedProcess {
    /// The element with BPMN id `id`.
    pub fn find(&self, id: &str) -> Option<ElementIdx> {
        self.model.find(id)
    }
}

#[derive(Default)]
pub(crate) struct ProcessCache {
    by_key: BTreeMap<Key, Arc<DeployedProcess>>,
}

impl ProcessCache {
    pub fn clear(&mut self) {
        self.by_key.clear();
    }

    /// The process with definition key `key`, parsing its stored resource if it is not cached.
    pub fn get(
        &mut self,
        kv: &dyn KvRead,
        key: Key,
    ) -> Result<Option<Arc<DeployedProcess>>, EngineError> {
        if let Some(found) = self.by_key.get(&key) {
            return Ok(Some(found.clone()));
        }
        let Some(record) = processes::get_by_key(kv, key)? else {
            return Ok(None);
        };
        let parsed = hornet_bpmn::parse_definitions(&record.resource).map_err(|e| {
            EngineError::StoredProcessInvalid {
                key,
                reason: e.to_string(),
            }
        })?;
        let model = parsed
            .into_iter()
            .find(|p| p.id == record.bpmn_process_id)
            .ok_or_else(|| EngineError::StoredProcessInvalid {
                key,
                reason: format!(
                    "the resource no longer defines process '{}'",
                    record.bpmn_process_id
                ),
            })?;
        let has_inclusive_join = model.elements().any(|(_, element)| {
            matches!(
                element.kind,
                hornet_bpmn::ElementKind::InclusiveGateway { .. }
            ) && element.incoming.len() > 1
        });
        let has_message_start = model.flow_scope(model.root()).is_some_and(|scope| {
            scope.start_events.iter().any(|start| {
                matches!(
                    model.element(*start).event_definition(),
                    Some(hornet_bpmn::EventDefinition::Message(_))
                )
            })
        });
        let deployed = Arc::new(DeployedProcess {
            has_inclusive_join,
            has_message_start,
            bpmn_process_id: record.bpmn_process_id,
            version: record.version,
            tenant_id: record.tenant_id,
            model,
        });
        self.by_key.insert(key, deployed.clone());
        Ok(Some(deployed))
    }

    /// Like [`ProcessCache::get`], but a missing definition is an error (state refers to it).
    pub fn require(
        &mut self,
        kv: &dyn KvRead,
        key: Key,
    ) -> Result<Arc<DeployedProcess>, EngineError> {
        self.get(kv, key)?
            .ok_or(EngineError::MissingProcess { key })
    }
}
